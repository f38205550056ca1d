//===- ConvertLLMToLinalg.cpp - llm ops to linalg on tensors --------------===//
//
// Every llm op becomes destination-style linalg on tensors: the reference
// semantics of each op, written plainly so that bufferization, vectorization
// and LLVM can take it from there. Attention lives in LowerAttention.cpp.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/LinalgBuilders.h"
#include "passes/PackedWeights.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace llmc {
#define GEN_PASS_DEF_CONVERTLLMTOLINALG
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {

RankedTensorType getKVCacheTensorType(Type type) {
  auto cache = cast<llm::KVCacheType>(type);
  return RankedTensorType::get({cache.getLayers(), 2, cache.getCapacity(),
                                cache.getKvHeads(), cache.getHeadDim()},
                               cache.getElementType());
}

RankedTensorType getPagedKVCacheTensorType(Type type) {
  auto pool = cast<llm::PagedKVCacheType>(type);
  // i8 rows carry their f32 scale: four more bytes each.
  int64_t row =
      pool.getHeadDim() + (pool.getElementType().isSignlessInteger(8) ? 4 : 0);
  return RankedTensorType::get({ShapedType::kDynamic, pool.getLayers(), 2,
                                pool.getBlockSize(), pool.getKvHeads(), row},
                               pool.getElementType());
}

namespace {

/// Maps of a rank-`rank` iteration space: identity, and the identity without
/// its last dimension (for per-row reductions and their results).
struct RowMaps {
  AffineMap all, row, last;
  RowMaps(MLIRContext *ctx, int64_t rank) {
    all = AffineMap::getMultiDimIdentityMap(rank, ctx);
    row = all.getMajorSubMap(rank - 1);
    last = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx));
  }
};

//===----------------------------------------------------------------------===//
// Embedding: result[t, h] = table[ids[t], h]
//===----------------------------------------------------------------------===//

