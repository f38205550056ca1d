//===- ElementwiseOps.cpp - Unary, binary and variadic elementwise ops ----===//
//
// Every op here broadcasts numpy-style through emitElementwise. Integer ops
// on small shape tensors whose elements are tracked (see ImportContext.h)
// are evaluated element by element instead, which folds shape arithmetic
// when dims are static and keeps it scalar when they are not.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/ops/OpBuilders.h"

using namespace mlir;

namespace llmc::onnx_import {
namespace {

using ScalarFn = std::function<Value(OpBuilder &, Location, ValueRange)>;

bool isFloat(Type t) { return isa<FloatType>(t); }

/// Registers a unary op whose body is `fn(x)`.
void unary(OpRegistry &r, StringRef name, int since,
           std::function<Value(OpBuilder &, Location, Value)> fn,
           bool floatOnly = true) {
  r.add(name, since, [fn, floatOnly, name = name.str()](NodeContext &ctx) {
    Type element = ctx.elementType(0);
    if (floatOnly && !isFloat(element))
      return ctx.fail("expects a floating-point input");
    auto result = emitElementwise(
        ctx, {ctx.tensor(0)}, element,
        [&](OpBuilder &b, Location l, ValueRange a) { return fn(b, l, a[0]); });
    if (failed(result))
      return failure();
    ctx.set(0, *result);
    return success();
  });
}

/// Element-by-element evaluation of an integer op over tracked elements;
/// returns false when the inputs are not all tracked.
bool foldElements(
    NodeContext &ctx, unsigned numInputs, Type resultElement,
    llvm::function_ref<std::optional<int64_t>(ArrayRef<int64_t>)> fold,
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> indexOp) {
  SmallVector<SmallVector<OpFoldResult>> lists;
  int64_t length = 1, rank = 0;
  for (unsigned i = 0; i < numInputs; ++i) {
    if (!isa<IntegerType>(ctx.elementType(i)))
      return false;
    auto e = ctx.elements(i);
    if (!e)
      return false;
    rank = std::max<int64_t>(rank, ctx.type(i).getRank());
    if (e->size() != 1) {
      if (length != 1 && int64_t(e->size()) != length)
        return false;
      length = e->size();
    }
    lists.push_back(*e);
  }
  SmallVector<OpFoldResult> out;
  for (int64_t j = 0; j < length; ++j) {
    SmallVector<OpFoldResult> operands;
    for (auto &list : lists)
      operands.push_back(list[list.size() == 1 ? 0 : j]);
    SmallVector<int64_t> known;
    for (OpFoldResult o : operands)
      if (auto v = staticValue(o))
        known.push_back(*v);
    if (known.size() == operands.size()) {
      std::optional<int64_t> v = fold(known);
      if (!v)
        return false;
      out.push_back(ctx.b.getIndexAttr(*v));
      continue;
    }
    if (!indexOp)
      return false;
    SmallVector<Value> values;
    for (OpFoldResult o : operands)
      values.push_back(ctx.toIndex(o));
    out.push_back(indexOp(ctx.b, ctx.loc, values));
  }
  SmallVector<int64_t> shape;
  if (rank == 1)
    shape.push_back(length);
  ctx.setElements(0, RankedTensorType::get(shape, resultElement), out);
  return true;
}

/// Registers a binary op: `f` for floats, `i` for integers (either may be
/// null), optional element folding for integer shape arithmetic.
void binary(
    OpRegistry &r, StringRef name, int since, ScalarFn f, ScalarFn i,
    bool comparison = false,
    std::function<std::optional<int64_t>(int64_t, int64_t)> fold = nullptr,
    ScalarFn onIndex = nullptr) {
  r.add(name, since, [=](NodeContext &ctx) {
    if (ctx.elementType(0) != ctx.elementType(1))
      return ctx.fail("expects operands of one element type");
    Type element = ctx.elementType(0);
    Type result = comparison ? ctx.b.getI1Type() : element;
    if (fold &&
        foldElements(
            ctx, 2, result,
            [&](ArrayRef<int64_t> v) { return fold(v[0], v[1]); },
            onIndex
                ? llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>(
                      onIndex)
                : nullptr))
      return success();
    const ScalarFn &fn = isFloat(element) ? f : i;
    if (!fn)
      return ctx.fail(isFloat(element) ? "expects integer operands"
                                       : "expects floating-point operands");
    auto value =
        emitElementwise(ctx, {ctx.tensor(0), ctx.tensor(1)}, result, fn);
    if (failed(value))
      return failure();
    ctx.set(0, *value);
    return success();
  });
}

/// Max/Min over any number of inputs.
void variadic(OpRegistry &r, StringRef name, int since, bool isMax) {
  r.add(name, since, [=](NodeContext &ctx) {
    SmallVector<Value> inputs;
    for (unsigned i = 0; i < ctx.numInputs(); ++i)
      inputs.push_back(ctx.tensor(i));
    Type element = ctx.elementType(0);
    auto value = emitElementwise(
        ctx, inputs, element, [&](OpBuilder &b, Location l, ValueRange a) {
          Value acc = a[0];
          for (Value v : a.drop_front()) {
            if (isFloat(element))
              acc = isMax ? Value(arith::MaximumFOp::create(b, l, acc, v))
                          : Value(arith::MinimumFOp::create(b, l, acc, v));
            else
              acc = isMax ? Value(arith::MaxSIOp::create(b, l, acc, v))
                          : Value(arith::MinSIOp::create(b, l, acc, v));
          }
          return acc;
        });
    if (failed(value))
      return failure();
    ctx.set(0, *value);
    return success();
  });
}

template <typename Op> ScalarFn op2() {
  return [](OpBuilder &b, Location l, ValueRange a) -> Value {
    return Op::create(b, l, a[0], a[1]);
  };
}

ScalarFn cmpf(arith::CmpFPredicate p) {
  return [p](OpBuilder &b, Location l, ValueRange a) -> Value {
    return arith::CmpFOp::create(b, l, p, a[0], a[1]);
  };
}

ScalarFn cmpi(arith::CmpIPredicate p) {
  return [p](OpBuilder &b, Location l, ValueRange a) -> Value {
    return arith::CmpIOp::create(b, l, p, a[0], a[1]);
  };
}

/// Integer x^y for y >= 0 by repeated squaring (y < 0 gives 0 unless x is
/// 1 or -1, as numpy's integer power does for y >= 0 only).
Value integerPow(OpBuilder &b, Location l, Value x, Value y) {
  Type t = x.getType();
  Value one = scalarConstant(b, l, t, 1);
  Value result = one, base = x, exp = y;
  for (unsigned bit = 0; bit < 63 && bit < t.getIntOrFloatBitWidth(); ++bit) {
    Value low = arith::AndIOp::create(b, l, exp, one);
    Value isSet = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, low,
                                        scalarConstant(b, l, t, 0));
    result = arith::SelectOp::create(
        b, l, isSet, arith::MulIOp::create(b, l, result, base), result);
    base = arith::MulIOp::create(b, l, base, base);
    exp = arith::ShRSIOp::create(b, l, exp, one);
  }
  return result;
}

LogicalResult importPow(NodeContext &ctx) {
  Type element = ctx.elementType(0);
  Type exponent = ctx.elementType(1);
  // x^2 (layer norms) as x*x: exact and cheap.
  if (const HostTensor *c = ctx.constant(1);
      c && c->size() == 1 && c->getDouble(0) == 2.0 && isFloat(element)) {
    auto value =
        emitElementwise(ctx, {ctx.tensor(0)}, element,
                        [](OpBuilder &b, Location l, ValueRange a) {
                          return Value(arith::MulFOp::create(b, l, a[0], a[0]));
                        });
    if (failed(value))
      return failure();
    ctx.set(0, *value);
    return success();
  }
  auto value = emitElementwise(
      ctx, {ctx.tensor(0), ctx.tensor(1)}, element,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        if (isFloat(element)) {
          Value y = castScalar(b, l, a[1], element);
          return math::PowFOp::create(b, l, a[0], y);
        }
        if (isFloat(exponent)) {
          Value x = castScalar(b, l, a[0], exponent);
          return castScalar(b, l, math::PowFOp::create(b, l, x, a[1]), element);
        }
        return integerPow(b, l, a[0], castScalar(b, l, a[1], element));
      });
  if (failed(value))
    return failure();
  ctx.set(0, *value);
  return success();
}

