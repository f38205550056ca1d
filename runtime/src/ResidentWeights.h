//===- ResidentWeights.h - The weights in the process's own memory -*- C++
//-*-===//
//
// A decode step reads every weight once, so its speed is the speed at which
// a core reads them. On the project's machines a core read a file's page
// cache pages at 15-18 GB/s and fresh anonymous memory at 28-32 GB/s (huge
// pages), and TinyLlama-1.1B int4 decode ran 1.75x as fast on one thread
// and 1.2x on two with its weights copied (docs/performance.md, "Weights in
// memory"). So the CPU runtime copies a model's weights out of the file's
// pages at load, unless asked not to or they do not fit.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_RESIDENTWEIGHTS_H
#define LLMC_RUNTIME_RESIDENTWEIGHTS_H

#include <cstddef>
#include <cstdint>

namespace llmc::rt {

/// Whether weights of `size` bytes should be copied when `available` bytes
/// of memory are left: at most half of it, which leaves room for the KV
/// cache, the activations and the file's pages the copy reads.
bool weightsFitInMemory(uint64_t size, uint64_t available);

/// Fresh memory, read-only once filled, holding a copy of `size` bytes at
/// `source`, made on up to `threads` threads: huge pages where the kernel
/// grants them, and the source's whole pages dropped from this process as
/// they are copied when they are a read-only file mapping (they stay in the
/// page cache). nullptr when the memory cannot be had; `mappedSize` is what
/// to munmap.
const uint8_t *copyIntoMemory(const uint8_t *source, size_t size, int threads,
                              size_t &mappedSize);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_RESIDENTWEIGHTS_H