struct EmbeddingLowering : OpConversionPattern<llm::EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value table = adaptor.getTable();
    Value ids = adaptor.getIds();
    Type resultElement = op.getType().getElementType();
    if (auto packed = dyn_cast<llm::PackedWeightType>(table.getType())) {
      auto view = table.getDefiningOp<llm::PackedViewOp>();
      if (!view)
        return rewriter.notifyMatchFailure(
            op, "expects a packed table bound to buffers (llm-bind-weights)");
      Value init = makeEmpty(rewriter, loc,
                             {tensor::getMixedSize(rewriter, loc, ids, 0),
                              rewriter.getIndexAttr(packed.getCols())},
                             resultElement);
      rewriter.replaceOp(op, buildPackedLookup(rewriter, loc, ids, view, init));
      return success();
    }
    SmallVector<OpFoldResult> sizes{
        tensor::getMixedSize(rewriter, loc, ids, 0),
        tensor::getMixedSize(rewriter, loc, table, 1)};
    Value init = makeEmpty(rewriter, loc, sizes, resultElement);
    AffineMap all = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), ids, init, {row, all},
        parallelIterators(2), [&](OpBuilder &b, Location l, ValueRange args) {
          Value id =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value h = linalg::IndexOp::create(b, l, 1);
          Value v = tensor::ExtractOp::create(b, l, table, ValueRange{id, h});
          linalg::YieldOp::create(b, l,
                                  Value(castFloat(b, l, v, resultElement)));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// RMSNorm: x / sqrt(mean(x^2) + eps) * w over the last dimension
//===----------------------------------------------------------------------===//

struct RmsNormLowering : OpConversionPattern<llm::RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::RmsNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value x = adaptor.getInput();
    Value weight = adaptor.getWeight();
    auto type = op.getType();
    Type f = type.getElementType();
    int64_t rank = type.getRank();
    RowMaps maps(ctx, rank);
    auto fm = getReductionFastMath(ctx);

    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
    Value zero = makeFilled(rewriter, loc, rowSizes, f, 0.0);
    SmallVector<utils::IteratorType> iters = parallelIterators(rank);
    iters.back() = utils::IteratorType::reduction;
    auto sumSq = linalg::GenericOp::create(
        rewriter, loc, zero.getType(), x, zero, {maps.all, maps.row}, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = castFloat(b, l, args[0], f);
          Value sq = arith::MulFOp::create(b, l, v, v, fm);
          linalg::YieldOp::create(
              b, l, Value(arith::AddFOp::create(b, l, args[1], sq, fm)));
        });

    int64_t width = type.getDimSize(rank - 1);
    double eps = op.getEpsilon().convertToDouble();
    Value init = makeEmpty(rewriter, loc, sizes, f);
    auto normed = linalg::GenericOp::create(
        rewriter, loc, init.getType(),
        ValueRange{x, sumSq.getResult(0), weight}, init,
        {maps.all, maps.row, maps.last, maps.all}, parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value n = arith::ConstantOp::create(b, l, b.getFloatAttr(f, width));
          Value e = arith::ConstantOp::create(b, l, b.getFloatAttr(f, eps));
          Value one = arith::ConstantOp::create(b, l, b.getFloatAttr(f, 1.0));
          Value mean = arith::DivFOp::create(b, l, args[1], n);
          Value root =
              math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, mean, e));
          Value inv = arith::DivFOp::create(b, l, one, root);
          Value v =
              arith::MulFOp::create(b, l, castFloat(b, l, args[0], f), inv);
          Value w = castFloat(b, l, args[2], f);
          linalg::YieldOp::create(b, l,
                                  Value(arith::MulFOp::create(b, l, v, w)));
        });
    rewriter.replaceOp(op, normed.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// LayerNorm: (x - mean) / sqrt(var + eps) * w + b over the last dimension
//===----------------------------------------------------------------------===//

struct LayerNormLowering : OpConversionPattern<llm::LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value x = adaptor.getInput();
    auto type = op.getType();
    Type f = type.getElementType();
    int64_t rank = type.getRank();
    RowMaps maps(ctx, rank);
    auto fm = getReductionFastMath(ctx);
    int64_t width = type.getDimSize(rank - 1);
    double eps = op.getEpsilon().convertToDouble();

    SmallVector<OpFoldResult> sizes = getSizes(rewriter, loc, x);
    SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
    SmallVector<utils::IteratorType> iters = parallelIterators(rank);
    iters.back() = utils::IteratorType::reduction;
    auto constant = [&](OpBuilder &b, Location l, double c) -> Value {
      return arith::ConstantOp::create(b, l, b.getFloatAttr(f, c));
    };
    // Two passes, as PyTorch does: the mean, then the mean of squared
    // deviations from it (no cancellation when the mean is large).
    Value zero = makeFilled(rewriter, loc, rowSizes, f, 0.0);
    auto sum = linalg::GenericOp::create(
        rewriter, loc, zero.getType(), x, zero, {maps.all, maps.row}, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              Value(arith::AddFOp::create(b, l, args[1],
                                          castFloat(b, l, args[0], f), fm)));
        });
    Value meanInit = makeEmpty(rewriter, loc, rowSizes, f);
    AffineMap rowId = AffineMap::getMultiDimIdentityMap(rank - 1, ctx);
    auto mean = linalg::GenericOp::create(
        rewriter, loc, meanInit.getType(), sum.getResult(0), meanInit,
        {rowId, rowId}, parallelIterators(rank - 1),
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              Value(arith::DivFOp::create(b, l, args[0],
                                          constant(b, l, double(width)))));
        });
    Value zero2 = makeFilled(rewriter, loc, rowSizes, f, 0.0);
    auto sumSq = linalg::GenericOp::create(
        rewriter, loc, zero2.getType(), ValueRange{x, mean.getResult(0)}, zero2,
        {maps.all, maps.row, maps.row}, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value d =
              arith::SubFOp::create(b, l, castFloat(b, l, args[0], f), args[1]);
          Value sq = arith::MulFOp::create(b, l, d, d, fm);
          linalg::YieldOp::create(
              b, l, Value(arith::AddFOp::create(b, l, args[2], sq, fm)));
        });
    Value init = makeEmpty(rewriter, loc, sizes, f);
    auto normed = linalg::GenericOp::create(
        rewriter, loc, init.getType(),
        ValueRange{x, mean.getResult(0), sumSq.getResult(0),
                   adaptor.getWeight(), adaptor.getBias()},
        init, {maps.all, maps.row, maps.row, maps.last, maps.last, maps.all},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value var = arith::DivFOp::create(b, l, args[2],
                                            constant(b, l, double(width)));
          Value root = math::SqrtOp::create(
              b, l, arith::AddFOp::create(b, l, var, constant(b, l, eps)));
          Value inv = arith::DivFOp::create(b, l, constant(b, l, 1.0), root);
          Value d =
              arith::SubFOp::create(b, l, castFloat(b, l, args[0], f), args[1]);
          Value v =
              arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, d, inv),
                                    castFloat(b, l, args[3], f));
          linalg::YieldOp::create(b, l,
                                  Value(arith::AddFOp::create(
                                      b, l, v, castFloat(b, l, args[4], f))));
        });
    rewriter.replaceOp(op, normed.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Linear and LM head: result[m, n] = sum_k x[m, k] * w[n, k] (+ b[n])
//===----------------------------------------------------------------------===//

static FailureOr<Value> lowerProjection(Operation *op, Value x, Value weight,
                                        Value bias, RankedTensorType type,
                                        ConversionPatternRewriter &rewriter) {
  if (type.getRank() != 2)
    return rewriter.notifyMatchFailure(op, "expects a rank-2 input");
  Location loc = op->getLoc();
  MLIRContext *ctx = op->getContext();
  Type f = type.getElementType();
  auto packed = dyn_cast<llm::PackedWeightType>(weight.getType());
  auto view = weight.getDefiningOp<llm::PackedViewOp>();
  if (packed && !view)
    return rewriter.notifyMatchFailure(
        op, "expects a packed weight bound to buffers (llm-bind-weights)");
  SmallVector<OpFoldResult> sizes{
      tensor::getMixedSize(rewriter, loc, x, 0),
      packed ? OpFoldResult(rewriter.getIndexAttr(packed.getRows()))
             : tensor::getMixedSize(rewriter, loc, weight, 0)};
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);

  // The accumulator starts at the bias (broadcast over rows) or at zero.
  Value init;
  if (bias) {
    Value empty = makeEmpty(rewriter, loc, sizes, f);
    auto broadcast = linalg::GenericOp::create(
        rewriter, loc, empty.getType(), bias, empty,
        {AffineMap::get(2, 0, getAffineDimExpr(1, ctx)),
         AffineMap::getMultiDimIdentityMap(2, ctx)},
        parallelIterators(2), [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, Value(castFloat(b, l, args[0], f)));
        });
    init = broadcast.getResult(0);
  } else {
    init = makeFilled(rewriter, loc, sizes, f, 0.0);
  }

  if (view)
    return buildPackedProjection(rewriter, loc, x, view, init);

  auto fm = getReductionFastMath(ctx);
  auto matmul = linalg::GenericOp::create(
      rewriter, loc, init.getType(), ValueRange{x, weight}, init,
      {AffineMap::get(3, 0, {m, k}, ctx), AffineMap::get(3, 0, {n, k}, ctx),
       AffineMap::get(3, 0, {m, n}, ctx)},
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value product = arith::MulFOp::create(b, l, castFloat(b, l, args[0], f),
                                              castFloat(b, l, args[1], f), fm);
        linalg::YieldOp::create(
            b, l, Value(arith::AddFOp::create(b, l, args[2], product, fm)));
      });
  return matmul.getResult(0);
}

