//===- PackedWeights.cpp - Reading !llm.packed_weight in linalg -----------===//
//
// The index math mirrors runtime/include/llmc/weight_layout.h as affine
// expressions of (row, col); lit tests pin both to the same layout.
//
//===----------------------------------------------------------------------===//

#include "passes/PackedWeights.h"
#include "passes/LinalgBuilders.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

using namespace mlir;

namespace llmc {
namespace {

/// Where element (row, col) = (d0, d1) lives: its data index (floats for
/// f32 panels, bytes otherwise) and its scale index (null for f32).
struct LayoutExprs {
  AffineExpr data, scale;
};

LayoutExprs layoutExprs(llm::PackedWeightType type) {
  MLIRContext *ctx = type.getContext();
  AffineExpr n = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx);
  int64_t cols = type.getCols();
  switch (type.getFormat()) {
  case LLMC_WEIGHT_F32_PANELS:
    return {n.floorDiv(LLMC_F32_PANEL) * (cols * LLMC_F32_PANEL) +
                k * LLMC_F32_PANEL + n % LLMC_F32_PANEL,
            {}};
  case LLMC_WEIGHT_INT8: {
    int64_t chunks = llmc_ceil_div(cols, 4);
    return {(n.floorDiv(16) * chunks + k.floorDiv(4)) * 64 + (n % 16) * 4 +
                k % 4,
            n};
  }
  case LLMC_WEIGHT_INT4: {
    int64_t group = type.getGroup();
    AffineExpr panelGroup =
        n.floorDiv(16) * llmc_ceil_div(cols, group) + k.floorDiv(group);
    return {(panelGroup * (group / 8) + (k % group).floorDiv(8)) * 64 +
                (n % 16) * 4 + k % 4,
            panelGroup * 16 + n % 16};
  }
  }
  return {};
}

/// The f32 value of one weight from its stored parts; `col` selects the
/// nibble of an int4 byte.
Value dequantize(OpBuilder &b, Location l, llm::PackedWeightType type,
                 Value data, Value scale, Value zero, Value col) {
  if (type.getFormat() == LLMC_WEIGHT_F32_PANELS)
    return data;
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, l, i32, v);
  };
  Value code = arith::ExtUIOp::create(b, l, i32, data);
  Value zeroPoint;
  if (type.getFormat() == LLMC_WEIGHT_INT8) {
    zeroPoint = constant(128);
  } else {
    // Low nibble for k % 8 < 4, high nibble otherwise.
    Value k = arith::IndexCastOp::create(b, l, i32, col);
    Value high = arith::CmpIOp::create(
        b, l, arith::CmpIPredicate::uge,
        arith::RemUIOp::create(b, l, k, constant(8)), constant(4));
    Value shift = arith::SelectOp::create(b, l, high, constant(4), constant(0));
    code = arith::AndIOp::create(
        b, l, arith::ShRUIOp::create(b, l, code, shift), constant(15));
    zeroPoint =
        zero ? Value(arith::ExtUIOp::create(b, l, i32, zero)) : constant(8);
  }
  Value centered = arith::SIToFPOp::create(
      b, l, f32, arith::SubIOp::create(b, l, code, zeroPoint));
  return arith::MulFOp::create(b, l, centered, castFloat(b, l, scale, f32));
}

/// The view's buffers in order (data, scales, zeros), skipping absent ones.
SmallVector<Value> parts(llm::PackedViewOp view) {
  SmallVector<Value> values{view.getData()};
  if (view.getScales())
    values.push_back(view.getScales());
  if (view.getZeros())
    values.push_back(view.getZeros());
  return values;
}

} // namespace

Value buildPackedProjection(OpBuilder &b, Location loc, Value x,
                            llm::PackedViewOp view, Value init) {
  MLIRContext *ctx = b.getContext();
  llm::PackedWeightType type = view.getType();
  LayoutExprs layout = layoutExprs(type);
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto overNK = [&](AffineExpr e) {
    return AffineMap::get(3, 0, e.replaceDims({n, k}), ctx);
  };
  SmallVector<Value> inputs{x};
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {m, k}, ctx)};
  for (Value part : parts(view)) {
    inputs.push_back(part);
    maps.push_back(overNK(part == view.getData() ? layout.data : layout.scale));
  }
  maps.push_back(AffineMap::get(3, 0, {m, n}, ctx));

  Type f = cast<RankedTensorType>(init.getType()).getElementType();
  bool hasScales = bool(view.getScales()), hasZeros = bool(view.getZeros());
  auto fm = getReductionFastMath(ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value col = type.getFormat() == LLMC_WEIGHT_INT4
                        ? Value(linalg::IndexOp::create(nb, l, 2))
                        : Value();
        Value w =
            dequantize(nb, l, type, args[1], hasScales ? args[2] : Value(),
                       hasZeros ? args[3] : Value(), col);
        Value product = arith::MulFOp::create(
            nb, l, castFloat(nb, l, args[0], f), castFloat(nb, l, w, f), fm);
        linalg::YieldOp::create(
            nb, l,
            Value(arith::AddFOp::create(nb, l, args.back(), product, fm)));
      });

  // The runtime's kernels take f32 activations and results.
  if (f.isF32() &&
      cast<RankedTensorType>(x.getType()).getElementType().isF32()) {
    StringRef kernel = type.getFormat() == LLMC_WEIGHT_F32_PANELS ? "linear_f32"
                       : type.getFormat() == LLMC_WEIGHT_INT8 ? "linear_int8"
                                                              : "linear_int4";
    generic->setAttr(
        kUkernelAttrName,
        b.getDictionaryAttr({
            b.getNamedAttr("kernel", b.getStringAttr(kernel)),
            b.getNamedAttr("n", b.getI64IntegerAttr(type.getRows())),
            b.getNamedAttr("k", b.getI64IntegerAttr(type.getCols())),
            b.getNamedAttr("group", b.getI64IntegerAttr(type.getGroup())),
            b.getNamedAttr("scale_bytes",
                           b.getI64IntegerAttr(type.getScaleBytes())),
        }));
  }
  return generic.getResult(0);
}

Value buildPackedLookup(OpBuilder &b, Location loc, Value ids,
                        llm::PackedViewOp view, Value init) {
  MLIRContext *ctx = b.getContext();
  llm::PackedWeightType type = view.getType();
  LayoutExprs layout = layoutExprs(type);
  AffineMap all = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  Type f = cast<RankedTensorType>(init.getType()).getElementType();
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), ids, init, {row, all}, parallelIterators(2),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value r = arith::IndexCastOp::create(nb, l, nb.getIndexType(), args[0]);
        Value c = linalg::IndexOp::create(nb, l, 1);
        auto at = [&](Value part, AffineExpr expr) -> Value {
          if (!part)
            return {};
          Value index = affine::AffineApplyOp::create(
              nb, l, AffineMap::get(2, 0, expr), ValueRange{r, c});
          return tensor::ExtractOp::create(nb, l, part, index);
        };
        Value w = dequantize(nb, l, type, at(view.getData(), layout.data),
                             at(view.getScales(), layout.scale),
                             at(view.getZeros(), layout.scale), c);
        linalg::YieldOp::create(nb, l, Value(castFloat(nb, l, w, f)));
      });
  return generic.getResult(0);
}

} // namespace llmc
