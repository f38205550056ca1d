//===- LowerAttention.cpp - llm.attention to linalg on tensors ------------===//
//
// Reference lowering of grouped-query attention, in five linalg ops over the
// iteration space (kv_head a, group g, query i, key j, component d):
//
//   scores[a,g,i,j] = sum_d q[i,a,g,d] * k[j,a,d]
//   max[a,g,i]      = max_j  masked(scale * scores)
//   p[a,g,i,j]      = masked ? 0 : exp(scale * scores - max)
//   sum[a,g,i]      = sum_j p
//   out[i,a,g,d]    = sum_j p[a,g,i,j] * v[j,a,d] / sum[a,g,i]
//
// Query head h = a * group + g reads KV head a, the grouping of Hugging
// Face's repeat_kv. The score matrix is materialized: this is the plain
// version the tuned kernels are checked against.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/LinalgBuilders.h"
#include "passes/Passes.h"

#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;

namespace llmc {
namespace {

struct AttentionLowering : OpConversionPattern<llm::AttentionOp> {
  AttentionLowering(TypeConverter &converter, MLIRContext *ctx,
                    bool attentionKernel)
      : OpConversionPattern(converter, ctx), attentionKernel(attentionKernel) {}
  bool attentionKernel;

  LogicalResult
  matchAndRewrite(llm::AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto queryType = op.getQuery().getType();
    Type f = queryType.getElementType();
    int64_t numHeads = op.getNumHeads();
    int64_t numKvHeads = op.getNumKvHeads();
    int64_t group = numHeads / numKvHeads;
    int64_t headDim = queryType.getDimSize(2);
    auto index = [&](int64_t v) -> OpFoldResult {
      return rewriter.getIndexAttr(v);
    };

    Value query = adaptor.getQuery();
    Value numQueries = tensor::DimOp::create(rewriter, loc, query, 0);
    Value keys, values, newCache, offset;
    if (Value cache = adaptor.getCache()) {
      // Write the new keys and values at positions[0]... of this layer, then
      // attend over the whole prefix [0, positions[0] + tokens).
      int64_t layer = *op.getLayer();
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value first = tensor::ExtractOp::create(rewriter, loc,
                                              adaptor.getPositions(), zero);
      Value start = arith::IndexCastOp::create(rewriter, loc,
                                               rewriter.getIndexType(), first);
      SmallVector<OpFoldResult> newSizes{index(1), index(1), numQueries,
                                         index(numKvHeads), index(headDim)};
      SmallVector<OpFoldResult> strides(5, index(1));
      SmallVector<OpFoldResult> keyAt{index(layer), index(0), start, index(0),
                                      index(0)};
      SmallVector<OpFoldResult> valueAt{index(layer), index(1), start, index(0),
                                        index(0)};
      newCache = tensor::InsertSliceOp::create(rewriter, loc, adaptor.getKey(),
                                               cache, keyAt, newSizes, strides);
      newCache =
          tensor::InsertSliceOp::create(rewriter, loc, adaptor.getValue(),
                                        newCache, valueAt, newSizes, strides);

      // With the runtime's kernel: attend over the whole cache layer, which
      // the kernel masks by position, without the score matrix.
      if (attentionKernel && f.isF32() && op.getCausal()) {
        int64_t capacity =
            cast<RankedTensorType>(cache.getType()).getDimSize(2);
        auto layerType =
            RankedTensorType::get({capacity, numKvHeads, headDim}, f);
        SmallVector<OpFoldResult> layerSizes{index(1), index(1),
                                             index(capacity), index(numKvHeads),
                                             index(headDim)};
        keyAt[2] = index(0);
        valueAt[2] = index(0);
        Value layerKeys = tensor::ExtractSliceOp::create(
            rewriter, loc, layerType, newCache, keyAt, layerSizes, strides);
        Value layerValues = tensor::ExtractSliceOp::create(
            rewriter, loc, layerType, newCache, valueAt, layerSizes, strides);
        Value init = makeEmpty(
            rewriter, loc, {numQueries, index(numHeads), index(headDim)}, f);
        auto flash = llm::FlashAttentionOp::create(
            rewriter, loc, TypeRange{init.getType()},
            ValueRange{query, layerKeys, layerValues, start, init},
            op->getAttrs());
        // Only the attributes the kernel op knows.
        flash->setAttrs(rewriter.getDictionaryAttr(llvm::to_vector(
            llvm::make_filter_range(op->getAttrs(), [](NamedAttribute a) {
              return a.getName() != "layer";
            }))));
        rewriter.replaceOp(op, {flash.getResult()[0], newCache});
        return success();
      }

      Value end = arith::AddIOp::create(rewriter, loc, start, numQueries);
      SmallVector<OpFoldResult> prefixSizes{index(1), index(1), end,
                                            index(numKvHeads), index(headDim)};
      auto prefixType =
          RankedTensorType::get({ShapedType::kDynamic, numKvHeads, headDim}, f);
      keyAt[2] = index(0);
      valueAt[2] = index(0);
      keys = tensor::ExtractSliceOp::create(rewriter, loc, prefixType, newCache,
                                            keyAt, prefixSizes, strides);
      values = tensor::ExtractSliceOp::create(
          rewriter, loc, prefixType, newCache, valueAt, prefixSizes, strides);
      offset = start;
    } else {
      // Query t sits at key position t + (keys - queries).
      keys = adaptor.getKey();
      values = adaptor.getValue();
      Value numKeys = tensor::DimOp::create(rewriter, loc, keys, 0);
      offset = arith::SubIOp::create(rewriter, loc, numKeys, numQueries);
    }
    OpFoldResult numKeys = tensor::getMixedSize(rewriter, loc, keys, 0);

    // [tokens, heads, d] -> [tokens, kv_heads, group, d].
    auto groupedType = RankedTensorType::get(
        {ShapedType::kDynamic, numKvHeads, group, headDim}, f);
    Value grouped = tensor::ExpandShapeOp::create(
        rewriter, loc, groupedType, query,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}},
        ArrayRef<OpFoldResult>{numQueries, index(numKvHeads), index(group),
                               index(headDim)});

