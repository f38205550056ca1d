//===- LinalgBuilders.h - Small helpers for emitting linalg on tensors -*- C++
//-*-===//
//
// Shared by the llm-to-linalg lowering patterns: empty/filled tensors with the
// dynamic sizes of another tensor, float casts, and fast-math flags that let
// LLVM vectorize reductions.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_PASSES_LINALGBUILDERS_H
#define LLMC_PASSES_LINALGBUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace llmc {

/// The sizes of `tensor`, static ones as attributes, dynamic ones as
/// `tensor.dim`.
llvm::SmallVector<mlir::OpFoldResult>
getSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value tensor);

/// `tensor.empty` of `sizes` x `elementType`.
mlir::Value makeEmpty(mlir::OpBuilder &b, mlir::Location loc,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes,
                      mlir::Type elementType);

/// `linalg.fill` of a fresh tensor of `sizes` with `value`.
mlir::Value makeFilled(mlir::OpBuilder &b, mlir::Location loc,
                       llvm::ArrayRef<mlir::OpFoldResult> sizes,
                       mlir::Type elementType, double value);

/// Converts a float scalar to `to` (extf/truncf), or returns it unchanged.
mlir::Value castFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::Type to);

/// Reassociation and contraction: lets LLVM vectorize float reductions.
mlir::arith::FastMathFlagsAttr getReductionFastMath(mlir::MLIRContext *ctx);

/// The identity map and iterator list for elementwise ops of `rank`.
llvm::SmallVector<mlir::utils::IteratorType> parallelIterators(int64_t rank);

} // namespace llmc

#endif // LLMC_PASSES_LINALGBUILDERS_H
