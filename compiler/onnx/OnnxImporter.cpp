//===- OnnxImporter.cpp - ONNX graphs to MLIR -----------------------------===//
//
// Walks the graph in order and imports each node with the handler registered
// for its (domain, op type, opset) — see docs/onnx.md for the design and the
// per-op table. Handlers emit linalg/tensor/arith directly on ranked tensors
// (dynamic dims where the model has symbolic ones), folding what is known at
// import time.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/OnnxImporter.h"
#include "compiler/onnx/GraphImporter.h"
#include "compiler/onnx/MatMulNBits.h"
#include "compiler/support/FileError.h"
#include "dialects/llm/LLMOps.h"
#include "llvm/ADT/StringSet.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"

#include <onnx/defs/schema.h>

using namespace mlir;
using llvm::Error;

namespace llmc {
namespace onnx_import {

//===----------------------------------------------------------------------===//
// Types and constants
//===----------------------------------------------------------------------===//

Type getElementType(MLIRContext *ctx, int32_t t) {
  Builder b(ctx);
  switch (t) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  case onnx::TensorProto::INT16:
    return b.getI16Type();
  case onnx::TensorProto::INT8:
    return b.getI8Type();
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return Type();
  }
}

DenseElementsAttr HostTensor::toAttr() const {
  Type element = type.getElementType();
  if (auto f = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> values;
    for (double v : floats) {
      APFloat value(v);
      bool lost;
      value.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(value);
    }
    return DenseElementsAttr::get(type, values);
  }
  unsigned width = element.getIntOrFloatBitWidth();
  SmallVector<APInt> values;
  for (int64_t v : ints)
    values.push_back(APInt(width, static_cast<uint64_t>(v), /*isSigned=*/true,
                           /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

/// Reads `data` into a HostTensor of `type`.
static HostTensor readHost(RankedTensorType type, const TensorBytes &data) {
  HostTensor host;
  host.type = type;
  int64_t n = type.getNumElements();
  const uint8_t *p = data.bytes.data();
  auto load = [&](auto tag, int64_t i) {
    decltype(tag) v;
    std::memcpy(&v, p + i * sizeof(v), sizeof(v));
    return v;
  };
  for (int64_t i = 0; i < n; ++i) {
    switch (data.dataType) {
    case onnx::TensorProto::FLOAT:
      host.floats.push_back(load(float(), i));
      break;
    case onnx::TensorProto::DOUBLE:
      host.floats.push_back(load(double(), i));
      break;
    case onnx::TensorProto::FLOAT16: {
      APFloat f(APFloat::IEEEhalf(), APInt(16, load(uint16_t(), i)));
      host.floats.push_back(f.convertToFloat());
      break;
    }
    case onnx::TensorProto::BFLOAT16: {
      uint32_t bits = uint32_t(load(uint16_t(), i)) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      host.floats.push_back(f);
      break;
    }
    case onnx::TensorProto::INT64:
      host.ints.push_back(load(int64_t(), i));
      break;
    case onnx::TensorProto::INT32:
      host.ints.push_back(load(int32_t(), i));
      break;
    case onnx::TensorProto::INT16:
      host.ints.push_back(load(int16_t(), i));
      break;
    case onnx::TensorProto::INT8:
      host.ints.push_back(load(int8_t(), i));
      break;
    case onnx::TensorProto::BOOL:
      host.ints.push_back(load(uint8_t(), i) != 0);
      break;
    }
  }
  return host;
}

//===----------------------------------------------------------------------===//
// OpRegistry
//===----------------------------------------------------------------------===//

void OpRegistry::add(StringRef opType, int sinceVersion, OpHandler handler,
                     StringRef domain) {
  auto &list = handlers[(domain + "::" + opType).str()];
  list.emplace_back(sinceVersion, std::move(handler));
  llvm::sort(list,
             [](const auto &a, const auto &b) { return a.first < b.first; });
}

const OpHandler *OpRegistry::lookup(StringRef domain, StringRef opType,
                                    int64_t opset) const {
  if (domain == "ai.onnx")
    domain = "";
  auto it = handlers.find((domain + "::" + opType).str());
  if (it == handlers.end())
    return nullptr;
  const OpHandler *found = nullptr;
  for (const auto &[since, handler] : it->second)
    if (since <= opset)
      found = &handler;
  return found;
}

std::vector<std::string> OpRegistry::listOps() const {
  std::vector<std::string> ops;
  for (const auto &entry : handlers)
    ops.push_back(entry.first().str());
  llvm::sort(ops);
  return ops;
}

static const OpRegistry &getRegistry() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerShapeOps(r);
    registerMathOps(r);
    registerContribOps(r);
    return r;
  }();
  return registry;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(GraphImporter &graph, const onnx::NodeProto &node,
                         int64_t opset)
    : b(graph.builder), loc(graph.locationOf(node)), node(node), opset(opset),
      graph(graph) {}

bool NodeContext::has(unsigned i) const {
  return i < unsigned(node.input_size()) && !node.input(i).empty();
}

OnnxValue &NodeContext::in(unsigned i) { return graph.values[node.input(i)]; }

Value NodeContext::tensor(unsigned i) { return graph.materialize(in(i)); }

const HostTensor *NodeContext::constant(unsigned i) {
  if (!has(i))
    return nullptr;
  OnnxValue &v = in(i);
  if (!v.constant && v.elements &&
      llvm::all_of(*v.elements,
                   [](OpFoldResult e) { return isa<Attribute>(e); })) {
    HostTensor host;
    host.type = v.type;
    for (OpFoldResult e : *v.elements)
      host.ints.push_back(cast<IntegerAttr>(cast<Attribute>(e)).getInt());
    v.constant = std::move(host);
  }
  return v.constant ? &*v.constant : nullptr;
}

std::optional<SmallVector<int64_t>> NodeContext::constantInts(unsigned i) {
  const HostTensor *c = constant(i);
  if (!c)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (int64_t j = 0; j < c->size(); ++j)
    out.push_back(c->getInt(j));
  return out;
}

std::optional<SmallVector<OpFoldResult>> NodeContext::elements(unsigned i) {
  if (!has(i))
    return std::nullopt;
  OnnxValue &v = in(i);
  if (v.elements)
    return v.elements;
  auto type = v.type;
  if (!isa<IntegerType>(type.getElementType()) || type.getRank() > 1 ||
      !type.hasStaticShape() || type.getNumElements() > 16)
    return std::nullopt;
  SmallVector<OpFoldResult> out;
  if (const HostTensor *c = constant(i)) {
    for (int64_t j = 0; j < c->size(); ++j)
      out.push_back(b.getIndexAttr(c->getInt(j)));
    return out;
  }
  Value t = tensor(i);
  for (int64_t j = 0; j < type.getNumElements(); ++j) {
    SmallVector<Value> idx;
    if (type.getRank() == 1)
      idx.push_back(arith::ConstantIndexOp::create(b, loc, j));
    Value e = tensor::ExtractOp::create(b, loc, t, idx);
    out.push_back(
        Value(arith::IndexCastOp::create(b, loc, b.getIndexType(), e)));
  }
  return out;
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::getInt(StringRef name, int64_t fallback) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : fallback;
}

float NodeContext::getFloat(StringRef name, float fallback) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : fallback;
}

std::string NodeContext::getString(StringRef name, StringRef fallback) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : fallback.str();
}

std::optional<SmallVector<int64_t>> NodeContext::getInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

bool NodeContext::wantsOutput(unsigned i) const {
  return i < unsigned(node.output_size()) && !node.output(i).empty();
}

void NodeContext::set(unsigned i, Value value) {
  OnnxValue v;
  v.type = cast<RankedTensorType>(value.getType());
  v.tensor = value;
  set(i, std::move(v));
}

void NodeContext::set(unsigned i, OnnxValue value) {
  if (wantsOutput(i))
    graph.values[node.output(i)] = std::move(value);
}

void NodeContext::setConstant(unsigned i, HostTensor host) {
  OnnxValue v;
  v.type = host.type;
  v.constant = std::move(host);
  set(i, std::move(v));
}

void NodeContext::setElements(unsigned i, RankedTensorType type,
                              SmallVector<OpFoldResult> elements) {
  OnnxValue v;
  v.type = type;
  v.elements = std::move(elements);
  set(i, std::move(v));
}

LogicalResult NodeContext::fail(const Twine &what) {
  graph.fail(node, what);
  return failure();
}

void NodeContext::check(Value condition, const Twine &what, ValueRange values) {
  llm::AssertOp::create(b, loc, condition,
                        b.getStringAttr(graph.describe(node) + ": " + what),
                        values);
}

OpFoldResult NodeContext::dim(Value value, int64_t d) {
  return tensor::getMixedSize(b, loc, value, d);
}

Value NodeContext::toIndex(OpFoldResult ofr) {
  if (auto v = dyn_cast<Value>(ofr))
    return v;
  return arith::ConstantIndexOp::create(
      b, loc, cast<IntegerAttr>(cast<Attribute>(ofr)).getInt());
}

OnnxModel &NodeContext::model() { return graph.model; }

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

Location GraphImporter::locationOf(const onnx::NodeProto &node) {
  return NameLoc::get(builder.getStringAttr(node.name().empty() ? node.op_type()
                                                                : node.name()));
}

std::string GraphImporter::describe(const onnx::NodeProto &node) {
  std::string domain = node.domain().empty() ? "ai.onnx" : node.domain();
  return ("node '" + node.name() + "' (" + domain + "::" + node.op_type() +
          ", opset " + Twine(model.getOpset(node.domain())) + ")")
      .str();
}

void GraphImporter::fail(const onnx::NodeProto &node, const Twine &what) {
  if (!firstError.empty())
    return;
  firstError = (model.getPath() + ": " + describe(node) + ": " + what).str();
}

/// The ONNX name of an element type the importer produces.
static std::string onnxTypeName(Type type) {
  std::string name = "unknown";
  if (type.isF32())
    name = "float";
  else if (type.isF16())
    name = "float16";
  else if (type.isBF16())
    name = "bfloat16";
  else if (type.isF64())
    name = "double";
  else if (type.isInteger(1))
    name = "bool";
  else if (auto integer = dyn_cast<IntegerType>(type))
    name = "int" + std::to_string(integer.getWidth());
  return "tensor(" + name + ")";
}

LogicalResult GraphImporter::checkSchema(const onnx::NodeProto &node,
                                         int64_t opset) {
  std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
  const onnx::OpSchema *schema =
      onnx::OpSchemaRegistry::Schema(node.op_type(), int(opset), domain);
  if (!schema)
    return success(); // ops outside the ONNX schemas check for themselves
  auto range = [](int lo, int hi) {
    return hi == std::numeric_limits<int>::max()
               ? "at least " + std::to_string(lo)
           : lo == hi ? std::to_string(lo)
                      : std::to_string(lo) + " to " + std::to_string(hi);
  };
  if (node.input_size() < schema->min_input() ||
      node.input_size() > schema->max_input()) {
    fail(node, "has " + Twine(node.input_size()) +
                   " inputs; the operator takes " +
                   range(schema->min_input(), schema->max_input()));
    return failure();
  }
  if (node.output_size() < schema->min_output() ||
      node.output_size() > schema->max_output()) {
    fail(node, "has " + Twine(node.output_size()) +
                   " outputs; the operator has " +
                   range(schema->min_output(), schema->max_output()));
    return failure();
  }
  const auto &formals = schema->inputs();
  // The element type each type constraint ("T") is bound to so far.
  llvm::StringMap<std::pair<int, std::string>> bound;
  for (int i = 0; i < node.input_size() && !formals.empty(); ++i) {
    const auto &formal = formals[std::min<size_t>(i, formals.size() - 1)];
    if (node.input(i).empty()) {
      if (formal.GetOption() == onnx::OpSchema::Optional)
        continue;
      fail(node, "input " + Twine(i) + " ('" + formal.GetName() +
                     "') is required but has no name");
      return failure();
    }
    auto value = values.find(node.input(i));
    if (value == values.end() || !value->second.type)
      continue;
    std::string type = onnxTypeName(value->second.type.getElementType());
    const onnx::DataTypeSet &allowed = formal.GetTypes();
    if (!llvm::any_of(allowed, [&](onnx::DataType t) { return *t == type; })) {
      std::vector<std::string> names;
      for (onnx::DataType t : allowed)
        names.push_back(*t);
      llvm::sort(names);
      fail(node, "input " + Twine(i) + " ('" + formal.GetName() + "') is " +
                     type + "; the operator takes " + llvm::join(names, ", "));
      return failure();
    }
    if (!formal.GetIsHomogeneous())
      continue;
    auto [it, first] = bound.try_emplace(formal.GetTypeStr(), i, type);
    if (!first && it->second.second != type) {
      fail(node, "inputs " + Twine(it->second.first) + " and " + Twine(i) +
                     " share type " + formal.GetTypeStr() + " but are " +
                     it->second.second + " and " + type);
      return failure();
    }
  }
  return success();
}

Value GraphImporter::materialize(OnnxValue &v) {
  if (v.tensor)
    return v.tensor;
  Location loc = builder.getUnknownLoc();
  if (v.constant) {
    v.tensor = arith::ConstantOp::create(builder, loc, v.constant->toAttr());
  } else if (v.elements) {
    Type element = v.type.getElementType();
    SmallVector<Value> scalars;
    for (OpFoldResult e : *v.elements) {
      Value index;
      if (auto attr = dyn_cast<Attribute>(e))
        index = arith::ConstantIndexOp::create(
            builder, loc, cast<IntegerAttr>(attr).getInt());
      else
        index = cast<Value>(e);
      scalars.push_back(
          arith::IndexCastOp::create(builder, loc, element, index));
    }
    v.tensor = tensor::FromElementsOp::create(builder, loc, v.type, scalars);
  } else if (!v.weightName.empty()) {
    v.tensor = llm::WeightOp::create(builder, loc, v.type,
                                     builder.getStringAttr(v.weightName));
  }
  return v.tensor;
}

/// The declared type of a graph input or output.
static FailureOr<RankedTensorType>
typeOf(MLIRContext *ctx, const onnx::ValueInfoProto &info,
       SmallVectorImpl<std::string> *dimNames = nullptr) {
  if (!info.type().has_tensor_type())
    return failure();
  const onnx::TypeProto::Tensor &t = info.type().tensor_type();
  Type element = getElementType(ctx, t.elem_type());
  if (!element || !t.has_shape())
    return failure();
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &d : t.shape().dim()) {
    shape.push_back(d.has_dim_value() ? d.dim_value() : ShapedType::kDynamic);
    if (dimNames)
      dimNames->push_back(d.has_dim_param() ? d.dim_param() : "");
  }
  return RankedTensorType::get(shape, element);
}

