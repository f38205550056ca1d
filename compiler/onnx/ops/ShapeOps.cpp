//===- ShapeOps.cpp - Shape, data movement and indexing ops ---------------===//
//
// Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze, Concat, Split, Slice,
// Transpose, Expand, Tile, Gather, GatherElements, ConstantOfShape, Range,
// Identity, Pad, Trilu, CumSum. Ops on tracked shape tensors (see
// ImportContext.h) work on their elements, so a Shape -> Gather -> Concat ->
// Reshape chain yields a static reshape when the dims are static. Indexing
// ops clamp indices into range: a bad index never reads outside a tensor.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ops/OpBuilders.h"

#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;

namespace llmc::onnx_import {
namespace {

using IT = utils::IteratorType;

/// Axes from an attribute (before `inputSince`) or from input `input`.
std::optional<SmallVector<int64_t>> axesOf(NodeContext &ctx, int inputSince,
                                           unsigned input) {
  if (ctx.opset < inputSince)
    return ctx.getInts("axes");
  if (!ctx.has(input))
    return std::nullopt;
  return ctx.constantInts(input);
}

Value index(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}

/// Clamps an index value to [lo, hi].
Value clampIndex(OpBuilder &b, Location l, Value v, Value lo, Value hi) {
  return arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, v, lo), hi);
}

OpFoldResult foldOrEmit(NodeContext &ctx, OpFoldResult a, OpFoldResult b,
                        char op) {
  auto x = staticValue(a), y = staticValue(b);
  // Folded only when exact: a product or sum past int64 is left to the
  // generated code, whose size checks refuse it at run time.
  if (x && y) {
    std::optional<int64_t> folded;
    switch (op) {
    case '*':
      folded = llvm::checkedMul(*x, *y);
      break;
    case '/':
      folded = *y ? *x / *y : 0;
      break;
    case '+':
      folded = llvm::checkedAdd(*x, *y);
      break;
    }
    if (folded)
      return ctx.b.getIndexAttr(*folded);
  }
  Value va = ctx.toIndex(a), vb = ctx.toIndex(b);
  switch (op) {
  case '*':
    return Value(arith::MulIOp::create(ctx.b, ctx.loc, va, vb));
  case '/':
    return Value(arith::DivSIOp::create(ctx.b, ctx.loc, va, vb));
  default:
    return Value(arith::AddIOp::create(ctx.b, ctx.loc, va, vb));
  }
}

/// `value` reshaped to runtime `sizes` (the result's dims all dynamic).
Value reshapeAtRuntime(NodeContext &ctx, Value value, ArrayRef<Value> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  auto resultType = RankedTensorType::get(
      SmallVector<int64_t>(sizes.size(), ShapedType::kDynamic),
      type.getElementType());
  auto shapeType =
      RankedTensorType::get({int64_t(sizes.size())}, ctx.b.getIndexType());
  Value shape =
      tensor::FromElementsOp::create(ctx.b, ctx.loc, shapeType, sizes);
  return tensor::ReshapeOp::create(ctx.b, ctx.loc, resultType, value, shape);
}

/// Runtime axes (a graph input), normalized against `rank` as index values.
SmallVector<Value> runtimeAxes(NodeContext &ctx, unsigned input, int64_t rank) {
  SmallVector<Value> axes;
  // Bind the optional: a range-for does not extend the life of `*temp()`.
  auto elements = ctx.elements(input);
  for (OpFoldResult a : *elements) {
    Value v = ctx.toIndex(a);
    Value negative = arith::CmpIOp::create(
        ctx.b, ctx.loc, arith::CmpIPredicate::slt, v, index(ctx.b, ctx.loc, 0));
    axes.push_back(arith::SelectOp::create(
        ctx.b, ctx.loc, negative,
        arith::AddIOp::create(ctx.b, ctx.loc, v, index(ctx.b, ctx.loc, rank)),
        v));
  }
  return axes;
}

/// Whether index `d` is one of `axes` (at run time).
Value isAxis(NodeContext &ctx, ArrayRef<Value> axes, int64_t d) {
  Value hit = arith::ConstantIntOp::create(ctx.b, ctx.loc, 0, 1);
  for (Value a : axes)
    hit = arith::OrIOp::create(
        ctx.b, ctx.loc, hit,
        arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq, a,
                              index(ctx.b, ctx.loc, d)));
  return hit;
}

/// Whether input `i` is a small integer tensor whose values are only known
/// at run time (ONNX lets axes, shapes, pads be graph inputs).
bool isRuntimeParameter(NodeContext &ctx, unsigned i) {
  return ctx.has(i) && !ctx.constant(i) && ctx.elements(i).has_value();
}

RankedTensorType i64Vector(NodeContext &ctx, int64_t n) {
  return RankedTensorType::get({n}, ctx.b.getI64Type());
}

LogicalResult importShape(NodeContext &ctx) {
  auto type = ctx.type(0);
  int64_t rank = type.getRank();
  int64_t start = ctx.opset >= 15 ? ctx.getInt("start", 0) : 0;
  int64_t end = ctx.opset >= 15 ? ctx.getInt("end", rank) : rank;
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<OpFoldResult> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(type.isDynamicDim(d)
                       ? ctx.dim(ctx.tensor(0), d)
                       : ctx.b.getIndexAttr(type.getDimSize(d)));
  ctx.setElements(0, i64Vector(ctx, dims.size()), dims);
  return success();
}

LogicalResult importSize(NodeContext &ctx) {
  OpFoldResult n =
      ctx.type(0).hasStaticShape()
          ? OpFoldResult(ctx.b.getIndexAttr(ctx.type(0).getNumElements()))
          : numElements(ctx, ctx.tensor(0));
  ctx.setElements(0, RankedTensorType::get({}, ctx.b.getI64Type()), {n});
  return success();
}

LogicalResult importIdentity(NodeContext &ctx) {
  ctx.set(0, ctx.in(0));
  return success();
}

/// Fails unless the static entries of a shape operand are sane: each at
/// most 2^40 and their product at most 2^48 elements, so that no size
/// arithmetic at import or run time overflows.
LogicalResult checkShapeOperand(NodeContext &ctx,
                                ArrayRef<OpFoldResult> shape) {
  constexpr int64_t kMaxDim = int64_t(1) << 40, kMaxElements = int64_t(1) << 48;
  int64_t product = 1;
  for (OpFoldResult s : shape) {
    std::optional<int64_t> v = staticValue(s);
    if (!v || *v <= 0)
      continue;
    if (*v > kMaxDim)
      return ctx.fail("shape has a dimension of " + Twine(*v) +
                      ", more than 2^40");
    // Compared before multiplying: product * v could overflow int64.
    if (product > kMaxElements / *v)
      return ctx.fail("shape has more than 2^48 elements");
    product *= *v;
  }
  return success();
}