    AffineExpr a, g, i, j, d;
    bindDims(ctx, a, g, i, j, d);
    auto map5 = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(5, 0, exprs, ctx);
    };
    auto map4 = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(4, 0, exprs, ctx);
    };
    using IT = utils::IteratorType;
    auto fm = getReductionFastMath(ctx);

    // scores[a,g,i,j] = sum_d q[i,a,g,d] * k[j,a,d]
    SmallVector<OpFoldResult> scoreSizes{index(numKvHeads), index(group),
                                         numQueries, numKeys};
    Value scoresInit = makeFilled(rewriter, loc, scoreSizes, f, 0.0);
    Value scores =
        linalg::GenericOp::create(
            rewriter, loc, scoresInit.getType(), ValueRange{grouped, keys},
            scoresInit,
            {map5({i, a, g, d}), map5({j, a, d}), map5({a, g, i, j})},
            {IT::parallel, IT::parallel, IT::parallel, IT::parallel,
             IT::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value p = arith::MulFOp::create(b, l, args[0], args[1], fm);
              linalg::YieldOp::create(
                  b, l, Value(arith::AddFOp::create(b, l, args[2], p, fm)));
            })
            .getResult(0);

    // Whether key j is visible to query i: j <= i + offset (causal), and
    // within the window.
    bool causal = op.getCausal();
    std::optional<int64_t> window = op.getSlidingWindow();
    double scale = op.getScale().convertToDouble();
    auto visible = [&](OpBuilder &b, Location l) -> Value {
      if (!causal)
        return arith::ConstantIntOp::create(b, l, 1, 1);
      Value qi = linalg::IndexOp::create(b, l, 2);
      Value kj = linalg::IndexOp::create(b, l, 3);
      Value qpos = arith::AddIOp::create(b, l, qi, offset);
      Value ok =
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::ule, kj, qpos);
      if (window) {
        // qpos - j < window, written without underflow as j + window > qpos.
        Value w = arith::ConstantIndexOp::create(b, l, *window);
        Value inWindow =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt,
                                  arith::AddIOp::create(b, l, kj, w), qpos);
        ok = arith::AndIOp::create(b, l, ok, inWindow);
      }
      return ok;
    };
    auto scaled = [&](OpBuilder &b, Location l, Value s) -> Value {
      Value c = arith::ConstantOp::create(b, l, b.getFloatAttr(f, scale));
      return arith::MulFOp::create(b, l, s, c);
    };

    SmallVector<OpFoldResult> rowSizes{index(numKvHeads), index(group),
                                       numQueries};
    AffineMap all4 = map4({a, g, i, j});
    AffineMap row4 = map4({a, g, i});
    SmallVector<IT> rowReduction{IT::parallel, IT::parallel, IT::parallel,
                                 IT::reduction};
    double lowest = -std::numeric_limits<double>::infinity();
    Value maxInit = makeFilled(rewriter, loc, rowSizes, f, lowest);
    Value maxes =
        linalg::GenericOp::create(
            rewriter, loc, maxInit.getType(), scores, maxInit, {all4, row4},
            rowReduction,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value minusInf =
                  arith::ConstantOp::create(b, l, b.getFloatAttr(f, lowest));
              Value s = arith::SelectOp::create(
                  b, l, visible(b, l), scaled(b, l, args[0]), minusInf);
              linalg::YieldOp::create(
                  b, l, Value(arith::MaximumFOp::create(b, l, args[1], s)));
            })
            .getResult(0);

    Value probsInit = makeEmpty(rewriter, loc, scoreSizes, f);
    Value probs =
        linalg::GenericOp::create(
            rewriter, loc, probsInit.getType(), ValueRange{scores, maxes},
            probsInit, {all4, row4, all4}, parallelIterators(4),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value zero =
                  arith::ConstantOp::create(b, l, b.getFloatAttr(f, 0.0));
              Value e = math::ExpOp::create(
                  b, l,
                  arith::SubFOp::create(b, l, scaled(b, l, args[0]), args[1]));
              linalg::YieldOp::create(
                  b, l,
                  Value(arith::SelectOp::create(b, l, visible(b, l), e, zero)));
            })
            .getResult(0);

    Value sumInit = makeFilled(rewriter, loc, rowSizes, f, 0.0);
    Value sums =
        linalg::GenericOp::create(
            rewriter, loc, sumInit.getType(), probs, sumInit, {all4, row4},
            rowReduction,
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l,
                  Value(arith::AddFOp::create(b, l, args[1], args[0], fm)));
            })
            .getResult(0);

    // out[i,a,g,d] = sum_j p[a,g,i,j] * v[j,a,d]; d innermost so the inner
    // loop streams a row of v.
    SmallVector<OpFoldResult> outSizes{numQueries, index(numKvHeads),
                                       index(group), index(headDim)};
    Value outInit = makeFilled(rewriter, loc, outSizes, f, 0.0);
    AffineExpr oa, og, oi, oj, od;
    bindDims(ctx, oa, og, oi, oj, od);
    Value weighted =
        linalg::GenericOp::create(
            rewriter, loc, outInit.getType(), ValueRange{probs, values},
            outInit,
            {map5({oa, og, oi, oj}), map5({oj, oa, od}),
             map5({oi, oa, og, od})},
            {IT::parallel, IT::parallel, IT::parallel, IT::reduction,
             IT::parallel},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value p = arith::MulFOp::create(b, l, args[0], args[1], fm);
              linalg::YieldOp::create(
                  b, l, Value(arith::AddFOp::create(b, l, args[2], p, fm)));
            })
            .getResult(0);

    Value normInit = makeEmpty(rewriter, loc, outSizes, f);
    AffineExpr ni, na, ng, nd;
    bindDims(ctx, ni, na, ng, nd);
    Value normalized =
        linalg::GenericOp::create(
            rewriter, loc, normInit.getType(), ValueRange{weighted, sums},
            normInit,
            {map4({ni, na, ng, nd}), map4({na, ng, ni}),
             map4({ni, na, ng, nd})},
            parallelIterators(4),
            [&](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l, Value(arith::DivFOp::create(b, l, args[0], args[1])));
            })
            .getResult(0);

    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, op.getResult().getType(), normalized,
        ArrayRef<ReassociationIndices>{{0}, {1, 2}, {3}});
    if (newCache)
      rewriter.replaceOp(op, {result, newCache});
    else
      rewriter.replaceOp(op, result);
    return success();
  }
};

