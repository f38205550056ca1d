//===- OnnxModel.h - A loaded ONNX model and its tensor data ----*- C++ -*-===//
//
// Parses model.onnx (protobuf, any size up to protobuf's 2 GiB message limit)
// and resolves tensor data: inline fields, raw_data, or external data files
// relative to the model's folder. External files are memory-mapped; a
// location that leaves the folder (absolute, "..", a symlink out) or a span
// past the end of the file is refused with an error naming the tensor.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_ONNX_ONNXMODEL_H
#define LLMC_COMPILER_ONNX_ONNXMODEL_H

#include "compiler/WeightSource.h"
#include "compiler/onnx/MatMulNBits.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// The bytes of a tensor, little-endian and row-major: a view into the
/// model, a mapped external file, or an owned conversion of typed fields.
struct TensorBytes {
  int32_t dataType = 0;
  std::vector<int64_t> shape;
  llvm::ArrayRef<uint8_t> bytes;
  std::shared_ptr<std::vector<uint8_t>> owned;
};

/// Bytes per element of an ONNX data type, or 0 when unsupported.
unsigned getOnnxElementSize(int32_t dataType);
/// The data type's name ("FLOAT", "INT64", ...).
std::string getOnnxTypeName(int32_t dataType);

class OnnxModel : public WeightSource {
public:
  static llvm::Expected<std::unique_ptr<OnnxModel>> load(llvm::StringRef path);
  /// Parses a model held in memory; `path` names it and locates external
  /// data.
  static llvm::Expected<std::unique_ptr<OnnxModel>> parse(llvm::StringRef bytes,
                                                          llvm::StringRef path);

  const onnx::ModelProto &getProto() const { return model; }
  const onnx::GraphProto &getGraph() const { return model.graph(); }
  llvm::StringRef getPath() const { return path; }
  /// The opset imported for `domain` ("" and "ai.onnx" are the default
  /// domain), or 0 when the model imports none.
  int64_t getOpset(llvm::StringRef domain) const;

  /// The data of `tensor` (an initializer or a Constant's value).
  llvm::Expected<TensorBytes> getData(const onnx::TensorProto &tensor) const;

  /// Initializers by name.
  const onnx::TensorProto *getInitializer(llvm::StringRef name) const;
  /// Makes `tensor` (a large Constant's value) a weight named `name`.
  void addWeight(llvm::StringRef name, const onnx::TensorProto *tensor) {
    initializers[name] = tensor;
  }

  /// The name under which getTensorBytes serves the transpose of the 2-D
  /// initializer `name`: a lifted linear layer stores its weight
  /// [out, in] where the export multiplies by [in, out].
  static std::string getTransposedName(llvm::StringRef name) {
    return (name + kTransposedSuffix).str();
  }
  static constexpr llvm::StringLiteral kTransposedSuffix = "@transposed";

  llvm::Expected<llvm::ArrayRef<uint8_t>>
  getTensorBytes(llvm::StringRef name) const override;
  /// The weight of the MatMulNBits nodes reading initializer `codes` as B
  /// (they must agree on its scales, zero points, K and block size).
  llvm::Expected<MatMulNBitsWeight> getNBitsWeight(llvm::StringRef codes) const;
  /// Names under which getTensorBytes serves a MatMulNBits weight whose
  /// codes are initializer B: B@nbits in the int4 layout (servesPacked),
  /// B@dequantized as W^T [K, N] in f32 for the generic MatMul.
  static constexpr llvm::StringLiteral kNBitsSuffix = "@nbits";
  static constexpr llvm::StringLiteral kDequantizedSuffix = "@dequantized";
  bool servesPacked(llvm::StringRef name) const override;
  /// Releases pages of mapped external data files, and drops a transposed
  /// copy once its last bytes are released (the writer reads it again
  /// should it need to).
  void release(llvm::ArrayRef<uint8_t> bytes) const override;
  /// Drops pages of mapped external data files only.
  void evictPages(llvm::ArrayRef<uint8_t> bytes) const override;

private:
  OnnxModel() = default;
  /// The MatMulNBits weight whose codes are initializer `codes`, in the
  /// int4 layout or dequantized.
  llvm::Expected<TensorBytes> convertNBitsWeight(llvm::StringRef codes,
                                                 bool dequantize) const;

  std::string path, dir;
  onnx::ModelProto model;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  /// Mapped external data files by location, and conversions of typed
  /// fields kept alive for getTensorBytes.
  mutable std::map<std::string, std::unique_ptr<llvm::MemoryBuffer>> files;
  mutable llvm::StringMap<TensorBytes> converted;
};

} // namespace llmc

#endif // LLMC_COMPILER_ONNX_ONNXMODEL_H