/// Reshape's target sizes: 0 copies the input dim (unless allowzero), -1 is
/// inferred from the element count.
FailureOr<SmallVector<OpFoldResult>> resolveShape(NodeContext &ctx, Value input,
                                                  ArrayRef<OpFoldResult> target,
                                                  bool allowZero) {
  if (failed(checkShapeOperand(ctx, target)))
    return failure();
  SmallVector<OpFoldResult> sizes(target.begin(), target.end());
  int64_t inputRank = cast<RankedTensorType>(input.getType()).getRank();
  // Elements known only at run time: 0 copies a dim, -1 is inferred; the
  // static elements stay static.
  if (llvm::any_of(sizes, [](OpFoldResult s) { return !staticValue(s); })) {
    OpBuilder &b = ctx.b;
    Location l = ctx.loc;
    Value zero = index(b, l, 0), one = index(b, l, 1), minus = index(b, l, -1);
    int64_t staticInferred = -1;
    SmallVector<bool> fromRuntime(sizes.size(), false);
    for (auto [i, s] : llvm::enumerate(sizes)) {
      if (std::optional<int64_t> v = staticValue(s)) {
        if (*v == 0 && !allowZero)
          sizes[i] = ctx.dim(input, i);
        else if (*v == -1)
          staticInferred = i;
        else if (*v < 0)
          return ctx.fail("shape has a negative dimension");
        continue;
      }
      Value v = ctx.toIndex(s);
      if (!allowZero && int64_t(i) < inputRank) {
        Value isZero =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, zero);
        v = arith::SelectOp::create(b, l, isZero,
                                    ctx.toIndex(ctx.dim(input, i)), v);
      }
      sizes[i] = v;
      fromRuntime[i] = true;
    }
    // The product of the known sizes (a run-time -1 counts as 1).
    Value known = one;
    for (auto [i, s] : llvm::enumerate(sizes)) {
      if (int64_t(i) == staticInferred)
        continue;
      Value v = ctx.toIndex(s);
      if (fromRuntime[i]) {
        Value isInferred =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, minus);
        v = arith::SelectOp::create(b, l, isInferred, one, v);
      }
      known = arith::MulIOp::create(b, l, known, v);
    }
    Value inferredSize =
        arith::DivSIOp::create(b, l, ctx.toIndex(numElements(ctx, input)),
                               arith::MaxSIOp::create(b, l, known, one));
    for (auto [i, s] : llvm::enumerate(sizes)) {
      if (int64_t(i) == staticInferred) {
        sizes[i] = inferredSize;
      } else if (fromRuntime[i]) {
        Value v = cast<Value>(s);
        Value isInferred =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, minus);
        sizes[i] =
            Value(arith::SelectOp::create(b, l, isInferred, inferredSize, v));
      }
    }
    return sizes;
  }
  int64_t inferred = -1;
  for (auto [i, s] : llvm::enumerate(sizes)) {
    std::optional<int64_t> v = staticValue(s);
    if (v && *v == 0 && !allowZero) {
      if (int64_t(i) >= cast<RankedTensorType>(input.getType()).getRank())
        return ctx.fail("shape copies dimension " + llvm::Twine(i) +
                        ", which the input lacks");
      sizes[i] = ctx.dim(input, i);
    } else if (v && *v == -1) {
      if (inferred >= 0)
        return ctx.fail("shape has more than one -1");
      inferred = i;
    } else if (v && *v < 0) {
      return ctx.fail("shape has a negative dimension");
    }
  }
  if (inferred >= 0) {
    OpFoldResult known = ctx.b.getIndexAttr(1);
    for (auto [i, s] : llvm::enumerate(sizes))
      if (int64_t(i) != inferred)
        known = foldOrEmit(ctx, known, s, '*');
    sizes[inferred] = foldOrEmit(ctx, numElements(ctx, input), known, '/');
  }
  return sizes;
}

LogicalResult importReshape(NodeContext &ctx) {
  bool allowZero = ctx.opset >= 14 && ctx.getInt("allowzero", 0);
  auto target = ctx.elements(1);
  if (!target) {
    // A fully runtime shape: tensor.reshape with the shape tensor itself.
    auto shapeType = ctx.type(1);
    if (!shapeType.hasStaticShape())
      return ctx.fail("expects a shape of known length");
    Type element = ctx.elementType(0);
    SmallVector<int64_t> shape(shapeType.getDimSize(0), ShapedType::kDynamic);
    Value shapeTensor = ctx.tensor(1);
    ctx.set(0, Value(tensor::ReshapeOp::create(
                   ctx.b, ctx.loc, RankedTensorType::get(shape, element),
                   ctx.tensor(0), shapeTensor)));
    return success();
  }
  auto sizes = resolveShape(ctx, ctx.tensor(0), *target, allowZero);
  if (failed(sizes))
    return failure();
  // The element count must not change: refused when both are known, checked
  // at run time otherwise (a reshape that does not fit would read outside
  // its source).
  OpFoldResult count = ctx.b.getIndexAttr(1);
  for (OpFoldResult s : *sizes)
    count = foldOrEmit(ctx, count, s, '*');
  OpFoldResult have = numElements(ctx, ctx.tensor(0));
  auto wanted = staticValue(count), got = staticValue(have);
  if (wanted && got && *wanted != *got)
    return ctx.fail("cannot reshape " + Twine(*got) + " elements into " +
                    Twine(*wanted));
  if (!wanted || !got)
    ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                    ctx.toIndex(count), ctx.toIndex(have)),
              "cannot reshape {0} elements into {1} at run time",
              {ctx.toIndex(have), ctx.toIndex(count)});
  // A tracked shape tensor reshaped keeps its elements.
  if (auto e = ctx.elements(0); e && staticShape(*sizes).size() <= 1 &&
                                ctx.type(0).getNumElements() <= 16) {
    ctx.setElements(
        0, RankedTensorType::get(staticShape(*sizes), ctx.elementType(0)), *e);
    return success();
  }
  ctx.set(0, emitReshape(ctx, ctx.tensor(0), *sizes));
  return success();
}

LogicalResult importFlatten(NodeContext &ctx) {
  int64_t rank = ctx.type(0).getRank();
  int64_t axis = ctx.getInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return ctx.fail("axis out of range");
  Value x = ctx.tensor(0);
  OpFoldResult outer = ctx.b.getIndexAttr(1), inner = ctx.b.getIndexAttr(1);
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) =
        foldOrEmit(ctx, d < axis ? outer : inner, ctx.dim(x, d), '*');
  ctx.set(0, emitReshape(ctx, x, {outer, inner}));
  return success();
}

LogicalResult importSqueeze(NodeContext &ctx) {
  auto type = ctx.type(0);
  int64_t rank = type.getRank();
  if (ctx.opset >= 13 && isRuntimeParameter(ctx, 1)) {
    // Axes known at run time: the q-th output dim is the q-th input dim
    // that is not squeezed.
    SmallVector<Value> axes = runtimeAxes(ctx, 1, rank);
    int64_t outRank = rank - int64_t(axes.size());
    if (outRank < 0)
      return ctx.fail("squeezes more axes than the input has");
    // Dims known not to be 1 must all be kept.
    if (llvm::count_if(type.getShape(), [](int64_t d) {
          return !ShapedType::isDynamic(d) && d != 1;
        }) > outRank)
      return ctx.fail("squeezes a dimension that is not 1");
    Value x = ctx.tensor(0);
    SmallVector<Value> sizes(outRank, index(ctx.b, ctx.loc, 1));
    Value seen = index(ctx.b, ctx.loc, 0);
    for (int64_t d = 0; d < rank; ++d) {
      Value kept = arith::XOrIOp::create(
          ctx.b, ctx.loc, isAxis(ctx, axes, d),
          arith::ConstantIntOp::create(ctx.b, ctx.loc, 1, 1));
      Value size = ctx.toIndex(ctx.dim(x, d));
      ctx.check(
          arith::OrIOp::create(
              ctx.b, ctx.loc, kept,
              arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                    size, index(ctx.b, ctx.loc, 1))),
          "squeezes dim " + Twine(d) + " of size {0}, which is not 1", {size});
      for (int64_t q = 0; q < outRank; ++q) {
        Value here = arith::AndIOp::create(
            ctx.b, ctx.loc, kept,
            arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                  seen, index(ctx.b, ctx.loc, q)));
        sizes[q] =
            arith::SelectOp::create(ctx.b, ctx.loc, here, size, sizes[q]);
      }
      seen = arith::AddIOp::create(
          ctx.b, ctx.loc, seen,
          arith::IndexCastOp::create(ctx.b, ctx.loc, ctx.b.getIndexType(),
                                     arith::ExtUIOp::create(ctx.b, ctx.loc,
                                                            ctx.b.getI64Type(),
                                                            kept)));
    }
    ctx.set(0, reshapeAtRuntime(ctx, x, sizes));
    return success();
  }
  std::optional<SmallVector<int64_t>> axes = axesOf(ctx, 13, 1);
  SmallVector<int64_t> drop;
  if (axes) {
    for (int64_t a : *axes) {
      auto n = normalizeAxis(a, rank);
      if (!n)
        return ctx.fail("axis out of range");
      if (!type.isDynamicDim(*n) && type.getDimSize(*n) != 1)
        return ctx.fail("squeezes a dimension that is not 1");
      drop.push_back(*n);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d) {
      if (type.isDynamicDim(d))
        return ctx.fail("cannot tell which dynamic dimensions are 1");
      if (type.getDimSize(d) == 1)
        drop.push_back(d);
    }
  }
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(drop, d))
      sizes.push_back(ctx.dim(ctx.tensor(0), d));
  if (auto e = ctx.elements(0)) {
    ctx.setElements(
        0, RankedTensorType::get(staticShape(sizes), type.getElementType()),
        *e);
    return success();
  }
  ctx.set(0, emitReshape(ctx, ctx.tensor(0), sizes));
  return success();
}