/// Paged attention has no linalg form: the runtime's kernel, or the loops
/// llmc-lower-paged-attention generates on buffers, write the new keys and
/// values through the block tables and attend.
struct PagedAttentionLowering : OpConversionPattern<llm::PagedAttentionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(llm::PagedAttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto queryType = op.getQuery().getType();
    int64_t heads = op.getNumHeads(), headDim = queryType.getDimSize(2);
    // The kernel's view: [tokens, heads, head_dim] with the heads static.
    auto kernelType = [&](Value v, int64_t n) -> Value {
      auto type = cast<RankedTensorType>(v.getType());
      auto want = RankedTensorType::get({ShapedType::kDynamic, n, headDim},
                                        type.getElementType());
      return type == want ? v : tensor::CastOp::create(rewriter, loc, want, v);
    };
    Value query = kernelType(adaptor.getQuery(), heads);
    Value key = kernelType(adaptor.getKey(), op.getNumKvHeads());
    Value value = kernelType(adaptor.getValue(), op.getNumKvHeads());
    Value init = makeEmpty(rewriter, loc,
                           {tensor::getMixedSize(rewriter, loc, query, 0),
                            rewriter.getIndexAttr(heads),
                            rewriter.getIndexAttr(headDim)},
                           queryType.getElementType());
    Value pool = adaptor.getPool();
    auto paged = llm::PagedFlashAttentionOp::create(
        rewriter, loc, TypeRange{pool.getType(), init.getType()},
        ValueRange{query, key, value, adaptor.getPositions(),
                   adaptor.getSequences(), adaptor.getBlockTables(), pool,
                   init},
        op->getAttrs());
    Value result = paged.getResult()[1];
    if (result.getType() != op.getResult().getType())
      result = tensor::CastOp::create(rewriter, loc, op.getResult().getType(),
                                      result);
    rewriter.replaceOp(op, {result, paged.getResult()[0]});
    return success();
  }
};

} // namespace

void populateAttentionLoweringPatterns(TypeConverter &converter,
                                       RewritePatternSet &patterns,
                                       bool attentionKernel) {
  patterns.add<AttentionLowering>(converter, patterns.getContext(),
                                  attentionKernel);
  patterns.add<PagedAttentionLowering>(converter, patterns.getContext());
}

} // namespace llmc
