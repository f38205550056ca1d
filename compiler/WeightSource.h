//===- WeightSource.h - Where a frontend's weight bytes come from -*- C++
//-*-===//

#ifndef LLMC_COMPILER_WEIGHTSOURCE_H
#define LLMC_COMPILER_WEIGHTSOURCE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

namespace llmc {

/// The bytes behind the names `llm.weight` ops refer to, as the frontend
/// found them (typically a memory-mapped file): the artifact writer streams
/// them into the weights blob without holding the model in memory.
class WeightSource {
public:
  virtual ~WeightSource() = default;
  /// The stored bytes of tensor `name`, little-endian, row-major.
  virtual llvm::Expected<llvm::ArrayRef<uint8_t>>
  getTensorBytes(llvm::StringRef name) const = 0;

  /// Whether tensor `name` is served already packed: getTensorBytes gives
  /// the bytes of its `!llm.packed_weight` layout, which the artifact
  /// writer copies as they are (pre-quantized weights keep their numbers).
  virtual bool servesPacked(llvm::StringRef name) const { return false; }

  /// Tells the source that `bytes` (part of a tensor it returned) will not
  /// be read again soon: a source that memory-maps its files can drop the
  /// pages from the process. Bytes in ordinary memory must stay untouched.
  virtual void release(llvm::ArrayRef<uint8_t> bytes) const {}

  /// Lets a source that memory-maps its files drop the pages of `bytes`
  /// from the process while they stay valid: read again, they come back
  /// from the file. Unlike release(), never frees anything, so a writer can
  /// call it on rows it is done with while it still reads others.
  virtual void evictPages(llvm::ArrayRef<uint8_t> bytes) const {}
};

/// Drops the pages of `bytes` from the process when `buffer` (which holds
/// them) is a read-only file mapping; does nothing for heap buffers, whose
/// pages would be zeroed. The pages stay in the page cache, but streaming a
/// model through the compiler then holds about one chunk resident.
inline void releaseMappedPages(const llvm::MemoryBuffer &buffer,
                               llvm::ArrayRef<uint8_t> bytes) {
  if (buffer.getBufferKind() != llvm::MemoryBuffer::MemoryBuffer_MMap)
    return;
  uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin =
      llvm::alignTo(reinterpret_cast<uintptr_t>(bytes.data()), page);
  uintptr_t end = llvm::alignDown(
      reinterpret_cast<uintptr_t>(bytes.data() + bytes.size()), page);
  if (begin < end)
    madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}

} // namespace llmc

#endif // LLMC_COMPILER_WEIGHTSOURCE_H