struct LinearLowering : OpConversionPattern<llm::LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result =
        lowerProjection(op, adaptor.getInput(), adaptor.getWeight(),
                        adaptor.getBias(), op.getType(), rewriter);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

struct LMHeadLowering : OpConversionPattern<llm::LMHeadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::LMHeadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> result =
        lowerProjection(op, adaptor.getInput(), adaptor.getWeight(), Value(),
                        op.getType(), rewriter);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Elementwise: silu, swiglu, add
//===----------------------------------------------------------------------===//

/// x * sigmoid(x) = x / (1 + exp(-x)).
static Value buildSilu(OpBuilder &b, Location l, Value x) {
  Type f = x.getType();
  Value one = arith::ConstantOp::create(b, l, b.getFloatAttr(f, 1.0));
  Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
  return arith::DivFOp::create(b, l, x, arith::AddFOp::create(b, l, one, e));
}

/// x * Phi(x), Phi the Gaussian CDF: exact with erf, or GPT-2's tanh form.
static Value buildGelu(OpBuilder &b, Location l, Value x,
                       llm::GeluApproximation approximation) {
  Type f = x.getType();
  auto constant = [&](double c) -> Value {
    return arith::ConstantOp::create(b, l, b.getFloatAttr(f, c));
  };
  Value inner;
  if (approximation == llm::GeluApproximation::Tanh) {
    // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
    Value cube =
        arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, x, x), x);
    Value poly = arith::AddFOp::create(
        b, l, x, arith::MulFOp::create(b, l, constant(0.044715), cube));
    inner = math::TanhOp::create(
        b, l,
        arith::MulFOp::create(b, l, constant(std::sqrt(2.0 / M_PI)), poly));
  } else {
    inner = math::ErfOp::create(
        b, l, arith::MulFOp::create(b, l, x, constant(M_SQRT1_2)));
  }
  Value half = arith::MulFOp::create(b, l, constant(0.5), x);
  return arith::MulFOp::create(
      b, l, half, arith::AddFOp::create(b, l, constant(1.0), inner));
}