/// The nodes of `graph` (those in `superseded` left out) in an order where
/// each comes after the writers of its inputs, as `writers` names them
/// (`isValue` says which inputs are defined from the start); nodes that a
/// cycle or an undefined input keeps from that come last, in stored order,
/// for the import to report.
///
/// The order is that of passes over the stored nodes, each taking every
/// node whose inputs are defined by then: stored order wherever the inputs
/// allow it. A pass per level would be quadratic in a long chain stored
/// backwards, so each node's pass is computed instead, in one topological
/// walk (Kahn's, counting undefined inputs): the latest pass of its
/// writers, one later if a writer is stored after it. Sorting by (pass,
/// position) then gives the same order.
static std::vector<const onnx::NodeProto *>
orderNodes(const onnx::GraphProto &graph,
           const llvm::StringMap<const onnx::NodeProto *> &writers,
           const llvm::DenseSet<const onnx::NodeProto *> &superseded,
           llvm::function_ref<bool(StringRef)> isValue) {
  std::vector<const onnx::NodeProto *> nodes;
  llvm::DenseMap<const onnx::NodeProto *, unsigned> position;
  for (const onnx::NodeProto &node : graph.node())
    if (!superseded.contains(&node)) {
      position[&node] = nodes.size();
      nodes.push_back(&node);
    }

  // For each node: its inputs no taken node has defined yet, the nodes that
  // read its outputs (once per input), and its pass.
  std::vector<unsigned> undefined(nodes.size(), 0), pass(nodes.size(), 0);
  std::vector<SmallVector<unsigned, 2>> readers(nodes.size());
  std::vector<unsigned> ready;
  for (auto [i, node] : llvm::enumerate(nodes)) {
    for (const std::string &input : node->input()) {
      if (input.empty() || isValue(input))
        continue;
      // An input nothing defines keeps its reader waiting, like a cycle.
      ++undefined[i];
      auto writer = writers.find(input);
      if (writer != writers.end())
        readers[position.lookup(writer->second)].push_back(i);
    }
    if (!undefined[i])
      ready.push_back(i);
  }

  std::vector<unsigned> taken;
  while (!ready.empty()) {
    unsigned i = ready.back();
    ready.pop_back();
    taken.push_back(i);
    for (unsigned reader : readers[i]) {
      pass[reader] = std::max(pass[reader], pass[i] + (i > reader ? 1 : 0));
      if (--undefined[reader] == 0)
        ready.push_back(reader);
    }
  }
  llvm::sort(taken, [&](unsigned a, unsigned b) {
    return std::make_pair(pass[a], a) < std::make_pair(pass[b], b);
  });

  std::vector<const onnx::NodeProto *> order;
  for (unsigned i : taken)
    order.push_back(nodes[i]);
  if (order.size() != nodes.size())
    for (auto [i, node] : llvm::enumerate(nodes))
      if (undefined[i])
        order.push_back(node);
  return order;
}

