//===- OpBuilders.h - Helpers the ONNX op importers share -------*- C++ -*-===//

#ifndef LLMC_COMPILER_ONNX_OPS_OPBUILDERS_H
#define LLMC_COMPILER_ONNX_OPS_OPBUILDERS_H

#include "compiler/onnx/ImportContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace llmc::onnx_import {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// `axis` in [-rank, rank) as a non-negative axis, or nullopt.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Whether two sizes are provably equal at import time: equal constants, or
/// runtime sizes read (through tensor.dim, destination-style ops,
/// tensor.empty and tensor.expand_shape) off one and the same dim.
bool sameSize(mlir::OpFoldResult a, mlir::OpFoldResult b);

/// The numpy broadcast of two sizes: `a` where `b` is 1 or provably equal,
/// else `b` where `a` is 1, else `a == 1 ? b : a` evaluated at run time,
/// with a run-time check that the sizes agree or one of them is 1.
mlir::OpFoldResult broadcastSize(NodeContext &ctx, mlir::OpFoldResult a,
                                 mlir::OpFoldResult b);

/// `value` broadcast to `sizes` (same rank) where one of its dynamic dims is
/// not provably `sizes`' one: such a dim is read at index 0 when it is 1 at
/// run time (numpy broadcasting of a dim only known at run time). Returns
/// `value` itself when every dim is provably equal or statically 1.
mlir::Value broadcastDynamicDims(NodeContext &ctx, mlir::Value value,
                                 llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// The numpy broadcast of `inputs`' shapes, or failure (with a message).
mlir::FailureOr<llvm::SmallVector<mlir::OpFoldResult>>
broadcastShape(NodeContext &ctx, llvm::ArrayRef<mlir::Value> inputs);

/// An elementwise linalg.generic over the broadcast of `inputs`.
mlir::FailureOr<mlir::Value> emitElementwise(NodeContext &ctx,
                                             llvm::ArrayRef<mlir::Value> inputs,
                                             mlir::Type resultElement,
                                             BodyFn body);

/// out = a @ b over broadcast batch dims (numpy's matmul, 1-D operands
/// included); f16 and bf16 products are summed in f32.
mlir::FailureOr<mlir::Value> emitMatMul(NodeContext &ctx, mlir::Value a,
                                        mlir::Value b);

/// A tensor of `sizes` x `element`, empty or filled with `value`.
mlir::Value emitEmpty(NodeContext &ctx,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes,
                      mlir::Type element);
mlir::Value emitFilled(NodeContext &ctx,
                       llvm::ArrayRef<mlir::OpFoldResult> sizes,
                       mlir::Type element, mlir::TypedAttr value);

/// The sizes of `value`.
llvm::SmallVector<mlir::OpFoldResult> sizesOf(NodeContext &ctx,
                                              mlir::Value value);

/// Converts a scalar between ONNX element types (Cast semantics: float to
/// int truncates toward zero, anything to bool is `!= 0`).
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type to);

/// A scalar constant of `type` (float or integer) with `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);
mlir::TypedAttr scalarAttr(mlir::OpBuilder &b, mlir::Type type, double value);

/// The lowest / highest value of `type` (for max / min reductions).
mlir::TypedAttr lowestAttr(mlir::OpBuilder &b, mlir::Type type);
mlir::TypedAttr highestAttr(mlir::OpBuilder &b, mlir::Type type);

/// Reduces `input` over `axes` (sorted, normalized) with `combine`, starting
/// from `init`; keeps reduced dims as 1 when `keepDims`. `map` transforms
/// each element before combining (e.g. squaring).
mlir::Value
emitReduction(NodeContext &ctx, mlir::Value input, llvm::ArrayRef<int64_t> axes,
              bool keepDims, mlir::TypedAttr init, BodyFn combine,
              llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                             mlir::Value)>
                  map = nullptr);

/// Softmax of float `x` over `axes` (sorted, normalized; a single trailing
/// axis, or every dim from one on): max, exp, sum, divide.
mlir::Value emitSoftmax(NodeContext &ctx, mlir::Value x,
                        llvm::ArrayRef<int64_t> axes);

/// `value` permuted by `perm`.
mlir::Value emitTranspose(NodeContext &ctx, mlir::Value value,
                          llvm::ArrayRef<int64_t> perm);

/// `value` reshaped to `sizes` (row-major, same number of elements).
mlir::Value emitReshape(NodeContext &ctx, mlir::Value value,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// The number of elements of `value` as an index value.
mlir::OpFoldResult numElements(NodeContext &ctx, mlir::Value value);

/// Static value of `ofr`, if any.
std::optional<int64_t> staticValue(mlir::OpFoldResult ofr);

/// Shape from sizes (dynamic where not static).
llvm::SmallVector<int64_t>
staticShape(llvm::ArrayRef<mlir::OpFoldResult> sizes);

} // namespace llmc::onnx_import

#endif // LLMC_COMPILER_ONNX_OPS_OPBUILDERS_H