/// Lowers an elementwise op on same-typed operands with `body`.
template <typename Op> struct ElementwiseLowering : OpConversionPattern<Op> {
  using Body = Value (*)(OpBuilder &, Location, Op, ValueRange);
  ElementwiseLowering(TypeConverter &converter, MLIRContext *ctx, Body body)
      : OpConversionPattern<Op>(converter, ctx), body(body) {}

  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    ValueRange inputs = adaptor.getOperands();
    Value init = makeEmpty(rewriter, loc, getSizes(rewriter, loc, inputs[0]),
                           type.getElementType());
    AffineMap id =
        AffineMap::getMultiDimIdentityMap(type.getRank(), op.getContext());
    SmallVector<AffineMap> maps(inputs.size() + 1, id);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, inputs, init, maps,
        parallelIterators(type.getRank()),
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l,
                                  Value(body(b, l, op, args.drop_back())));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }

  Body body;
};

//===----------------------------------------------------------------------===//
// Rotary embedding
//===----------------------------------------------------------------------===//

struct RotaryEmbeddingLowering : OpConversionPattern<llm::RotaryEmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::RotaryEmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto type = op.getType();
    Type f = type.getElementType();
    int64_t headDim = type.getDimSize(2);
    int64_t half = headDim / 2;
    bool interleaved = op.getStyle() == llm::RopeStyle::Interleaved;

    // inv_freq[i] = theta^(-2i / head_dim), folded at compile time.
    double theta = op.getTheta().convertToDouble();
    SmallVector<float> invFreq;
    for (int64_t i = 0; i < half; ++i)
      invFreq.push_back(
          static_cast<float>(1.0 / std::pow(theta, double(2 * i) / headDim)));
    auto freqType = RankedTensorType::get({half}, rewriter.getF32Type());
    Value freqs = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(freqType, ArrayRef(invFreq)));

    // cos and sin of each token's angles, [tokens][half] in f32: one per
    // position and frequency, not one per head and component (the same
    // values, computed heads * 2 times fewer).
    Value positions = adaptor.getPositions();
    SmallVector<OpFoldResult> tableSizes = getSizes(rewriter, loc, positions);
    tableSizes.push_back(rewriter.getIndexAttr(half));
    Value cosInit = makeEmpty(rewriter, loc, tableSizes, rewriter.getF32Type());
    Value sinInit = makeEmpty(rewriter, loc, tableSizes, rewriter.getF32Type());
    AffineMap pair = AffineMap::getMultiDimIdentityMap(2, ctx);
    auto table = linalg::GenericOp::create(
        rewriter, loc, TypeRange{cosInit.getType(), sinInit.getType()},
        ValueRange{positions, freqs}, ValueRange{cosInit, sinInit},
        {AffineMap::get(2, 0, getAffineDimExpr(0, ctx)),
         AffineMap::get(2, 0, getAffineDimExpr(1, ctx)), pair, pair},
        parallelIterators(2), [&](OpBuilder &b, Location l, ValueRange args) {
          Value pos = arith::SIToFPOp::create(b, l, b.getF32Type(), args[0]);
          Value angle = arith::MulFOp::create(b, l, pos, args[1]);
          linalg::YieldOp::create(b, l,
                                  ValueRange{math::CosOp::create(b, l, angle),
                                             math::SinOp::create(b, l, angle)});
        });
    Value cosTable = table.getResult(0), sinTable = table.getResult(1);

    Value x = adaptor.getInput();
    Value init = makeEmpty(rewriter, loc, getSizes(rewriter, loc, x), f);
    AffineMap all = AffineMap::getMultiDimIdentityMap(3, ctx);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{x}, init, {all, all},
        parallelIterators(3), [&](OpBuilder &b, Location l, ValueRange args) {
          auto index = [&](int64_t v) {
            return arith::ConstantIndexOp::create(b, l, v).getResult();
          };
          Value t = linalg::IndexOp::create(b, l, 0);
          Value h = linalg::IndexOp::create(b, l, 1);
          Value d = linalg::IndexOp::create(b, l, 2);
          // The pair index i, the partner component and the sign of its term.
          Value i, partner, first;
          if (interleaved) {
            i = arith::DivUIOp::create(b, l, d, index(2));
            Value odd = arith::RemUIOp::create(b, l, d, index(2));
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, odd,
                                          index(0));
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, d, index(1)),
                arith::SubIOp::create(b, l, d, index(1)));
          } else {
            first = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, d,
                                          index(half));
            i = arith::SelectOp::create(
                b, l, first, d, arith::SubIOp::create(b, l, d, index(half)));
            partner = arith::SelectOp::create(
                b, l, first, arith::AddIOp::create(b, l, d, index(half)), i);
          }
          Value cos = castFloat(
              b, l, tensor::ExtractOp::create(b, l, cosTable, ValueRange{t, i}),
              f);
          Value sin = castFloat(
              b, l, tensor::ExtractOp::create(b, l, sinTable, ValueRange{t, i}),
              f);
          Value other =
              tensor::ExtractOp::create(b, l, x, ValueRange{t, h, partner});
          // first of a pair: x*cos - partner*sin; second: x*cos + partner*sin.
          Value rotated = arith::MulFOp::create(b, l, other, sin);
          rotated = arith::SelectOp::create(
              b, l, first, arith::NegFOp::create(b, l, rotated), rotated);
          Value result = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, args[0], cos), rotated);
          linalg::YieldOp::create(b, l, Value(result));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// SelectRows: result[r, :] = input[rows[r], :], every index checked first