LogicalResult importUnsqueeze(NodeContext &ctx) {
  auto type = ctx.type(0);
  if (ctx.opset >= 13 && isRuntimeParameter(ctx, 1)) {
    // Axes known at run time: output dim p is 1 when p is an axis, else the
    // next input dim.
    int64_t outRank = type.getRank() + int64_t(ctx.elements(1)->size());
    SmallVector<Value> axes = runtimeAxes(ctx, 1, outRank);
    Value x = ctx.tensor(0);
    SmallVector<Value> sizes;
    Value next = index(ctx.b, ctx.loc, 0);
    for (int64_t p = 0; p < outRank; ++p) {
      Value unit = isAxis(ctx, axes, p);
      Value size = index(ctx.b, ctx.loc, 1);
      for (int64_t d = 0; d < type.getRank(); ++d) {
        Value here =
            arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                  next, index(ctx.b, ctx.loc, d));
        size = arith::SelectOp::create(ctx.b, ctx.loc, here,
                                       ctx.toIndex(ctx.dim(x, d)), size);
      }
      sizes.push_back(arith::SelectOp::create(ctx.b, ctx.loc, unit,
                                              index(ctx.b, ctx.loc, 1), size));
      next = arith::SelectOp::create(
          ctx.b, ctx.loc, unit, next,
          arith::AddIOp::create(ctx.b, ctx.loc, next,
                                index(ctx.b, ctx.loc, 1)));
    }
    ctx.set(0, reshapeAtRuntime(ctx, x, sizes));
    return success();
  }
  std::optional<SmallVector<int64_t>> axes = axesOf(ctx, 13, 1);
  if (!axes)
    return ctx.fail("expects constant axes");
  int64_t rank = type.getRank() + axes->size();
  SmallVector<int64_t> inserted;
  for (int64_t a : *axes) {
    auto n = normalizeAxis(a, rank);
    if (!n || llvm::is_contained(inserted, *n))
      return ctx.fail("axis out of range or repeated");
    inserted.push_back(*n);
  }
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0, i = 0; d < rank; ++d)
    sizes.push_back(
        llvm::is_contained(inserted, d)
            ? OpFoldResult(ctx.b.getIndexAttr(1))
            : (type.isDynamicDim(i)
                   ? ctx.dim(ctx.tensor(0), i++)
                   : OpFoldResult(ctx.b.getIndexAttr(type.getDimSize(i++)))));
  if (auto e = ctx.elements(0); e && rank <= 1) {
    ctx.setElements(
        0, RankedTensorType::get(staticShape(sizes), type.getElementType()),
        *e);
    return success();
  }
  ctx.set(0, emitReshape(ctx, ctx.tensor(0), sizes));
  return success();
}

LogicalResult importConcat(NodeContext &ctx) {
  int64_t rank = ctx.type(0).getRank();
  if (!ctx.attr("axis"))
    return ctx.fail("expects an 'axis' attribute (it has no default)");
  auto axis = normalizeAxis(ctx.getInt("axis", 0), rank);
  if (!axis)
    return ctx.fail("axis out of range");
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    RankedTensorType type = ctx.type(i);
    if (type.getRank() != rank)
      return ctx.fail("input " + Twine(i) + " has rank " +
                      Twine(type.getRank()) + ", input 0 has " + Twine(rank));
    for (int64_t d = 0; d < rank; ++d) {
      int64_t size = type.getDimSize(d), first = ctx.type(0).getDimSize(d);
      if (d != *axis && !ShapedType::isDynamic(size) &&
          !ShapedType::isDynamic(first) && size != first)
        return ctx.fail("input " + Twine(i) + " has size " + Twine(size) +
                        " in dimension " + Twine(d) + ", input 0 has " +
                        Twine(first));
    }
  }
  // Shape tensors: concatenate the elements.
  if (rank == 1) {
    SmallVector<OpFoldResult> all;
    bool tracked = true;
    for (unsigned i = 0; i < ctx.numInputs() && tracked; ++i) {
      auto e = ctx.elements(i);
      tracked = e.has_value();
      if (e)
        all.append(e->begin(), e->end());
    }
    if (tracked) {
      ctx.setElements(
          0, RankedTensorType::get({int64_t(all.size())}, ctx.elementType(0)),
          all);
      return success();
    }
  }
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.tensor(i));
  SmallVector<OpFoldResult> sizes = sizesOf(ctx, inputs[0]);
  sizes[*axis] = ctx.b.getIndexAttr(0);
  for (Value v : inputs)
    sizes[*axis] = foldOrEmit(ctx, sizes[*axis], ctx.dim(v, *axis), '+');
  // Dims off the axis must agree; the run time checks those only it knows.
  for (auto [i, v] : llvm::enumerate(inputs))
    for (int64_t d = 0; d < rank; ++d) {
      OpFoldResult size = ctx.dim(v, d);
      if (d == *axis || sameSize(size, sizes[d]))
        continue;
      Value have = ctx.toIndex(size), want = ctx.toIndex(sizes[d]);
      ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                      have, want),
                "input " + Twine(i) + " has size {0} in dimension " + Twine(d) +
                    ", input 0 has {1}",
                {have, want});
    }
  Value result = emitEmpty(ctx, sizes, ctx.elementType(0));
  // A result without elements is complete as it is (tensor.insert_slice
  // refuses offsets into a dim of size 0).
  if (llvm::is_contained(cast<RankedTensorType>(result.getType()).getShape(),
                         0)) {
    ctx.set(0, result);
    return success();
  }
  OpFoldResult offset = ctx.b.getIndexAttr(0);
  for (Value v : inputs) {
    // An input with no elements adds none.
    if (llvm::is_contained(cast<RankedTensorType>(v.getType()).getShape(), 0)) {
      offset = foldOrEmit(ctx, offset, ctx.dim(v, *axis), '+');
      continue;
    }
    SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0));
    offsets[*axis] = offset;
    SmallVector<OpFoldResult> strides(rank, ctx.b.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(ctx.b, ctx.loc, v, result, offsets,
                                           sizesOf(ctx, v), strides);
    offset = foldOrEmit(ctx, offset, ctx.dim(v, *axis), '+');
  }
  ctx.set(0, result);
  return success();
}

LogicalResult importSplit(NodeContext &ctx) {
  Value x = ctx.tensor(0);
  int64_t rank = ctx.type(0).getRank();
  auto axis = normalizeAxis(ctx.getInt("axis", 0), rank);
  if (!axis)
    return ctx.fail("axis out of range");
  unsigned outputs = ctx.numOutputs();
  OpFoldResult total = ctx.dim(x, *axis);
  SmallVector<OpFoldResult> parts;
  std::optional<SmallVector<int64_t>> split =
      ctx.opset < 13 ? ctx.getInts("split")
                     : (ctx.has(1) ? ctx.constantInts(1) : std::nullopt);
  if (ctx.opset >= 13 && ctx.has(1) && !split) {
    // Sizes known at run time.
    auto sizesAtRuntime = ctx.elements(1);
    if (!sizesAtRuntime || sizesAtRuntime->size() != outputs)
      return ctx.fail("expects one split size per output");
    parts = *sizesAtRuntime;
  } else if (split) {
    if (split->size() != outputs)
      return ctx.fail("split sizes do not match the outputs");
    for (int64_t s : *split)
      parts.push_back(ctx.b.getIndexAttr(s));
  } else {
    // Equal parts; the last is what remains: smaller (opset 18's
    // num_outputs), or empty.
    OpFoldResult n = ctx.b.getIndexAttr(outputs);
    OpFoldResult chunk = foldOrEmit(
        ctx, foldOrEmit(ctx, total, ctx.b.getIndexAttr(outputs - 1), '+'), n,
        '/');
    for (unsigned i = 0; i + 1 < outputs; ++i)
      parts.push_back(chunk);
    parts.push_back(foldOrEmit(
        ctx, total,
        foldOrEmit(ctx, chunk, ctx.b.getIndexAttr(1 - int64_t(outputs)), '*'),
        '+'));
  }
  // Sizes known now must be parts of the dimension: slices past its end do
  // not verify.
  if (std::optional<int64_t> t = staticValue(total)) {
    int64_t sum = 0;
    bool known = true, negative = false;
    for (OpFoldResult part : parts) {
      std::optional<int64_t> p = staticValue(part);
      negative |= p && *p < 0;
      known &= p.has_value();
      sum += p.value_or(0);
    }
    if (negative || (known && sum != *t))
      return ctx.fail(split ? "split sizes add up to " + std::to_string(sum) +
                                  ", not the " + std::to_string(*t) +
                                  " elements of the axis"
                            : std::to_string(*t) +
                                  " elements do not split into " +
                                  std::to_string(outputs) + " parts");
  }
  // What only the run time knows, it checks: slices past the axis would
  // read out of bounds.
  if (!staticValue(total) || llvm::any_of(parts, [](OpFoldResult part) {
        return !staticValue(part);
      })) {
    Value zero = arith::ConstantIndexOp::create(ctx.b, ctx.loc, 0);
    OpFoldResult sum = ctx.b.getIndexAttr(0);
    for (OpFoldResult part : parts) {
      if (!staticValue(part)) {
        Value size = ctx.toIndex(part);
        ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc,
                                        arith::CmpIPredicate::sge, size, zero),
                  "split size {0} is negative", {size});
      }
      sum = foldOrEmit(ctx, sum, part, '+');
    }
    Value have = ctx.toIndex(sum), want = ctx.toIndex(total);
    ctx.check(arith::CmpIOp::create(ctx.b, ctx.loc, arith::CmpIPredicate::eq,
                                    have, want),
              "split sizes add up to {0}, not the {1} elements of the axis",
              {have, want});
  }
  OpFoldResult offset = ctx.b.getIndexAttr(0);
  // Nothing to split when any dim is statically 0: tensor's slice verifier
  // rejects even offset 0 into a 0-sized dim, the split axis or another.
  if (llvm::is_contained(cast<RankedTensorType>(x.getType()).getShape(), 0)) {
    bool emptyAxis = staticValue(total) == std::optional<int64_t>(0);
    for (unsigned i = 0; i < outputs; ++i) {
      SmallVector<OpFoldResult> sizes = sizesOf(ctx, x);
      sizes[*axis] = emptyAxis ? ctx.b.getIndexAttr(0) : parts[i];
      ctx.set(i, emitEmpty(ctx, sizes, ctx.elementType(0)));
    }
    return success();
  }
  for (unsigned i = 0; i < outputs; ++i) {
    SmallVector<OpFoldResult> sizes = sizesOf(ctx, x);
    sizes[*axis] = parts[i];
    if (staticValue(parts[i]) == std::optional<int64_t>(0)) {
      // An empty part may start at the end, where no slice may.
      ctx.set(i, emitEmpty(ctx, sizes, ctx.elementType(0)));
      continue;
    }
    SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0));
    offsets[*axis] = offset;
    SmallVector<OpFoldResult> strides(rank, ctx.b.getIndexAttr(1));
    ctx.set(i, Value(tensor::ExtractSliceOp::create(ctx.b, ctx.loc, x, offsets,
                                                    sizes, strides)));
    offset = foldOrEmit(ctx, offset, parts[i], '+');
  }
  return success();
}