/// Neg folds on tracked shape elements (-axis in expanded functions).
LogicalResult importNeg(NodeContext &ctx) {
  Type element = ctx.elementType(0);
  if (isa<IntegerType>(element) &&
      foldElements(
          ctx, 1, element,
          [](ArrayRef<int64_t> v) -> std::optional<int64_t> { return -v[0]; },
          [](OpBuilder &b, Location l, ValueRange v) -> Value {
            return arith::SubIOp::create(
                b, l, arith::ConstantIndexOp::create(b, l, 0), v[0]);
          }))
    return success();
  auto value = emitElementwise(
      ctx, {ctx.tensor(0)}, element,
      [](OpBuilder &b, Location l, ValueRange a) -> Value {
        if (isFloat(a[0].getType()))
          return arith::NegFOp::create(b, l, a[0]);
        return arith::SubIOp::create(
            b, l, scalarConstant(b, l, a[0].getType(), 0), a[0]);
      });
  if (failed(value))
    return failure();
  ctx.set(0, *value);
  return success();
}

LogicalResult importWhere(NodeContext &ctx) {
  if (ctx.elementType(1) != ctx.elementType(2))
    return ctx.fail("expects X and Y of one element type");
  // Shape arithmetic: Where(cond, a, b) on tracked elements.
  if (isa<IntegerType>(ctx.elementType(1)) && ctx.elements(0) &&
      foldElements(
          ctx, 3, ctx.elementType(1),
          [](ArrayRef<int64_t> v) -> std::optional<int64_t> {
            return v[0] ? v[1] : v[2];
          },
          [](OpBuilder &b, Location l, ValueRange v) -> Value {
            Value c =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, v[0],
                                      arith::ConstantIndexOp::create(b, l, 0));
            return arith::SelectOp::create(b, l, c, v[1], v[2]);
          }))
    return success();
  auto value = emitElementwise(
      ctx, {ctx.tensor(0), ctx.tensor(1), ctx.tensor(2)}, ctx.elementType(1),
      [](OpBuilder &b, Location l, ValueRange a) -> Value {
        return arith::SelectOp::create(b, l, a[0], a[1], a[2]);
      });
  if (failed(value))
    return failure();
  ctx.set(0, *value);
  return success();
}

