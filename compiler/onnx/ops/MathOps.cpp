//===- MathOps.cpp - Contractions, reductions and normalizations ----------===//
//
// MatMul (numpy batching), Gemm, Einsum (no ellipsis), Softmax (both the
// coerced-2D semantics before opset 13 and the single-axis one after),
// LayerNormalization, ReduceMean/Sum/Max/Min/Prod/SumSquare.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ops/OpBuilders.h"

using namespace mlir;

namespace llmc::onnx_import {
namespace {

using IT = utils::IteratorType;

Value add(OpBuilder &b, Location l, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? Value(arith::AddFOp::create(b, l, x, y))
                                     : Value(arith::AddIOp::create(b, l, x, y));
}
Value mul(OpBuilder &b, Location l, Value x, Value y) {
  return isa<FloatType>(x.getType()) ? Value(arith::MulFOp::create(b, l, x, y))
                                     : Value(arith::MulIOp::create(b, l, x, y));
}

} // namespace

/// out = a @ b over broadcast batch dims; 1-D operands are promoted and the
/// promoted dims dropped from the result, as numpy does.
FailureOr<Value> emitMatMul(NodeContext &ctx, Value a, Value b) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  if (at.getRank() == 0 || bt.getRank() == 0)
    return ctx.fail("expects operands of rank at least 1");
  // A vector operand is a matrix with a unit dim ([K] -> [1, K] or
  // [K, 1]) that the result drops again: every loop then indexes some
  // operand, as linalg requires.
  if (at.getRank() == 1 || bt.getRank() == 1) {
    bool vecA = at.getRank() == 1, vecB = bt.getRank() == 1;
    auto promote = [&](Value v, bool front) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape{t.getDimSize(0)};
      shape.insert(front ? shape.begin() : shape.end(), 1);
      return tensor::ExpandShapeOp::create(
          ctx.b, ctx.loc, RankedTensorType::get(shape, t.getElementType()), v,
          SmallVector<ReassociationIndices>{{0, 1}});
    };
    auto product = emitMatMul(ctx, vecA ? promote(a, true) : a,
                              vecB ? promote(b, false) : b);
    if (failed(product))
      return failure();
    auto pt = cast<RankedTensorType>(product->getType());
    int64_t rank = pt.getRank();
    // Drop the promoted dims: m at rank - 2, n at rank - 1.
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank - 2; ++d)
      groups.push_back({d});
    if (vecA && vecB) // [1, 1] -> a scalar
      return tensor::CollapseShapeOp::create(
                 ctx.b, ctx.loc, RankedTensorType::get({}, pt.getElementType()),
                 *product, SmallVector<ReassociationIndices>{})
          .getResult();
    if (vecA) {
      if (groups.empty())
        groups.push_back({rank - 2, rank - 1});
      else
        groups.back().push_back(rank - 2), groups.push_back({rank - 1});
    } else {
      groups.push_back({rank - 2, rank - 1});
    }
    return tensor::CollapseShapeOp::create(ctx.b, ctx.loc, *product, groups)
        .getResult();
  }
  bool vecA = false, vecB = false;
  SmallVector<OpFoldResult> aSizes = sizesOf(ctx, a), bSizes = sizesOf(ctx, b);
  int64_t ar = aSizes.size(), br = bSizes.size();
  int64_t batch = std::max(ar, br) - 2;
  // Batch sizes broadcast numpy-style.
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < batch; ++d) {
    int64_t ai = d - (batch - (ar - 2)), bi = d - (batch - (br - 2));
    OpFoldResult as = ai >= 0 ? aSizes[ai] : ctx.b.getIndexAttr(1);
    OpFoldResult bs = bi >= 0 ? bSizes[bi] : ctx.b.getIndexAttr(1);
    auto av = staticValue(as), bv = staticValue(bs);
    if (av && bv && *av != *bv && *av != 1 && *bv != 1)
      return ctx.fail("cannot broadcast batch dimensions");
    sizes.push_back(broadcastSize(ctx, as, bs));
  }
  // Runtime batch dims that may be 1: broadcast at run time first.
  auto broadcastBatch = [&](Value &v, SmallVector<OpFoldResult> &vSizes,
                            int64_t rank) {
    if (rank <= 2)
      return;
    SmallVector<OpFoldResult> target(vSizes);
    for (int64_t i = 0; i < rank - 2; ++i)
      if (staticValue(vSizes[i]) != std::optional<int64_t>(1))
        target[i] = sizes[i + batch - (rank - 2)];
    v = broadcastDynamicDims(ctx, v, target);
    vSizes = sizesOf(ctx, v);
  };
  if (!vecA)
    broadcastBatch(a, aSizes, ar);
  if (!vecB)
    broadcastBatch(b, bSizes, br);
  auto k1 = staticValue(aSizes[ar - 1]), k2 = staticValue(bSizes[br - 2]);
  if (k1 && k2 && *k1 != *k2)
    return ctx.fail("contraction dimensions differ (" + llvm::Twine(*k1) +
                    " and " + llvm::Twine(*k2) + ")");
  if ((!k1 || !k2) && !sameSize(aSizes[ar - 1], bSizes[br - 2])) {
    Value ka = ctx.toIndex(aSizes[ar - 1]), kb = ctx.toIndex(bSizes[br - 2]);
    ctx.check(
        arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, ka, kb),
        "contraction dimensions differ at run time ({0} and {1})", {ka, kb});
  }
  sizes.push_back(aSizes[ar - 2]);
  sizes.push_back(bSizes[br - 1]);

  MLIRContext *mctx = ctx.b.getContext();
  int64_t loops = batch + 3; // batch..., m, n, k
  AffineExpr m = getAffineDimExpr(batch, mctx),
             n = getAffineDimExpr(batch + 1, mctx),
             k = getAffineDimExpr(batch + 2, mctx);
  auto operandMap = [&](Value v, ArrayRef<OpFoldResult> vSizes, int64_t rank,
                        bool isA, bool promoted) {
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < rank - 2; ++i) {
      int64_t d = i + batch - (rank - 2);
      bool broadcast = staticValue(vSizes[i]) == std::optional<int64_t>(1) &&
                       staticValue(sizes[d]) != std::optional<int64_t>(1);
      exprs.push_back(broadcast ? getAffineConstantExpr(0, mctx)
                                : getAffineDimExpr(d, mctx));
    }
    if (isA) {
      if (!promoted)
        exprs.push_back(m);
      exprs.push_back(k);
    } else {
      exprs.push_back(k);
      if (!promoted)
        exprs.push_back(n);
    }
    return AffineMap::get(loops, 0, exprs, mctx);
  };
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> outSizes;
  for (int64_t d = 0; d < batch; ++d) {
    outExprs.push_back(getAffineDimExpr(d, mctx));
    outSizes.push_back(sizes[d]);
  }
  if (!vecA) {
    outExprs.push_back(m);
    outSizes.push_back(sizes[batch]);
  }
  if (!vecB) {
    outExprs.push_back(n);
    outSizes.push_back(sizes[batch + 1]);
  }
  Type element = at.getElementType();
  // f16 and bf16 products are summed in f32 and rounded once: a sum rounded
  // at every term loses bits with each (1 + 256 terms of 2^-11 stays 1 in
  // f16). onnxruntime's results agree with one rounding, not with many.
  bool narrow = element.isF16() || element.isBF16();
  Type accType = narrow ? Type(ctx.b.getF32Type()) : element;
  Value acc = emitFilled(ctx, outSizes, accType, scalarAttr(ctx.b, accType, 0));
  SmallVector<IT> iters(batch + 2, IT::parallel);
  iters.push_back(IT::reduction);
  Value product =
      linalg::GenericOp::create(
          ctx.b, ctx.loc, acc.getType(), ValueRange{a, b}, acc,
          {operandMap(a, aSizes, ar, true, vecA),
           operandMap(b, bSizes, br, false, vecB),
           AffineMap::get(loops, 0, outExprs, mctx)},
          iters,
          [&](OpBuilder &b, Location l, ValueRange v) {
            Value x = castScalar(b, l, v[0], accType);
            Value y = castScalar(b, l, v[1], accType);
            linalg::YieldOp::create(b, l, add(b, l, v[2], mul(b, l, x, y)));
          })
          .getResult(0);
  if (!narrow)
    return product;
  return emitElementwise(ctx, {product}, element,
                         [&](OpBuilder &b, Location l, ValueRange v) {
                           return castScalar(b, l, v[0], element);
                         });
}

