//===- OnnxImporter.h - ONNX graphs to MLIR ---------------------*- C++ -*-===//

#ifndef LLMC_COMPILER_ONNX_ONNXIMPORTER_H
#define LLMC_COMPILER_ONNX_ONNXIMPORTER_H

#include "compiler/onnx/OnnxModel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llmc {

struct OnnxImportOptions {
  /// Context length recorded for decoder graphs (their KV inputs grow).
  int64_t contextLength = 0;
};

/// Imports the main graph of `model` as `func.func @graph`: one argument per
/// graph input (initializers listed as inputs included, so they can be
/// overridden; their defaults are the weights), one result per output.
/// Initializers become `llm.weight`s named after themselves; shape
/// arithmetic on known values is folded, the rest lowered to tensor ops.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxModel(mlir::MLIRContext &context, OnnxModel &model,
                const OnnxImportOptions &options);

} // namespace llmc

#endif // LLMC_COMPILER_ONNX_ONNXIMPORTER_H