/// One sliced axis, clamped like numpy: start, length and step.
struct SliceAxis {
  OpFoldResult start, length;
  int64_t step;
};

SliceAxis resolveSlice(NodeContext &ctx, OpFoldResult dimSize,
                       OpFoldResult startOfr, OpFoldResult endOfr,
                       int64_t step) {
  auto d = staticValue(dimSize), sv = staticValue(startOfr),
       ev = staticValue(endOfr);
  if (d && sv && ev) {
    int64_t s = *sv < 0 ? *sv + *d : *sv;
    int64_t e = *ev < 0 ? *ev + *d : *ev;
    int64_t length;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, *d);
      e = std::clamp<int64_t>(e, 0, *d);
      length = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, *d - 1);
      e = std::clamp<int64_t>(e, -1, *d - 1);
      length = s > e ? (s - e - step - 1) / -step : 0;
    }
    return {ctx.b.getIndexAttr(s), ctx.b.getIndexAttr(length), step};
  }
  // Otherwise the same clamping on index values.
  OpBuilder &b = ctx.b;
  Location l = ctx.loc;
  Value dim = ctx.toIndex(dimSize);
  Value zero = index(b, l, 0);
  auto wrap = [&](OpFoldResult ofr) -> Value {
    if (auto v = staticValue(ofr)) {
      // Huge bounds (INT64_MAX / MIN) mean "to the end" / "to the start".
      if (*v >= (int64_t(1) << 40))
        return dim;
      if (*v <= -(int64_t(1) << 40))
        return index(b, l, step > 0 ? 0 : -1);
      Value c = index(b, l, *v);
      return *v < 0 ? Value(arith::AddIOp::create(b, l, dim, c)) : c;
    }
    Value v = ctx.toIndex(ofr);
    Value negative =
        arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, v, zero);
    return arith::SelectOp::create(b, l, negative,
                                   arith::AddIOp::create(b, l, dim, v), v);
  };
  Value s = wrap(startOfr), e = wrap(endOfr);
  Value length;
  if (step > 0) {
    s = clampIndex(b, l, s, zero, dim);
    e = clampIndex(b, l, e, zero, dim);
    Value diff =
        arith::MaxSIOp::create(b, l, arith::SubIOp::create(b, l, e, s), zero);
    length = arith::CeilDivSIOp::create(b, l, diff, index(b, l, step));
  } else {
    Value last = arith::SubIOp::create(b, l, dim, index(b, l, 1));
    s = clampIndex(b, l, s, zero, last);
    e = clampIndex(b, l, e, index(b, l, -1), last);
    Value diff =
        arith::MaxSIOp::create(b, l, arith::SubIOp::create(b, l, s, e), zero);
    length = arith::CeilDivSIOp::create(b, l, diff, index(b, l, -step));
  }
  return {s, length, step};
}

/// Slice whose axes or steps are known only at run time: every dim gets a
/// run-time (start, length, step), and the result reads x[start + i * step].
LogicalResult importSliceAtRuntime(NodeContext &ctx) {
  auto type = ctx.type(0);
  int64_t rank = type.getRank();
  auto starts = ctx.elements(1), ends = ctx.elements(2);
  auto axesList = ctx.has(3) ? ctx.elements(3) : std::nullopt;
  auto stepsList = ctx.has(4) ? ctx.elements(4) : std::nullopt;
  if (!starts || !ends || (ctx.has(3) && !axesList) ||
      (ctx.has(4) && !stepsList) || starts->size() != ends->size())
    return ctx.fail("expects starts, ends, axes and steps of known length");
  size_t k = starts->size();
  if ((axesList && axesList->size() != k) ||
      (stepsList && stepsList->size() != k))
    return ctx.fail("expects starts, ends, axes and steps of one length");
  OpBuilder &b = ctx.b;
  Location l = ctx.loc;
  Value x = ctx.tensor(0);
  Value zero = index(b, l, 0), one = index(b, l, 1), minusOne = index(b, l, -1);
  SmallVector<Value> axes;
  if (axesList)
    axes = runtimeAxes(ctx, 3, rank);
  else
    for (size_t i = 0; i < k; ++i)
      axes.push_back(index(b, l, i));
  SmallVector<Value> startOf, lengthOf, stepOf;
  for (int64_t d = 0; d < rank; ++d) {
    Value dim = ctx.toIndex(ctx.dim(x, d));
    Value start = zero, length = dim, step = one;
    for (size_t i = 0; i < k; ++i) {
      Value st = stepsList ? ctx.toIndex((*stepsList)[i]) : one;
      auto wrap = [&](OpFoldResult ofr) -> Value {
        Value v = ctx.toIndex(ofr);
        Value negative =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, v, zero);
        return arith::SelectOp::create(b, l, negative,
                                       arith::AddIOp::create(b, l, v, dim), v);
      };
      Value sv = wrap((*starts)[i]), ev = wrap((*ends)[i]);
      Value last = arith::SubIOp::create(b, l, dim, one);
      Value s1 = clampIndex(b, l, sv, zero, dim),
            e1 = clampIndex(b, l, ev, zero, dim);
      Value s2 = clampIndex(b, l, sv, zero, last),
            e2 = clampIndex(b, l, ev, minusOne, last);
      Value positive =
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, st, zero);
      // max(0, ceil(distance / |step|)); |step| >= 1 keeps this defined.
      Value magnitude = arith::MaxSIOp::create(
          b, l,
          arith::SelectOp::create(b, l, positive, st,
                                  arith::SubIOp::create(b, l, zero, st)),
          one);
      Value distance = arith::SelectOp::create(
          b, l, positive, arith::SubIOp::create(b, l, e1, s1),
          arith::SubIOp::create(b, l, s2, e2));
      Value len = arith::CeilDivSIOp::create(
          b, l, arith::MaxSIOp::create(b, l, distance, zero), magnitude);
      Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, axes[i],
                                        index(b, l, d));
      start = arith::SelectOp::create(
          b, l, hit, arith::SelectOp::create(b, l, positive, s1, s2), start);
      length = arith::SelectOp::create(b, l, hit, len, length);
      step = arith::SelectOp::create(b, l, hit, st, step);
    }
    startOf.push_back(start);
    lengthOf.push_back(length);
    stepOf.push_back(step);
  }
  SmallVector<OpFoldResult> sizes(lengthOf.begin(), lengthOf.end());
  Value init = emitEmpty(ctx, sizes, type.getElementType());
  ctx.set(0,
          linalg::GenericOp::create(
              b, l, init.getType(), ValueRange{}, init,
              {AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
              SmallVector<IT>(rank, IT::parallel),
              [&](OpBuilder &b, Location l, ValueRange) {
                SmallVector<Value> at;
                for (int64_t d = 0; d < rank; ++d)
                  at.push_back(arith::AddIOp::create(
                      b, l, startOf[d],
                      arith::MulIOp::create(
                          b, l, linalg::IndexOp::create(b, l, d), stepOf[d])));
                linalg::YieldOp::create(
                    b, l, Value(tensor::ExtractOp::create(b, l, x, at)));
              })
              .getResult(0));
  return success();
}