namespace {

LogicalResult importMatMul(NodeContext &ctx) {
  if (ctx.elementType(0) != ctx.elementType(1))
    return ctx.fail("expects operands of one element type");
  auto result = emitMatMul(ctx, ctx.tensor(0), ctx.tensor(1));
  if (failed(result))
    return failure();
  ctx.set(0, *result);
  return success();
}

LogicalResult importGemm(NodeContext &ctx) {
  Value a = ctx.tensor(0), b = ctx.tensor(1);
  if (ctx.type(0).getRank() != 2 || ctx.type(1).getRank() != 2)
    return ctx.fail("expects 2-D A and B");
  if (ctx.getInt("transA", 0))
    a = emitTranspose(ctx, a, {1, 0});
  if (ctx.getInt("transB", 0))
    b = emitTranspose(ctx, b, {1, 0});
  auto product = emitMatMul(ctx, a, b);
  if (failed(product))
    return failure();
  Type element = ctx.elementType(0);
  double alpha = ctx.getFloat("alpha", 1.0f), beta = ctx.getFloat("beta", 1.0f);
  Value y = *product;
  if (alpha != 1.0) {
    auto scaled = emitElementwise(
        ctx, {y}, element, [&](OpBuilder &b, Location l, ValueRange v) {
          return mul(b, l, v[0], scalarConstant(b, l, element, alpha));
        });
    if (failed(scaled))
      return failure();
    y = *scaled;
  }
  if (ctx.has(2) && beta != 0.0) {
    auto sum = emitElementwise(
        ctx, {y, ctx.tensor(2)}, element,
        [&](OpBuilder &b, Location l, ValueRange v) {
          Value c = beta == 1.0
                        ? v[1]
                        : mul(b, l, v[1], scalarConstant(b, l, element, beta));
          return add(b, l, v[0], c);
        });
    if (failed(sum))
      return failure();
    y = *sum;
  }
  ctx.set(0, y);
  return success();
}

/// Einsum without ellipses: "ij,jk->ik" as one linalg.generic.
LogicalResult importEinsum(NodeContext &ctx) {
  std::string equation;
  for (char c : ctx.getString("equation", ""))
    if (c != ' ')
      equation += c;
  size_t arrow = equation.find("->");
  if (equation.find("...") != std::string::npos)
    return ctx.fail("ellipses are not supported");
  std::string lhs = equation.substr(0, arrow);
  SmallVector<std::string> terms;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  if (terms.size() != ctx.numInputs())
    return ctx.fail("equation names " + llvm::Twine(terms.size()) +
                    " operands");
  std::string out;
  if (arrow != std::string::npos) {
    out = equation.substr(arrow + 2);
  } else {
    // Implicit output: letters seen once, alphabetically.
    std::map<char, int> counts;
    for (const std::string &t : terms)
      for (char c : t)
        ++counts[c];
    for (auto [c, n] : counts)
      if (n == 1)
        out += c;
  }
  // Each output letter once, and from some operand (numpy's rules).
  for (auto [i, c] : llvm::enumerate(out)) {
    if (out.find(c) != i)
      return ctx.fail("output label '" + llvm::Twine(c) + "' appears twice");
    if (llvm::none_of(terms, [c = c](const std::string &t) {
          return t.find(c) != std::string::npos;
        }))
      return ctx.fail("output label '" + llvm::Twine(c) + "' is in no operand");
  }
  // Loop order: output letters, then the summed ones.
  std::string letters = out;
  for (const std::string &t : terms)
    for (char c : t)
      if (letters.find(c) == std::string::npos)
        letters += c;
  MLIRContext *mctx = ctx.b.getContext();
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  std::map<char, OpFoldResult> sizeOf;
  for (auto [i, t] : llvm::enumerate(terms)) {
    if (int64_t(t.size()) != ctx.type(i).getRank())
      return ctx.fail("operand " + llvm::Twine(i) + " has the wrong rank");
    SmallVector<AffineExpr> exprs;
    for (auto [d, c] : llvm::enumerate(t)) {
      exprs.push_back(getAffineDimExpr(letters.find(c), mctx));
      OpFoldResult size = ctx.dim(ctx.tensor(i), d);
      auto [it, first] = sizeOf.emplace(c, size);
      if (first || sameSize(it->second, size))
        continue;
      // A label names one size wherever it appears.
      auto was = staticValue(it->second), now = staticValue(size);
      if (was && now)
        return ctx.fail("label '" + llvm::Twine(c) + "' has sizes " +
                        llvm::Twine(*was) + " and " + llvm::Twine(*now));
      Value a = ctx.toIndex(it->second), b = ctx.toIndex(size);
      ctx.check(
          arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, a, b),
          "label '" + std::string(1, c) + "' has sizes {0} and {1} at run time",
          {a, b});
    }
    maps.push_back(AffineMap::get(letters.size(), 0, exprs, mctx));
    inputs.push_back(ctx.tensor(i));
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> outSizes;
  for (char c : out) {
    if (!sizeOf.count(c))
      return ctx.fail("output letter not in any operand");
    outExprs.push_back(getAffineDimExpr(letters.find(c), mctx));
    outSizes.push_back(sizeOf[c]);
  }
  maps.push_back(AffineMap::get(letters.size(), 0, outExprs, mctx));
  SmallVector<IT> iters;
  for (size_t i = 0; i < letters.size(); ++i)
    iters.push_back(i < out.size() ? IT::parallel : IT::reduction);
  Type element = ctx.elementType(0);
  Value acc = emitFilled(ctx, outSizes, element, scalarAttr(ctx.b, element, 0));
  ctx.set(0, linalg::GenericOp::create(
                 ctx.b, ctx.loc, acc.getType(), inputs, acc, maps, iters,
                 [](OpBuilder &b, Location l, ValueRange v) {
                   Value p = v[0];
                   for (Value x : v.drop_front().drop_back())
                     p = mul(b, l, p, x);
                   linalg::YieldOp::create(b, l, add(b, l, v.back(), p));
                 })
                 .getResult(0));
  return success();
}

LogicalResult importSoftmax(NodeContext &ctx) {
  int64_t rank = ctx.type(0).getRank();
  if (!isa<FloatType>(ctx.elementType(0)))
    return ctx.fail("expects a floating-point input");
  auto axis = normalizeAxis(ctx.getInt("axis", ctx.opset < 13 ? 1 : -1), rank);
  if (!axis)
    return ctx.fail("axis out of range");
  SmallVector<int64_t> axes{*axis};
  if (ctx.opset < 13) // Before 13: the input is coerced to 2-D at axis.
    axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
  ctx.set(0, emitSoftmax(ctx, ctx.tensor(0), axes));
  return success();
}

LogicalResult importLayerNormalization(NodeContext &ctx) {
  Value x = ctx.tensor(0);
  int64_t rank = ctx.type(0).getRank();
  auto axis = normalizeAxis(ctx.getInt("axis", -1), rank);
  if (!axis)
    return ctx.fail("axis out of range");
  Type element = ctx.elementType(0);
  // Statistics in stash_type (f32) like the reference implementation.
  Type stash = ctx.b.getF32Type();
  double eps = ctx.getFloat("epsilon", 1e-5f);
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
  OpFoldResult count = ctx.b.getIndexAttr(1);
  Value n = arith::ConstantIndexOp::create(ctx.b, ctx.loc, 1);
  for (int64_t d : axes)
    n = arith::MulIOp::create(ctx.b, ctx.loc, n, ctx.toIndex(ctx.dim(x, d)));
  Value nf = castScalar(
      ctx.b, ctx.loc,
      arith::IndexCastOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(), n), stash);
  (void)count;
  auto toStash = [&](OpBuilder &b, Location l, Value v) {
    return castScalar(b, l, v, stash);
  };
  auto sum = [](OpBuilder &b, Location l, ValueRange v) -> Value {
    return arith::AddFOp::create(b, l, v[0], v[1]);
  };
  auto wide = emitElementwise(ctx, {x}, stash,
                              [&](OpBuilder &b, Location l, ValueRange v) {
                                return toStash(b, l, v[0]);
                              });
  Value sums =
      emitReduction(ctx, *wide, axes, true, scalarAttr(ctx.b, stash, 0), sum);
  auto mean = emitElementwise(
      ctx, {sums}, stash, [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        return arith::DivFOp::create(b, l, v[0], nf);
      });
  auto centered =
      emitElementwise(ctx, {*wide, *mean}, stash,
                      [](OpBuilder &b, Location l, ValueRange v) -> Value {
                        return arith::SubFOp::create(b, l, v[0], v[1]);
                      });
  Value squares =
      emitReduction(ctx, *centered, axes, true, scalarAttr(ctx.b, stash, 0),
                    sum, [](OpBuilder &b, Location l, Value v) -> Value {
                      return arith::MulFOp::create(b, l, v, v);
                    });
  auto invStd = emitElementwise(
      ctx, {squares}, stash,
      [&](OpBuilder &b, Location l, ValueRange v) -> Value {
        Value var = arith::DivFOp::create(b, l, v[0], nf);
        Value e = scalarConstant(b, l, stash, eps);
        return arith::DivFOp::create(
            b, l, scalarConstant(b, l, stash, 1),
            math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, var, e)));
      });
  SmallVector<Value> operands{*centered, *invStd, ctx.tensor(1)};
  if (ctx.has(2))
    operands.push_back(ctx.tensor(2));
  auto y = emitElementwise(
      ctx, operands, element, [&](OpBuilder &b, Location l, ValueRange v) {
        Value normed = arith::MulFOp::create(b, l, v[0], v[1]);
        Value r = arith::MulFOp::create(b, l, normed, toStash(b, l, v[2]));
        if (v.size() > 3)
          r = arith::AddFOp::create(b, l, r, toStash(b, l, v[3]));
        return castScalar(b, l, r, element);
      });
  if (failed(y))
    return failure();
  ctx.set(0, *y);
  ctx.set(1, *mean);
  ctx.set(2, *invStd);
  return success();
}