llvm::Expected<OwningOpRef<ModuleOp>> GraphImporter::run() {
  MLIRContext *ctx = builder.getContext();
  const onnx::GraphProto &graph = model.getGraph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(builder.getUnknownLoc());
  builder.setInsertionPointToEnd(module->getBody());

  // Arguments: every graph input, initializers listed as inputs included.
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<const onnx::ValueInfoProto *> inputs;
  // A declared size is a dim_value >= 0 or a dim_param.
  for (const auto *list : {&graph.input(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      if (info.type().has_tensor_type() &&
          info.type().tensor_type().has_shape())
        for (auto [i, d] :
             llvm::enumerate(info.type().tensor_type().shape().dim()))
          if (d.has_dim_value() && d.dim_value() < 0)
            return fileError(
                model.getPath(),
                Twine(list == &graph.input() ? "input" : "output") + " '" +
                    info.name() + "' declares dim " + Twine(i) + " as " +
                    Twine(d.dim_value()) + " (sizes are non-negative)");
  for (const onnx::ValueInfoProto &input : graph.input()) {
    SmallVector<std::string> dimNames;
    FailureOr<RankedTensorType> type = typeOf(ctx, input, &dimNames);
    const onnx::TensorProto *init = model.getInitializer(input.name());
    if (init) {
      // The initializer's own shape is the truth.
      Type element = getElementType(ctx, init->data_type());
      if (!element)
        return fileError(model.getPath(),
                         "input '" + input.name() + "': data type " +
                             getOnnxTypeName(init->data_type()) +
                             " is not supported");
      type = RankedTensorType::get(
          SmallVector<int64_t>(init->dims().begin(), init->dims().end()),
          element);
      dimNames.assign(init->dims_size(), "");
    }
    if (failed(type)) {
      const onnx::TypeProto &t = input.type();
      std::string what =
          !t.has_tensor_type()
              ? "is not a tensor (sequences, maps and optionals are not "
                "supported)"
          : !getElementType(ctx, t.tensor_type().elem_type())
              ? "has data type " +
                    getOnnxTypeName(t.tensor_type().elem_type()) +
                    ", which is not supported (f32, f16, bf16, f64, i64, i32, "
                    "i16, i8, bool are)"
              : "has no known rank";
      return fileError(model.getPath(), "input '" + input.name() + "' " + what);
    }
    SmallVector<NamedAttribute> attrs{
        builder.getNamedAttr(llm::LLMDialect::kNameAttr,
                             builder.getStringAttr(input.name())),
        builder.getNamedAttr("bufferization.writable",
                             builder.getBoolAttr(false))};
    SmallVector<Attribute> names;
    for (const std::string &n : dimNames)
      names.push_back(builder.getStringAttr(n));
    attrs.push_back(builder.getNamedAttr(llm::LLMDialect::kDimNamesAttr,
                                         builder.getArrayAttr(names)));
    if (init)
      attrs.push_back(
          builder.getNamedAttr(llm::LLMDialect::kDefaultWeightAttr,
                               builder.getStringAttr(input.name())));
    argTypes.push_back(*type);
    argAttrs.push_back(builder.getDictionaryAttr(attrs));
    inputs.push_back(&input);
  }

  auto func = func::FuncOp::create(builder, builder.getUnknownLoc(), "graph",
                                   builder.getFunctionType(argTypes, {}));
  llm::LLMDialect::setEntryPoint(func);
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  for (auto [i, input] : llvm::enumerate(inputs)) {
    func.setArgAttrs(i, argAttrs[i]);
    OnnxValue v;
    v.type = cast<RankedTensorType>(argTypes[i]);
    v.tensor = body->getArgument(i);
    values[input->name()] = std::move(v);
  }

  // Initializers that are not inputs: small ones are known contents (shape
  // arithmetic folds through them), the rest are weights.
  // MatMulNBits' 4-bit codes and zero points (UINT8, which nothing else
  // reads) are read through the model's conversions of them: known to
  // exist, never materialized.
  llvm::StringSet<> nbitsOperands, otherOperands;
  for (const onnx::NodeProto &node : graph.node())
    for (auto [i, input] : llvm::enumerate(node.input()))
      (isMatMulNBits(node) && (i == 1 || i == 3) ? nbitsOperands
                                                 : otherOperands)
          .insert(input);
  for (const onnx::TensorProto &init : graph.initializer()) {
    if (values.count(init.name()))
      continue;
    if (init.data_type() == onnx::TensorProto::UINT8 &&
        nbitsOperands.contains(init.name()) &&
        !otherOperands.contains(init.name())) {
      OnnxValue codes;
      codes.type = RankedTensorType::get(
          SmallVector<int64_t>(init.dims().begin(), init.dims().end()),
          builder.getIntegerType(8));
      values[init.name()] = std::move(codes);
      continue;
    }
    if (Error err = defineTensor(init.name(), init, init.name()))
      return std::move(err);
  }

  // Every value has one definition: a graph input, an initializer, or the
  // output of one node. Constant nodes are the exception onnxruntime makes
  // (it turns them into initializers, the last one of a name winning), and
  // real exports rely on it (gpt2_past defines '284' twice): a Constant
  // that a later Constant redefines is dropped.
  llvm::DenseSet<const onnx::NodeProto *> superseded;
  llvm::StringMap<const onnx::NodeProto *> writers;
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output()) {
      if (output.empty())
        continue;
      if (values.count(output)) {
        fail(node,
             "output '" + output + "' is already a graph input or initializer");
        return takeError();
      }
      auto [it, inserted] = writers.try_emplace(output, &node);
      if (inserted)
        continue;
      if (node.op_type() == "Constant" && it->second->op_type() == "Constant") {
        superseded.insert(it->second);
        it->second = &node;
        continue;
      }
      fail(node, "output '" + output + "' is already defined by node '" +
                     it->second->name() + "'");
      return takeError();
    }

  // Exporters do not always emit nodes in topological order (gpt2_past
  // defines a Split after its users); onnxruntime accepts that, so do we.
  std::vector<const onnx::NodeProto *> order =
      orderNodes(graph, writers, superseded,
                 [&](StringRef name) { return values.count(name) != 0; });
  for (const onnx::NodeProto *nodePtr : order) {
    const onnx::NodeProto &node = *nodePtr;
    int64_t opset = model.getOpset(node.domain());
    if (node.op_type() == "Constant") {
      if (Error err = importConstant(node))
        return std::move(err);
      continue;
    }
    for (const std::string &input : node.input())
      if (!input.empty() && !values.count(input))
        return fileError(model.getPath(),
                         "node '" + node.name() + "' reads '" + input + "', " +
                             (writers.count(input)
                                  ? "which only a cycle of nodes defines"
                                  : "which no node or input defines"));
    const OpHandler *handler =
        opset > 0 ? getRegistry().lookup(node.domain(), node.op_type(), opset)
                  : nullptr;
    if (!handler) {
      fail(node, "not supported");
      return takeError();
    }
    if (failed(checkSchema(node, opset)))
      return takeError();
    NodeContext context(*this, node, opset);
    if (failed((*handler)(context))) {
      fail(node, "cannot be imported");
      return takeError();
    }
    for (const std::string &output : node.output())
      if (!output.empty() && !values.count(output)) {
        fail(node, "defines no value for output '" + output + "'");
        return takeError();
      }
  }

  // Results: every graph output.
  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto it = values.find(output.name());
    if (it == values.end())
      return fileError(model.getPath(),
                       "graph output '" + output.name() + "' is never defined");
    results.push_back(materialize(it->second));
    resultTypes.push_back(results.back().getType());
  }
  func::ReturnOp::create(builder, builder.getUnknownLoc(), results);
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, llm::LLMDialect::kNameAttr,
                       builder.getStringAttr(output.name()));

  // Decoder facts for `llmc run`.
  SmallVector<NamedAttribute> facts{
      builder.getNamedAttr("architecture", builder.getStringAttr("onnx")),
      builder.getNamedAttr("context_length",
                           builder.getI64IntegerAttr(options.contextLength))};
  (*module)->setAttr(llm::LLMDialect::ModelAttrHelper::getNameStr(),
                     builder.getDictionaryAttr(facts));
  return std::move(module);
}

