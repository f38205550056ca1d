//===- GraphEvaluator.cpp - Evaluating small ONNX subgraphs ---------------===//

#include "compiler/onnx/GraphEvaluator.h"
#include "compiler/support/FileError.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>

using namespace llvm;

namespace llmc {
namespace {

using Node = onnx::NodeProto;
using Tensor = EvaluatedTensor;

constexpr int64_t kMaxElements = int64_t(1) << 20;
constexpr unsigned kMaxDepth = 256;

bool isInteger(int32_t type) {
  switch (type) {
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::BOOL:
    return true;
  default:
    return false;
  }
}

/// Elements of `shape`, or nullopt past the limit or for a negative dim.
std::optional<int64_t> countOf(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || (d && n > kMaxElements / d))
      return std::nullopt;
    else
      n *= d;
  if (n > kMaxElements)
    return std::nullopt;
  return n;
}

std::vector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::optional<double> attrFloat(const Node &node, StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::FLOAT)
      return a.f();
  return std::nullopt;
}

std::optional<int64_t> attrInt(const Node &node, StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INT)
      return a.i();
  return std::nullopt;
}

std::optional<std::vector<int64_t>> attrInts(const Node &node, StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INTS)
      return std::vector<int64_t>(a.ints().begin(), a.ints().end());
  return std::nullopt;
}

const onnx::TensorProto *attrTensor(const Node &node, StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name && a.has_t())
      return &a.t();
  return nullptr;
}

/// The tensor `proto` holds, decoded.
Expected<Tensor> decode(const OnnxModel &model,
                        const onnx::TensorProto &proto) {
  auto data = model.getData(proto);
  if (!data)
    return data.takeError();
  Tensor t;
  t.dataType = data->dataType;
  t.shape = data->shape;
  auto count = countOf(t.shape);
  unsigned size = getOnnxElementSize(t.dataType);
  // Too large to hold as doubles: its shape still serves Shape and the
  // shape propagation below.
  if (!count && size && llvm::all_of(t.shape, [](int64_t d) { return d >= 0; }))
    return t;
  if (!count || !size || data->bytes.size() != uint64_t(*count) * size)
    return createStringError(inconvertibleErrorCode(),
                             "tensor '" + proto.name() + "' is too large");
  const uint8_t *p = data->bytes.data();
  t.values.reserve(*count);
  for (int64_t i = 0; i < *count; ++i, p += size) {
    double v = 0;
    switch (t.dataType) {
    case onnx::TensorProto::FLOAT: {
      float f;
      std::memcpy(&f, p, 4);
      v = f;
      break;
    }
    case onnx::TensorProto::DOUBLE:
      std::memcpy(&v, p, 8);
      break;
    case onnx::TensorProto::FLOAT16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      int exponent = (h >> 10) & 31, mantissa = h & 1023;
      double magnitude = exponent == 0 ? std::ldexp(mantissa, -24)
                         : exponent == 31
                             ? (mantissa ? NAN : INFINITY)
                             : std::ldexp(1024 + mantissa, exponent - 25);
      v = (h & 0x8000) ? -magnitude : magnitude;
      break;
    }
    case onnx::TensorProto::INT64: {
      int64_t x;
      std::memcpy(&x, p, 8);
      v = double(x);
      break;
    }
    case onnx::TensorProto::INT32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      v = x;
      break;
    }
    case onnx::TensorProto::INT8:
      v = int8_t(*p);
      break;
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      v = *p;
      break;
    default:
      return createStringError(inconvertibleErrorCode(),
                               "tensor '" + proto.name() + "' has type " +
                                   getOnnxTypeName(t.dataType));
    }
    t.values.push_back(v);
  }
  return t;
}

/// A tensor of `shape` (and `data`'s type) whose element at each index is
/// `data`'s element at offset `source(index)`: Slice, Tile and Transpose.
std::optional<Tensor>
remap(const Tensor &data, std::vector<int64_t> shape,
      function_ref<int64_t(ArrayRef<int64_t> index)> source) {
  auto count = countOf(shape);
  if (!count)
    return std::nullopt;
  Tensor t;
  t.dataType = data.dataType;
  t.shape = std::move(shape);
  std::vector<int64_t> strides = stridesOf(t.shape), index(t.shape.size());
  t.values.reserve(*count);
  for (int64_t i = 0; i < *count; ++i) {
    int64_t rest = i;
    for (size_t d = 0; d < index.size(); ++d) {
      index[d] = rest / strides[d];
      rest %= strides[d];
    }
    t.values.push_back(data.values[source(index)]);
  }
  return t;
}