LogicalResult importSlice(NodeContext &ctx) {
  auto type = ctx.type(0);
  int64_t rank = type.getRank();
  std::optional<SmallVector<OpFoldResult>> starts, ends;
  std::optional<SmallVector<int64_t>> axes, steps;
  auto asOfr = [&](std::optional<SmallVector<int64_t>> v)
      -> std::optional<SmallVector<OpFoldResult>> {
    if (!v)
      return std::nullopt;
    SmallVector<OpFoldResult> out;
    for (int64_t x : *v)
      out.push_back(ctx.b.getIndexAttr(x));
    return out;
  };
  if (ctx.opset < 10) {
    starts = asOfr(ctx.getInts("starts"));
    ends = asOfr(ctx.getInts("ends"));
    axes = ctx.getInts("axes");
  } else {
    starts = ctx.elements(1);
    ends = ctx.elements(2);
    if (ctx.has(3))
      axes = ctx.constantInts(3);
    if (ctx.has(4))
      steps = ctx.constantInts(4);
    if ((ctx.has(3) && !axes) || (ctx.has(4) && !steps))
      return importSliceAtRuntime(ctx);
  }
  if (!starts || !ends || starts->size() != ends->size())
    return ctx.fail("expects starts and ends of one, known length");
  if (!axes)
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts->size()));
  if (!steps)
    steps = SmallVector<int64_t>(starts->size(), 1);
  if (axes->size() != starts->size() || steps->size() != starts->size())
    return ctx.fail("starts, ends, axes and steps differ in length");
  if (llvm::is_contained(*steps, 0))
    return ctx.fail("step must not be zero");

  // Tracked shape tensors: slice the elements.
  if (auto e = ctx.elements(0); e && rank == 1 && axes->size() == 1) {
    SliceAxis s = resolveSlice(ctx, ctx.b.getIndexAttr(e->size()), (*starts)[0],
                               (*ends)[0], (*steps)[0]);
    std::optional<int64_t> start = staticValue(s.start),
                           length = staticValue(s.length);
    if (start && length) {
      SmallVector<OpFoldResult> out;
      for (int64_t i = 0; i < *length; ++i)
        out.push_back((*e)[*start + i * s.step]);
      ctx.setElements(
          0,
          RankedTensorType::get({int64_t(out.size())}, type.getElementType()),
          out);
      return success();
    }
  }

  Value x = ctx.tensor(0);
  SmallVector<OpFoldResult> offsets(rank, ctx.b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = sizesOf(ctx, x);
  SmallVector<int64_t> stepOf(rank, 1);
  for (size_t i = 0; i < axes->size(); ++i) {
    auto axis = normalizeAxis((*axes)[i], rank);
    if (!axis)
      return ctx.fail("axis out of range");
    SliceAxis s =
        resolveSlice(ctx, sizes[*axis], (*starts)[i], (*ends)[i], (*steps)[i]);
    offsets[*axis] = s.start;
    sizes[*axis] = s.length;
    stepOf[*axis] = s.step;
  }
  // An input with a static 0 dim gives an empty result, and tensor's slice
  // verifier rejects even offset 0 into a 0-sized dim: nothing to read.
  if (llvm::is_contained(type.getShape(), 0)) {
    ctx.set(0, emitEmpty(ctx, sizes, type.getElementType()));
    return success();
  }
  if (llvm::all_of(stepOf, [](int64_t s) { return s > 0; })) {
    SmallVector<OpFoldResult> strides;
    for (int64_t s : stepOf)
      strides.push_back(ctx.b.getIndexAttr(s));
    ctx.set(0, Value(tensor::ExtractSliceOp::create(ctx.b, ctx.loc, x, offsets,
                                                    sizes, strides)));
    return success();
  }
  // Negative steps: read x[start + i * step] element by element.
  Value init = emitEmpty(ctx, sizes, type.getElementType());
  SmallVector<Value> starts2;
  for (OpFoldResult o : offsets)
    starts2.push_back(ctx.toIndex(o));
  auto generic = linalg::GenericOp::create(
      ctx.b, ctx.loc, init.getType(), ValueRange{}, init,
      {AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext())},
      SmallVector<IT>(rank, IT::parallel),
      [&](OpBuilder &b, Location l, ValueRange) {
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = linalg::IndexOp::create(b, l, d);
          at.push_back(arith::AddIOp::create(
              b, l, starts2[d],
              arith::MulIOp::create(b, l, i, index(b, l, stepOf[d]))));
        }
        linalg::YieldOp::create(b, l,
                                Value(tensor::ExtractOp::create(b, l, x, at)));
      });
  ctx.set(0, generic.getResult(0));
  return success();
}

LogicalResult importTranspose(NodeContext &ctx) {
  int64_t rank = ctx.type(0).getRank();
  SmallVector<int64_t> perm;
  if (auto p = ctx.getInts("perm"))
    perm = *p;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  if (int64_t(perm.size()) != rank)
    return ctx.fail("perm has the wrong length");
  llvm::SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return ctx.fail("perm is not a permutation of the " + llvm::Twine(rank) +
                      " input axes");
    seen[p] = true;
  }
  // The identity (every rank-0 and rank-1 transpose) is the input itself:
  // linalg.transpose of a scalar does not verify.
  if (llvm::equal(perm, llvm::seq<int64_t>(0, rank))) {
    ctx.set(0, OnnxValue(ctx.in(0)));
    return success();
  }
  ctx.set(0, emitTranspose(ctx, ctx.tensor(0), perm));
  return success();
}

/// Broadcasts `value` to `sizes` (numpy rules, rank may grow).
Value broadcastTo(NodeContext &ctx, Value value, ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = sizes.size();
  // Runtime dims that may be 1: broadcast at run time first.
  SmallVector<OpFoldResult> target;
  for (int64_t i = 0; i < type.getRank(); ++i)
    target.push_back(type.getDimSize(i) == 1
                         ? OpFoldResult(ctx.b.getIndexAttr(1))
                         : sizes[i + rank - type.getRank()]);
  value = broadcastDynamicDims(ctx, value, target);
  type = cast<RankedTensorType>(value.getType());
  MLIRContext *mctx = ctx.b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t d = i + rank - type.getRank();
    bool broadcast = type.getDimSize(i) == 1 &&
                     staticValue(sizes[d]) != std::optional<int64_t>(1);
    exprs.push_back(broadcast ? getAffineConstantExpr(0, mctx)
                              : getAffineDimExpr(d, mctx));
  }
  Value init = emitEmpty(ctx, sizes, type.getElementType());
  return linalg::GenericOp::create(
             ctx.b, ctx.loc, init.getType(), value, init,
             {AffineMap::get(rank, 0, exprs, mctx),
              AffineMap::getMultiDimIdentityMap(rank, mctx)},
             SmallVector<IT>(rank, IT::parallel),
             [](OpBuilder &b, Location l, ValueRange a) {
               linalg::YieldOp::create(b, l, a[0]);
             })
      .getResult(0);
}

