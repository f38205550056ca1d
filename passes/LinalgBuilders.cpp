//===- LinalgBuilders.cpp - Small helpers for emitting linalg on tensors --===//

#include "passes/LinalgBuilders.h"

using namespace mlir;

namespace llmc {

SmallVector<OpFoldResult> getSizes(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value makeEmpty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value makeFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                 Type elementType, double value) {
  Value empty = makeEmpty(b, loc, sizes, elementType);
  Value scalar =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(elementType, value));
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

arith::FastMathFlagsAttr getReductionFastMath(MLIRContext *ctx) {
  return arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::reassoc |
                                                arith::FastMathFlags::contract);
}

SmallVector<utils::IteratorType> parallelIterators(int64_t rank) {
  return SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel);
}

} // namespace llmc