/// A reduction whose axes are only known at run time. The iteration space
/// is the kept-dims output o (one dim per input dim) plus one dim k per
/// input dim, of size d_i when dim i is reduced and 1 otherwise; the input
/// is read at (reduced_i ? k_i : o_i). A scratch tensor of the k sizes gives
/// linalg the bounds of the k loops.
LogicalResult reduceAtRuntimeAxes(
    NodeContext &ctx, bool mean,
    const std::function<TypedAttr(OpBuilder &, Type)> &init,
    const std::function<Value(OpBuilder &, Location, Value, Value)> &combine,
    const std::function<Value(OpBuilder &, Location, Value)> &map) {
  OpBuilder &b = ctx.b;
  Location l = ctx.loc;
  Value x = ctx.tensor(0);
  auto type = ctx.type(0);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  Value zero = arith::ConstantIndexOp::create(b, l, 0);
  Value one = arith::ConstantIndexOp::create(b, l, 1);
  SmallVector<Value> axes;
  // Bind the optional: a range-for does not extend the life of `*temp()`.
  auto elements = ctx.elements(1);
  for (OpFoldResult a : *elements) {
    Value v = ctx.toIndex(a);
    Value negative =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, v, zero);
    axes.push_back(arith::SelectOp::create(
        b, l, negative,
        arith::AddIOp::create(b, l, v,
                              arith::ConstantIndexOp::create(b, l, rank)),
        v));
  }
  SmallVector<Value> reduced;
  SmallVector<OpFoldResult> outSizes, kSizes;
  Value count = one;
  for (int64_t d = 0; d < rank; ++d) {
    Value hit = arith::ConstantIntOp::create(b, l, 0, 1);
    for (Value a : axes)
      hit = arith::OrIOp::create(
          b, l, hit,
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a,
                                arith::ConstantIndexOp::create(b, l, d)));
    reduced.push_back(hit);
    Value size = ctx.toIndex(ctx.dim(x, d));
    outSizes.push_back(Value(arith::SelectOp::create(b, l, hit, one, size)));
    Value k = arith::SelectOp::create(b, l, hit, size, one);
    kSizes.push_back(k);
    count = arith::MulIOp::create(b, l, count, k);
  }
  MLIRContext *mctx = b.getContext();
  SmallVector<AffineExpr> oExprs, kExprs;
  for (int64_t d = 0; d < rank; ++d) {
    oExprs.push_back(getAffineDimExpr(d, mctx));
    kExprs.push_back(getAffineDimExpr(rank + d, mctx));
  }
  Value bounds = emitEmpty(ctx, kSizes, b.getI8Type());
  Value acc = emitFilled(ctx, outSizes, element, init(b, element));
  SmallVector<IT> iters(rank, IT::parallel);
  iters.append(rank, IT::reduction);
  Value result =
      linalg::GenericOp::create(
          b, l, acc.getType(), bounds, acc,
          {AffineMap::get(2 * rank, 0, kExprs, mctx),
           AffineMap::get(2 * rank, 0, oExprs, mctx)},
          iters,
          [&](OpBuilder &b, Location l, ValueRange v) {
            SmallVector<Value> at;
            for (int64_t d = 0; d < rank; ++d)
              at.push_back(arith::SelectOp::create(
                  b, l, reduced[d], linalg::IndexOp::create(b, l, rank + d),
                  linalg::IndexOp::create(b, l, d)));
            Value e = tensor::ExtractOp::create(b, l, x, at);
            if (map)
              e = map(b, l, e);
            linalg::YieldOp::create(b, l, combine(b, l, v[1], e));
          })
          .getResult(0);
  if (mean) {
    Value n = castScalar(
        b, l, arith::IndexCastOp::create(b, l, b.getI64Type(), count), element);
    result =
        *emitElementwise(ctx, {result}, element,
                         [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                           if (isa<FloatType>(element))
                             return arith::DivFOp::create(b, l, v[0], n);
                           return arith::DivSIOp::create(b, l, v[0], n);
                         });
  }
  if (!ctx.getInt("keepdims", 1)) {
    // Drop the reduced dims: the q-th kept dim is the q-th unreduced one.
    int64_t outRank = rank - int64_t(axes.size());
    SmallVector<Value> sizes(std::max<int64_t>(outRank, 0), one);
    Value seen = zero;
    for (int64_t d = 0; d < rank; ++d) {
      Value kept = arith::XOrIOp::create(
          b, l, reduced[d], arith::ConstantIntOp::create(b, l, 1, 1));
      for (int64_t q = 0; q < outRank; ++q)
        sizes[q] = arith::SelectOp::create(
            b, l,
            arith::AndIOp::create(
                b, l, kept,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, seen,
                                      arith::ConstantIndexOp::create(b, l, q))),
            ctx.toIndex(ctx.dim(x, d)), sizes[q]);
      seen = arith::SelectOp::create(
          b, l, kept, arith::AddIOp::create(b, l, seen, one), seen);
    }
    auto resultType = RankedTensorType::get(
        SmallVector<int64_t>(sizes.size(), ShapedType::kDynamic), element);
    auto shapeType =
        RankedTensorType::get({int64_t(sizes.size())}, b.getIndexType());
    Value shape = tensor::FromElementsOp::create(b, l, shapeType, sizes);
    result = tensor::ReshapeOp::create(b, l, resultType, result, shape);
  }
  ctx.set(0, result);
  return success();
}

