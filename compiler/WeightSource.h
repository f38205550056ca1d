//===- WeightSource.h - Where a frontend's weight bytes come from -*- C++
//-*-===//

#ifndef LLMC_COMPILER_WEIGHTSOURCE_H
#define LLMC_COMPILER_WEIGHTSOURCE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

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
};

} // namespace llmc

#endif // LLMC_COMPILER_WEIGHTSOURCE_H
