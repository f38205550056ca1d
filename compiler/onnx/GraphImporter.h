//===- GraphImporter.h - The graph walk of the ONNX importer ----*- C++ -*-===//

#ifndef LLMC_COMPILER_ONNX_GRAPHIMPORTER_H
#define LLMC_COMPILER_ONNX_GRAPHIMPORTER_H

#include "compiler/onnx/ImportContext.h"
#include "compiler/onnx/OnnxImporter.h"

namespace llmc::onnx_import {

class GraphImporter {
public:
  /// Tensors of at most this many elements are folded at import time.
  static constexpr int64_t kMaxFoldedElements = 64;

  GraphImporter(mlir::MLIRContext &context, OnnxModel &model,
                const OnnxImportOptions &options)
      : builder(&context), model(model), options(options) {}

  llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> run();

  mlir::Location locationOf(const onnx::NodeProto &node);
  void fail(const onnx::NodeProto &node, const llvm::Twine &what);
  /// "node 'x' (domain::Op, opset N)".
  std::string describe(const onnx::NodeProto &node);
  mlir::Value materialize(OnnxValue &value);

  mlir::OpBuilder builder;
  OnnxModel &model;
  const OnnxImportOptions &options;
  llvm::StringMap<OnnxValue> values;

private:
  llvm::Error defineTensor(llvm::StringRef name, const onnx::TensorProto &t,
                           llvm::StringRef weightName);
  llvm::Error importConstant(const onnx::NodeProto &node);
  /// Fails unless `node` fits its operator's schema at `opset`: as many
  /// inputs and outputs as it allows, every required input named, and input
  /// element types its type constraints allow (one type per constraint).
  /// Handlers read inputs by position and rely on all three.
  mlir::LogicalResult checkSchema(const onnx::NodeProto &node, int64_t opset);

  /// The first failure a node reported ("<file>: node ...").
  std::string firstError;
  llvm::Error takeError() {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), firstError);
  }
};

} // namespace llmc::onnx_import

#endif // LLMC_COMPILER_ONNX_GRAPHIMPORTER_H