/// ReduceX with axes as an attribute (before `inputSince`) or an input.
void reduction(
    OpRegistry &r, StringRef name, int inputSince, bool mean,
    std::function<TypedAttr(OpBuilder &, Type)> init,
    std::function<Value(OpBuilder &, Location, Value, Value)> combine,
    std::function<Value(OpBuilder &, Location, Value)> map = nullptr) {
  r.add(name, 1, [=](NodeContext &ctx) {
    int64_t rank = ctx.type(0).getRank();
    std::optional<SmallVector<int64_t>> axes;
    bool fromInput = ctx.opset >= inputSince;
    if (fromInput) {
      if (ctx.has(1)) {
        axes = ctx.constantInts(1);
        if (!axes) {
          auto runtime = ctx.elements(1);
          if (!runtime)
            return ctx.fail("expects axes of a known length");
          if (runtime->empty())
            axes.emplace();
          else
            return reduceAtRuntimeAxes(ctx, mean, init, combine, map);
        }
      }
    } else {
      axes = ctx.getInts("axes");
    }
    if ((!axes || axes->empty()) && fromInput &&
        ctx.getInt("noop_with_empty_axes", 0)) {
      ctx.set(0, ctx.in(0));
      return success();
    }
    SmallVector<int64_t> normalized;
    if (!axes || axes->empty())
      normalized = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    for (int64_t a : axes ? *axes : SmallVector<int64_t>{}) {
      auto n = normalizeAxis(a, rank);
      if (!n)
        return ctx.fail("axis out of range");
      if (!llvm::is_contained(normalized, *n))
        normalized.push_back(*n);
    }
    llvm::sort(normalized);
    bool keep = ctx.getInt("keepdims", 1);
    Type element = ctx.elementType(0);
    Value x = ctx.tensor(0);
    Value result = emitReduction(
        ctx, x, normalized, keep, init(ctx.b, element),
        [&](OpBuilder &b, Location l, ValueRange v) {
          return combine(b, l, v[0], v[1]);
        },
        map ? llvm::function_ref<Value(OpBuilder &, Location, Value)>(map)
            : nullptr);
    if (mean) {
      Value n = arith::ConstantIndexOp::create(ctx.b, ctx.loc, 1);
      for (int64_t d : normalized)
        n = arith::MulIOp::create(ctx.b, ctx.loc, n,
                                  ctx.toIndex(ctx.dim(x, d)));
      Value count = castScalar(
          ctx.b, ctx.loc,
          arith::IndexCastOp::create(ctx.b, ctx.loc, ctx.b.getI64Type(), n),
          element);
      auto divided =
          emitElementwise(ctx, {result}, element,
                          [&](OpBuilder &b, Location l, ValueRange v) -> Value {
                            if (isa<FloatType>(element))
                              return arith::DivFOp::create(b, l, v[0], count);
                            return arith::DivSIOp::create(b, l, v[0], count);
                          });
      if (failed(divided))
        return failure();
      result = *divided;
    }
    ctx.set(0, result);
    return success();
  });
}

} // namespace