//===----------------------------------------------------------------------===//

struct SelectRowsLowering : OpConversionPattern<llm::SelectRowsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(llm::SelectRowsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    Value input = adaptor.getInput(), rows = adaptor.getRows();
    Type indexType = rewriter.getIndexType();
    auto rowsType = cast<RankedTensorType>(rows.getType());
    Type rowElement = rowsType.getElementType();

    // The largest index as unsigned (a negative one is huge), then one check.
    // A loop, not a linalg reduction: on the GPU the indices stay on the
    // host, where the check reads them before the first launch.
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(rowElement, 0));
    Value count = tensor::DimOp::create(rewriter, loc, rows, 0);
    Value largest =
        scf::ForOp::create(
            rewriter, loc, arith::ConstantIndexOp::create(rewriter, loc, 0),
            count, arith::ConstantIndexOp::create(rewriter, loc, 1),
            ValueRange{zero},
            [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
              Value row = tensor::ExtractOp::create(b, l, rows, ValueRange{i});
              scf::YieldOp::create(
                  b, l, Value(arith::MaxUIOp::create(b, l, acc[0], row)));
            })
            .getResult(0);
    Value largestIndex =
        arith::IndexCastUIOp::create(rewriter, loc, indexType, largest);
    Value available = tensor::DimOp::create(rewriter, loc, input, 0);
    Value none0 =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, count,
                              arith::ConstantIndexOp::create(rewriter, loc, 0));
    Value inside = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ult, largestIndex, available);
    llm::AssertOp::create(rewriter, loc,
                          arith::OrIOp::create(rewriter, loc, none0, inside),
                          "logit row {0} is outside the {1} tokens of the call",
                          ValueRange{largestIndex, available});

    // A gather: each output row reads the input row its index names.
    auto resultType = cast<RankedTensorType>(op.getType());
    Value init = makeEmpty(
        rewriter, loc,
        {OpFoldResult(count), tensor::getMixedSize(rewriter, loc, input, 1)},
        resultType.getElementType());
    AffineMap rowOf = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
    Value selected =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), rows, init,
            {rowOf, AffineMap::getMultiDimIdentityMap(2, ctx)},
            parallelIterators(2),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value row = arith::IndexCastOp::create(b, l, indexType, args[0]);
              Value column = linalg::IndexOp::create(b, l, 1);
              linalg::YieldOp::create(
                  b, l,
                  Value(tensor::ExtractOp::create(b, l, input,
                                                  ValueRange{row, column})));
            })
            .getResult(0);
    if (selected.getType() != resultType)
      selected = tensor::CastOp::create(rewriter, loc, resultType, selected);
    rewriter.replaceOp(op, selected);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Entry-point ABI: the KV cache is an in/out buffer, not a result.