LogicalResult importExpand(NodeContext &ctx) {
  auto target = ctx.elements(1);
  if (!target)
    return ctx.fail("expects a shape of known length");
  if (failed(checkShapeOperand(ctx, *target)))
    return failure();
  auto type = ctx.type(0);
  int64_t rank = std::max<int64_t>(type.getRank(), target->size());
  SmallVector<OpFoldResult> sizes(rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t ti = d - (rank - target->size());
    int64_t xi = d - (rank - type.getRank());
    OpFoldResult t = ti >= 0 ? (*target)[ti] : ctx.b.getIndexAttr(1);
    if (xi < 0) {
      sizes[d] = t;
      continue;
    }
    OpFoldResult x = ctx.dim(ctx.tensor(0), xi);
    auto tv = staticValue(t), xv = staticValue(x);
    if (tv && xv && *tv != *xv && *tv != 1 && *xv != 1)
      return ctx.fail("cannot expand dimension " + llvm::Twine(*xv) + " to " +
                      llvm::Twine(*tv));
    sizes[d] = broadcastSize(ctx, x, t);
  }
  ctx.set(0, broadcastTo(ctx, ctx.tensor(0), sizes));
  return success();
}

LogicalResult importTile(NodeContext &ctx) {
  auto repeats = ctx.elements(1);
  Value x = ctx.tensor(0);
  int64_t rank = ctx.type(0).getRank();
  if (!repeats || int64_t(repeats->size()) != rank)
    return ctx.fail("expects repeats of the input's rank");
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(foldOrEmit(ctx, ctx.dim(x, d), (*repeats)[d], '*'));
  Value init = emitEmpty(ctx, sizes, ctx.elementType(0));
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(ctx.toIndex(ctx.dim(x, d)));
  ctx.set(0, linalg::GenericOp::create(
                 ctx.b, ctx.loc, init.getType(), ValueRange{}, init,
                 {AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext())},
                 SmallVector<IT>(rank, IT::parallel),
                 [&](OpBuilder &b, Location l, ValueRange) {
                   SmallVector<Value> at;
                   for (int64_t d = 0; d < rank; ++d)
                     at.push_back(arith::RemUIOp::create(
                         b, l, linalg::IndexOp::create(b, l, d), dims[d]));
                   linalg::YieldOp::create(
                       b, l, Value(tensor::ExtractOp::create(b, l, x, at)));
                 })
                 .getResult(0));
  return success();
}

/// Normalizes a gathered index (negative counts from the end) and clamps it
/// into [0, size).
Value gatherIndex(OpBuilder &b, Location l, Value raw, Value size) {
  Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), raw);
  Value zero = index(b, l, 0);
  Value negative =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
  i = arith::SelectOp::create(b, l, negative,
                              arith::AddIOp::create(b, l, i, size), i);
  return clampIndex(b, l, i, zero,
                    arith::SubIOp::create(b, l, size, index(b, l, 1)));
}

LogicalResult importGather(NodeContext &ctx) {
  auto dataType = ctx.type(0);
  auto indicesType = ctx.type(1);
  int64_t rank = dataType.getRank();
  auto axis = normalizeAxis(ctx.getInt("axis", 0), rank);
  if (!axis)
    return ctx.fail("axis out of range");
  // Shape arithmetic: gathering known positions of a tracked shape tensor.
  if (auto e = ctx.elements(0); e && rank == 1) {
    if (auto idx = ctx.constantInts(1)) {
      SmallVector<OpFoldResult> out;
      for (int64_t i : *idx) {
        int64_t j = i < 0 ? i + int64_t(e->size()) : i;
        if (j < 0 || j >= int64_t(e->size()))
          return ctx.fail("index " + llvm::Twine(i) + " out of range");
        out.push_back((*e)[j]);
      }
      ctx.setElements(0,
                      RankedTensorType::get(indicesType.getShape(),
                                            dataType.getElementType()),
                      out);
      return success();
    }
  }
  Value data = ctx.tensor(0), indices = ctx.tensor(1);
  int64_t q = indicesType.getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < *axis; ++d)
    sizes.push_back(ctx.dim(data, d));
  for (int64_t d = 0; d < q; ++d)
    sizes.push_back(ctx.dim(indices, d));
  for (int64_t d = *axis + 1; d < rank; ++d)
    sizes.push_back(ctx.dim(data, d));
  int64_t outRank = sizes.size();
  MLIRContext *mctx = ctx.b.getContext();
  SmallVector<AffineExpr> indexExprs;
  for (int64_t d = 0; d < q; ++d)
    indexExprs.push_back(getAffineDimExpr(*axis + d, mctx));
  Value axisSize = ctx.toIndex(ctx.dim(data, *axis));
  Value init = emitEmpty(ctx, sizes, dataType.getElementType());
  ctx.set(0, linalg::GenericOp::create(
                 ctx.b, ctx.loc, init.getType(), indices, init,
                 {AffineMap::get(outRank, 0, indexExprs, mctx),
                  AffineMap::getMultiDimIdentityMap(outRank, mctx)},
                 SmallVector<IT>(outRank, IT::parallel),
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   SmallVector<Value> at;
                   for (int64_t d = 0; d < *axis; ++d)
                     at.push_back(linalg::IndexOp::create(b, l, d));
                   at.push_back(gatherIndex(b, l, a[0], axisSize));
                   for (int64_t d = *axis + 1; d < rank; ++d)
                     at.push_back(linalg::IndexOp::create(b, l, d - 1 + q));
                   linalg::YieldOp::create(
                       b, l, Value(tensor::ExtractOp::create(b, l, data, at)));
                 })
                 .getResult(0));
  return success();
}

LogicalResult importGatherElements(NodeContext &ctx) {
  Value data = ctx.tensor(0), indices = ctx.tensor(1);
  int64_t rank = ctx.type(0).getRank();
  auto axis = normalizeAxis(ctx.getInt("axis", 0), rank);
  if (!axis || ctx.type(1).getRank() != rank)
    return ctx.fail("expects indices of the data's rank and a valid axis");
  Value axisSize = ctx.toIndex(ctx.dim(data, *axis));
  Value init = emitEmpty(ctx, sizesOf(ctx, indices), ctx.elementType(0));
  MLIRContext *mctx = ctx.b.getContext();
  ctx.set(0, linalg::GenericOp::create(
                 ctx.b, ctx.loc, init.getType(), indices, init,
                 {AffineMap::getMultiDimIdentityMap(rank, mctx),
                  AffineMap::getMultiDimIdentityMap(rank, mctx)},
                 SmallVector<IT>(rank, IT::parallel),
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   SmallVector<Value> at;
                   for (int64_t d = 0; d < rank; ++d)
                     at.push_back(
                         d == *axis ? gatherIndex(b, l, a[0], axisSize)
                                    : Value(linalg::IndexOp::create(b, l, d)));
                   linalg::YieldOp::create(
                       b, l, Value(tensor::ExtractOp::create(b, l, data, at)));
                 })
                 .getResult(0));
  return success();
}

LogicalResult importConstantOfShape(NodeContext &ctx) {
  auto shape = ctx.elements(0);
  if (!shape)
    return ctx.fail("expects a shape of known length");
  if (failed(checkShapeOperand(ctx, *shape)))
    return failure();
  Type element = ctx.b.getF32Type();
  double value = 0;
  if (const onnx::AttributeProto *a = ctx.attr("value")) {
    element = getElementType(ctx.b.getContext(), a->t().data_type());
    if (!element)
      return ctx.fail("value type is not supported");
    auto data = ctx.model().getData(a->t());
    if (!data) {
      std::string message = toString(data.takeError());
      return ctx.fail(message);
    }
    if (data->bytes.empty())
      return ctx.fail("value is empty");
    HostTensor host;
    if (isa<FloatType>(element)) {
      if (element.isF32()) {
        float f;
        std::memcpy(&f, data->bytes.data(), 4);
        value = f;
      } else if (element.isF64()) {
        std::memcpy(&value, data->bytes.data(), 8);
      } else if (element.isF16()) {
        uint16_t bits;
        std::memcpy(&bits, data->bytes.data(), 2);
        value = APFloat(APFloat::IEEEhalf(), APInt(16, bits)).convertToFloat();
      } else {
        uint16_t bits;
        std::memcpy(&bits, data->bytes.data(), 2);
        uint32_t wide = uint32_t(bits) << 16;
        float f;
        std::memcpy(&f, &wide, 4);
        value = f;
      }
    } else {
      int64_t v = 0;
      std::memcpy(&v, data->bytes.data(),
                  std::min<size_t>(8, data->bytes.size()));
      unsigned width = element.getIntOrFloatBitWidth();
      if (width < 64 && width > 1)
        v = (v << (64 - width)) >> (64 - width);
      value = double(width == 1 ? (v & 1) : v);
    }
  }
  SmallVector<int64_t> staticSizes = staticShape(*shape);
  auto type = RankedTensorType::get(staticSizes, element);
  if (type.hasStaticShape() && type.getNumElements() <= 64) {
    HostTensor host;
    host.type = type;
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      if (isa<FloatType>(element))
        host.floats.push_back(value);
      else
        host.ints.push_back(int64_t(value));
    }
    ctx.setConstant(0, std::move(host));
    return success();
  }
  ctx.set(0,
          emitFilled(ctx, *shape, element, scalarAttr(ctx.b, element, value)));
  return success();
}