LogicalResult importCast(NodeContext &ctx) {
  Type to = getElementType(ctx.b.getContext(), ctx.getInt("to", 0));
  if (!to)
    return ctx.fail("cast to " + getOnnxTypeName(ctx.getInt("to", 0)) +
                    " is not supported");
  Type from = ctx.elementType(0);
  if (isa<IntegerType>(from) && isa<IntegerType>(to) && !to.isInteger(1) &&
      ctx.elements(0)) {
    auto e = ctx.elements(0);
    ctx.setElements(0, RankedTensorType::get(ctx.type(0).getShape(), to), *e);
    return success();
  }
  if (const HostTensor *c = ctx.constant(0); c && c->size() <= 64) {
    HostTensor out;
    out.type = RankedTensorType::get(c->type.getShape(), to);
    for (int64_t i = 0; i < c->size(); ++i) {
      double v = c->getDouble(i);
      if (isFloat(to))
        out.floats.push_back(v);
      else if (to.isInteger(1))
        out.ints.push_back(v != 0);
      else
        out.ints.push_back(static_cast<int64_t>(v));
    }
    ctx.setConstant(0, std::move(out));
    return success();
  }
  auto value = emitElementwise(
      ctx, {ctx.tensor(0)}, to,
      [&](OpBuilder &b, Location l, ValueRange a) -> Value {
        // f32 -> bf16 truncates the mantissa, as ONNX's reference does.
        if (a[0].getType().isF32() && to.isBF16()) {
          Value bits = arith::BitcastOp::create(b, l, b.getI32Type(), a[0]);
          Value high = arith::ShRUIOp::create(
              b, l, bits, scalarConstant(b, l, b.getI32Type(), 16));
          Value half = arith::TruncIOp::create(b, l, b.getI16Type(), high);
          return arith::BitcastOp::create(b, l, to, half);
        }
        return castScalar(b, l, a[0], to);
      });
  if (failed(value))
    return failure();
  ctx.set(0, *value);
  return success();
}

} // namespace