/// numpy's broadcast of `shapes`, or nullopt.
std::optional<std::vector<int64_t>>
broadcastShape(ArrayRef<const Tensor *> tensors) {
  size_t rank = 0;
  for (const Tensor *t : tensors)
    rank = std::max(rank, t->shape.size());
  std::vector<int64_t> shape(rank, 1);
  for (const Tensor *t : tensors)
    for (size_t i = 0; i < t->shape.size(); ++i) {
      int64_t &out = shape[rank - t->shape.size() + i];
      int64_t d = t->shape[i];
      if (out == 1)
        out = d;
      else if (d != 1 && d != out)
        return std::nullopt;
    }
  return shape;
}

/// Elementwise `fn` over broadcast operands.
template <typename Fn>
std::optional<Tensor> elementwise(ArrayRef<const Tensor *> operands,
                                  int32_t resultType, Fn fn) {
  auto shape = broadcastShape(operands);
  if (!shape)
    return std::nullopt;
  auto count = countOf(*shape);
  if (!count)
    return std::nullopt;
  Tensor out;
  out.dataType = resultType;
  out.shape = *shape;
  out.values.resize(*count);
  std::vector<int64_t> outStrides = stridesOf(*shape);
  SmallVector<std::vector<int64_t>> strides;
  for (const Tensor *t : operands) {
    // Strides of `t` aligned to the result, 0 where it broadcasts.
    std::vector<int64_t> own = stridesOf(t->shape), s(shape->size(), 0);
    for (size_t i = 0; i < t->shape.size(); ++i)
      if (t->shape[i] != 1)
        s[shape->size() - t->shape.size() + i] = own[i];
    strides.push_back(std::move(s));
  }
  SmallVector<double, 3> args(operands.size());
  for (int64_t i = 0; i < *count; ++i) {
    for (size_t k = 0; k < operands.size(); ++k) {
      int64_t offset = 0, rest = i;
      for (size_t d = 0; d < shape->size(); ++d) {
        int64_t index = rest / outStrides[d];
        rest %= outStrides[d];
        offset += index * strides[k][d];
      }
      args[k] = operands[k]->values[offset];
    }
    out.values[i] = fn(args);
  }
  return out;
}

/// `x` as an integer, saturating: Slice ends are often INT64_MAX, which a
/// double rounds up past the range (and NaN is 0).
int64_t toInt(double x) {
  return x >= 0x1p63    ? INT64_MAX
         : x <= -0x1p63 ? INT64_MIN
         : x == x       ? int64_t(x)
                        : 0;
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

} // namespace

ProducerIndex indexProducers(const onnx::GraphProto &graph) {
  ProducerIndex index;
  for (const Node &node : graph.node())
    for (int i = 0; i < node.output_size(); ++i)
      index[node.output(i)] = {&node, i};
  return index;
}

GraphEvaluator::GraphEvaluator(const OnnxModel &model)
    : model(model), ownProducers(indexProducers(model.getGraph())),
      producers(ownProducers) {}

GraphEvaluator::GraphEvaluator(const OnnxModel &model,
                               const ProducerIndex &producers)
    : model(model), producers(producers) {}

/// Whether `t` holds its values (not only its shape).
static bool hasValues(const Tensor &t) {
  return countOf(t.shape) == int64_t(t.values.size());
}

/// Numpy broadcasting of two shapes.
static std::optional<std::vector<int64_t>>
broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      return std::nullopt;
    out[i] = x == 1 ? y : x;
  }
  return out;
}

