//===- OpBuilders.cpp - Helpers the ONNX op importers share ---------------===//

#include "compiler/onnx/ops/OpBuilders.h"
#include "dialects/llm/LLMDialect.h"

#include "llvm/Support/CheckedArithmetic.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <limits>

using namespace mlir;

namespace llmc::onnx_import {

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<int64_t> staticValue(OpFoldResult ofr) {
  if (auto attr = dyn_cast<Attribute>(ofr))
    return cast<IntegerAttr>(attr).getInt();
  return std::nullopt;
}

SmallVector<int64_t> staticShape(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult s : sizes)
    shape.push_back(staticValue(s).value_or(ShapedType::kDynamic));
  return shape;
}

SmallVector<OpFoldResult> sizesOf(NodeContext &ctx, Value value) {
  return tensor::getMixedSizes(ctx.b, ctx.loc, value);
}

Value emitEmpty(NodeContext &ctx, ArrayRef<OpFoldResult> sizes, Type element) {
  return tensor::EmptyOp::create(ctx.b, ctx.loc, sizes, element);
}

Value emitFilled(NodeContext &ctx, ArrayRef<OpFoldResult> sizes, Type element,
                 TypedAttr value) {
  Value empty = emitEmpty(ctx, sizes, element);
  Value scalar = arith::ConstantOp::create(ctx.b, ctx.loc, value);
  return linalg::FillOp::create(ctx.b, ctx.loc, scalar, empty).getResult(0);
}

TypedAttr scalarAttr(OpBuilder &b, Type type, double value) {
  if (isa<FloatType>(type))
    return b.getFloatAttr(type, value);
  return b.getIntegerAttr(type, static_cast<int64_t>(value));
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, scalarAttr(b, type, value));
}

TypedAttr lowestAttr(OpBuilder &b, Type type) {
  if (auto f = dyn_cast<FloatType>(type))
    return b.getFloatAttr(
        type, APFloat::getInf(f.getFloatSemantics(), /*Negative=*/true));
  unsigned width = type.getIntOrFloatBitWidth();
  return b.getIntegerAttr(type, width == 1 ? APInt(1, 0)
                                           : APInt::getSignedMinValue(width));
}

