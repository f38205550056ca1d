//===- ContribOps.cpp - onnxruntime contrib ops of decoder exports --------===//
//
// The contrib ops onnxruntime-genai's model builder emits for Llama-family
// decoders, with the semantics of onnxruntime's ContribOperators.md and its
// CPU kernels: SimplifiedLayerNormalization (RMSNorm; onnxruntime registers
// it in the default domain), com.microsoft.SkipSimplifiedLayerNormalization
// (residual add, then RMSNorm), com.microsoft.RotaryEmbedding (cos/sin
// caches indexed by position ids) and com.microsoft.MultiHeadAttention
// (past/present, additive attention bias, causal mask).
//
// No libonnx schema covers these ops, so each handler checks its own inputs
// and outputs. f16 and bf16 tensors are computed in f32 and rounded once
// (onnxruntime's norm kernels do the same).
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/MatMulNBits.h"
#include "compiler/onnx/OnnxModel.h"
#include "compiler/onnx/ops/OpBuilders.h"
#include "dialects/llm/LLMOps.h"

#include "llvm/Support/Format.h"

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

/// `format` with {0} and {1} replaced by `a` and `b`.
std::string substitute(StringRef format, int64_t a, int64_t b) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format.substr(i).starts_with("{0}") ||
        format.substr(i).starts_with("{1}")) {
      out += std::to_string(format[i + 1] == '0' ? a : b);
      i += 2;
      continue;
    }
    out += format[i];
  }
  return out;
}

/// Sizes that must agree: refused at import when both are known and differ,
/// checked by the generated code when only the run time knows them.
/// `what` names them with {0} (for `a`) and {1} (for `b`).
LogicalResult requireEqual(NodeContext &ctx, OpFoldResult a, OpFoldResult b,
                           StringRef what) {
  std::optional<int64_t> x = staticValue(a), y = staticValue(b);
  if (x && y)
    return *x == *y ? success() : ctx.fail(substitute(what, *x, *y));
  if (sameSize(a, b))
    return success();
  Value av = ctx.toIndex(a), bv = ctx.toIndex(b);
  ctx.check(
      arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, av, bv),
      what, {av, bv});
  return success();
}

std::string formatFloat(double v) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", v);
  return text;
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

//===----------------------------------------------------------------------===//
// RotaryEmbedding
//===----------------------------------------------------------------------===//