void registerElementwiseOps(OpRegistry &r) {
  using B = OpBuilder;
  using L = Location;
  unary(r, "Sqrt", 6, [](B &b, L l, Value x) -> Value {
    return math::SqrtOp::create(b, l, x);
  });
  unary(r, "Exp", 6, [](B &b, L l, Value x) -> Value {
    return math::ExpOp::create(b, l, x);
  });
  unary(r, "Log", 6, [](B &b, L l, Value x) -> Value {
    return math::LogOp::create(b, l, x);
  });
  unary(r, "Erf", 9, [](B &b, L l, Value x) -> Value {
    return math::ErfOp::create(b, l, x);
  });
  unary(r, "Tanh", 6, [](B &b, L l, Value x) -> Value {
    return math::TanhOp::create(b, l, x);
  });
  unary(r, "Sin", 7, [](B &b, L l, Value x) -> Value {
    return math::SinOp::create(b, l, x);
  });
  unary(r, "Cos", 7, [](B &b, L l, Value x) -> Value {
    return math::CosOp::create(b, l, x);
  });
  unary(r, "Reciprocal", 6, [](B &b, L l, Value x) -> Value {
    return arith::DivFOp::create(b, l, scalarConstant(b, l, x.getType(), 1), x);
  });
  unary(r, "Sigmoid", 6, [](B &b, L l, Value x) -> Value {
    Value one = scalarConstant(b, l, x.getType(), 1);
    Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
    return arith::DivFOp::create(b, l, one,
                                 arith::AddFOp::create(b, l, one, e));
  });
  r.add("Neg", 6, importNeg);
  unary(
      r, "Abs", 6,
      [](B &b, L l, Value x) -> Value {
        if (isFloat(x.getType()))
          return math::AbsFOp::create(b, l, x);
        return math::AbsIOp::create(b, l, x);
      },
      false);
  unary(
      r, "Relu", 6,
      [](B &b, L l, Value x) -> Value {
        Value zero = scalarConstant(b, l, x.getType(), 0);
        if (isFloat(x.getType()))
          return arith::MaximumFOp::create(b, l, x, zero);
        return arith::MaxSIOp::create(b, l, x, zero);
      },
      false);
  unary(
      r, "Not", 1,
      [](B &b, L l, Value x) -> Value {
        return arith::XOrIOp::create(b, l, x,
                                     scalarConstant(b, l, x.getType(), 1));
      },
      false);

  auto add = [](int64_t a, int64_t b) -> std::optional<int64_t> {
    return a + b;
  };
  auto sub = [](int64_t a, int64_t b) -> std::optional<int64_t> {
    return a - b;
  };
  auto mul = [](int64_t a, int64_t b) -> std::optional<int64_t> {
    return a * b;
  };
  auto div = [](int64_t a, int64_t b) -> std::optional<int64_t> {
    if (b == 0)
      return std::nullopt;
    return a / b;
  };
  binary(r, "Add", 7, op2<arith::AddFOp>(), op2<arith::AddIOp>(), false, add,
         op2<arith::AddIOp>());
  binary(r, "Sub", 7, op2<arith::SubFOp>(), op2<arith::SubIOp>(), false, sub,
         op2<arith::SubIOp>());
  binary(r, "Mul", 7, op2<arith::MulFOp>(), op2<arith::MulIOp>(), false, mul,
         op2<arith::MulIOp>());
  binary(r, "Div", 7, op2<arith::DivFOp>(), op2<arith::DivSIOp>(), false, div,
         op2<arith::DivSIOp>());
  binary(r, "Equal", 7, cmpf(arith::CmpFPredicate::OEQ),
         cmpi(arith::CmpIPredicate::eq), true,
         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a == b; });
  binary(r, "Less", 7, cmpf(arith::CmpFPredicate::OLT),
         cmpi(arith::CmpIPredicate::slt), true,
         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a < b; });
  binary(r, "LessOrEqual", 12, cmpf(arith::CmpFPredicate::OLE),
         cmpi(arith::CmpIPredicate::sle), true,
         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a <= b; });
  binary(r, "Greater", 7, cmpf(arith::CmpFPredicate::OGT),
         cmpi(arith::CmpIPredicate::sgt), true,
         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a > b; });
  binary(r, "GreaterOrEqual", 12, cmpf(arith::CmpFPredicate::OGE),
         cmpi(arith::CmpIPredicate::sge), true,
         [](int64_t a, int64_t b) -> std::optional<int64_t> { return a >= b; });
  binary(r, "And", 7, nullptr, op2<arith::AndIOp>());
  binary(r, "Or", 7, nullptr, op2<arith::OrIOp>());
  variadic(r, "Max", 6, true);
  variadic(r, "Min", 6, false);
  r.add("Pow", 7, importPow);
  r.add("Where", 9, importWhere);
  r.add("Cast", 6, importCast);
}

} // namespace llmc::onnx_import