LogicalResult importRange(NodeContext &ctx) {
  Type element = ctx.elementType(0);
  const HostTensor *start = ctx.constant(0), *limit = ctx.constant(1),
                   *delta = ctx.constant(2);
  if (start && limit && delta) {
    double s = start->getDouble(0), e = limit->getDouble(0),
           d = delta->getDouble(0);
    if (d == 0)
      return ctx.fail("delta must not be zero");
    int64_t n = std::max<int64_t>(0, int64_t(std::ceil((e - s) / d)));
    if (n <= 64) {
      HostTensor host;
      host.type = RankedTensorType::get({n}, element);
      for (int64_t i = 0; i < n; ++i) {
        if (isa<FloatType>(element))
          host.floats.push_back(s + i * d);
        else
          host.ints.push_back(int64_t(s) + i * int64_t(d));
      }
      ctx.setConstant(0, std::move(host));
      return success();
    }
  }
  // Runtime range: n = max(0, ceil((limit - start) / delta)).
  OpBuilder &b = ctx.b;
  Location l = ctx.loc;
  Value s = tensor::ExtractOp::create(b, l, ctx.tensor(0), ValueRange{});
  Value e = tensor::ExtractOp::create(b, l, ctx.tensor(1), ValueRange{});
  Value d = tensor::ExtractOp::create(b, l, ctx.tensor(2), ValueRange{});
  Value count;
  if (isa<FloatType>(element)) {
    Value q = arith::DivFOp::create(b, l, arith::SubFOp::create(b, l, e, s), d);
    Value c = math::CeilOp::create(b, l, q);
    count = arith::FPToSIOp::create(b, l, b.getI64Type(), c);
    count = arith::IndexCastOp::create(b, l, b.getIndexType(), count);
  } else {
    Value diff = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                            arith::SubIOp::create(b, l, e, s));
    Value step = arith::IndexCastOp::create(b, l, b.getIndexType(), d);
    count = arith::CeilDivSIOp::create(b, l, diff, step);
  }
  count = arith::MaxSIOp::create(b, l, count, index(b, l, 0));
  Value init = emitEmpty(ctx, {OpFoldResult(count)}, element);
  ctx.set(0, linalg::GenericOp::create(
                 b, l, init.getType(), ValueRange{}, init,
                 {AffineMap::getMultiDimIdentityMap(1, b.getContext())},
                 {IT::parallel},
                 [&](OpBuilder &b, Location l, ValueRange) {
                   Value i = linalg::IndexOp::create(b, l, 0);
                   Value fi = castScalar(
                       b, l,
                       arith::IndexCastOp::create(b, l, b.getI64Type(), i),
                       element);
                   Value v =
                       isa<FloatType>(element)
                           ? Value(arith::AddFOp::create(
                                 b, l, s, arith::MulFOp::create(b, l, fi, d)))
                           : Value(arith::AddIOp::create(
                                 b, l, s, arith::MulIOp::create(b, l, fi, d)));
                   linalg::YieldOp::create(b, l, v);
                 })
                 .getResult(0));
  return success();
}

LogicalResult importPad(NodeContext &ctx) {
  Value x = ctx.tensor(0);
  auto type = ctx.type(0);
  int64_t rank = type.getRank();
  std::string mode = ctx.getString("mode", "constant");
  std::optional<SmallVector<OpFoldResult>> pads;
  if (ctx.opset < 11) {
    if (auto p = ctx.getInts("pads")) {
      pads.emplace();
      for (int64_t v : *p)
        pads->push_back(ctx.b.getIndexAttr(v));
    }
  } else {
    pads = ctx.elements(1);
  }
  if (!pads)
    return ctx.fail("expects pads of a known length");
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (ctx.opset >= 18 && ctx.has(3)) {
    auto a = ctx.constantInts(3);
    if (!a)
      return ctx.fail("expects constant axes");
    axes.clear();
    for (int64_t v : *a) {
      auto n = normalizeAxis(v, rank);
      if (!n)
        return ctx.fail("axis out of range");
      axes.push_back(*n);
    }
  }
  if (pads->size() != 2 * axes.size())
    return ctx.fail("pads has the wrong length");
  SmallVector<OpFoldResult> before(rank, ctx.b.getIndexAttr(0)),
      after(rank, ctx.b.getIndexAttr(0));
  for (size_t i = 0; i < axes.size(); ++i) {
    before[axes[i]] = (*pads)[i];
    after[axes[i]] = (*pads)[i + axes.size()];
  }
  SmallVector<Value> beforeValues;
  for (OpFoldResult v : before)
    beforeValues.push_back(ctx.toIndex(v));
  Type element = type.getElementType();
  Value padValue = scalarConstant(ctx.b, ctx.loc, element, 0);
  if (ctx.opset < 11)
    padValue =
        scalarConstant(ctx.b, ctx.loc, element, ctx.getFloat("value", 0));
  else if (ctx.has(2))
    padValue =
        tensor::ExtractOp::create(ctx.b, ctx.loc, ctx.tensor(2), ValueRange{});
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return ctx.fail("pad mode '" + mode + "' is not supported");

  SmallVector<OpFoldResult> sizes;
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d) {
    OpFoldResult size = ctx.dim(x, d);
    dims.push_back(ctx.toIndex(size));
    sizes.push_back(
        foldOrEmit(ctx, size, foldOrEmit(ctx, before[d], after[d], '+'), '+'));
  }
  Value init = emitEmpty(ctx, sizes, element);
  ctx.set(
      0,
      linalg::GenericOp::create(
          ctx.b, ctx.loc, init.getType(), ValueRange{}, init,
          {AffineMap::getMultiDimIdentityMap(rank, ctx.b.getContext())},
          SmallVector<IT>(rank, IT::parallel),
          [&](OpBuilder &b, Location l, ValueRange) {
            SmallVector<Value> at;
            Value inside = arith::ConstantIntOp::create(b, l, 1, 1);
            Value zero = index(b, l, 0);
            for (int64_t d = 0; d < rank; ++d) {
              Value i = arith::SubIOp::create(
                  b, l, linalg::IndexOp::create(b, l, d), beforeValues[d]);
              Value last = arith::SubIOp::create(b, l, dims[d], index(b, l, 1));
              if (mode == "reflect") {
                // Reflect about the edges (without repeating them).
                Value period = arith::MaxSIOp::create(
                    b, l, arith::MulIOp::create(b, l, last, index(b, l, 2)),
                    index(b, l, 1));
                Value m = arith::RemSIOp::create(
                    b, l,
                    arith::AddIOp::create(
                        b, l, arith::RemSIOp::create(b, l, i, period), period),
                    period);
                i = arith::MinSIOp::create(
                    b, l, m, arith::SubIOp::create(b, l, period, m));
              } else if (mode == "constant") {
                Value ok = arith::AndIOp::create(
                    b, l,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, i,
                                          zero),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, i,
                                          last));
                inside = arith::AndIOp::create(b, l, inside, ok);
              }
              at.push_back(clampIndex(b, l, i, zero, last));
            }
            Value v = tensor::ExtractOp::create(b, l, x, at);
            if (mode == "constant")
              v = arith::SelectOp::create(b, l, inside, v, padValue);
            linalg::YieldOp::create(b, l, v);
          })
          .getResult(0));
  return success();
}

