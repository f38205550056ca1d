//===- ContribOps.cpp - onnxruntime contrib ops of decoder exports --------===//
//
// The contrib ops onnxruntime-genai's model builder emits for Llama-family
// decoders, with the semantics of onnxruntime's ContribOperators.md and its
// CPU kernels: SimplifiedLayerNormalization (RMSNorm; onnxruntime registers
// it in the default domain) and com.microsoft.SkipSimplifiedLayerNormalization
// (residual add, then RMSNorm).
//
// No libonnx schema covers these ops, so each handler checks its own inputs
// and outputs. f16 and bf16 tensors are computed in f32 and rounded once
// (onnxruntime's norm kernels do the same).
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ops/OpBuilders.h"

#include <cmath>

using namespace mlir;

namespace llmc::onnx_import {
namespace {

using IT = utils::IteratorType;

bool isFloatElement(Type t) { return t.isF16() || t.isBF16() || t.isF32(); }

/// Where statistics, scores and rotations are computed: f32 (f64 for f64).
Type wideType(OpBuilder &b, Type element) {
  return element.isF64() ? element : b.getF32Type();
}

/// The input and output counts the operator allows ([lo, hi] each).
LogicalResult checkArity(NodeContext &ctx, unsigned inLo, unsigned inHi,
                         unsigned outLo, unsigned outHi) {
  auto range = [](unsigned lo, unsigned hi) {
    return lo == hi ? std::to_string(lo)
                    : std::to_string(lo) + " to " + std::to_string(hi);
  };
  if (ctx.numInputs() < inLo || ctx.numInputs() > inHi)
    return ctx.fail("has " + Twine(ctx.numInputs()) +
                    " inputs; the operator takes " + range(inLo, inHi));
  if (ctx.numOutputs() < outLo || ctx.numOutputs() > outHi)
    return ctx.fail("has " + Twine(ctx.numOutputs()) +
                    " outputs; the operator has " + range(outLo, outHi));
  return success();
}

/// Fails unless the inputs `required` are present.
LogicalResult checkRequired(NodeContext &ctx, ArrayRef<unsigned> required,
                            ArrayRef<StringRef> names) {
  for (auto [i, name] : llvm::zip(required, names))
    if (!ctx.has(i))
      return ctx.fail("input " + Twine(i) + " ('" + name +
                      "') is required but has no name");
  return success();
}

Value indexValue(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// The number of elements in dims `from`.. of `x`, as a float of `type`.
Value countAsFloat(NodeContext &ctx, Value x, int64_t from, Type type) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value n = indexValue(ctx.b, ctx.loc, 1);
  for (int64_t d = from; d < rank; ++d)
    n = arith::MulIOp::create(ctx.b, ctx.loc, n, ctx.toIndex(ctx.dim(x, d)));
  return castScalar(
      ctx.b, ctx.loc,
      arith::IndexCastOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(), n), type);
}

//===----------------------------------------------------------------------===//
// RMSNorm: SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization
//===----------------------------------------------------------------------===//

/// Fails unless `scale` broadcasts to dims `axis`.. of `x` without growing
/// them (it scales the normalized dims, right-aligned).
LogicalResult checkScale(NodeContext &ctx, RankedTensorType x, int64_t axis,
                         RankedTensorType scale, StringRef name) {
  int64_t normalized = x.getRank() - axis;
  if (scale.getRank() > normalized)
    return ctx.fail(name + " has rank " + Twine(scale.getRank()) +
                    ", more than the " + Twine(normalized) +
                    " normalized dims");
  for (int64_t i = 0; i < scale.getRank(); ++i) {
    int64_t s = scale.getDimSize(i);
    int64_t d = x.getDimSize(x.getRank() - scale.getRank() + i);
    if (!ShapedType::isDynamic(s) && !ShapedType::isDynamic(d) && s != d &&
        s != 1)
      return ctx.fail(name + " has size " + Twine(s) + " in dim " + Twine(i) +
                      " where the input has " + Twine(d));
  }
  return success();
}

struct RmsNorm {
  Value y;      // in the requested element type
  Value invStd; // f32, the normalized dims kept as 1
};

/// y = x / sqrt(mean(x^2 over dims >= axis) + eps) * scale for `x` in its
/// wide type (onnxruntime's order of operations), rounded to `outElement`.
FailureOr<RmsNorm> emitRmsNorm(NodeContext &ctx, Value x, Value scale,
                               int64_t axis, double eps, Type outElement,
                               bool wantInvStd) {
  Type wide = cast<RankedTensorType>(x.getType()).getElementType();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(axis, rank));
  Value n = countAsFloat(ctx, x, axis, wide);
  Value squares = emitReduction(
      ctx, x, axes, /*keepDims=*/true, scalarAttr(ctx.b, wide, 0),
      [](OpBuilder &b, Location l, ValueRange v) -> Value {
        return arith::AddFOp::create(b, l, v[0], v[1]);
      },
      [](OpBuilder &b, Location l, Value v) -> Value {
        return arith::MulFOp::create(b, l, v, v);
      });
  auto rms = emitElementwise(
      ctx, {squares}, wide,
      [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        Value mean = arith::DivFOp::create(b, l, v[0], n);
        return math::SqrtOp::create(
            b, l,
            arith::AddFOp::create(b, l, mean, scalarConstant(b, l, wide, eps)));
      });
  if (failed(rms))
    return failure();
  auto y = emitElementwise(
      ctx, {x, *rms, scale}, outElement,
      [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        Value normed = arith::DivFOp::create(b, l, v[0], v[1]);
        return castScalar(
            b, l,
            arith::MulFOp::create(b, l, normed, castScalar(b, l, v[2], wide)),
            outElement);
      });
  if (failed(y))
    return failure();
  RmsNorm result{*y, Value()};
  if (wantInvStd) {
    Type f32 = ctx.b.getF32Type();
    auto invStd = emitElementwise(
        ctx, {*rms}, f32, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          return castScalar(
              b, l,
              arith::DivFOp::create(b, l, scalarConstant(b, l, wide, 1), v[0]),
              f32);
        });
    if (failed(invStd))
      return failure();
    result.invStd = *invStd;
  }
  return result;
}