void registerMathOps(OpRegistry &r) {
  r.add("MatMul", 1, importMatMul);
  r.add("Gemm", 1, importGemm);
  r.add("Einsum", 12, importEinsum);
  r.add("Softmax", 1, importSoftmax);
  r.add("LayerNormalization", 17, importLayerNormalization);
  auto zero = [](OpBuilder &b, Type t) { return scalarAttr(b, t, 0); };
  auto one = [](OpBuilder &b, Type t) { return scalarAttr(b, t, 1); };
  reduction(r, "ReduceSum", 13, false, zero, add);
  reduction(r, "ReduceMean", 18, true, zero, add);
  reduction(r, "ReduceProd", 18, false, one, mul);
  reduction(r, "ReduceSumSquare", 18, false, zero, add,
            [](OpBuilder &b, Location l, Value v) { return mul(b, l, v, v); });
  reduction(r, "ReduceMax", 18, false, lowestAttr,
            [](OpBuilder &b, Location l, Value x, Value y) -> Value {
              if (isa<FloatType>(x.getType()))
                return arith::MaximumFOp::create(b, l, x, y);
              return arith::MaxSIOp::create(b, l, x, y);
            });
  reduction(r, "ReduceMin", 18, false, highestAttr,
            [](OpBuilder &b, Location l, Value x, Value y) -> Value {
              if (isa<FloatType>(x.getType()))
                return arith::MinimumFOp::create(b, l, x, y);
              return arith::MinSIOp::create(b, l, x, y);
            });
}

} // namespace llmc::onnx_import