//===----------------------------------------------------------------------===//

/// Turns each tensor result of an entry point that has the type of a cache
/// argument into an in-place update of that argument, passed as a memref.
static LogicalResult makeCacheArgumentsInPlace(func::FuncOp func,
                                               ArrayRef<Type> cacheTypes) {
  if (func.isExternal())
    return success();
  Block &entry = func.getBody().front();
  auto ret = cast<func::ReturnOp>(entry.getTerminator());
  OpBuilder b(func.getContext());

  llvm::BitVector dropped(ret.getNumOperands());
  for (auto [resultIndex, result] : llvm::enumerate(ret.getOperands())) {
    Type type = result.getType();
    if (!llvm::is_contained(cacheTypes, type))
      continue;
    auto argIt = llvm::find_if(entry.getArguments(), [&](BlockArgument arg) {
      return arg.getType() == type;
    });
    if (argIt == entry.getArguments().end())
      return func.emitOpError("returns a KV cache it does not take");
    BlockArgument arg = *argIt;
    auto tensorType = cast<RankedTensorType>(arg.getType());
    auto memrefType =
        MemRefType::get(tensorType.getShape(), tensorType.getElementType());
    arg.setType(memrefType);
    b.setInsertionPointToStart(&entry);
    Value tensor = bufferization::ToTensorOp::create(
        b, func.getLoc(), tensorType, arg, /*restrict=*/true,
        /*writable=*/true);
    arg.replaceAllUsesExcept(tensor, tensor.getDefiningOp());
    b.setInsertionPoint(ret);
    auto write = bufferization::MaterializeInDestinationOp::create(
        b, ret.getLoc(), TypeRange{}, result, arg);
    write.setRestrict(true);
    write.setWritable(true);
    dropped.set(resultIndex);
  }
  ret->eraseOperands(dropped);
  func.setType(FunctionType::get(func.getContext(), entry.getArgumentTypes(),
                                 func.getResultTypes()));
  if (failed(func.eraseResults(dropped)))
    return failure();
  // The runtime calls entry points through MLIR's C interface.
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(func.getContext()));
  return success();
}