/// The result shape of `node` (output `output`) when some input is known
/// by its shape alone: the values a mask reads are shapes of activations
/// (scores, hidden states), whose values only the run time knows. Values
/// that shapes depend on (a Reshape's target, Gather's indices, Split's
/// sizes) must be known.
static std::optional<Tensor> propagateShape(const Node &node, int output,
                                            const std::vector<Tensor> &in) {
  const std::string &op = node.op_type();
  Tensor t;
  t.dataType = in.empty() ? 0 : in[0].dataType;
  auto valued = [&](size_t i) { return i < in.size() && hasValues(in[i]); };
  // A list given as attribute `name` (older opsets) or as input 1.
  auto listOf = [&](StringRef name) {
    std::vector<int64_t> list;
    if (auto a = attrInts(node, name))
      list = *a;
    else if (valued(1))
      for (double v : in[1].values)
        list.push_back(toInt(v));
    return list;
  };
  auto axisOf = [&](int64_t axis, int64_t rank) -> std::optional<int64_t> {
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank)
      return std::nullopt;
    return axis;
  };
  if (output != 0 && op != "Split")
    return std::nullopt;
  static const char *sameShape[] = {
      "Identity", "Cast",    "Relu",       "Tanh",
      "Erf",      "Sqrt",    "Sigmoid",    "Exp",
      "Neg",      "Softmax", "Reciprocal", "LayerNormalization"};
  if (llvm::is_contained(sameShape, StringRef(op)) && !in.empty()) {
    t.shape = in[0].shape;
    if (op == "Cast")
      t.dataType = int32_t(attrInt(node, "to").value_or(0));
    return t;
  }
  static const char *broadcasting[] = {"Add", "Sub", "Mul",   "Div",  "Pow",
                                       "Max", "Min", "Where", "Equal"};
  if (llvm::is_contained(broadcasting, StringRef(op)) && !in.empty()) {
    std::vector<int64_t> shape = in[0].shape;
    for (size_t i = 1; i < in.size(); ++i) {
      auto b = broadcastShapes(shape, in[i].shape);
      if (!b)
        return std::nullopt;
      shape = *b;
    }
    t.shape = shape;
    if (op == "Where" && in.size() > 1)
      t.dataType = in[1].dataType;
    if (op == "Equal")
      t.dataType = onnx::TensorProto::BOOL;
    return t;
  }
  if ((op == "ReduceMean" || op == "ReduceSum") && !in.empty()) {
    std::vector<int64_t> axes = listOf("axes");
    int64_t rank = in[0].rank();
    std::vector<bool> reduced(rank, axes.empty());
    for (int64_t a : axes) {
      auto axis = axisOf(a, rank);
      if (!axis)
        return std::nullopt;
      reduced[*axis] = true;
    }
    bool keep = attrInt(node, "keepdims").value_or(1);
    for (int64_t i = 0; i < rank; ++i)
      if (!reduced[i])
        t.shape.push_back(in[0].shape[i]);
      else if (keep)
        t.shape.push_back(1);
    return t;
  }
  if (op == "MatMul" && in.size() == 2 && in[0].rank() >= 2 &&
      in[1].rank() >= 2) {
    ArrayRef<int64_t> a = in[0].shape, b = in[1].shape;
    if (a.back() != b[b.size() - 2])
      return std::nullopt;
    auto batch = broadcastShapes(a.drop_back(2), b.drop_back(2));
    if (!batch)
      return std::nullopt;
    t.shape = *batch;
    t.shape.push_back(a[a.size() - 2]);
    t.shape.push_back(b.back());
    return t;
  }
  if (op == "Gemm" && in.size() >= 2 && in[0].rank() == 2 &&
      in[1].rank() == 2) {
    bool ta = attrInt(node, "transA").value_or(0),
         tb = attrInt(node, "transB").value_or(0);
    t.shape = {in[0].shape[ta ? 1 : 0], in[1].shape[tb ? 0 : 1]};
    return t;
  }
  if (op == "Transpose" && in.size() == 1) {
    int64_t rank = in[0].rank();
    std::vector<int64_t> perm;
    if (auto p = attrInts(node, "perm"))
      perm = *p;
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    if (int64_t(perm.size()) != rank)
      return std::nullopt;
    for (int64_t p : perm) {
      if (p < 0 || p >= rank)
        return std::nullopt;
      t.shape.push_back(in[0].shape[p]);
    }
    return t;
  }
  if (op == "Gather" && in.size() == 2) {
    auto axis = axisOf(attrInt(node, "axis").value_or(0), in[0].rank());
    if (!axis)
      return std::nullopt;
    ArrayRef<int64_t> data = in[0].shape;
    t.shape.assign(data.begin(), data.begin() + *axis);
    t.shape.insert(t.shape.end(), in[1].shape.begin(), in[1].shape.end());
    t.shape.insert(t.shape.end(), data.begin() + *axis + 1, data.end());
    return t;
  }
  if (op == "Concat" && !in.empty()) {
    auto axis = axisOf(attrInt(node, "axis").value_or(0), in[0].rank());
    if (!axis)
      return std::nullopt;
    t.shape = in[0].shape;
    for (size_t i = 1; i < in.size(); ++i) {
      if (in[i].rank() != in[0].rank())
        return std::nullopt;
      std::optional<int64_t> sum =
          checkedAdd(t.shape[*axis], in[i].shape[*axis]);
      if (!sum)
        return std::nullopt;
      t.shape[*axis] = *sum;
    }
    return t;
  }
  if (op == "Split" && !in.empty()) {
    auto axis = axisOf(attrInt(node, "axis").value_or(0), in[0].rank());
    if (!axis)
      return std::nullopt;
    // Sizes given, or equal parts.
    std::vector<int64_t> sizes = listOf("split");
    if (sizes.empty() && node.output_size() > 0 &&
        in[0].shape[*axis] % node.output_size() == 0)
      sizes.assign(node.output_size(), in[0].shape[*axis] / node.output_size());
    if (output >= int(sizes.size()) || sizes[output] < 0)
      return std::nullopt;
    t.shape = in[0].shape;
    t.shape[*axis] = sizes[output];
    return t;
  }
  if (op == "Reshape" && in.size() == 2 && valued(1)) {
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < in[1].values.size(); ++i) {
      int64_t d = toInt(in[1].values[i]);
      if (d == 0 && !attrInt(node, "allowzero").value_or(0)) {
        if (i >= in[0].shape.size())
          return std::nullopt;
        d = in[0].shape[i];
      }
      if (d == -1) {
        if (infer >= 0)
          return std::nullopt;
        infer = int64_t(i);
      } else if (d < 0) {
        return std::nullopt;
      } else if (std::optional<int64_t> product = checkedMul(known, d)) {
        known = *product;
      } else {
        return std::nullopt;
      }
      t.shape.push_back(d);
    }
    int64_t total = 1;
    for (int64_t d : in[0].shape)
      if (std::optional<int64_t> product = checkedMul(total, d))
        total = *product;
      else
        return std::nullopt;
    if (infer >= 0) {
      if (known == 0 || total % known)
        return std::nullopt;
      t.shape[infer] = total / known;
    }
    return t;
  }
  if ((op == "Unsqueeze" || op == "Squeeze") && !in.empty()) {
    std::vector<int64_t> axes = listOf("axes");
    if (op == "Unsqueeze") {
      int64_t rank = in[0].rank() + int64_t(axes.size());
      std::vector<bool> inserted(rank);
      for (int64_t a : axes) {
        auto axis = axisOf(a, rank);
        if (!axis || inserted[*axis]) // out of range, or named twice
          return std::nullopt;
        inserted[*axis] = true;
      }
      size_t next = 0;
      for (int64_t i = 0; i < rank; ++i)
        t.shape.push_back(inserted[i] ? 1 : in[0].shape[next++]);
      return t;
    }
    std::vector<bool> removed(in[0].rank());
    for (int64_t a : axes) {
      auto axis = axisOf(a, in[0].rank());
      if (!axis || in[0].shape[*axis] != 1)
        return std::nullopt;
      removed[*axis] = true;
    }
    for (int64_t i = 0; i < in[0].rank(); ++i)
      if (axes.empty() ? in[0].shape[i] != 1 : !removed[i])
        t.shape.push_back(in[0].shape[i]);
    return t;
  }
  return std::nullopt;
}

