//===- MemRef.h - MLIR memref descriptors built at run time -----*- C++ -*-===//
//
// Compiled entry points take memrefs through MLIR's C interface: a struct
// {allocated, aligned, offset, sizes[rank], strides[rank]}. The rank is only
// known from the manifest, so descriptors are built as arrays of words.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_MEMREF_H
#define LLMC_RUNTIME_MEMREF_H

#include <cstdint>
#include <vector>

namespace llmc::rt {

class MemRefDescriptor {
public:
  MemRefDescriptor() = default;
  /// A contiguous row-major view of `data` with `shape`.
  MemRefDescriptor(const void *data, const std::vector<int64_t> &shape) {
    size_t rank = shape.size();
    words.assign(3 + 2 * rank, 0);
    words[0] = words[1] = reinterpret_cast<uintptr_t>(data);
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      words[3 + i] = static_cast<uint64_t>(shape[i]);
      words[3 + rank + i] = static_cast<uint64_t>(stride);
      stride *= shape[i];
    }
  }
  /// An empty descriptor of `rank` for a result the callee fills in.
  static MemRefDescriptor result(size_t rank) {
    MemRefDescriptor d;
    d.words.assign(3 + 2 * rank, 0);
    return d;
  }

  void *get() { return words.data(); }
  size_t sizeInWords() const { return words.size(); }
  void *allocated() const { return reinterpret_cast<void *>(words[0]); }
  void *aligned() const { return reinterpret_cast<void *>(words[1]); }
  int64_t size(size_t i) const { return static_cast<int64_t>(words[3 + i]); }

  std::vector<uint64_t> words;
};

} // namespace llmc::rt

#endif // LLMC_RUNTIME_MEMREF_H