struct ConvertLLMToLinalgPass
    : impl::ConvertLLMToLinalgBase<ConvertLLMToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();

    TypeConverter converter;
    converter.addConversion([](Type type) { return type; });
    converter.addConversion([](llm::KVCacheType type) -> Type {
      return getKVCacheTensorType(type);
    });
    converter.addConversion([](llm::PagedKVCacheType type) -> Type {
      return getPagedKVCacheTensorType(type);
    });

    // Remember the cache types before they are converted away.
    SmallVector<Type> cacheTypes;
    module.walk([&](func::FuncOp func) {
      for (Type type : func.getArgumentTypes())
        if (isa<llm::KVCacheType, llm::PagedKVCacheType>(type))
          cacheTypes.push_back(converter.convertType(type));
    });

    ConversionTarget target(*ctx);
    target.addIllegalDialect<llm::LLMDialect>();
    // Packed views stay until their readers are lowered, then fold away.
    target.addLegalOp<llm::AssertOp, llm::PackedViewOp, llm::FlashAttentionOp,
                      llm::PagedFlashAttentionOp>();
    target.addLegalDialect<affine::AffineDialect, arith::ArithDialect,
                           bufferization::BufferizationDialect,
                           linalg::LinalgDialect, math::MathDialect,
                           memref::MemRefDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return converter.isSignatureLegal(op.getFunctionType()) &&
             converter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });
    target.markUnknownOpDynamicallyLegal(
        [&](Operation *op) { return converter.isLegal(op); });

    RewritePatternSet patterns(ctx);
    populateLLMToLinalgConversionPatterns(converter, patterns, attentionKernel);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();

    for (auto func : module.getOps<func::FuncOp>())
      if (llm::LLMDialect::isEntryPoint(func) &&
          failed(makeCacheArgumentsInPlace(func, cacheTypes)))
        return signalPassFailure();
  }
};

} // namespace

void populateLLMToLinalgConversionPatterns(TypeConverter &converter,
                                           RewritePatternSet &patterns,
                                           bool attentionKernel) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<EmbeddingLowering, RmsNormLowering, LayerNormLowering,
               LinearLowering, LMHeadLowering, RotaryEmbeddingLowering,
               SelectRowsLowering>(converter, ctx);
  patterns.add<ElementwiseLowering<llm::SiluOp>>(
      converter, ctx, [](OpBuilder &b, Location l, llm::SiluOp, ValueRange v) {
        return buildSilu(b, l, v[0]);
      });
  patterns.add<ElementwiseLowering<llm::SwiGLUOp>>(
      converter, ctx,
      [](OpBuilder &b, Location l, llm::SwiGLUOp, ValueRange v) -> Value {
        return arith::MulFOp::create(b, l, buildSilu(b, l, v[0]), v[1]);
      });
  patterns.add<ElementwiseLowering<llm::GeluOp>>(
      converter, ctx,
      [](OpBuilder &b, Location l, llm::GeluOp op, ValueRange v) -> Value {
        return buildGelu(b, l, v[0], op.getApproximation());
      });
  patterns.add<ElementwiseLowering<llm::AddOp>>(
      converter, ctx,
      [](OpBuilder &b, Location l, llm::AddOp, ValueRange v) -> Value {
        return arith::AddFOp::create(b, l, v[0], v[1]);
      });
  populateAttentionLoweringPatterns(converter, patterns, attentionKernel);
}

} // namespace llmc