void GraphEvaluator::bind(StringRef name, EvaluatedTensor tensor) {
  known[name] = std::move(tensor);
}

Expected<EvaluatedTensor> GraphEvaluator::evaluate(StringRef value) {
  return evaluate(value, 0);
}

Expected<EvaluatedTensor> GraphEvaluator::evaluate(StringRef value,
                                                   unsigned depth) {
  if (auto it = known.find(value); it != known.end())
    return it->second;
  if (depth > kMaxDepth)
    return createStringError(inconvertibleErrorCode(),
                             "value '" + value + "' is computed too deep");
  const onnx::TensorProto *init = model.getInitializer(value);
  auto it = producers.find(value);
  if (!init && it == producers.end())
    return createStringError(inconvertibleErrorCode(),
                             "value '" + value + "' has no known value");
  Expected<Tensor> result =
      init ? decode(model, *init)
           : evaluateNode(*it->second.first, it->second.second, depth);
  if (!result)
    return result.takeError();
  known[value] = *result;
  return result;
}

Expected<EvaluatedTensor>
GraphEvaluator::evaluateNode(const Node &node, int output, unsigned depth) {
  const std::string &op = node.op_type();
  auto fail = [&](const Twine &what) -> Error {
    return createStringError(inconvertibleErrorCode(), "node '" + node.name() +
                                                           "' (" + op +
                                                           "): " + what);
  };
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return fail("not evaluated (a " + node.domain() + " op)");
  if (output != 0 && op != "Split")
    return fail("only first outputs are evaluated");
  std::vector<Tensor> in;
  std::vector<bool> present;
  for (const std::string &name : node.input()) {
    present.push_back(!name.empty());
    if (name.empty()) {
      in.emplace_back();
      continue;
    }
    auto t = evaluate(name, depth + 1);
    if (!t)
      return t.takeError();
    in.push_back(std::move(*t));
  }
  // Inputs known by their shape alone (past keys, activations) serve Shape
  // and ops whose result shape follows from theirs.
  for (size_t i = 0; i < in.size(); ++i) {
    if (!present[i] || op == "Shape" || hasValues(in[i]))
      continue;
    if (std::optional<Tensor> shaped = propagateShape(node, output, in))
      return std::move(*shaped);
    return fail("reads the values of '" + node.input(i) +
                "', which only the run time knows");
  }
  if (output != 0 && op != "Split")
    return fail("only first outputs are evaluated");
  auto need = [&](size_t n) -> Error {
    if (in.size() < n)
      return fail("expected " + Twine(n) + " inputs");
    return Error::success();
  };
  auto ints = [&](const Tensor &t) {
    std::vector<int64_t> v;
    for (double x : t.values)
      v.push_back(toInt(x));
    return v;
  };
  auto result = [&](std::optional<Tensor> t) -> Expected<Tensor> {
    if (!t)
      return fail("operand shapes do not broadcast, or the result is too "
                  "large to evaluate");
    return std::move(*t);
  };
  auto binary = [&](auto fn, bool comparison) -> Expected<Tensor> {
    if (Error err = need(2))
      return std::move(err);
    int32_t type =
        comparison ? int32_t(onnx::TensorProto::BOOL) : in[0].dataType;
    return result(elementwise({&in[0], &in[1]}, type, [&](ArrayRef<double> a) {
      return fn(a[0], a[1]);
    }));
  };

  if (op == "Identity") {
    if (Error err = need(1))
      return std::move(err);
    return in[0];
  }
  if (op == "Constant") {
    if (const onnx::TensorProto *t = attrTensor(node, "value"))
      return decode(model, *t);
    Tensor t;
    if (auto i = attrInt(node, "value_int")) {
      t.dataType = onnx::TensorProto::INT64;
      t.values = {double(*i)};
    } else if (auto f = attrFloat(node, "value_float")) {
      t.dataType = onnx::TensorProto::FLOAT;
      t.values = {*f};
    } else if (auto is = attrInts(node, "value_ints")) {
      t.dataType = onnx::TensorProto::INT64;
      t.shape = {int64_t(is->size())};
      for (int64_t i : *is)
        t.values.push_back(double(i));
    } else {
      return fail("a Constant form that is not evaluated");
    }
    return t;
  }
  if (op == "Cast") {
    if (Error err = need(1))
      return std::move(err);
    Tensor t = in[0];
    t.dataType = attrInt(node, "to").value_or(0);
    for (double &v : t.values)
      if (t.dataType == onnx::TensorProto::BOOL)
        v = v != 0;
      else if (isInteger(t.dataType))
        v = std::trunc(v);
    return t;
  }
  if (op == "Shape") {
    if (Error err = need(1))
      return std::move(err);
    int64_t rank = in[0].rank();
    int64_t start = normalizeAxis(attrInt(node, "start").value_or(0), rank);
    int64_t end = normalizeAxis(attrInt(node, "end").value_or(rank), rank);
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    Tensor t;
    t.dataType = onnx::TensorProto::INT64;
    t.shape = {end - start};
    for (int64_t i = start; i < end; ++i)
      t.values.push_back(double(in[0].shape[i]));
    return t;
  }
  if (op == "Add")
    return binary([](double a, double b) { return a + b; }, false);
  if (op == "Sub")
    return binary([](double a, double b) { return a - b; }, false);
  if (op == "Mul")
    return binary([](double a, double b) { return a * b; }, false);
  if (op == "Div") {
    bool integer = isInteger(in.empty() ? 0 : in[0].dataType);
    return binary(
        [&](double a, double b) {
          return integer ? (b == 0 ? 0 : std::trunc(a / b)) : a / b;
        },
        false);
  }
  if (op == "Pow")
    return binary([](double a, double b) { return std::pow(a, b); }, false);
  if (op == "Max")
    return binary([](double a, double b) { return std::max(a, b); }, false);
  if (op == "Min")
    return binary([](double a, double b) { return std::min(a, b); }, false);
  if (op == "Equal")
    return binary([](double a, double b) { return double(a == b); }, true);
  if (op == "Less")
    return binary([](double a, double b) { return double(a < b); }, true);
  if (op == "LessOrEqual")
    return binary([](double a, double b) { return double(a <= b); }, true);
  if (op == "Greater")
    return binary([](double a, double b) { return double(a > b); }, true);
  if (op == "GreaterOrEqual")
    return binary([](double a, double b) { return double(a >= b); }, true);
  if (op == "And")
    return binary([](double a, double b) { return double(a && b); }, true);
  if (op == "Or")
    return binary([](double a, double b) { return double(a || b); }, true);
  if (op == "Xor")
    return binary([](double a, double b) { return double(!a != !b); }, true);
  // Activations written out (GELU's tanh or erf form), in doubles.
  if (op == "Tanh" || op == "Erf" || op == "Sqrt" || op == "Sigmoid" ||
      op == "Exp" || op == "Reciprocal") {
    if (Error err = need(1))
      return std::move(err);
    if (isInteger(in[0].dataType))
      return fail("expected a floating-point input");
    Tensor t = in[0];
    for (double &v : t.values)
      v = op == "Tanh"      ? std::tanh(v)
          : op == "Erf"     ? std::erf(v)
          : op == "Sqrt"    ? std::sqrt(v)
          : op == "Sigmoid" ? 1.0 / (1.0 + std::exp(-v))
          : op == "Exp"     ? std::exp(v)
                            : 1.0 / v;
    return t;
  }
  if (op == "Not" || op == "Neg") {
    if (Error err = need(1))
      return std::move(err);
    Tensor t = in[0];
    for (double &v : t.values)
      v = op == "Not" ? double(v == 0) : -v;
    return t;
  }
  if (op == "Where") {
    if (Error err = need(3))
      return std::move(err);
    return result(elementwise(
        {&in[0], &in[1], &in[2]}, in[1].dataType,
        [](ArrayRef<double> a) { return a[0] != 0 ? a[1] : a[2]; }));
  }
  if (op == "Expand") {
    if (Error err = need(2))
      return std::move(err);
    // Broadcast against a tensor of the target shape: its values unused.
    Tensor target;
    target.shape = ints(in[1]);
    auto count = countOf(target.shape);
    if (!count)
      return fail("an expanded shape too large to evaluate");
    target.values.assign(*count, 0);
    return result(elementwise({&in[0], &target}, in[0].dataType,
                              [](ArrayRef<double> a) { return a[0]; }));
  }
  if (op == "ConstantOfShape") {
    if (Error err = need(1))
      return std::move(err);
    Tensor t;
    t.shape = ints(in[0]);
    t.dataType = onnx::TensorProto::FLOAT;
    double fill = 0;
    if (const onnx::TensorProto *v = attrTensor(node, "value")) {
      auto value = decode(model, *v);
      if (!value)
        return value.takeError();
      if (value->values.size() != 1)
        return fail("expected a one-element value");
      t.dataType = value->dataType;
      fill = value->values[0];
    }
    auto count = countOf(t.shape);
    if (!count)
      return fail("a shape too large to evaluate");
    t.values.assign(*count, fill);
    return t;
  }
  if (op == "Range") {
    if (Error err = need(3))
      return std::move(err);
    if (in[0].values.size() != 1 || in[1].values.size() != 1 ||
        in[2].values.size() != 1 || in[2].values[0] == 0)
      return fail("expected scalar start, limit and a non-zero delta");
    double start = in[0].values[0], limit = in[1].values[0],
           delta = in[2].values[0];
    double n = std::max(0.0, std::ceil((limit - start) / delta));
    if (n > double(kMaxElements))
      return fail("a range too large to evaluate");
    Tensor t;
    t.dataType = in[0].dataType;
    t.shape = {int64_t(n)};
    for (int64_t i = 0; i < int64_t(n); ++i)
      t.values.push_back(start + double(i) * delta);
    return t;
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    if (Error err = need(1))
      return std::move(err);
    std::optional<std::vector<int64_t>> axes = attrInts(node, "axes");
    if (in.size() > 1 && present[1])
      axes = ints(in[1]);
    Tensor t = in[0];
    if (op == "Unsqueeze") {
      if (!axes)
        return fail("expected axes");
      int64_t rank = t.rank() + int64_t(axes->size());
      std::vector<int64_t> sorted;
      for (int64_t a : *axes)
        sorted.push_back(normalizeAxis(a, rank));
      llvm::sort(sorted);
      for (int64_t a : sorted) {
        if (a < 0 || a > t.rank())
          return fail("an axis out of range");
        t.shape.insert(t.shape.begin() + a, 1);
      }
      return t;
    }
    std::vector<int64_t> shape;
    for (int64_t i = 0; i < t.rank(); ++i) {
      bool listed = !axes;
      if (axes)
        for (int64_t a : *axes)
          listed |= normalizeAxis(a, t.rank()) == i;
      if (!(listed && t.shape[i] == 1))
        shape.push_back(t.shape[i]);
    }
    t.shape = shape;
    return t;
  }
  if (op == "Reshape") {
    if (Error err = need(2))
      return std::move(err);
    std::vector<int64_t> shape = ints(in[1]);
    int64_t known = 1, inferred = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0 && !attrInt(node, "allowzero").value_or(0) &&
          int64_t(i) < in[0].rank())
        shape[i] = in[0].shape[i];
      if (shape[i] == -1) {
        if (inferred >= 0)
          return fail("two inferred dims");
        inferred = int64_t(i);
      } else if (shape[i] < 0) {
        return fail("a negative dim");
      } else {
        known *= shape[i];
      }
    }
    int64_t count = int64_t(in[0].values.size());
    if (inferred >= 0) {
      if (known == 0 || count % known)
        return fail("cannot infer a dim");
      shape[inferred] = count / known;
    }
    if (countOf(shape) != count)
      return fail("the element count changes");
    Tensor t = in[0];
    t.shape = shape;
    return t;
  }
  if (op == "Concat") {
    if (in.empty())
      return fail("expected inputs");
    int64_t rank = in[0].rank();
    int64_t axis = normalizeAxis(attrInt(node, "axis").value_or(0), rank);
    if (axis < 0 || axis >= rank)
      return fail("an axis out of range");
    Tensor t;
    t.dataType = in[0].dataType;
    t.shape = in[0].shape;
    t.shape[axis] = 0;
    for (const Tensor &x : in) {
      if (x.rank() != rank)
        return fail("inputs of different ranks");
      for (int64_t d = 0; d < rank; ++d)
        if (d != axis && x.shape[d] != in[0].shape[d])
          return fail("inputs of different shapes");
      t.shape[axis] += x.shape[axis];
    }
    auto count = countOf(t.shape);
    if (!count)
      return fail("a result too large to evaluate");
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= t.shape[d];
    for (int64_t o = 0; o < outer; ++o)
      for (const Tensor &x : in) {
        int64_t block = int64_t(x.values.size()) / std::max<int64_t>(outer, 1);
        t.values.insert(t.values.end(), x.values.begin() + o * block,
                        x.values.begin() + (o + 1) * block);
      }
    return t;
  }
  if (op == "Gather") {
    if (Error err = need(2))
      return std::move(err);
    const Tensor &data = in[0], &indices = in[1];
    int64_t axis =
        normalizeAxis(attrInt(node, "axis").value_or(0), data.rank());
    if (axis < 0 || axis >= data.rank())
      return fail("an axis out of range");
    std::vector<int64_t> shape(data.shape.begin(), data.shape.begin() + axis);
    shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
    shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
    if (!countOf(shape))
      return fail("a result too large to evaluate");
    int64_t outer = 1, inner = 1, size = data.shape[axis];
    for (int64_t d = 0; d < axis; ++d)
      outer *= data.shape[d];
    for (int64_t d = axis + 1; d < data.rank(); ++d)
      inner *= data.shape[d];
    Tensor t;
    t.dataType = data.dataType;
    t.shape = shape;
    for (int64_t o = 0; o < outer; ++o)
      for (double index : indices.values) {
        int64_t i = toInt(index);
        if (i < 0 && i >= -size)
          i += size;
        if (i < 0 || i >= size)
          return fail("an index out of range");
        for (int64_t k = 0; k < inner; ++k)
          t.values.push_back(data.values[(o * size + i) * inner + k]);
      }
    return t;
  }
  if (op == "Slice") {
    if (Error err = need(1))
      return std::move(err);
    const Tensor &data = in[0];
    std::vector<int64_t> starts, ends, axes, steps;
    if (in.size() >= 3) {
      starts = ints(in[1]);
      ends = ints(in[2]);
      if (in.size() > 3 && present[3])
        axes = ints(in[3]);
      if (in.size() > 4 && present[4])
        steps = ints(in[4]);
    } else {
      starts = attrInts(node, "starts").value_or(std::vector<int64_t>{});
      ends = attrInts(node, "ends").value_or(std::vector<int64_t>{});
      axes = attrInts(node, "axes").value_or(std::vector<int64_t>{});
    }
    if (axes.empty())
      for (size_t i = 0; i < starts.size(); ++i)
        axes.push_back(int64_t(i));
    if (steps.empty())
      steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      return fail("starts, ends, axes and steps of different lengths");
    std::vector<int64_t> begin(data.rank(), 0), step(data.rank(), 1),
        shape = data.shape;
    for (size_t i = 0; i < starts.size(); ++i) {
      int64_t a = normalizeAxis(axes[i], data.rank());
      if (a < 0 || a >= data.rank() || steps[i] == 0)
        return fail("an axis out of range or a zero step");
      int64_t dim = data.shape[a];
      // ONNX's clamping: [0, dim] going forward; going backward, starts
      // in [0, dim - 1] and ends in [-1, dim - 1].
      auto wrap = [&](int64_t v) { return v < 0 ? v + dim : v; };
      int64_t s = wrap(starts[i]), e = wrap(ends[i]);
      if (steps[i] > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
      }
      int64_t n = steps[i] > 0 ? (e - s + steps[i] - 1) / steps[i]
                               : (s - e - steps[i] - 1) / -steps[i];
      begin[a] = s;
      step[a] = steps[i];
      shape[a] = std::max<int64_t>(n, 0);
    }
    std::vector<int64_t> strides = stridesOf(data.shape);
    return result(remap(data, shape, [&](ArrayRef<int64_t> index) {
      int64_t offset = 0;
      for (int64_t d = 0; d < data.rank(); ++d)
        offset += (begin[d] + index[d] * step[d]) * strides[d];
      return offset;
    }));
  }
  if (op == "Tile") {
    if (Error err = need(2))
      return std::move(err);
    std::vector<int64_t> repeats = ints(in[1]);
    const Tensor &data = in[0];
    if (int64_t(repeats.size()) != data.rank())
      return fail("expected one repeat count per dim");
    std::vector<int64_t> shape = data.shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (repeats[d] < 0)
        return fail("a negative repeat count");
      shape[d] *= repeats[d];
    }
    std::vector<int64_t> strides = stridesOf(data.shape);
    return result(remap(data, shape, [&](ArrayRef<int64_t> index) {
      int64_t offset = 0;
      for (int64_t d = 0; d < data.rank(); ++d)
        offset += (index[d] % data.shape[d]) * strides[d];
      return offset;
    }));
  }
  if (op == "Transpose") {
    if (Error err = need(1))
      return std::move(err);
    const Tensor &data = in[0];
    std::vector<int64_t> perm;
    if (auto p = attrInts(node, "perm"))
      perm = *p;
    else
      for (int64_t d = data.rank() - 1; d >= 0; --d)
        perm.push_back(d);
    if (int64_t(perm.size()) != data.rank())
      return fail("a permutation of the wrong length");
    std::vector<int64_t> shape;
    for (int64_t p : perm) {
      if (p < 0 || p >= data.rank())
        return fail("a permutation out of range");
      shape.push_back(data.shape[p]);
    }
    std::vector<int64_t> strides = stridesOf(data.shape);
    return result(remap(data, shape, [&](ArrayRef<int64_t> index) {
      int64_t offset = 0;
      for (int64_t d = 0; d < data.rank(); ++d)
        offset += index[d] * strides[perm[d]];
      return offset;
    }));
  }
  if (op == "Trilu") {
    if (Error err = need(1))
      return std::move(err);
    Tensor t = in[0];
    if (t.rank() < 2)
      return fail("expected a matrix");
    int64_t k = in.size() > 1 && present[1] && !in[1].values.empty()
                    ? toInt(in[1].values[0])
                    : 0;
    bool upper = attrInt(node, "upper").value_or(1) != 0;
    int64_t rows = t.shape[t.rank() - 2], cols = t.shape[t.rank() - 1];
    for (int64_t i = 0; i < int64_t(t.values.size()); ++i) {
      int64_t r = (i / cols) % rows, c = i % cols;
      bool keep = upper ? c - r >= k : c - r <= k;
      if (!keep)
        t.values[i] = 0;
    }
    return t;
  }
  // An op whose values are not computed here (MatMul, ReduceMean, ...):
  // its shape may still be all a mask needs.
  if (std::optional<Tensor> shaped = propagateShape(node, output, in))
    return std::move(*shaped);
  return fail("not evaluated at compile time");
}

} // namespace llmc