/// Rotates the first rotary_embedding_dim channels of every head by the
/// angle of its position: non-interleaved, channel i < half pairs with
/// i + half (out_i = x_i cos - x_{i+half} sin, out_{i+half} = x_{i+half} cos
/// + x_i sin); interleaved, channels 2k and 2k+1 pair. cos/sin are read at
/// [position, k]. Channels past the rotary dim are copied.
LogicalResult importRotaryEmbedding(NodeContext &ctx) {
  if (failed(checkArity(ctx, 4, 4, 1, 1)) ||
      failed(
          checkRequired(ctx, {0, 1, 2, 3},
                        {"input", "position_ids", "cos_cache", "sin_cache"})))
    return failure();
  Type element = ctx.elementType(0);
  if (!isFloatElement(element))
    return ctx.fail("expects an f32, f16 or bf16 input");
  if (ctx.elementType(2) != element || ctx.elementType(3) != element)
    return ctx.fail("expects cos_cache and sin_cache of the input's type");
  if (!ctx.elementType(1).isInteger(64))
    return ctx.fail("expects int64 position_ids");
  int64_t interleaved = ctx.getInt("interleaved", 0);
  if (interleaved != 0 && interleaved != 1)
    return ctx.fail("interleaved " + Twine(interleaved) +
                    " is not supported (0 or 1)");
  if (int64_t packed = ctx.getInt("is_packed_batching", 0))
    return ctx.fail("is_packed_batching " + Twine(packed) +
                    " is not supported (only 0)");
  // onnxruntime applies scale only where it rebuilds the caches, which it
  // does not implement either.
  float scale = ctx.getFloat("scale", 1.0f);
  if (scale != 1.0f)
    return ctx.fail("scale " + formatFloat(scale) +
                    " is not supported (only 1)");
  int64_t numHeads = ctx.getInt("num_heads", 0);
  int64_t rotaryAttr = ctx.getInt("rotary_embedding_dim", 0);
  if (numHeads < 0 || rotaryAttr < 0)
    return ctx.fail("num_heads and rotary_embedding_dim must not be negative");
  if (rotaryAttr > 0 && numHeads == 0)
    return ctx.fail("rotary_embedding_dim " + Twine(rotaryAttr) +
                    " needs num_heads");

  RankedTensorType xType = ctx.type(0), cosType = ctx.type(2),
                   sinType = ctx.type(3), posType = ctx.type(1);
  int64_t rank = xType.getRank();
  if (rank != 3 && rank != 4)
    return ctx.fail("expects a 3-D [batch, sequence, hidden] or 4-D [batch, "
                    "heads, sequence, head] input, not rank " +
                    Twine(rank));
  if (cosType.getRank() != 2 || sinType.getRank() != 2)
    return ctx.fail("expects 2-D cos_cache and sin_cache");
  int64_t half = cosType.getDimSize(1);
  if (ShapedType::isDynamic(half) || sinType.getDimSize(1) != half)
    return ctx.fail("expects cos_cache and sin_cache with one static dim 1");
  int64_t last = xType.getDimSize(rank - 1);
  if (ShapedType::isDynamic(last))
    return ctx.fail("expects a static last input dim");

  // Heads and head size, as onnxruntime infers them.
  int64_t headSize;
  if (rank == 3) {
    headSize = rotaryAttr == 0 ? 2 * half : last / numHeads;
    if (headSize == 0 || last % headSize != 0)
      return ctx.fail("hidden size " + Twine(last) +
                      " is not a multiple of the head size " + Twine(headSize));
    if (numHeads > 0 && numHeads * headSize != last)
      return ctx.fail("num_heads " + Twine(numHeads) + " x head size " +
                      Twine(headSize) + " is not the hidden size " +
                      Twine(last));
  } else {
    headSize = last;
    int64_t heads = xType.getDimSize(1);
    if (numHeads > 0 && !ShapedType::isDynamic(heads) && heads != numHeads)
      return ctx.fail("num_heads " + Twine(numHeads) + " but the input has " +
                      Twine(heads) + " heads");
  }
  int64_t rotary = rotaryAttr > 0 ? rotaryAttr : headSize;
  if (rotary > headSize || rotary % 2 != 0)
    return ctx.fail("rotary_embedding_dim " + Twine(rotary) +
                    " must be even and at most the head size " +
                    Twine(headSize));
  if (2 * half != rotary)
    return ctx.fail("cos_cache has " + Twine(half) + " columns; rotary dim " +
                    Twine(rotary) + " needs " + Twine(rotary / 2));

  Value x = ctx.tensor(0), pos = ctx.tensor(1), cos = ctx.tensor(2),
        sin = ctx.tensor(3);
  int64_t seqDim = rank == 3 ? 1 : 2;
  OpFoldResult batch = ctx.dim(x, 0), seq = ctx.dim(x, seqDim);
  if (failed(requireEqual(ctx, ctx.dim(sin, 0), ctx.dim(cos, 0),
                          "sin_cache has {0} positions, cos_cache {1}")))
    return failure();
  // position_ids: [batch, sequence], or one offset for every sequence.
  bool perToken = posType.getRank() == 2;
  if (!perToken && !(posType.getRank() <= 1 && posType.hasStaticShape() &&
                     posType.getNumElements() == 1))
    return ctx.fail("expects position_ids of shape [batch, sequence] or one "
                    "element");
  if (perToken &&
      (failed(requireEqual(ctx, ctx.dim(pos, 0), batch,
                           "position_ids has batch size {0}, input {1}")) ||
       failed(requireEqual(ctx, ctx.dim(pos, 1), seq,
                           "position_ids has sequence length {0}, input {1}"))))
    return failure();

  // Every position must have a row in the caches: a bad one is an error,
  // never a read outside them.
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Type i64 = b.getI64Type();
  Value maxPos =
      arith::IndexCastOp::create(b, loc, i64, ctx.toIndex(ctx.dim(cos, 0)));
  Value lowest, highest, offset;
  if (perToken) {
    auto extreme = [&](TypedAttr init, bool max) {
      Value r = emitReduction(
          ctx, pos, {0, 1}, /*keepDims=*/false, init,
          [&](OpBuilder &b, Location l, ValueRange v) {
            return max ? Value(arith::MaxSIOp::create(b, l, v[0], v[1]))
                       : Value(arith::MinSIOp::create(b, l, v[0], v[1]));
          });
      return tensor::ExtractOp::create(b, loc, r, ValueRange{}).getResult();
    };
    lowest = extreme(highestAttr(b, i64), false);
    highest = extreme(lowestAttr(b, i64), true);
  } else {
    SmallVector<Value> at(posType.getRank(), indexValue(b, loc, 0));
    offset = tensor::ExtractOp::create(b, loc, pos, at);
    lowest = offset;
    Value n = arith::IndexCastOp::create(b, loc, i64, ctx.toIndex(seq));
    highest =
        arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, offset, n),
                              arith::ConstantIntOp::create(b, loc, i64, 1));
  }
  ctx.check(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, lowest,
                                  arith::ConstantIntOp::create(b, loc, i64, 0)),
            "position id {0} is negative", {lowest});
  ctx.check(
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, highest, maxPos),
      "position id {0} is past the {1} rows of cos_cache", {highest, maxPos});

  Type wide = wideType(b, element);
  bool isInterleaved = interleaved == 1;
  Value init = emitEmpty(ctx, sizesOf(ctx, x), element);
  auto identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  Value result =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{x}, init, {identity, identity},
          SmallVector<IT>(rank, IT::parallel),
          [&](OpBuilder &b, Location l, ValueRange args) {
            auto index = [&](int64_t d) -> Value {
              return linalg::IndexOp::create(b, l, d);
            };
            auto c = [&](int64_t v) { return indexValue(b, l, v); };
            // The channel within its head, and where the head starts.
            Value channel = index(rank - 1), h = channel, base = c(0);
            if (rank == 3) {
              h = arith::RemUIOp::create(b, l, channel, c(headSize));
              base = arith::SubIOp::create(b, l, channel, h);
            }
            Value s = index(seqDim);
            Value position;
            if (perToken) {
              position =
                  tensor::ExtractOp::create(b, l, pos, ValueRange{index(0), s});
            } else {
              position = arith::AddIOp::create(
                  b, l, offset, arith::IndexCastOp::create(b, l, i64, s));
            }
            position =
                arith::IndexCastOp::create(b, l, b.getIndexType(), position);
            Value rotated = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ult, h, c(rotary));
            // Channels past the rotary dim read column 0 and themselves.
            Value column, partner, first;
            if (isInterleaved) {
              column = arith::DivUIOp::create(b, l, h, c(2));
              Value even = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::eq,
                  arith::RemUIOp::create(b, l, h, c(2)), c(0));
              partner = arith::SelectOp::create(
                  b, l, even, arith::AddIOp::create(b, l, h, c(1)),
                  arith::SubIOp::create(b, l, h, c(1)));
              first = even;
            } else {
              first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, h,
                                            c(half));
              column = arith::SelectOp::create(
                  b, l, first, h, arith::SubIOp::create(b, l, h, c(half)));
              partner = arith::SelectOp::create(
                  b, l, first, arith::AddIOp::create(b, l, h, c(half)), column);
            }
            column = arith::SelectOp::create(b, l, rotated, column, c(0));
            partner = arith::SelectOp::create(b, l, rotated, partner, h);
            SmallVector<Value> at;
            for (int64_t d = 0; d < rank - 1; ++d)
              at.push_back(index(d));
            at.push_back(arith::AddIOp::create(b, l, base, partner));
            Value other =
                castScalar(b, l, tensor::ExtractOp::create(b, l, x, at), wide);
            Value self = castScalar(b, l, args[0], wide);
            Value cv = castScalar(b, l,
                                  tensor::ExtractOp::create(
                                      b, l, cos, ValueRange{position, column}),
                                  wide);
            Value sv = castScalar(b, l,
                                  tensor::ExtractOp::create(
                                      b, l, sin, ValueRange{position, column}),
                                  wide);
            Value xc = arith::MulFOp::create(b, l, self, cv);
            Value os = arith::MulFOp::create(b, l, other, sv);
            Value out = arith::SelectOp::create(
                b, l, first, arith::SubFOp::create(b, l, xc, os),
                arith::AddFOp::create(b, l, xc, os));
            out = arith::SelectOp::create(b, l, rotated, out, self);
            linalg::YieldOp::create(b, l, castScalar(b, l, out, element));
          })
          .getResult(0);
  ctx.set(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// MultiHeadAttention
//===----------------------------------------------------------------------===//

/// [a; b] along dim 2 ([B, N, P, H] and [B, N, L, H]); the other sizes are
/// b's (the caller checked that they agree).
Value concatSequence(NodeContext &ctx, Value a, Value b) {
  SmallVector<OpFoldResult> sizes = sizesOf(ctx, b);
  OpFoldResult past = ctx.dim(a, 2);
  std::optional<int64_t> p = staticValue(past), l = staticValue(sizes[2]);
  sizes[2] = p && l ? OpFoldResult(ctx.b.getIndexAttr(*p + *l))
                    : OpFoldResult(arith::AddIOp::create(ctx.b, ctx.loc,
                                                         ctx.toIndex(past),
                                                         ctx.toIndex(sizes[2]))
                                       .getResult());
  Type element = cast<RankedTensorType>(b.getType()).getElementType();
  Value result = emitEmpty(ctx, sizes, element);
  SmallVector<OpFoldResult> zeros(4, ctx.b.getIndexAttr(0)),
      ones(4, ctx.b.getIndexAttr(1));
  SmallVector<OpFoldResult> aSizes = sizes, bOffsets = zeros;
  aSizes[2] = past;
  bOffsets[2] = past;
  result = tensor::InsertSliceOp::create(ctx.b, ctx.loc, a, result, zeros,
                                         aSizes, ones);
  return tensor::InsertSliceOp::create(ctx.b, ctx.loc, b, result, bOffsets,
                                       sizesOf(ctx, b), ones);
}

/// query, key, value [B, S|L, N*H]; past_key/past_value [B, N, P, H] are
/// put before the new keys and values (present_*: [B, N, P+L, H]).
/// softmax(scale * Q K^T + attention_bias + causal mask) V, the scores in
/// f32. The causal mask (unidirectional) adds mask_filter_value where key
/// position j > P + i, for more than one query as onnxruntime does.
LogicalResult importMultiHeadAttention(NodeContext &ctx) {
  if (failed(checkArity(ctx, 1, 10, 1, 4)))
    return failure();
  if (!ctx.has(1) || !ctx.has(2))
    return ctx.fail("expects key and value inputs (packed QKV in query is "
                    "not supported)");
  if (ctx.has(3))
    return ctx.fail("the bias input is not supported");
  if (ctx.has(4))
    return ctx.fail("key_padding_mask is not supported (use attention_bias)");
  if (ctx.has(8))
    return ctx.fail("past_sequence_length (a shared past/present buffer) is "
                    "not supported");
  if (ctx.has(9))
    return ctx.fail("cache_indirection is not supported");
  if (ctx.wantsOutput(3))
    return ctx.fail("the qk output is not supported");
  if (ctx.has(6) != ctx.has(7))
    return ctx.fail("expects past_key and past_value together");
  int64_t numHeads = ctx.getInt("num_heads", 0);
  if (numHeads <= 0)
    return ctx.fail("expects num_heads > 0, not " + Twine(numHeads));
  int64_t unidirectional = ctx.getInt("unidirectional", 0);
  if (unidirectional != 0 && unidirectional != 1)
    return ctx.fail("unidirectional " + Twine(unidirectional) +
                    " is not supported (0 or 1)");
  Type element = ctx.elementType(0);
  if (!isFloatElement(element))
    return ctx.fail("expects an f32, f16 or bf16 query");
  for (unsigned i : {1, 2, 5, 6, 7})
    if (ctx.has(i) && ctx.elementType(i) != element)
      return ctx.fail("input " + Twine(i) +
                      " has another element type than the query");
  RankedTensorType qType = ctx.type(0), kType = ctx.type(1),
                   vType = ctx.type(2);
  if (qType.getRank() != 3)
    return ctx.fail("expects a 3-D query [batch, sequence, hidden], not rank " +
                    Twine(qType.getRank()) + " (packed QKV is not supported)");
  if (kType.getRank() != 3 || vType.getRank() != 3)
    return ctx.fail("expects 3-D key and value [batch, sequence, hidden] "
                    "(past in key/value and packed KV are not supported)");
  int64_t hidden = qType.getDimSize(2), vHidden = vType.getDimSize(2);
  if (ShapedType::isDynamic(hidden) || ShapedType::isDynamic(vHidden))
    return ctx.fail("expects static hidden sizes");
  if (hidden % numHeads != 0 || vHidden % numHeads != 0)
    return ctx.fail("hidden sizes " + Twine(hidden) + " and " + Twine(vHidden) +
                    " are not multiples of num_heads " + Twine(numHeads));
  if (kType.getDimSize(2) != hidden)
    return ctx.fail("key hidden size " + Twine(kType.getDimSize(2)) +
                    " differs from the query's " + Twine(hidden));
  int64_t headSize = hidden / numHeads, vHeadSize = vHidden / numHeads;
  double scale = ctx.getFloat("scale", 0.0f);
  if (scale == 0.0)
    scale = 1.0 / std::sqrt(double(headSize));
  double maskFilter = ctx.getFloat("mask_filter_value", -10000.0f);

  Value query = ctx.tensor(0), key = ctx.tensor(1), value = ctx.tensor(2);
  OpFoldResult batch = ctx.dim(query, 0), seq = ctx.dim(query, 1);
  if (failed(requireEqual(ctx, ctx.dim(key, 0), batch,
                          "key has batch size {0}, query {1}")) ||
      failed(requireEqual(ctx, ctx.dim(value, 0), batch,
                          "value has batch size {0}, query {1}")) ||
      failed(requireEqual(ctx, ctx.dim(value, 1), ctx.dim(key, 1),
                          "value has sequence length {0}, key {1}")))
    return failure();
  OpFoldResult heads = ctx.b.getIndexAttr(numHeads);
  auto headsOf = [&](Value v, OpFoldResult length, int64_t size) {
    Value split =
        emitReshape(ctx, v, {batch, length, heads, ctx.b.getIndexAttr(size)});
    return emitTranspose(ctx, split, {0, 2, 1, 3}); // [B, N, L, H]
  };
  Value q = emitReshape(ctx, query,
                        {batch, seq, heads, ctx.b.getIndexAttr(headSize)});
  Value k = headsOf(key, ctx.dim(key, 1), headSize);
  Value v = headsOf(value, ctx.dim(key, 1), vHeadSize);
  OpFoldResult pastLength = ctx.b.getIndexAttr(0);
  if (ctx.has(6)) {
    Value pastK = ctx.tensor(6), pastV = ctx.tensor(7);
    for (auto [past, size, name] :
         {std::tuple(pastK, headSize, "past_key"),
          std::tuple(pastV, vHeadSize, "past_value")}) {
      auto type = cast<RankedTensorType>(past.getType());
      std::string n = name;
      if (type.getRank() != 4)
        return ctx.fail("expects a 4-D " + n +
                        " [batch, heads, past sequence, head]");
      if (failed(requireEqual(ctx, ctx.dim(past, 0), batch,
                              n + " has batch size {0}, query {1}")) ||
          failed(requireEqual(ctx, ctx.dim(past, 1), heads,
                              n + " has {0} heads, num_heads is {1}")) ||
          failed(requireEqual(ctx, ctx.dim(past, 3), ctx.b.getIndexAttr(size),
                              n + " has head size {0}, expected {1}")))
        return failure();
    }
    if (failed(requireEqual(ctx, ctx.dim(pastV, 2), ctx.dim(pastK, 2),
                            "past_value has {0} positions, past_key {1}")))
      return failure();
    pastLength = ctx.dim(pastK, 2);
    k = concatSequence(ctx, pastK, k);
    v = concatSequence(ctx, pastV, v);
  }
  OpFoldResult total = ctx.dim(k, 2);

  // scores[b, n, i, j] = sum_h q[b, i, n, h] k[b, n, j, h], in f32.
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  MLIRContext *mctx = b.getContext();
  Type wide = b.getF32Type();
  auto dims = [&](ArrayRef<unsigned> ds) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : ds)
      exprs.push_back(getAffineDimExpr(d, mctx));
    return AffineMap::get(5, 0, exprs, mctx);
  };
  auto multiplyAdd = [&](OpBuilder &b, Location l, ValueRange a) {
    Value product = arith::MulFOp::create(b, l, castScalar(b, l, a[0], wide),
                                          castScalar(b, l, a[1], wide));
    Value sum = arith::AddFOp::create(b, l, a[2], product);
    linalg::YieldOp::create(b, l, sum);
  };
  SmallVector<IT> iters(4, IT::parallel);
  iters.push_back(IT::reduction);
  Value zeros =
      emitFilled(ctx, {batch, heads, seq, total}, wide, scalarAttr(b, wide, 0));
  // Loops (b, n, i, j, h).
  Value scores =
      linalg::GenericOp::create(
          b, loc, zeros.getType(), ValueRange{q, k}, zeros,
          {dims({0, 2, 1, 4}), dims({0, 1, 3, 4}), dims({0, 1, 2, 3})}, iters,
          multiplyAdd)
          .getResult(0);

  // scale, attention bias, causal mask.
  SmallVector<Value> operands{scores};
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(4, mctx)};
  if (ctx.has(5)) {
    Value bias = ctx.tensor(5);
    auto type = cast<RankedTensorType>(bias.getType());
    if (type.getRank() != 4)
      return ctx.fail("expects a 4-D attention_bias [batch or 1, heads or 1, "
                      "sequence, total sequence]");
    if (failed(requireEqual(ctx, ctx.dim(bias, 2), seq,
                            "attention_bias has {0} rows, the query {1} "
                            "positions")) ||
        failed(requireEqual(ctx, ctx.dim(bias, 3), total,
                            "attention_bias has {0} columns, the keys {1} "
                            "positions")))
      return failure();
    // Dims 0 and 1 are the batch and heads, or 1 (broadcast).
    SmallVector<OpFoldResult> target = sizesOf(ctx, bias);
    for (auto [d, full, name] :
         {std::tuple(0, batch, "batch size"), std::tuple(1, heads, "heads")}) {
      std::optional<int64_t> size = staticValue(target[d]);
      if (size == 1)
        continue;
      std::optional<int64_t> want = staticValue(full);
      if (size && want && *size != *want)
        return ctx.fail("attention_bias dim " + Twine(d) + " is " +
                        Twine(*size) + ", expected 1 or the " + name + " " +
                        Twine(*want));
      if (sameSize(target[d], full))
        continue;
      Value own = ctx.toIndex(target[d]), want_ = ctx.toIndex(full);
      auto eq = [&](Value x, Value y) {
        return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
      };
      ctx.check(arith::OrIOp::create(b, loc, eq(own, want_),
                                     eq(own, indexValue(b, loc, 1))),
                "attention_bias dim " + std::to_string(d) +
                    " is {0}, expected 1 or the " + name + " {1}",
                {own, want_});
      if (!size)
        target[d] = full; // read at index 0 where it is 1 at run time
    }
    bias = broadcastDynamicDims(ctx, bias, target);
    type = cast<RankedTensorType>(bias.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < 4; ++d)
      exprs.push_back(d < 2 && type.getDimSize(d) == 1
                          ? getAffineConstantExpr(0, mctx)
                          : getAffineDimExpr(d, mctx));
    operands.push_back(bias);
    maps.push_back(AffineMap::get(4, 0, exprs, mctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, mctx));
  Value causal;
  Value past = ctx.toIndex(pastLength);
  if (unidirectional) {
    Value seqIndex = ctx.toIndex(seq);
    causal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, seqIndex,
                                   indexValue(b, loc, 1));
  }
  Value init = emitEmpty(ctx, {batch, heads, seq, total}, wide);
  Value biased =
      linalg::GenericOp::create(
          b, loc, init.getType(), operands, init, maps,
          SmallVector<IT>(4, IT::parallel),
          [&](OpBuilder &b, Location l, ValueRange a) {
            Value s = arith::MulFOp::create(b, l, a[0],
                                            scalarConstant(b, l, wide, scale));
            if (operands.size() > 1)
              s = arith::AddFOp::create(b, l, s, castScalar(b, l, a[1], wide));
            if (causal) {
              Value i = linalg::IndexOp::create(b, l, 2);
              Value j = linalg::IndexOp::create(b, l, 3);
              Value future =
                  arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt, j,
                                        arith::AddIOp::create(b, l, past, i));
              Value masked = arith::AndIOp::create(b, l, causal, future);
              s = arith::SelectOp::create(
                  b, l, masked,
                  arith::AddFOp::create(b, l, s,
                                        scalarConstant(b, l, wide, maskFilter)),
                  s);
            }
            linalg::YieldOp::create(b, l, s);
          })
          .getResult(0);
  Value probs = emitSoftmax(ctx, biased, {3});

  // out[b, i, n, e] = sum_j probs[b, n, i, j] v[b, n, j, e]; loops
  // (b, i, n, e, j).
  Value acc =
      emitFilled(ctx, {batch, seq, heads, ctx.b.getIndexAttr(vHeadSize)}, wide,
                 scalarAttr(b, wide, 0));
  Value weighted =
      linalg::GenericOp::create(
          b, loc, acc.getType(), ValueRange{probs, v}, acc,
          {dims({0, 2, 1, 4}), dims({0, 2, 4, 3}), dims({0, 1, 2, 3})}, iters,
          multiplyAdd)
          .getResult(0);
  auto rounded = emitElementwise(ctx, {weighted}, element,
                                 [&](OpBuilder &b, Location l, ValueRange a) {
                                   return castScalar(b, l, a[0], element);
                                 });
  if (failed(rounded))
    return failure();
  ctx.set(
      0, emitReshape(ctx, *rounded, {batch, seq, ctx.b.getIndexAttr(vHidden)}));
  ctx.set(1, k);
  ctx.set(2, v);
  return success();
}