/// `value` in `wide` (a no-op when it already is).
FailureOr<Value> widen(NodeContext &ctx, Value value, Type wide) {
  if (cast<RankedTensorType>(value.getType()).getElementType() == wide)
    return value;
  return emitElementwise(ctx, {value}, wide,
                         [&](OpBuilder &b, Location l, ValueRange v) {
                           return castScalar(b, l, v[0], wide);
                         });
}

/// Y = X / sqrt(mean(X^2) + epsilon) * scale over dims axis..; Y has scale's
/// element type, the optional inv_std_var is f32 (stash_type 1).
LogicalResult importSimplifiedLayerNormalization(NodeContext &ctx) {
  if (failed(checkArity(ctx, 2, 2, 1, 2)) ||
      failed(checkRequired(ctx, {0, 1}, {"X", "scale"})))
    return failure();
  Type element = ctx.elementType(0), scaleElement = ctx.elementType(1);
  if (!(isFloatElement(element) || element.isF64()) ||
      !(isFloatElement(scaleElement) || scaleElement.isF64()))
    return ctx.fail("expects floating-point X and scale");
  int64_t stash = ctx.getInt("stash_type", 1);
  if (stash != 1)
    return ctx.fail("stash_type " + Twine(stash) +
                    " is not supported (only 1, float)");
  auto axis = normalizeAxis(ctx.getInt("axis", -1), ctx.type(0).getRank());
  if (!axis)
    return ctx.fail("axis out of range");
  if (failed(checkScale(ctx, ctx.type(0), *axis, ctx.type(1), "scale")))
    return failure();
  auto x = widen(ctx, ctx.tensor(0), wideType(ctx.b, element));
  if (failed(x))
    return failure();
  auto norm =
      emitRmsNorm(ctx, *x, ctx.tensor(1), *axis, ctx.getFloat("epsilon", 1e-5f),
                  scaleElement, ctx.wantsOutput(1));
  if (failed(norm))
    return failure();
  ctx.set(0, norm->y);
  if (ctx.wantsOutput(1))
    ctx.set(1, norm->invStd);
  return success();
}