LogicalResult importTrilu(NodeContext &ctx) {
  Value x = ctx.tensor(0);
  int64_t rank = ctx.type(0).getRank();
  if (rank < 2)
    return ctx.fail("expects a rank of at least 2");
  bool upper = ctx.getInt("upper", 1);
  Value k;
  if (ctx.has(1))
    k = arith::IndexCastOp::create(
        ctx.b, ctx.loc, ctx.b.getIndexType(),
        tensor::ExtractOp::create(ctx.b, ctx.loc, ctx.tensor(1), ValueRange{}));
  else
    k = index(ctx.b, ctx.loc, 0);
  Type element = ctx.elementType(0);
  Value init = emitEmpty(ctx, sizesOf(ctx, x), element);
  MLIRContext *mctx = ctx.b.getContext();
  ctx.set(0,
          linalg::GenericOp::create(
              ctx.b, ctx.loc, init.getType(), x, init,
              {AffineMap::getMultiDimIdentityMap(rank, mctx),
               AffineMap::getMultiDimIdentityMap(rank, mctx)},
              SmallVector<IT>(rank, IT::parallel),
              [&](OpBuilder &b, Location l, ValueRange a) {
                Value i = linalg::IndexOp::create(b, l, rank - 2);
                Value j = linalg::IndexOp::create(b, l, rank - 1);
                Value diff = arith::SubIOp::create(b, l, j, i);
                Value keep =
                    arith::CmpIOp::create(b, l,
                                          upper ? arith::CmpIPredicate::sge
                                                : arith::CmpIPredicate::sle,
                                          diff, k);
                linalg::YieldOp::create(
                    b, l,
                    Value(arith::SelectOp::create(
                        b, l, keep, a[0], scalarConstant(b, l, element, 0))));
              })
              .getResult(0));
  return success();
}

/// CumSum whose axis only the run time knows (the node tests pass it as
/// an input): one generic over x's dims plus j in [0, dim(x, axis)), whose
/// body reads x at the index with the axis coordinate replaced by j.
static LogicalResult importCumSumRuntimeAxis(NodeContext &ctx, bool exclusive,
                                             bool reverse) {
  OpBuilder &b = ctx.b;
  Location loc = ctx.loc;
  Value x = ctx.tensor(0);
  int64_t rank = ctx.type(0).getRank();
  if (rank == 0)
    return ctx.fail("expects an input of rank at least 1");
  auto axisType = ctx.type(1);
  if (axisType.getRank() > 1 ||
      (axisType.getRank() == 1 && axisType.getDimSize(0) != 1))
    return ctx.fail("expects one axis");
  if (!isa<IntegerType>(axisType.getElementType()))
    return ctx.fail("expects an integer axis");
  SmallVector<Value> zeros(axisType.getRank(),
                           arith::ConstantIndexOp::create(b, loc, 0));
  Value raw = tensor::ExtractOp::create(b, loc, ctx.tensor(1), zeros);
  raw = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value rankV = arith::ConstantIndexOp::create(b, loc, rank);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, raw, zero);
  Value axis = arith::SelectOp::create(
      b, loc, negative, arith::AddIOp::create(b, loc, raw, rankV), raw);
  Value inRange = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, axis, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, rankV));
  ctx.check(inRange, "axis {0} is out of range for rank " + Twine(rank),
            {arith::IndexCastOp::create(b, loc, b.getI64Type(), raw)});
  // A safe index for tensor.dim when the check fails (the call ends).
  Value safeAxis = arith::SelectOp::create(b, loc, inRange, axis, zero);
  Value length = tensor::DimOp::create(b, loc, x, safeAxis);
  Type element = ctx.elementType(0);
  MLIRContext *mctx = b.getContext();
  Value acc =
      emitFilled(ctx, sizesOf(ctx, x), element, scalarAttr(b, element, 0));
  // The reduction dim's extent comes from an operand of shape [length].
  Value js = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{length},
                                     b.getI1Type());
  SmallVector<IT> iters(rank, IT::parallel);
  iters.push_back(IT::reduction);
  AffineMap jMap = AffineMap::get(rank + 1, 0, getAffineDimExpr(rank, mctx));
  AffineMap outMap =
      AffineMap::getMultiDimIdentityMap(rank + 1, mctx).getMajorSubMap(rank);
  ctx.set(0,
          linalg::GenericOp::create(
              b, loc, acc.getType(), js, acc, {jMap, outMap}, iters,
              [&](OpBuilder &nb, Location l, ValueRange a) {
                Value j = linalg::IndexOp::create(nb, l, rank);
                Value i = arith::ConstantIndexOp::create(nb, l, 0);
                SmallVector<Value> at;
                for (int64_t d = 0; d < rank; ++d) {
                  Value dv = arith::ConstantIndexOp::create(nb, l, d);
                  Value here = arith::CmpIOp::create(
                      nb, l, arith::CmpIPredicate::eq, axis, dv);
                  Value idx = linalg::IndexOp::create(nb, l, d);
                  i = arith::SelectOp::create(nb, l, here, idx, i);
                  at.push_back(arith::SelectOp::create(nb, l, here, j, idx));
                }
                auto pred = reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                                 : arith::CmpIPredicate::uge)
                                    : (exclusive ? arith::CmpIPredicate::ult
                                                 : arith::CmpIPredicate::ule);
                Value take = arith::CmpIOp::create(nb, l, pred, j, i);
                Value v = tensor::ExtractOp::create(nb, l, x, at);
                Value sum = isa<FloatType>(element)
                                ? Value(arith::AddFOp::create(nb, l, a[1], v))
                                : Value(arith::AddIOp::create(nb, l, a[1], v));
                linalg::YieldOp::create(
                    nb, l,
                    Value(arith::SelectOp::create(nb, l, take, sum, a[1])));
              })
              .getResult(0));
  return success();
}

LogicalResult importCumSum(NodeContext &ctx) {
  Value x = ctx.tensor(0);
  int64_t rank = ctx.type(0).getRank();
  bool exclusive = ctx.getInt("exclusive", 0),
       reverse = ctx.getInt("reverse", 0);
  auto axisValue = ctx.constantInts(1);
  if (!axisValue)
    return importCumSumRuntimeAxis(ctx, exclusive, reverse);
  if (axisValue->size() != 1)
    return ctx.fail("expects one axis");
  auto axis = normalizeAxis((*axisValue)[0], rank);
  if (!axis)
    return ctx.fail("axis out of range");
  Type element = ctx.elementType(0);
  // out[.., i, ..] = sum_j x[.., j, ..] over j <= i (>= when reversed),
  // j != i when exclusive: one extra reduction dimension j.
  MLIRContext *mctx = ctx.b.getContext();
  SmallVector<AffineExpr> in, out;
  for (int64_t d = 0; d < rank; ++d) {
    out.push_back(getAffineDimExpr(d, mctx));
    in.push_back(getAffineDimExpr(d == *axis ? rank : d, mctx));
  }
  Value acc =
      emitFilled(ctx, sizesOf(ctx, x), element, scalarAttr(ctx.b, element, 0));
  SmallVector<IT> iters(rank, IT::parallel);
  iters.push_back(IT::reduction);
  ctx.set(
      0, linalg::GenericOp::create(
             ctx.b, ctx.loc, acc.getType(), x, acc,
             {AffineMap::get(rank + 1, 0, in, mctx),
              AffineMap::get(rank + 1, 0, out, mctx)},
             iters,
             [&](OpBuilder &b, Location l, ValueRange a) {
               Value i = linalg::IndexOp::create(b, l, *axis);
               Value j = linalg::IndexOp::create(b, l, rank);
               auto pred = reverse ? (exclusive ? arith::CmpIPredicate::ugt
                                                : arith::CmpIPredicate::uge)
                                   : (exclusive ? arith::CmpIPredicate::ult
                                                : arith::CmpIPredicate::ule);
               Value take = arith::CmpIOp::create(b, l, pred, j, i);
               Value sum = isa<FloatType>(element)
                               ? Value(arith::AddFOp::create(b, l, a[1], a[0]))
                               : Value(arith::AddIOp::create(b, l, a[1], a[0]));
               linalg::YieldOp::create(
                   b, l, Value(arith::SelectOp::create(b, l, take, sum, a[1])));
             })
             .getResult(0));
  return success();
}

} // namespace

void registerShapeOps(OpRegistry &r) {
  r.add("Shape", 1, importShape);
  r.add("Size", 1, importSize);
  r.add("Identity", 1, importIdentity);
  r.add("Reshape", 5, importReshape);
  r.add("Flatten", 1, importFlatten);
  r.add("Squeeze", 1, importSqueeze);
  r.add("Unsqueeze", 1, importUnsqueeze);
  r.add("Concat", 4, importConcat);
  r.add("Split", 2, importSplit);
  r.add("Slice", 1, importSlice);
  r.add("Transpose", 1, importTranspose);
  r.add("Expand", 8, importExpand);
  r.add("Tile", 6, importTile);
  r.add("Gather", 1, importGather);
  r.add("GatherElements", 11, importGatherElements);
  r.add("ConstantOfShape", 9, importConstantOfShape);
  r.add("Range", 11, importRange);
  r.add("Pad", 2, importPad);
  r.add("Trilu", 14, importTrilu);
  r.add("CumSum", 11, importCumSum);
}

} // namespace llmc::onnx_import