TypedAttr highestAttr(OpBuilder &b, Type type) {
  if (auto f = dyn_cast<FloatType>(type))
    return b.getFloatAttr(type, APFloat::getInf(f.getFloatSemantics()));
  unsigned width = type.getIntOrFloatBitWidth();
  return b.getIntegerAttr(type, width == 1 ? APInt(1, 1)
                                           : APInt::getSignedMaxValue(width));
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  if (to.isInteger(1)) {
    Value zero = scalarConstant(b, loc, from, 0);
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (fromFloat && toFloat) {
    if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
      return arith::TruncFOp::create(b, loc, to, v);
    // f16 <-> bf16: through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), v);
    return arith::TruncFOp::create(b, loc, to, wide);
  }
  if (fromFloat)
    return arith::FPToSIOp::create(b, loc, to, v);
  if (toFloat)
    return from.isInteger(1) ? Value(arith::UIToFPOp::create(b, loc, to, v))
                             : Value(arith::SIToFPOp::create(b, loc, to, v));
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (fw < tw)
    return from.isInteger(1) ? Value(arith::ExtUIOp::create(b, loc, to, v))
                             : Value(arith::ExtSIOp::create(b, loc, to, v));
  return arith::TruncIOp::create(b, loc, to, v);
}

namespace {
/// Whether `cond` is `x == c` with a negative constant c.
bool isNegativeTest(Value cond, Value x) {
  auto cmp = cond.getDefiningOp<arith::CmpIOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpIPredicate::eq)
    return false;
  Value other = cmp.getLhs() == x   ? cmp.getRhs()
                : cmp.getRhs() == x ? cmp.getLhs()
                                    : Value();
  std::optional<int64_t> c = other ? getConstantIntValue(other) : std::nullopt;
  return c && *c < 0;
}

/// Peels the no-op index arithmetic the importer emits around sizes
/// (x * 1, 1 * x, x / 1).
Value peelUnitArith(Value v) {
  for (;;) {
    Operation *op = v.getDefiningOp();
    auto isOne = [](Value x) { return getConstantIntValue(x) == 1; };
    if (isa_and_nonnull<arith::MulIOp>(op) && isOne(op->getOperand(0)))
      v = op->getOperand(1);
    else if (isa_and_nonnull<arith::MulIOp, arith::DivSIOp, arith::DivUIOp>(
                 op) &&
             isOne(op->getOperand(1)))
      v = op->getOperand(0);
    else if (auto sel = dyn_cast_or_null<arith::SelectOp>(op);
             sel && sel.getTrueValue() == sel.getFalseValue())
      v = sel.getTrueValue();
    else if (auto sel = dyn_cast_or_null<arith::SelectOp>(op);
             sel &&
             peelUnitArith(sel.getFalseValue())
                 .getDefiningOp<tensor::DimOp>() &&
             isNegativeTest(sel.getCondition(), sel.getFalseValue()))
      // Reshape's runtime "-1 means infer": a dim is never negative.
      v = sel.getFalseValue();
    else
      return v;
  }
}

/// Where a runtime size comes from: (tensor, dim) for a dim nothing further
/// tells about, or (value, -1) for an index value.
std::pair<Value, int64_t> sizeOrigin(Value size) {
  for (;;) {
    size = peelUnitArith(size);
    auto dimOp = size.getDefiningOp<tensor::DimOp>();
    std::optional<int64_t> d =
        dimOp ? getConstantIntValue(dimOp.getIndex()) : std::nullopt;
    if (!d)
      return {size, -1};
    Value source = dimOp.getSource();
    // A destination-style op's result has its init's sizes.
    while (auto dps = source.getDefiningOp<DestinationStyleOpInterface>())
      source = dps.getTiedOpOperand(cast<OpResult>(source))->get();
    Value next;
    if (auto empty = source.getDefiningOp<tensor::EmptyOp>()) {
      if (empty.getType().isDynamicDim(*d))
        next = empty.getDynamicSize(*d);
    } else if (auto expand = source.getDefiningOp<tensor::ExpandShapeOp>()) {
      next = dyn_cast<Value>(expand.getMixedOutputShape()[*d]);
    }
    if (!next)
      return {source, *d};
    size = next;
  }
}

/// The ONNX dim_param of dim `d` of graph input `v` (llm.dim_names), or "".
StringRef dimParam(Value v, int64_t d) {
  auto arg = dyn_cast<BlockArgument>(v);
  auto func = arg ? dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp())
                  : nullptr;
  if (!func || arg.getOwner() != &func.getFunctionBody().front())
    return "";
  auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(),
                                                llm::LLMDialect::kDimNamesAttr);
  if (!names || d < 0 || d >= int64_t(names.size()))
    return "";
  auto name = dyn_cast<StringAttr>(names[d]);
  return name ? name.getValue() : "";
}

Value indexConstant(NodeContext &ctx, int64_t v) {
  return arith::ConstantIndexOp::create(ctx.b, ctx.loc, v);
}
} // namespace

bool sameSize(OpFoldResult a, OpFoldResult b) {
  std::optional<int64_t> x = staticValue(a), y = staticValue(b);
  if (x || y)
    return x == y;
  auto oa = sizeOrigin(cast<Value>(a)), ob = sizeOrigin(cast<Value>(b));
  if (oa == ob)
    return true;
  // Graph input dims with one dim_param are one size (ONNX semantics).
  StringRef na = dimParam(oa.first, oa.second);
  return !na.empty() && na == dimParam(ob.first, ob.second);
}

OpFoldResult broadcastSize(NodeContext &ctx, OpFoldResult a, OpFoldResult b) {
  std::optional<int64_t> x = staticValue(a), y = staticValue(b);
  if (y == 1 || sameSize(a, b))
    return a;
  if (x == 1)
    return b;
  if (x && y)
    return a; // static and different: the caller refused them
  // At run time the sizes must agree, or one of them be 1.
  Value av = ctx.toIndex(a), bv = ctx.toIndex(b), one = indexConstant(ctx, 1);
  auto eq = [&](Value l, Value r) {
    return arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, l,
                                 r);
  };
  Value aIsOne = eq(av, one);
  Value compatible = arith::OrIOp::create(
      ctx.b, ctx.loc, arith::OrIOp::create(ctx.b, ctx.loc, eq(av, bv), aIsOne),
      eq(bv, one));
  ctx.check(compatible, "cannot broadcast run-time sizes {0} and {1}",
            {av, bv});
  if (x)
    return a;
  if (y)
    return b;
  return arith::SelectOp::create(ctx.b, ctx.loc, aIsOne, bv, av).getResult();
}