Error GraphImporter::defineTensor(StringRef name, const onnx::TensorProto &t,
                                  StringRef weightName) {
  Type element = getElementType(builder.getContext(), t.data_type());
  if (!element)
    return fileError(model.getPath(), "tensor '" + t.name() + "': data type " +
                                          getOnnxTypeName(t.data_type()) +
                                          " is not supported");
  auto type = RankedTensorType::get(
      SmallVector<int64_t>(t.dims().begin(), t.dims().end()), element);
  OnnxValue v;
  v.type = type;
  // Small tensors become known contents; larger ones weights by name.
  if (type.getNumElements() <= kMaxFoldedElements || weightName.empty()) {
    auto data = model.getData(t);
    if (!data)
      return data.takeError();
    v.constant = readHost(type, *data);
  } else {
    v.weightName = weightName.str();
  }
  values[name] = std::move(v);
  return Error::success();
}

Error GraphImporter::importConstant(const onnx::NodeProto &node) {
  if (node.output_size() != 1 || node.attribute_size() != 1) {
    fail(node, "expects one output and one value attribute");
    return takeError();
  }
  const onnx::AttributeProto &a = node.attribute(0);
  const std::string &name = node.output(0);
  auto scalarOrList = [&](Type element, bool isList, auto items) {
    HostTensor host;
    SmallVector<int64_t> shape;
    if (isList)
      shape.push_back(items.size());
    host.type = RankedTensorType::get(shape, element);
    for (auto v : items) {
      if (isa<FloatType>(element))
        host.floats.push_back(v);
      else
        host.ints.push_back(v);
    }
    OnnxValue value;
    value.type = host.type;
    value.constant = std::move(host);
    values[name] = std::move(value);
  };
  if (a.name() == "value") {
    // Large constants become weights under a name derived from the output.
    model.addWeight("constant:" + name, &a.t());
    return defineTensor(name, a.t(), "constant:" + name);
  }
  if (a.name() == "value_float") {
    scalarOrList(builder.getF32Type(), false, std::vector<float>{a.f()});
  } else if (a.name() == "value_floats") {
    scalarOrList(builder.getF32Type(), true,
                 std::vector<float>(a.floats().begin(), a.floats().end()));
  } else if (a.name() == "value_int") {
    scalarOrList(builder.getI64Type(), false, std::vector<int64_t>{a.i()});
  } else if (a.name() == "value_ints") {
    scalarOrList(builder.getI64Type(), true,
                 std::vector<int64_t>(a.ints().begin(), a.ints().end()));
  } else {
    fail(node, "attribute '" + a.name() + "' is not supported");
    return takeError();
  }
  return Error::success();
}

} // namespace onnx_import

llvm::Expected<OwningOpRef<ModuleOp>>
importOnnxModel(MLIRContext &context, OnnxModel &model,
                const OnnxImportOptions &options) {
  context.loadDialect<llm::LLMDialect, arith::ArithDialect,
                      bufferization::BufferizationDialect, func::FuncDialect,
                      linalg::LinalgDialect, math::MathDialect,
                      tensor::TensorDialect>();
  onnx_import::GraphImporter importer(context, model, options);
  return importer.run();
}

} // namespace llmc