/// com.microsoft.MatMulNBits: Y = A @ W^T (+ bias), W dequantized from its
/// 4-bit blocks by the model (OnnxModel::kDequantizedSuffix), exactly, in
/// f32; f16/bf16 activations are widened and the result rounded once.
LogicalResult importMatMulNBits(NodeContext &ctx) {
  auto weight = readMatMulNBits(ctx.model(), ctx.node);
  if (!weight)
    return ctx.fail(toString(weight.takeError()));
  if (ctx.numOutputs() != 1)
    return ctx.fail("has " + Twine(ctx.numOutputs()) +
                    " outputs; the operator has 1");
  Type element = ctx.elementType(0);
  Type scaleElement = getElementType(ctx.b.getContext(), weight->scaleType);
  if (!isFloatElement(element) || element != scaleElement)
    return ctx.fail("expects A of the scales' type (FLOAT or FLOAT16)");
  RankedTensorType aType = ctx.type(0);
  if (aType.getRank() < 1 ||
      (!aType.isDynamicDim(aType.getRank() - 1) &&
       aType.getDimSize(aType.getRank() - 1) != weight->shape.k))
    return ctx.fail("expects A's last dim to be K = " + Twine(weight->shape.k));
  Type f32 = ctx.b.getF32Type();
  auto widen = [&](Value v) -> FailureOr<Value> {
    if (cast<RankedTensorType>(v.getType()).getElementType() == f32)
      return v;
    return emitElementwise(ctx, {v}, f32,
                           [&](OpBuilder &b, Location l, ValueRange a) {
                             return castScalar(b, l, a[0], f32);
                           });
  };
  auto a = widen(ctx.tensor(0));
  if (failed(a))
    return failure();
  auto wType = RankedTensorType::get({weight->shape.k, weight->shape.n}, f32);
  Value w = llm::WeightOp::create(
      ctx.b, ctx.loc, wType,
      ctx.b.getStringAttr(weight->codes + OnnxModel::kDequantizedSuffix.str()));
  auto y = emitMatMul(ctx, *a, w);
  if (failed(y))
    return failure();
  if (!weight->bias.empty()) {
    RankedTensorType biasType = ctx.type(5);
    if (biasType.getRank() != 1 || biasType.getElementType() != element ||
        biasType.getDimSize(0) != weight->shape.n)
      return ctx.fail("expects a bias of N = " + Twine(weight->shape.n) +
                      " elements of A's type");
    auto bias = widen(ctx.tensor(5));
    if (failed(bias))
      return failure();
    y = emitElementwise(ctx, {*y, *bias}, f32,
                        [](OpBuilder &b, Location l, ValueRange a) {
                          return Value(arith::AddFOp::create(b, l, a[0], a[1]));
                        });
    if (failed(y))
      return failure();
  }
  if (element != f32)
    y = emitElementwise(ctx, {*y}, element,
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          return castScalar(b, l, a[0], element);
                        });
  if (failed(y))
    return failure();
  ctx.set(0, *y);
  return success();
}

} // namespace

void registerContribOps(OpRegistry &r) {
  // onnxruntime registers SimplifiedLayerNormalization in the default domain.
  r.add("SimplifiedLayerNormalization", 1, importSimplifiedLayerNormalization);
  r.add("SkipSimplifiedLayerNormalization", 1,
        importSkipSimplifiedLayerNormalization, "com.microsoft");
  r.add("RotaryEmbedding", 1, importRotaryEmbedding, "com.microsoft");
  r.add("MultiHeadAttention", 1, importMultiHeadAttention, "com.microsoft");
  r.add("MatMulNBits", 1, importMatMulNBits, "com.microsoft");
}

} // namespace llmc::onnx_import
