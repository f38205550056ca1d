//===- SafetensorsFile.h - A validated, memory-mapped safetensors file -*- C++
//-*-===//
//
// A safetensors file is an 8-byte little-endian header length, a JSON header
// mapping tensor names to {dtype, shape, data_offsets}, and a data section.
// `SafetensorsFile::open` maps the file and validates every claim the header
// makes before any byte of tensor data is handed out, so that a hostile file
// yields one error line instead of an out-of-bounds read.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_HF_SAFETENSORSFILE_H
#define LLMC_COMPILER_HF_SAFETENSORSFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llmc {

/// Element types a safetensors header may name.
enum class SafetensorsDType {
  F64,
  F32,
  F16,
  BF16,
  F8_E4M3,
  F8_E5M2,
  I64,
  I32,
  I16,
  I8,
  U64,
  U32,
  U16,
  U8,
  Bool
};

/// The spelling of `dtype` in a safetensors header ("F32", "BF16", ...).
llvm::StringRef toString(SafetensorsDType dtype);
/// Parses a header dtype string; std::nullopt when unknown.
std::optional<SafetensorsDType> parseSafetensorsDType(llvm::StringRef text);
/// Bytes per element of `dtype`.
unsigned getElementSize(SafetensorsDType dtype);

/// One tensor of a safetensors file. `data` points into the mapped file.
struct SafetensorsTensor {
  std::string name;
  SafetensorsDType dtype;
  llvm::SmallVector<int64_t, 4> shape;
  /// Byte span relative to the start of the data section.
  uint64_t begin = 0, end = 0;
  llvm::ArrayRef<uint8_t> data;

  uint64_t getNumElements() const;
};

class SafetensorsFile {
public:
  /// Largest header accepted; real headers are a few hundred KiB at most.
  static constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

  /// Maps and validates `path`. Errors read "<path>: <what was wrong>".
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);

  /// Validates an in-memory file; `path` only names it in messages.
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  parse(std::unique_ptr<llvm::MemoryBuffer> buffer, llvm::StringRef path);

  llvm::StringRef getPath() const { return path; }
  /// The tensor named `name`, or null.
  const SafetensorsTensor *lookup(llvm::StringRef name) const;
  /// All tensors, ordered by their position in the data section.
  llvm::ArrayRef<SafetensorsTensor> getTensors() const { return tensors; }
  /// Whether `bytes` lie in this file's buffer.
  bool contains(llvm::ArrayRef<uint8_t> bytes) const {
    auto *start = reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
    return bytes.data() >= start &&
           bytes.data() + bytes.size() <= start + buffer->getBufferSize();
  }
  const llvm::MemoryBuffer &getBuffer() const { return *buffer; }

private:
  SafetensorsFile() = default;

  std::string path;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<SafetensorsTensor> tensors;
  llvm::StringMap<size_t> index;
};

} // namespace llmc

#endif // LLMC_COMPILER_HF_SAFETENSORSFILE_H