Value broadcastDynamicDims(NodeContext &ctx, Value value,
                           ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> isOne(rank);
  bool any = false;
  for (int64_t i = 0; i < rank; ++i) {
    if (!type.isDynamicDim(i))
      continue;
    OpFoldResult own = ctx.dim(value, i);
    if (sameSize(own, sizes[i]))
      continue;
    isOne[i] = arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                     ctx.toIndex(own), indexConstant(ctx, 1));
    any = true;
  }
  if (!any)
    return value;
  Value init = emitEmpty(ctx, sizes, type.getElementType());
  return linalg::GenericOp::create(
             ctx.b, ctx.loc, init.getType(), ValueRange{}, init,
             {AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext())},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &b, Location l, ValueRange) {
               Value zero = arith::ConstantIndexOp::create(b, l, 0);
               SmallVector<Value> indices;
               for (int64_t i = 0; i < rank; ++i) {
                 Value idx = linalg::IndexOp::create(b, l, i);
                 if (type.getDimSize(i) == 1)
                   idx = zero;
                 else if (isOne[i])
                   idx = arith::SelectOp::create(b, l, isOne[i], zero, idx);
                 indices.push_back(idx);
               }
               linalg::YieldOp::create(
                   b, l,
                   tensor::ExtractOp::create(b, l, value, indices).getResult());
             })
      .getResult(0);
}

FailureOr<SmallVector<OpFoldResult>> broadcastShape(NodeContext &ctx,
                                                    ArrayRef<Value> inputs) {
  int64_t rank = 0;
  for (Value v : inputs)
    rank = std::max(rank, cast<RankedTensorType>(v.getType()).getRank());
  SmallVector<OpFoldResult> sizes(rank);
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<int64_t> known;
    SmallVector<OpFoldResult> dynamic;
    for (Value v : inputs) {
      auto type = cast<RankedTensorType>(v.getType());
      int64_t inputDim = d - (rank - type.getRank());
      if (inputDim < 0)
        continue;
      int64_t size = type.getDimSize(inputDim);
      if (ShapedType::isDynamic(size)) {
        dynamic.push_back(ctx.dim(v, inputDim));
        continue;
      }
      if (size == 1)
        continue;
      if (known && *known != size) {
        (void)ctx.fail("cannot broadcast dimension " + llvm::Twine(*known) +
                       " with " + llvm::Twine(size));
        return failure();
      }
      known = size;
    }
    if (known) {
      sizes[d] = ctx.b.getIndexAttr(*known);
      continue;
    }
    // Runtime dims may be 1 (numpy broadcasting) unless provably the same.
    OpFoldResult size = ctx.b.getIndexAttr(1);
    for (OpFoldResult s : dynamic)
      size = broadcastSize(ctx, size, s);
    sizes[d] = size;
  }
  return sizes;
}

FailureOr<Value> emitElementwise(NodeContext &ctx, ArrayRef<Value> inputs,
                                 Type resultElement, BodyFn body) {
  FailureOr<SmallVector<OpFoldResult>> sizes = broadcastShape(ctx, inputs);
  if (failed(sizes))
    return failure();
  int64_t rank = sizes->size();
  MLIRContext *mctx = ctx.b.getContext();
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (Value v : inputs) {
    auto type = cast<RankedTensorType>(v.getType());
    // Dynamic dims not provably the result's: broadcast at run time first.
    SmallVector<OpFoldResult> target;
    for (int64_t i = 0; i < type.getRank(); ++i)
      target.push_back(type.getDimSize(i) == 1
                           ? OpFoldResult(ctx.b.getIndexAttr(1))
                           : (*sizes)[i + rank - type.getRank()]);
    v = broadcastDynamicDims(ctx, v, target);
    type = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t outDim = i + rank - type.getRank();
      bool broadcast =
          type.getDimSize(i) == 1 &&
          staticValue((*sizes)[outDim]) != std::optional<int64_t>(1);
      exprs.push_back(broadcast ? getAffineConstantExpr(0, mctx)
                                : getAffineDimExpr(outDim, mctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, mctx));
    operands.push_back(v);
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, mctx));
  Value init = emitEmpty(ctx, *sizes, resultElement);
  auto generic = linalg::GenericOp::create(
      ctx.b, ctx.loc, init.getType(), operands, init, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location l, ValueRange args) {
        linalg::YieldOp::create(b, l, body(b, l, args.drop_back()));
      });
  return generic.getResult(0);
}