/// sum = input + skip (+ bias); output = RMSNorm(sum) * gamma over the last
/// dim. Outputs: output, mean, inv_std_var (f32, last dim 1) and
/// input_skip_bias_sum, each only when named.
LogicalResult importSkipSimplifiedLayerNormalization(NodeContext &ctx) {
  if (failed(checkArity(ctx, 3, 4, 1, 4)) ||
      failed(checkRequired(ctx, {0, 1, 2}, {"input", "skip", "gamma"})))
    return failure();
  Type element = ctx.elementType(0);
  if (!(isFloatElement(element) || element.isF64()))
    return ctx.fail("expects a floating-point input");
  for (unsigned i = 1; i < ctx.numInputs(); ++i)
    if (ctx.has(i) && ctx.elementType(i) != element)
      return ctx.fail("input " + Twine(i) +
                      " has another element type than input 0");
  RankedTensorType inputType = ctx.type(0);
  int64_t rank = inputType.getRank();
  if (rank < 1)
    return ctx.fail("expects an input of rank at least 1");
  // skip is [B, S, D], [1, S, D] or [S, D]: it broadcasts to input, never
  // the other way round.
  RankedTensorType skipType = ctx.type(1);
  if (skipType.getRank() > rank)
    return ctx.fail("skip has rank " + Twine(skipType.getRank()) +
                    ", more than the input's " + Twine(rank));
  for (int64_t i = 0; i < skipType.getRank(); ++i) {
    int64_t s = skipType.getDimSize(i);
    int64_t d = inputType.getDimSize(rank - skipType.getRank() + i);
    if (!ShapedType::isDynamic(s) && !ShapedType::isDynamic(d) && s != d &&
        s != 1)
      return ctx.fail("skip has size " + Twine(s) + " in dim " + Twine(i) +
                      " where the input has " + Twine(d));
  }
  int64_t axis = rank - 1;
  if (failed(checkScale(ctx, inputType, axis, ctx.type(2), "gamma")) ||
      (ctx.has(3) &&
       failed(checkScale(ctx, inputType, axis, ctx.type(3), "bias"))))
    return failure();

  Type wide = wideType(ctx.b, element);
  SmallVector<Value> addends{ctx.tensor(0), ctx.tensor(1)};
  if (ctx.has(3))
    addends.push_back(ctx.tensor(3));
  auto sum = emitElementwise(
      ctx, addends, wide, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        Value s = arith::AddFOp::create(b, l, castScalar(b, l, v[0], wide),
                                        castScalar(b, l, v[1], wide));
        if (v.size() > 2)
          s = arith::AddFOp::create(b, l, s, castScalar(b, l, v[2], wide));
        return s;
      });
  if (failed(sum))
    return failure();
  auto norm =
      emitRmsNorm(ctx, *sum, ctx.tensor(2), axis,
                  ctx.getFloat("epsilon", 1e-12f), element, ctx.wantsOutput(2));
  if (failed(norm))
    return failure();
  ctx.set(0, norm->y);
  if (ctx.wantsOutput(1)) {
    // RMSNorm has no use for it; onnxruntime's kernel computes it alongside.
    Type f32 = ctx.b.getF32Type();
    Value n = countAsFloat(ctx, *sum, axis, wide);
    Value sums = emitReduction(
        ctx, *sum, {axis}, /*keepDims=*/true, scalarAttr(ctx.b, wide, 0),
        [](OpBuilder &b, Location l, ValueRange v) -> Value {
          return arith::AddFOp::create(b, l, v[0], v[1]);
        });
    auto mean = emitElementwise(
        ctx, {sums}, f32, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
          return castScalar(b, l, arith::DivFOp::create(b, l, v[0], n), f32);
        });
    if (failed(mean))
      return failure();
    ctx.set(1, *mean);
  }
  if (ctx.wantsOutput(2))
    ctx.set(2, norm->invStd);
  if (ctx.wantsOutput(3)) {
    auto rounded = emitElementwise(ctx, {*sum}, element,
                                   [&](OpBuilder &b, Location l, ValueRange v) {
                                     return castScalar(b, l, v[0], element);
                                   });
    if (failed(rounded))
      return failure();
    ctx.set(3, *rounded);
  }
  return success();
}

} // namespace

void registerContribOps(OpRegistry &r) {
  // onnxruntime registers SimplifiedLayerNormalization in the default domain.
  r.add("SimplifiedLayerNormalization", 1, importSimplifiedLayerNormalization);
  r.add("SkipSimplifiedLayerNormalization", 1,
        importSkipSimplifiedLayerNormalization, "com.microsoft");
}

} // namespace llmc::onnx_import