Value emitReduction(NodeContext &ctx, Value input, ArrayRef<int64_t> axes,
                    bool keepDims, TypedAttr init, BodyFn combine,
                    function_ref<Value(OpBuilder &, Location, Value)> map) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  MLIRContext *mctx = ctx.b.getContext();
  SmallVector<OpFoldResult> outSizes;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
    if (!reduced) {
      outSizes.push_back(ctx.dim(input, d));
      outExprs.push_back(getAffineDimExpr(d, mctx));
    }
  }
  Value acc = emitFilled(ctx, outSizes, type.getElementType(), init);
  auto fm = arith::FastMathFlagsAttr::get(
      mctx, arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  (void)fm;
  auto generic = linalg::GenericOp::create(
      ctx.b, ctx.loc, acc.getType(), input, acc,
      {AffineMap::getMultiDimIdentityMap(rank, mctx),
       AffineMap::get(rank, 0, outExprs, mctx)},
      iters, [&](OpBuilder &b, Location l, ValueRange args) {
        Value x = map ? map(b, l, args[0]) : args[0];
        linalg::YieldOp::create(b, l, combine(b, l, {args[1], x}));
      });
  Value result = generic.getResult(0);
  if (!keepDims)
    return result;
  SmallVector<OpFoldResult> kept;
  for (int64_t d = 0, r = 0; d < rank; ++d)
    kept.push_back(llvm::is_contained(axes, d) ? ctx.b.getIndexAttr(1)
                                               : outSizes[r++]);
  return emitReshape(ctx, result, kept);
}

Value emitSoftmax(NodeContext &ctx, Value x, ArrayRef<int64_t> axes) {
  Type element = cast<RankedTensorType>(x.getType()).getElementType();
  Value maxes =
      emitReduction(ctx, x, axes, /*keepDims=*/true, lowestAttr(ctx.b, element),
                    [](OpBuilder &b, Location l, ValueRange v) -> Value {
                      return arith::MaximumFOp::create(b, l, v[0], v[1]);
                    });
  auto exps =
      emitElementwise(ctx, {x, maxes}, element,
                      [](OpBuilder &b, Location l, ValueRange v) -> Value {
                        return math::ExpOp::create(
                            b, l, arith::SubFOp::create(b, l, v[0], v[1]));
                      });
  Value sums =
      emitReduction(ctx, *exps, axes, true, scalarAttr(ctx.b, element, 0),
                    [](OpBuilder &b, Location l, ValueRange v) -> Value {
                      return arith::AddFOp::create(b, l, v[0], v[1]);
                    });
  return *emitElementwise(ctx, {*exps, sums}, element,
                          [](OpBuilder &b, Location l, ValueRange v) -> Value {
                            return arith::DivFOp::create(b, l, v[0], v[1]);
                          });
}

Value emitTranspose(NodeContext &ctx, Value value, ArrayRef<int64_t> perm) {
  SmallVector<OpFoldResult> sizes = sizesOf(ctx, value);
  SmallVector<OpFoldResult> permuted;
  for (int64_t p : perm)
    permuted.push_back(sizes[p]);
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  Value init = emitEmpty(ctx, permuted, element);
  return linalg::TransposeOp::create(ctx.b, ctx.loc, value, init, perm)
      .getResult()[0];
}

OpFoldResult numElements(NodeContext &ctx, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.hasStaticShape())
    return ctx.b.getIndexAttr(type.getNumElements());
  Value n = arith::ConstantIndexOp::create(ctx.b, ctx.loc, 1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    n = arith::MulIOp::create(ctx.b, ctx.loc, n,
                              ctx.toIndex(ctx.dim(value, d)));
  return n;
}

Value emitReshape(NodeContext &ctx, Value value, ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  auto resultType =
      RankedTensorType::get(staticShape(sizes), type.getElementType());
  if (resultType == type)
    return value;
  // Static reshapes that only merge or split dims are expand/collapse.
  if (type.hasStaticShape() && resultType.hasStaticShape()) {
    if (auto reassoc = getReassociationIndicesForReshape(type, resultType)) {
      if (type.getRank() > resultType.getRank())
        return tensor::CollapseShapeOp::create(ctx.b, ctx.loc, resultType,
                                               value, *reassoc);
      if (type.getRank() < resultType.getRank())
        return tensor::ExpandShapeOp::create(ctx.b, ctx.loc, resultType, value,
                                             *reassoc);
    }
  }
  Type element = type.getElementType();
  if (type.getRank() == 0 || resultType.getRank() == 0) {
    // 0-D <-> all-unit dims: an empty reassociation.
    if (type.getRank() == 0)
      return tensor::ExpandShapeOp::create(ctx.b, ctx.loc, resultType, value,
                                           ArrayRef<ReassociationIndices>{},
                                           sizes);
    return tensor::CollapseShapeOp::create(ctx.b, ctx.loc, resultType, value,
                                           ArrayRef<ReassociationIndices>{});
  }
  // Split source and target dims into blocks of equal size, each with at
  // most one dynamic dim per side ([b, s, 64] -> [b, s, 8, 8] is b|s|64);
  // collapse each block, then expand it. Element order is unchanged.
  SmallVector<OpFoldResult> from = sizesOf(ctx, value);
  SmallVector<ReassociationIndices> srcGroups, dstGroups;
  size_t i = 0, j = 0;
  bool ok = true;
  while (ok && i < from.size() && j < sizes.size()) {
    ReassociationIndices src{int64_t(i)}, dst{int64_t(j)};
    // A product past int64 gives up the static grouping (two unknowns).
    auto account = [](OpFoldResult s, int64_t &prod, int &dyn) {
      std::optional<int64_t> v = staticValue(s);
      if (!v) {
        ++dyn;
        return;
      }
      if (std::optional<int64_t> next = llvm::checkedMul(prod, *v))
        prod = *next;
      else
        dyn += 2;
    };
    int64_t prodS = 1, prodT = 1;
    int dynS = 0, dynT = 0;
    account(from[i++], prodS, dynS);
    account(sizes[j++], prodT, dynT);
    while (!(dynS == dynT && dynS <= 1 && prodS == prodT)) {
      if (dynS > 1 || dynT > 1) {
        ok = false;
        break;
      }
      bool takeSource = dynS < dynT || (dynS == dynT && prodS < prodT);
      if (takeSource ? i >= from.size() : j >= sizes.size()) {
        ok = false;
        break;
      }
      if (takeSource) {
        src.push_back(i);
        account(from[i++], prodS, dynS);
      } else {
        dst.push_back(j);
        account(sizes[j++], prodT, dynT);
      }
    }
    srcGroups.push_back(src);
    dstGroups.push_back(dst);
  }
  // Trailing unit dims join the last block.
  for (; ok && i < from.size(); ++i) {
    ok =
        staticValue(from[i]) == std::optional<int64_t>(1) && !srcGroups.empty();
    if (ok)
      srcGroups.back().push_back(i);
  }
  for (; ok && j < sizes.size(); ++j) {
    ok = staticValue(sizes[j]) == std::optional<int64_t>(1) &&
         !dstGroups.empty();
    if (ok)
      dstGroups.back().push_back(j);
  }
  if (ok) {
    SmallVector<int64_t> middleShape;
    SmallVector<OpFoldResult> middleSizes;
    for (const ReassociationIndices &group : srcGroups) {
      int64_t prod = 1;
      OpFoldResult dynamic;
      for (int64_t d : group) {
        std::optional<int64_t> v = staticValue(from[d]);
        std::optional<int64_t> next = v ? llvm::checkedMul(prod, *v) : v;
        if (next)
          prod = *next;
        else
          dynamic = from[d]; // unknown, or too large to be a static size
      }
      middleShape.push_back(dynamic ? ShapedType::kDynamic : prod);
    }
    Value middle = value;
    auto middleType = RankedTensorType::get(middleShape, element);
    if (middleType != type)
      middle = tensor::CollapseShapeOp::create(ctx.b, ctx.loc, middleType,
                                               value, srcGroups);
    if (middleType == resultType)
      return middle;
    return tensor::ExpandShapeOp::create(ctx.b, ctx.loc, resultType, middle,
                                         dstGroups, sizes);
  }
  // A reshape that does not decompose: through the shape tensor.
  SmallVector<Value> dims;
  for (OpFoldResult s : sizes)
    dims.push_back(ctx.toIndex(s));
  auto shapeType =
      RankedTensorType::get({int64_t(dims.size())}, ctx.b.getIndexType());
  Value shape = tensor::FromElementsOp::create(ctx.b, ctx.loc, shapeType, dims);
  return tensor::ReshapeOp::create(ctx.b, ctx.loc, resultType, value, shape);
}

} // namespace llmc::onnx_import
