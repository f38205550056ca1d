//===- DecoderRecognizer.cpp - Llama-family decoders in ONNX exports ------===//
//
// The graph is read backwards from `logits`: LM head, final norm, then one
// layer at a time along the residual stream (h = h + o_proj(attention(...)),
// h = h + down(silu(gate) * up)) until the embedding Gather of input_ids.
// Every node on the way must be one of the forms an exporter writes; the
// values the forms fix (heads, head size, epsilon, rope theta, the attention
// scale) are read from constants and checked for consistency.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/DecoderRecognizer.h"
#include "compiler/onnx/GraphEvaluator.h"
#include "compiler/onnx/MatMulNBits.h"
#include "compiler/support/FileError.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <set>
#include <tuple>

using namespace llvm;

namespace llmc {
namespace {

using Node = onnx::NodeProto;

/// `x` as an integer, saturated at the int64 range (NaN: 0): constants of
/// a hostile graph may be anything.
static int64_t toInt(double x) {
  return x >= 0x1p62    ? (int64_t(1) << 62)
         : x <= -0x1p62 ? -(int64_t(1) << 62)
         : x == x       ? int64_t(x)
                        : 0;
}

/// Input `i` of `node`, or "" when it has fewer: a malformed graph then
/// fails to match, by name, instead of being read out of bounds.
static const std::string &inputOf(const Node *node, int i) {
  static const std::string none;
  return node && i >= 0 && i < node->input_size() ? node->input(i) : none;
}

/// Configs give rope theta in round figures (10000, 500000, 1e6): the
/// value with two significant digits when within `tolerance` (relative) of
/// `value`, which an export's f32 or fp16 constants only approximate.
double roundFigure(double value, double tolerance) {
  if (!(value > 0))
    return value;
  double unit = std::pow(10.0, std::floor(std::log10(value)) - 1);
  double round = std::round(value / unit) * unit;
  return std::fabs(round - value) <= tolerance * value ? round : value;
}

/// The shortest decimal that reads back as `value` (an f32 epsilon of
/// 9.99999975e-06 is config.json's 1e-05).
double shortestDecimal(float value) {
  for (int digits = 1; digits < 10; ++digits) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.*g", digits, double(value));
    double decimal = std::strtod(text, nullptr);
    if (float(decimal) == value)
      return decimal;
  }
  return value;
}

/// The residual stream at some point: a value, or the sum a
/// SkipSimplifiedLayerNormalization computes from its first two inputs.
struct Stream {
  std::string value;
  const Node *skip = nullptr;
};

/// A matched RMSNorm: its input stream, weight and epsilon.
struct Norm {
  Stream input;
  std::string weight;
  double epsilon = 0;
};

/// A matched LayerNorm: its input, weight, bias and epsilon.
struct LayerNorm {
  std::string input, weight, bias;
  double epsilon = 0;
};

/// A matched projection x W^T (+ b).
struct Linear {
  std::string input;
  LiftedWeight weight;
  std::string bias;
  std::vector<int64_t> shape; // of the weight, as stored
};

/// A matched attention block.
struct Attention {
  std::string q, k, v; // projection outputs (before rope, before heads)
  int64_t heads = 0, kvHeads = 0, headDim = 0;
  double theta = 0, scale = 0;
  std::string positions;
  /// GroupQueryAttention with do_rotary: it rotates queries and keys by
  /// the positions its sequence lengths imply, with these cos/sin caches.
  const Node *rotaryCaches = nullptr;
};

static void bindDecoderStep(GraphEvaluator &evaluator,
                            const onnx::GraphProto &graph, int64_t tokens,
                            int64_t past);

class Recognizer {
public:
  explicit Recognizer(const OnnxModel &model);
  Expected<RecognizedDecoder> run();

private:
  // Graph access.
  const Node *producer(StringRef value) const;
  int outputIndex(StringRef value) const;
  bool isGraphInput(StringRef value) const { return graphInputs.count(value); }
  ArrayRef<const Node *> consumersOf(StringRef value) const {
    auto it = consumers.find(value);
    return it == consumers.end() ? ArrayRef<const Node *>() : it->second;
  }
  bool isGraphOutput(StringRef value) const {
    return graphOutputs.count(value);
  }
  const onnx::TensorProto *initializer(StringRef value) const;
  std::optional<std::vector<double>> numbers(StringRef value) const;
  std::optional<double> scalar(StringRef value) const;
  /// `value` after Cast and Identity nodes.
  std::string skipCasts(StringRef value) const;
  /// Whether two streams are one value (through casts) or one
  /// SkipSimplifiedLayerNormalization's sum.
  bool sameStream(const Stream &a, const Stream &b) const {
    if (a.skip || b.skip)
      return a.skip == b.skip;
    return skipCasts(a.value) == skipCasts(b.value);
  }
  /// Whether `value` (through casts) is a MatMul's or a MatMulNBits'.
  bool isProjection(StringRef value) const;
  /// The node producing `value` (through casts) if it is `opType`.
  const Node *match(StringRef value, StringRef opType) const;

  // Failure messages.
  Error fail(const Node *node, const Twine &what) const;
  Error fail(StringRef value, const Twine &what) const;

  // Building blocks.
  Expected<Norm> matchNorm(StringRef value) const;
  Expected<LayerNorm> matchLayerNorm(StringRef value) const;
  /// GELU of a projection's output: that output, and whether the tanh
  /// approximation is what the graph computes.
  Expected<std::pair<std::string, bool>> matchGelu(StringRef value) const;
  /// The GPT-2 decoder whose LM head is `head` (null: the export ends in
  /// hidden states) and final norm `finalNorm`, read from graph output
  /// `output`.
  Expected<RecognizedDecoder>
  runGPT2(const Linear *head, const LayerNorm &finalNorm, StringRef output);
  /// GPT-2's embedding sum wte[ids] + wpe[positions]: the Add, the token
  /// and position Gathers, checked by evaluating their indices for decoder
  /// steps (they must be the token ids and past + i).
  struct Embeddings {
    std::string sum;
    const Node *tokens = nullptr, *positions = nullptr;
    std::string idsInput, positionsInput;
  };
  Expected<Embeddings> findEmbeddings() const;
  Expected<Linear> matchLinear(StringRef value) const;
  Expected<std::pair<Stream, std::string>> splitResidual(Stream s) const;
  Expected<std::string> matchSwiGLU(StringRef value, std::string &gate,
                                    std::string &up) const;
  Expected<Attention> matchAttention(StringRef value) const;
  Expected<Attention> matchContribAttention(const Node *node) const;
  /// `rotary`: queries and keys are rotated (Llama); GPT-2's are not.
  Expected<Attention> matchWrittenAttention(StringRef value,
                                            bool rotary = true) const;
  /// `value` without a scaling by a constant (Mul or Div), whose factor
  /// multiplies `scale`.
  std::string peelScale(StringRef value, double &scale) const;
  /// The past input (or the half of a stacked [2, ...] one) `value` reads,
  /// or "".
  std::string pastOf(StringRef value) const;
  /// Whether `value` reaches a graph output (as it is, or stacked with
  /// Unsqueeze and Concat).
  bool isPresent(StringRef value) const;
  /// `x` with rotary embedding applied (written out): x and theta.
  Expected<std::pair<std::string, double>>
  matchWrittenRope(StringRef value, int64_t headDim,
                   std::string &positions) const;
  /// Theta of com.microsoft::RotaryEmbedding's cos/sin caches.
  /// Theta of the cos/sin caches `cosName` and `sinName` (inputs of
  /// `node`).
  Expected<double> thetaOfCaches(const Node *node, StringRef cosName,
                                 StringRef sinName, int64_t rotaryDim) const;
  /// Heads of x through Reshape [.., .., heads, dim] and Transpose 0213.
  /// `transposed`: keys split as [batch, heads, dim, tokens] (perm 0231).
  Expected<std::pair<std::string, std::array<int64_t, 2>>>
  matchSplitHeads(StringRef value, bool transposed = false) const;
  /// Whether `mask` (additive: 0 or very negative; else a condition,
  /// true where visible) is causal, evaluated for a few decoder steps.
  /// `multiplicative`: multiplied into the scores, so only exactly 1 and 0
  /// are a mask.
  Error checkCausal(StringRef mask, bool additive, const Node *at,
                    bool multiplicative = false) const;

  const OnnxModel &model;
  const onnx::GraphProto &graph;
  StringMap<std::pair<const Node *, int>> producers;
  /// The nodes reading each value.
  StringMap<SmallVector<const Node *, 2>> consumers;
  StringMap<const onnx::TensorProto *> constants;
  StringSet<> graphInputs, graphOutputs;
  /// checkCausal's verdicts by mask value: empty when causal, else why not.
  mutable StringMap<std::string> causalMasks;
  /// Positions the model has (learned position embeddings); checkCausal
  /// tries decoder steps below it.
  int64_t positionLimit = 8192;
  /// New tokens per evaluated prompt step: 1 for an export whose token ids
  /// are declared [batch, 1] (one token at a time after a past).
  int64_t promptTokens = 3;
};

Recognizer::Recognizer(const OnnxModel &model)
    : model(model), graph(model.getGraph()) {
  for (const Node &node : graph.node()) {
    for (int i = 0; i < node.output_size(); ++i)
      producers[node.output(i)] = {&node, i};
    for (const std::string &input : node.input())
      if (!input.empty() &&
          (consumers[input].empty() || consumers[input].back() != &node))
        consumers[input].push_back(&node);
    if (node.op_type() == "Constant" && node.output_size() == 1)
      for (const onnx::AttributeProto &a : node.attribute())
        if (a.name() == "value" && a.has_t())
          constants[node.output(0)] = &a.t();
  }
  for (const onnx::ValueInfoProto &input : graph.input())
    if (!model.getInitializer(input.name()))
      graphInputs.insert(input.name());
  for (const onnx::ValueInfoProto &output : graph.output())
    graphOutputs.insert(output.name());
  for (const onnx::ValueInfoProto &input : graph.input()) {
    const auto &shape = input.type().tensor_type().shape();
    if (StringRef(input.name()).contains("input_ids") &&
        shape.dim_size() == 2 && shape.dim(1).has_dim_value() &&
        shape.dim(1).dim_value() == 1)
      promptTokens = 1;
  }
}

const Node *Recognizer::producer(StringRef value) const {
  auto it = producers.find(value);
  return it == producers.end() ? nullptr : it->second.first;
}

int Recognizer::outputIndex(StringRef value) const {
  auto it = producers.find(value);
  return it == producers.end() ? -1 : it->second.second;
}

const onnx::TensorProto *Recognizer::initializer(StringRef value) const {
  if (const onnx::TensorProto *t = model.getInitializer(value))
    return t;
  auto it = constants.find(value);
  return it == constants.end() ? nullptr : it->second;
}

std::optional<std::vector<double>> Recognizer::numbers(StringRef value) const {
  const onnx::TensorProto *t = initializer(skipCasts(value));
  if (!t)
    return std::nullopt;
  auto data = model.getData(*t);
  if (!data) {
    consumeError(data.takeError());
    return std::nullopt;
  }
  unsigned size = getOnnxElementSize(data->dataType);
  if (!size || data->bytes.size() % size || data->bytes.size() / size > 65536)
    return std::nullopt;
  std::vector<double> out;
  const uint8_t *p = data->bytes.data();
  for (size_t i = 0; i < data->bytes.size() / size; ++i, p += size) {
    switch (data->dataType) {
    case onnx::TensorProto::FLOAT: {
      float f;
      std::memcpy(&f, p, 4);
      out.push_back(f);
      break;
    }
    case onnx::TensorProto::DOUBLE: {
      double d;
      std::memcpy(&d, p, 8);
      out.push_back(d);
      break;
    }
    case onnx::TensorProto::FLOAT16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      out.push_back(
          APFloat(APFloat::IEEEhalf(), APInt(16, h)).convertToDouble());
      break;
    }
    case onnx::TensorProto::BFLOAT16: {
      uint16_t h;
      std::memcpy(&h, p, 2);
      uint32_t bits = uint32_t(h) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      out.push_back(f);
      break;
    }
    case onnx::TensorProto::INT64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      out.push_back(double(v));
      break;
    }
    case onnx::TensorProto::INT32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      out.push_back(v);
      break;
    }
    default:
      return std::nullopt;
    }
  }
  return out;
}

std::optional<double> Recognizer::scalar(StringRef value) const {
  auto v = numbers(value);
  if (!v || v->size() != 1)
    return std::nullopt;
  return (*v)[0];
}

std::string Recognizer::skipCasts(StringRef value) const {
  std::string v = value.str();
  for (int hops = 0; hops < 8; ++hops) {
    const Node *n = producer(v);
    if (!n || (n->op_type() != "Cast" && n->op_type() != "Identity") ||
        n->input_size() < 1)
      break;
    v = inputOf(n, 0);
  }
  return v;
}

/// Gemm(Reshape(x, [-1, in]), W, b) reshaped back: PyTorch's export of
/// Conv1D / Linear on 3-D activations.
static bool isGemmProjection(const Node *n) {
  return n && n->op_type() == "Gemm" && n->input_size() >= 2;
}

bool Recognizer::isProjection(StringRef value) const {
  const Node *n = producer(skipCasts(value));
  if (n && n->op_type() == "Reshape")
    if (const Node *g = producer(skipCasts(inputOf(n, 0))); isGemmProjection(g))
      return true;
  if (isGemmProjection(n))
    return true;
  if (n && n->op_type() == "Add" && n->input_size() == 2) {
    // With a bias: Add(projection, initializer).
    for (int i : {0, 1})
      if (initializer(skipCasts(inputOf(n, 1 - i))))
        if (const Node *p = producer(skipCasts(inputOf(n, i))))
          return p->op_type() == "MatMul" || isMatMulNBits(*p);
    return false;
  }
  return n && (n->op_type() == "MatMul" || isMatMulNBits(*n));
}

const Node *Recognizer::match(StringRef value, StringRef opType) const {
  const Node *n = producer(skipCasts(value));
  return n && n->op_type() == opType ? n : nullptr;
}

static std::string describe(const Node *node) {
  return "node '" + node->name() + "' (" +
         (node->domain().empty() ? "ai.onnx" : node->domain()) +
         "::" + node->op_type() + ")";
}

Error Recognizer::fail(const Node *node, const Twine &what) const {
  return createStringError(inconvertibleErrorCode(),
                           (describe(node) + ": " + what).str());
}

Error Recognizer::fail(StringRef value, const Twine &what) const {
  if (const Node *n = producer(skipCasts(value)))
    return fail(n, what);
  return createStringError(inconvertibleErrorCode(),
                           ("value '" + value + "': " + what).str());
}

static std::optional<int64_t> attrInt(const Node *node, StringRef name) {
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INT)
      return a.i();
  return std::nullopt;
}

static std::optional<double> attrFloat(const Node *node, StringRef name) {
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::FLOAT)
      return a.f();
  return std::nullopt;
}

static std::optional<std::vector<int64_t>> attrInts(const Node *node,
                                                    StringRef name) {
  for (const onnx::AttributeProto &a : node->attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INTS)
      return std::vector<int64_t>(a.ints().begin(), a.ints().end());
  return std::nullopt;
}

/// The two inputs of a binary node, the one satisfying `first` first.
template <typename Pred>
static std::optional<std::pair<std::string, std::string>>
ordered(const Node *node, Pred first) {
  if (!node || node->input_size() != 2)
    return std::nullopt;
  if (first(inputOf(node, 0)))
    return std::make_pair(inputOf(node, 0), inputOf(node, 1));
  if (first(inputOf(node, 1)))
    return std::make_pair(inputOf(node, 1), inputOf(node, 0));
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Norms, projections, the residual stream, the MLP
//===----------------------------------------------------------------------===//

Expected<Norm> Recognizer::matchNorm(StringRef value) const {
  const Node *node = producer(skipCasts(value));
  if (!node)
    return fail(value, "expected an RMSNorm");
  const std::string &op = node->op_type();
  if (op == "SimplifiedLayerNormalization" ||
      op == "SkipSimplifiedLayerNormalization") {
    bool skip = op == "SkipSimplifiedLayerNormalization";
    if (outputIndex(skipCasts(value)) != 0)
      return fail(node, "expected its normalized output");
    if (attrInt(node, "axis").value_or(-1) != -1)
      return fail(node, "expected normalization over the last axis");
    unsigned weightInput = skip ? 2 : 1;
    if (node->input_size() <= int(weightInput) ||
        !initializer(skipCasts(inputOf(node, weightInput))))
      return fail(node, "expected a weight initializer");
    if (skip && node->input_size() > 3 && !inputOf(node, 3).empty())
      return fail(node, "a bias is not supported");
    Norm norm;
    norm.weight = skipCasts(inputOf(node, weightInput));
    norm.epsilon = attrFloat(node, "epsilon").value_or(1e-5);
    norm.input = skip ? Stream{"", node} : Stream{inputOf(node, 0), nullptr};
    return norm;
  }
  // Written out: x / sqrt(mean(x * x) + eps) * w (or * rsqrt, or Pow).
  if (op != "Mul")
    return fail(node, "expected an RMSNorm (x * rsqrt(mean(x^2) + eps) * w)");
  auto parts = ordered(node, [&](const std::string &v) {
    return initializer(skipCasts(v)) != nullptr;
  });
  if (!parts)
    return fail(node, "expected an RMSNorm's scale by a weight initializer");
  Norm norm;
  norm.weight = skipCasts(parts->first);
  const Node *scaled = producer(skipCasts(parts->second));
  if (!scaled)
    return fail(node, "expected an RMSNorm");
  std::string x, denominator;
  bool reciprocal = false;
  if (scaled->op_type() == "Div" && scaled->input_size() == 2) {
    x = skipCasts(inputOf(scaled, 0));
    denominator = inputOf(scaled, 1);
  } else if (scaled->op_type() == "Mul" && scaled->input_size() == 2) {
    // x * Reciprocal(Sqrt(..)).
    auto r = ordered(scaled, [&](const std::string &v) {
      return match(v, "Reciprocal") != nullptr;
    });
    if (!r)
      return fail(scaled, "expected x / sqrt(mean(x^2) + eps)");
    x = skipCasts(r->second);
    denominator = inputOf(match(r->first, "Reciprocal"), 0);
    reciprocal = true;
  } else {
    return fail(scaled, "expected x / sqrt(mean(x^2) + eps)");
  }
  (void)reciprocal;
  const Node *root = match(denominator, "Sqrt");
  if (!root)
    return fail(denominator, "expected sqrt(mean(x^2) + eps)");
  const Node *plus = match(inputOf(root, 0), "Add");
  auto meanAndEps = ordered(plus, [&](const std::string &v) {
    return match(v, "ReduceMean") != nullptr;
  });
  if (!meanAndEps || !scalar(meanAndEps->second))
    return fail(root, "expected mean(x^2) + a constant epsilon");
  norm.epsilon = *scalar(meanAndEps->second);
  const Node *mean = match(meanAndEps->first, "ReduceMean");
  std::optional<std::vector<int64_t>> axes = attrInts(mean, "axes");
  if (!axes && mean->input_size() > 1)
    if (auto v = numbers(inputOf(mean, 1)); v && v->size() == 1)
      axes = std::vector<int64_t>{toInt((*v)[0])};
  if (!axes || axes->size() != 1 || (*axes)[0] != -1 ||
      attrInt(mean, "keepdims").value_or(1) != 1)
    return fail(mean, "expected a mean over the last axis, kept");
  const Node *square = producer(skipCasts(inputOf(mean, 0)));
  bool squares =
      square && square->input_size() == 2 &&
      ((square->op_type() == "Mul" && skipCasts(inputOf(square, 0)) == x &&
        skipCasts(inputOf(square, 1)) == x) ||
       (square->op_type() == "Pow" && skipCasts(inputOf(square, 0)) == x &&
        scalar(inputOf(square, 1)) == 2.0));
  if (!squares)
    return fail(mean, "expected the mean of the normalized value squared");
  norm.input = Stream{x, nullptr};
  // x itself may be a SkipSimplifiedLayerNormalization's sum output.
  if (const Node *n = producer(x);
      n && n->op_type() == "SkipSimplifiedLayerNormalization" &&
      outputIndex(x) == 3)
    norm.input = Stream{"", n};
  return norm;
}

Expected<Linear> Recognizer::matchLinear(StringRef value) const {
  std::string v = skipCasts(value);
  const Node *node = producer(v);
  Linear linear;
  const Node *unflatten = nullptr;
  if (node && node->op_type() == "Reshape")
    if (const Node *g = producer(skipCasts(inputOf(node, 0)));
        isGemmProjection(g)) {
      unflatten = node;
      node = g;
    }
  if (isGemmProjection(node)) {
    // Gemm(x, W, b): alpha = beta = 1, x not transposed; W [in, out], or
    // [out, in] with transB. x may be the activation flattened to 2-D.
    if (attrInt(node, "transA").value_or(0) != 0 ||
        attrFloat(node, "alpha").value_or(1) != 1 ||
        attrFloat(node, "beta").value_or(1) != 1)
      return fail(node, "expected a Gemm with alpha = beta = 1 and A as is");
    std::string b = skipCasts(inputOf(node, 1));
    const onnx::TensorProto *w = initializer(b);
    if (!w || w->dims_size() != 2)
      return fail(node, "expected a weight initializer as B");
    bool transB = attrInt(node, "transB").value_or(0);
    linear.weight = {b, /*transposed=*/!transB};
    linear.shape = transB ? std::vector<int64_t>{w->dims(1), w->dims(0)}
                          : std::vector<int64_t>{w->dims(0), w->dims(1)};
    if (node->input_size() > 2 && !inputOf(node, 2).empty()) {
      const onnx::TensorProto *bias = initializer(skipCasts(inputOf(node, 2)));
      if (!bias || bias->dims_size() != 1)
        return fail(node, "expected a 1-D bias initializer as C");
      linear.bias = skipCasts(inputOf(node, 2));
    }
    linear.input = skipCasts(inputOf(node, 0));
    // Reshapes that only flatten and restore the leading axes: their
    // target's last dim is the features'.
    auto keepsFeatures = [&](const Node *reshape, int64_t features) {
      GraphEvaluator evaluator(model, producers);
      bindDecoderStep(evaluator, graph, promptTokens, 0);
      auto target = evaluator.evaluate(inputOf(reshape, 1));
      if (!target) {
        consumeError(target.takeError());
        return false;
      }
      return !target->values.empty() &&
             toInt(target->values.back()) == features;
    };
    if (const Node *flat = match(linear.input, "Reshape")) {
      if (!keepsFeatures(flat, linear.shape[0]))
        return fail(flat, "expected a Reshape to [-1, in_features]");
      linear.input = skipCasts(inputOf(flat, 0));
    }
    if (unflatten && !keepsFeatures(unflatten, linear.shape[1]))
      return fail(unflatten, "expected a Reshape to [.., out_features]");
    return linear;
  }
  if (node && isMatMulNBits(*node)) {
    // Pre-quantized: B holds W [out, in] in 4-bit blocks.
    auto w = readMatMulNBits(model, *node);
    if (!w)
      return fail(node, toString(w.takeError()));
    linear.input = inputOf(node, 0);
    linear.weight = {w->codes, /*transposed=*/false, node};
    linear.bias = w->bias;
    linear.shape = {w->shape.k, w->shape.n};
    return linear;
  }
  if (node && node->op_type() == "Add") {
    // A bias: MatMul(x, W) + b.
    auto parts =
        ordered(node, [&](const std::string &in) { return isProjection(in); });
    if (!parts || !initializer(skipCasts(parts->second)))
      return fail(node, "expected a projection plus a bias initializer");
    linear.bias = skipCasts(parts->second);
    node = producer(skipCasts(parts->first));
    if (isMatMulNBits(*node)) {
      auto nbits = matchLinear(parts->first);
      if (!nbits)
        return nbits.takeError();
      if (!nbits->bias.empty())
        return fail(node, "expected one bias");
      nbits->bias = linear.bias;
      return nbits;
    }
  }
  if (!node || node->op_type() != "MatMul" || node->input_size() != 2)
    return fail(value, "expected a projection (MatMul by a weight)");
  linear.input = inputOf(node, 0);
  std::string b = skipCasts(inputOf(node, 1));
  if (const onnx::TensorProto *w = initializer(b); w && w->dims_size() == 2) {
    linear.weight = {b, /*transposed=*/true};
    linear.shape = {w->dims(0), w->dims(1)};
    return linear;
  }
  if (const Node *t = producer(b);
      t && t->op_type() == "Transpose" &&
      attrInts(t, "perm") == std::vector<int64_t>{1, 0}) {
    std::string source = skipCasts(inputOf(t, 0));
    if (const onnx::TensorProto *w = initializer(source);
        w && w->dims_size() == 2) {
      linear.weight = {source, /*transposed=*/false};
      linear.shape = {w->dims(1), w->dims(0)}; // as x @ W: [in, out]
      return linear;
    }
  }
  return fail(node, "expected a weight initializer (or its transpose) as B");
}

Expected<std::pair<Stream, std::string>>
Recognizer::splitResidual(Stream s) const {
  std::string a, b;
  const Node *at = s.skip;
  if (s.skip) {
    a = inputOf(s.skip, 0);
    b = inputOf(s.skip, 1);
  } else {
    const Node *add = match(s.value, "Add");
    if (!add || add->input_size() != 2)
      return fail(s.value, "expected a residual addition");
    a = inputOf(add, 0);
    b = inputOf(add, 1);
    at = add;
  }
  // The branch is the projection; the other term continues the stream.
  bool aIsBranch = isProjection(a) && !isProjection(b);
  bool bIsBranch = isProjection(b) && !isProjection(a);
  if (!aIsBranch && !bIsBranch) {
    // Both projections (the first layer's embedding is a Gather): prefer
    // the one whose input is not the embedding.
    if (match(a, "Gather"))
      bIsBranch = true;
    else if (match(b, "Gather"))
      aIsBranch = true;
    else
      return fail(at, "expected one term to be a projection");
  }
  std::string prev = skipCasts(aIsBranch ? b : a);
  Stream previous{prev, nullptr};
  if (const Node *n = producer(prev);
      n && n->op_type() == "SkipSimplifiedLayerNormalization" &&
      outputIndex(prev) == 3)
    previous = Stream{"", n};
  return std::make_pair(previous, aIsBranch ? a : b);
}

Expected<std::string> Recognizer::matchSwiGLU(StringRef value,
                                              std::string &gate,
                                              std::string &up) const {
  // silu(gate) * up, silu(g) = g * sigmoid(g).
  const Node *mul = match(value, "Mul");
  if (!mul || mul->input_size() != 2)
    return fail(value, "expected silu(gate) * up");
  auto isSilu = [&](const std::string &v) {
    const Node *m = match(v, "Mul");
    if (!m || m->input_size() != 2)
      return false;
    auto parts = ordered(m, [&](const std::string &in) {
      return match(in, "Sigmoid") != nullptr;
    });
    return parts && skipCasts(inputOf(match(parts->first, "Sigmoid"), 0)) ==
                        skipCasts(parts->second);
  };
  auto parts = ordered(mul, isSilu);
  if (!parts)
    return fail(mul, "expected silu(gate) * up");
  const Node *silu = match(parts->first, "Mul");
  auto siluParts = ordered(silu, [&](const std::string &in) {
    return match(in, "Sigmoid") != nullptr;
  });
  gate = siluParts->second;
  up = parts->second;
  return std::string();
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// The graph inputs a decoder step reads, for a prompt of `tokens` after
/// `past` cached positions at batch 1: token ids (zeros), position ids,
/// an attention mask of ones and the shapes of 4-D past keys/values, by the
/// names exporters give them. Other inputs stay unbound: a mask that reads them
/// cannot be evaluated, and is not taken for causal.
static void bindDecoderStep(GraphEvaluator &evaluator,
                            const onnx::GraphProto &graph, int64_t tokens,
                            int64_t past) {
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (!input.type().has_tensor_type())
      continue;
    const auto &t = input.type().tensor_type();
    StringRef name = input.name();
    EvaluatedTensor value;
    value.dataType = t.elem_type();
    bool integer = value.dataType == onnx::TensorProto::INT64 ||
                   value.dataType == onnx::TensorProto::INT32;
    int rank = t.shape().dim_size();
    auto declared = [&](int i) {
      const auto &d = t.shape().dim(i);
      return d.has_dim_value() ? d.dim_value() : int64_t(1);
    };
    if (integer && rank == 2) {
      bool mask = name.contains("attention_mask");
      value.shape = {1, mask ? past + tokens : tokens};
      for (int64_t i = 0; i < value.shape[1]; ++i)
        value.values.push_back(mask                        ? 1.0
                               : name.contains("position") ? double(past + i)
                                                           : 0.0);
    } else if (!integer && rank == 4 && name.contains("attention_mask")) {
      // A float mask the caller passes (Megatron's GPT-2: 1 = may attend),
      // causal as the session's decoding is: the model must slice the
      // rows and columns of this step from it.
      int64_t n =
          t.shape().dim(3).has_dim_value() ? declared(3) : past + tokens;
      if (n <= 0 || n > 4096) // not a mask of positions this evaluates
        continue;
      value.shape = {1, 1, n, n};
      for (int64_t r = 0; r < n; ++r)
        for (int64_t c = 0; c < n; ++c)
          value.values.push_back(c <= r ? 1.0 : 0.0);
    } else if (!integer && rank == 4) {
      value.shape = {1, declared(1), past, declared(3)}; // the shape alone
    } else if (!integer && rank == 5) {
      // Keys and values stacked: [2, batch, heads, past, head_dim].
      value.shape = {2, 1, declared(2), past, declared(4)};
    } else {
      continue;
    }
    evaluator.bind(name, std::move(value));
  }
}

Error Recognizer::checkCausal(StringRef mask, bool additive, const Node *at,
                              bool multiplicative) const {
  if (auto it = causalMasks.find(mask); it != causalMasks.end())
    return it->second.empty() ? Error::success() : fail(at, it->second);
  // What the mask does for a prompt and for decode steps (one token, as
  // some exporters require once there is a past), the last far enough
  // that a sliding window below 8192 positions shows: key j is visible to
  // query t (at position past + t) exactly when j <= past + t.
  std::string why;
  for (auto [tokens, past] :
       {std::pair<int64_t, int64_t>{promptTokens, 0},
        {1, 4},
        {1, std::min<int64_t>(8191, positionLimit - 1)}}) {
    GraphEvaluator evaluator(model, producers);
    bindDecoderStep(evaluator, graph, tokens, past);
    auto value = evaluator.evaluate(mask);
    if (!value) {
      why = "expected a causal mask; it cannot be evaluated: " +
            toString(value.takeError());
      break;
    }
    int64_t rank = value->rank(), total = past + tokens;
    int64_t rows = rank >= 2 ? value->shape[rank - 2] : 1;
    int64_t cols = rank >= 1 ? value->shape[rank - 1] : 1;
    if (cols != total || rows <= 0 || rows % tokens) {
      why = "expected a causal mask of [.., tokens, past + tokens]";
      break;
    }
    // Every element must be known: a mask whose values only the run time
    // knows (it reads an activation) is not taken for causal.
    int64_t count = 1;
    for (int64_t d : value->shape)
      count = d >= 0 && count >= 0 && count <= (int64_t(1) << 40)
                  ? count * std::min<int64_t>(d, int64_t(1) << 20)
                  : -1;
    if (count != int64_t(value->values.size())) {
      why = "expected a causal mask; its values are only known at run time";
      break;
    }
    for (size_t i = 0; i < value->values.size() && why.empty(); ++i) {
      double v = value->values[i];
      int64_t j = int64_t(i) % cols, t = (int64_t(i) / cols) % rows % tokens;
      // Additive: 0 or very negative. Otherwise a condition (true where
      // visible) or, multiplied into the scores, exactly 1 or 0.
      bool visible = additive ? v == 0 : multiplicative ? v == 1 : v != 0;
      bool hidden = additive ? v <= -1e4 : v == 0;
      if (!visible && !hidden)
        why = "expected a causal mask, not a bias";
      else if (visible != (j <= past + t))
        why = "expected a causal mask; this one " +
              std::string(visible ? "shows" : "hides") + " key " +
              std::to_string(j) + " to query " + std::to_string(past + t);
    }
    if (!why.empty())
      break;
  }
  causalMasks[mask] = why;
  return why.empty() ? Error::success() : fail(at, why);
}

Expected<double> Recognizer::thetaOfCaches(const Node *node, StringRef cosInput,
                                           StringRef sinInput,
                                           int64_t rotaryDim) const {
  // cos_cache[p, i] = cos(p * theta^(-2i / d)) for the rotary dim d.
  std::string cosName = skipCasts(cosInput), sinName = skipCasts(sinInput);
  const onnx::TensorProto *cosT = initializer(cosName);
  if (!cosT || cosT->dims_size() != 2 || cosT->dims(1) * 2 != rotaryDim)
    return fail(node, "expected cos/sin caches of [positions, head_dim / 2]");
  int64_t rows = std::min<int64_t>(cosT->dims(0), 64), half = cosT->dims(1);
  auto data = model.getData(*cosT);
  if (!data)
    return data.takeError();
  auto cosV = numbers(cosName), sinV = numbers(sinName);
  if (!cosV || !sinV || int64_t(cosV->size()) < rows * half ||
      sinV->size() != cosV->size())
    return fail(node, "cannot read the cos/sin caches");
  // theta from the slowest frequency, theta^(-2 (half - 1) / d), read at
  // the largest position whose angle stays below one radian: the best
  // conditioned value an fp16 cache holds.
  double theta = 10000.0;
  if (half > 1 && rows > 1) {
    auto angleAt = [&](int64_t p, int64_t i) {
      return std::atan2((*sinV)[p * half + i], (*cosV)[p * half + i]);
    };
    double slowest = angleAt(1, half - 1);
    int64_t p = 1;
    while (p + 1 < rows && (p + 1) * slowest < 1.0)
      ++p;
    double frequency = angleAt(p, half - 1) / double(p);
    if (!(frequency > 0.0 && frequency < 1.0))
      return fail(node, "its cos/sin caches are not a rotary embedding");
    theta = std::pow(frequency, -double(rotaryDim) / (2.0 * (half - 1)));
    theta = roundFigure(theta, 1e-3); // within the fp16 cache's error
  }
  for (int64_t p = 0; p < rows; ++p)
    for (int64_t i = 0; i < half; ++i) {
      double angle = p * std::pow(theta, -2.0 * i / rotaryDim);
      if (std::fabs((*cosV)[p * half + i] - std::cos(angle)) > 2e-3 ||
          std::fabs((*sinV)[p * half + i] - std::sin(angle)) > 2e-3)
        return fail(node, "its cos/sin caches are not a rotary embedding "
                          "with one theta");
    }
  return theta;
}

Expected<Attention> Recognizer::matchContribAttention(const Node *node) const {
  Attention a;
  const std::string &op = node->op_type();
  bool gqa = op == "GroupQueryAttention";
  a.heads = attrInt(node, "num_heads").value_or(0);
  a.kvHeads = gqa ? attrInt(node, "kv_num_heads").value_or(0) : a.heads;
  if (a.heads <= 0 || a.kvHeads <= 0 || a.heads % a.kvHeads)
    return fail(node, "expected num_heads a multiple of the KV heads");
  if (node->input_size() < 3 || inputOf(node, 1).empty() ||
      inputOf(node, 2).empty())
    return fail(node, "expected separate query, key and value inputs");
  if (!gqa) {
    // MultiHeadAttention: q, k, v, bias, key_padding_mask, attention_bias,
    // past_key, past_value. The causal mask comes in attention_bias.
    if (node->input_size() > 3 && !inputOf(node, 3).empty())
      return fail(node, "a packed bias is not supported");
    if (node->input_size() > 4 && !inputOf(node, 4).empty())
      return fail(node, "a key padding mask is not supported");
    if (node->input_size() > 5 && !inputOf(node, 5).empty()) {
      if (Error err = checkCausal(inputOf(node, 5), /*additive=*/true, node))
        return std::move(err);
    } else if (attrInt(node, "unidirectional").value_or(0) != 1) {
      return fail(node, "expected causal attention");
    }
    if (node->input_size() < 8 || !isGraphInput(inputOf(node, 6)) ||
        !isGraphInput(inputOf(node, 7)) || node->output_size() < 3 ||
        !isGraphOutput(node->output(1)) || !isGraphOutput(node->output(2)))
      return fail(node, "expected past keys and values from graph inputs "
                        "and presents to graph outputs");
  } else {
    // GroupQueryAttention: q, k, v, past_key, past_value, seqlens_k,
    // total_sequence_length[, cos_cache, sin_cache]; always causal.
    if (node->input_size() < 7 || !isGraphInput(inputOf(node, 3)) ||
        !isGraphInput(inputOf(node, 4)) || node->output_size() < 3 ||
        !isGraphOutput(node->output(1)) || !isGraphOutput(node->output(2)))
      return fail(node, "expected past keys and values from graph inputs "
                        "and presents to graph outputs");
    if (attrInt(node, "local_window_size").value_or(-1) != -1)
      return fail(node, "a local window is not supported");
    if (attrFloat(node, "softcap").value_or(0) != 0)
      return fail(node, "softcap is not supported");
    if (attrInt(node, "do_rotary").value_or(0) == 1) {
      if (attrInt(node, "rotary_interleaved").value_or(0) != 0)
        return fail(node, "interleaved rotary embedding is not supported");
      if (node->input_size() < 9 || !initializer(skipCasts(inputOf(node, 7))) ||
          !initializer(skipCasts(inputOf(node, 8))))
        return fail(node, "expected cos/sin cache initializers for do_rotary");
      a.rotaryCaches = node;
    }
  }
  // 0 (or absent): 1/sqrt(head_dim), checked once the head size is known.
  a.scale = attrFloat(node, "scale").value_or(0);
  auto q = matchLinear(inputOf(node, 0));
  std::string qIn = inputOf(node, 0), kIn = inputOf(node, 1);
  // Rotary embedding: RotaryEmbedding nodes before, or GQA's do_rotary.
  auto rope = [&](std::string &value) -> Error {
    const Node *r = match(value, "RotaryEmbedding");
    if (!r)
      return Error::success();
    if (a.rotaryCaches)
      return fail(r, "a rotary embedding before GroupQueryAttention's own "
                     "(do_rotary) rotates twice");
    if (attrInt(r, "interleaved").value_or(0) != 0)
      return fail(r, "interleaved rotary embedding is not supported");
    if (r->input_size() < 4 || !isGraphInput(skipCasts(inputOf(r, 1))))
      return fail(r, "expected positions from a graph input");
    if (!a.positions.empty() && a.positions != skipCasts(inputOf(r, 1)))
      return fail(r, "expected the same positions for queries and keys");
    a.positions = skipCasts(inputOf(r, 1));
    value = inputOf(r, 0);
    return Error::success();
  };
  if (Error err = rope(qIn))
    return std::move(err);
  if (Error err = rope(kIn))
    return std::move(err);
  a.q = qIn;
  a.k = kIn;
  a.v = inputOf(node, 2);
  return a;
}

Expected<std::pair<std::string, std::array<int64_t, 2>>>
Recognizer::matchSplitHeads(StringRef value, bool transposed) const {
  // Transpose(Reshape(x, [0, 0, heads, dim]), perm [0, 2, 1, 3]).
  const Node *t = match(value, "Transpose");
  std::vector<int64_t> perm = transposed ? std::vector<int64_t>{0, 2, 3, 1}
                                         : std::vector<int64_t>{0, 2, 1, 3};
  if (!t || attrInts(t, "perm") != perm)
    return fail(value, "expected heads split by Reshape and Transpose 0213");
  const Node *r = match(inputOf(t, 0), "Reshape");
  auto shape =
      r && r->input_size() == 2 ? numbers(inputOf(r, 1)) : std::nullopt;
  if (r && r->input_size() == 2 && !shape) {
    // [batch, tokens] from the input's shape, heads and dim constants
    // (PyTorch's view(*x.size()[:-1], heads, dim)): evaluated for a step.
    GraphEvaluator evaluator(model, producers);
    bindDecoderStep(evaluator, graph, promptTokens, 0);
    if (auto v = evaluator.evaluate(inputOf(r, 1)))
      shape = v->values;
    else
      consumeError(v.takeError());
  }
  // Heads and head size positive and small enough that products of them
  // (heads x head_dim, 3 x hidden) cannot overflow.
  auto sane = [](double d) { return d > 0 && d <= double(1 << 20); };
  if (!shape || shape->size() != 4 || !sane((*shape)[2]) || !sane((*shape)[3]))
    return fail(t, "expected a Reshape to [batch, tokens, heads, head_dim]");
  return std::make_pair(
      inputOf(r, 0),
      std::array<int64_t, 2>{toInt((*shape)[2]), toInt((*shape)[3])});
}

Expected<std::pair<std::string, double>>
Recognizer::matchWrittenRope(StringRef value, int64_t headDim,
                             std::string &positions) const {
  // x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1].
  const Node *add = match(value, "Add");
  if (!add || add->input_size() != 2)
    return fail(value, "expected x * cos + rotate_half(x) * sin");
  auto isRotated = [&](const std::string &v) {
    const Node *m = match(v, "Mul");
    return m && m->input_size() == 2 &&
           (match(inputOf(m, 0), "Concat") || match(inputOf(m, 1), "Concat"));
  };
  auto parts = ordered(add, isRotated);
  if (!parts)
    return fail(add, "expected rotate_half(x) * sin");
  const Node *rotMul = match(parts->first, "Mul");
  auto rot = ordered(rotMul, [&](const std::string &v) {
    return match(v, "Concat") != nullptr;
  });
  const Node *concat = match(rot->first, "Concat");
  const Node *xMul = match(parts->second, "Mul");
  if (!xMul || xMul->input_size() != 2)
    return fail(add, "expected x * cos");
  // Which input of x * cos is x: the one rotate_half also reads.
  const Node *neg =
      concat->input_size() == 2 ? match(inputOf(concat, 0), "Neg") : nullptr;
  const Node *second = neg ? match(inputOf(neg, 0), "Slice") : nullptr;
  const Node *first =
      concat->input_size() == 2 ? match(inputOf(concat, 1), "Slice") : nullptr;
  if (attrInt(concat, "axis").value_or(0) != -1 &&
      attrInt(concat, "axis").value_or(0) != 3)
    return fail(concat, "expected rotate_half over the last axis");
  if (!second || !first ||
      skipCasts(inputOf(first, 0)) != skipCasts(inputOf(second, 0)))
    return fail(concat, "expected rotate_half: [-x[half:], x[:half]]");
  std::string x = skipCasts(inputOf(first, 0));
  auto bound = [&](const Node *slice, unsigned i) {
    return slice->input_size() > int(i) ? scalar(inputOf(slice, i))
                                        : std::nullopt;
  };
  int64_t half = headDim / 2;
  if (bound(first, 1) != 0.0 || bound(first, 2) != double(half) ||
      bound(second, 1) != double(half) ||
      bound(second, 2).value_or(0) < double(headDim))
    return fail(concat, "expected rotate_half's slices at head_dim / 2");
  std::string cosValue, sinValue = rot->second;
  if (skipCasts(inputOf(xMul, 0)) == x)
    cosValue = inputOf(xMul, 1);
  else if (skipCasts(inputOf(xMul, 1)) == x)
    cosValue = inputOf(xMul, 0);
  else
    return fail(xMul, "expected x * cos of the same x");
  // cos / sin of Concat(f, f), f = positions * inv_freq.
  auto trig = [&](StringRef v, StringRef op) -> const Node * {
    std::string w = skipCasts(v);
    for (int hops = 0; hops < 3; ++hops) {
      const Node *n = producer(w);
      if (n && n->op_type() == "Unsqueeze") {
        w = skipCasts(inputOf(n, 0));
        continue;
      }
      return n && n->op_type() == op ? n : nullptr;
    }
    return nullptr;
  };
  const Node *cosNode = trig(cosValue, "Cos"), *sinNode = trig(sinValue, "Sin");
  if (!cosNode || !sinNode ||
      skipCasts(inputOf(cosNode, 0)) != skipCasts(inputOf(sinNode, 0)))
    return fail(add, "expected cos and sin of the same angles");
  std::string anglesValue = skipCasts(inputOf(cosNode, 0));
  if (const Node *u = match(anglesValue, "Unsqueeze")) // [.., T, d] heads axis
    anglesValue = skipCasts(inputOf(u, 0));
  const Node *angles = match(anglesValue, "Concat");
  if (!angles || angles->input_size() != 2 ||
      skipCasts(inputOf(angles, 0)) != skipCasts(inputOf(angles, 1)))
    return fail(cosNode, "expected angles Concat(f, f)");
  const Node *freqs = match(inputOf(angles, 0), "Mul");
  auto parts2 = ordered(freqs, [&](const std::string &v) {
    return initializer(skipCasts(v)) != nullptr;
  });
  if (!parts2)
    return fail(angles, "expected positions times inverse frequencies");
  auto invFreq = numbers(parts2->first);
  if (!invFreq || int64_t(invFreq->size()) != half || half < 2)
    return fail(freqs, "expected head_dim / 2 inverse frequencies");
  double theta = std::pow((*invFreq)[1], -double(headDim) / 2.0);
  for (int64_t i = 0; i < half; ++i)
    if (std::fabs((*invFreq)[i] - std::pow(theta, -2.0 * i / headDim)) >
        1e-5 * std::max(1.0, (*invFreq)[i]))
      return fail(freqs, "its inverse frequencies do not follow one theta");
  // Positions: an Unsqueeze of the position_ids input.
  std::string pos = skipCasts(parts2->second);
  for (int hops = 0; hops < 3; ++hops) {
    const Node *n = producer(pos);
    if (!n || n->op_type() != "Unsqueeze")
      break;
    pos = skipCasts(inputOf(n, 0));
  }
  if (!isGraphInput(pos))
    return fail(freqs, "expected positions from a graph input");
  if (!positions.empty() && positions != pos)
    return fail(freqs, "expected the same positions for queries and keys");
  positions = pos;
  return std::make_pair(x, theta);
}

std::string Recognizer::peelScale(StringRef value, double &scale) const {
  std::string v = skipCasts(value);
  const Node *n = producer(v);
  if (!n || n->input_size() != 2 ||
      (n->op_type() != "Mul" && n->op_type() != "Div"))
    return v;
  bool div = n->op_type() == "Div";
  for (int i : {1, 0}) {
    if (div && i == 0)
      break; // c / x is no scaling
    if (auto c = scalar(inputOf(n, i)); c && *c != 0) {
      scale *= div ? 1.0 / *c : *c;
      return skipCasts(inputOf(n, 1 - i));
    }
  }
  return v;
}

std::string Recognizer::pastOf(StringRef value) const {
  std::string v = skipCasts(value);
  if (isGraphInput(v))
    return v;
  // Squeeze(Split(past, axis 0)[i]) or Gather(past, i, axis 0) of a
  // stacked [2, batch, heads, past, dim] input.
  if (const Node *sq = match(v, "Squeeze"))
    if (const Node *split = match(inputOf(sq, 0), "Split");
        split && attrInt(split, "axis").value_or(0) == 0 &&
        isGraphInput(skipCasts(inputOf(split, 0))))
      return skipCasts(inputOf(split, 0)) + "#" +
             std::to_string(outputIndex(skipCasts(inputOf(sq, 0))));
  if (const Node *g = match(v, "Gather");
      g && attrInt(g, "axis").value_or(0) == 0 &&
      isGraphInput(skipCasts(inputOf(g, 0))) && scalar(inputOf(g, 1)))
    return skipCasts(inputOf(g, 0)) + "#" +
           std::to_string(toInt(*scalar(inputOf(g, 1))));
  return "";
}

bool Recognizer::isPresent(StringRef value) const {
  if (isGraphOutput(value))
    return true;
  // Unsqueeze(value, 0) concatenated along axis 0 into a graph output.
  for (const Node *n : consumersOf(value)) {
    if (n->op_type() != "Unsqueeze" || n->output_size() != 1)
      continue;
    for (const Node *c : consumersOf(n->output(0)))
      if (c->op_type() == "Concat" && c->output_size() == 1 &&
          isGraphOutput(c->output(0)) && attrInt(c, "axis").value_or(-1) == 0)
        return true;
  }
  return false;
}

Expected<Attention> Recognizer::matchWrittenAttention(StringRef value,
                                                      bool rotary) const {
  // out = Reshape(Transpose(Reshape(P, [0, heads, -1, dim]), 0213),
  //               [0, 0, heads*dim]),
  // P = Softmax(mask(scale * Q K^T)) V over the presents.
  Attention a;
  const Node *merge = match(value, "Reshape");
  const Node *t = merge ? match(inputOf(merge, 0), "Transpose") : nullptr;
  if (!t || attrInts(t, "perm") != std::vector<int64_t>{0, 2, 1, 3})
    return fail(value, "expected attention heads merged by Transpose "
                       "0213 and Reshape");
  std::string p = inputOf(t, 0);
  if (const Node *r = match(p, "Reshape"))
    p = inputOf(r, 0); // query heads stacked per KV head, unstacked
  const Node *pv = match(p, "MatMul");
  if (!pv)
    return fail(p, "expected softmax(scores) @ values");
  // P is 4-D (its Transpose has four axes): axis 3 is the last too.
  const Node *softmax = match(inputOf(pv, 0), "Softmax");
  int64_t softmaxAxis = softmax ? attrInt(softmax, "axis").value_or(-1) : 0;
  if (!softmax || (softmaxAxis != -1 && softmaxAxis != 3))
    return fail(pv, "expected a softmax over the last axis");
  // The mask: Where(cond, scores, very negative) or scores + additive mask.
  std::string scores = inputOf(softmax, 0);
  std::string mask;
  bool additive = false, multiplicative = false;
  if (const Node *w = match(scores, "Where")) {
    auto low = scalar(inputOf(w, 2));
    if (!low || *low > -1e4)
      return fail(w, "expected masked scores set to a very negative value");
    mask = inputOf(w, 0);
    scores = inputOf(w, 1);
  } else if (const Node *add = match(scores, "Add")) {
    auto parts = ordered(add, [&](const std::string &v) {
      return match(v, "Mul") || match(v, "Div") || match(v, "MatMul");
    });
    if (!parts)
      return fail(add, "expected scores plus a mask");
    scores = parts->first;
    mask = parts->second;
    additive = true;
  } else if (const Node *sub = match(scores, "Sub")) {
    // scores * m - c * (1 - m), m a 0/1 mask (Megatron): m is the mask.
    const Node *kept = match(inputOf(sub, 0), "Mul");
    const Node *dropped = match(inputOf(sub, 1), "Mul");
    auto droppedParts = ordered(
        dropped, [&](const std::string &v) { return scalar(v).has_value(); });
    const Node *complement =
        droppedParts ? match(droppedParts->second, "Sub") : nullptr;
    if (!kept || !droppedParts || *scalar(droppedParts->first) < 1e4 ||
        !complement || scalar(inputOf(complement, 0)) != 1.0)
      return fail(sub, "expected scores * mask - c * (1 - mask), c >= 1e4");
    mask = skipCasts(inputOf(complement, 1));
    multiplicative = true;
    auto keptParts = ordered(
        kept, [&](const std::string &v) { return skipCasts(v) == mask; });
    if (!keptParts)
      return fail(kept, "expected scores times the mask");
    scores = keptParts->second;
  } else {
    return fail(softmax, "expected masked scores");
  }
  if (Error err = checkCausal(mask, additive, softmax, multiplicative))
    return std::move(err);
  // Scale: on the scores, or (bench/export_onnx.py) on the queries.
  const Node *qk = match(skipCasts(scores), "MatMul");
  bool scaleOnQueries = qk != nullptr;
  if (!qk) {
    const Node *scaled = producer(skipCasts(scores));
    if (!scaled || scaled->input_size() != 2 ||
        (scaled->op_type() != "Mul" && scaled->op_type() != "Div"))
      return fail(scores, "expected scores scaled by a constant");
    auto parts = ordered(scaled, [&](const std::string &v) {
      return match(v, "MatMul") != nullptr;
    });
    if (!parts || !scalar(parts->second))
      return fail(scaled, "expected scores scaled by a constant");
    double c = *scalar(parts->second);
    a.scale = scaled->op_type() == "Mul" ? c : 1.0 / c;
    qk = match(parts->first, "MatMul");
  }
  // Keys: Transpose(Unsqueeze?(present_k)) swapping the last two axes,
  // maybe scaled (Megatron scales queries and keys by 1/sqrt(sqrt(d))).
  double keyScale = 1.0;
  std::string keys = peelScale(inputOf(qk, 1), keyScale);
  // The keys' past and new parts, and whether the new ones are split into
  // heads already transposed ([batch, heads, dim, tokens]).
  std::string pastK, newK;
  bool keysTransposed = false;
  auto sequenceAxis = [&](const Node *cat, bool last) {
    int64_t axis = attrInt(cat, "axis").value_or(0);
    return last ? axis == 3 || axis == -1 : axis == 2 || axis == -2;
  };
  auto present = [&](StringRef v) -> std::string {
    std::string w = skipCasts(v);
    if (const Node *u = producer(w); u && u->op_type() == "Unsqueeze")
      w = skipCasts(inputOf(u, 0));
    return w;
  };
  if (const Node *catKT = match(keys, "Concat");
      catKT && catKT->input_size() == 2 && sequenceAxis(catKT, true)) {
    // Keys concatenated transposed (PyTorch 1.6's GPT-2): Concat(past^T,
    // k^T) along the last axis, the present its transpose back.
    const Node *pastT = match(inputOf(catKT, 0), "Transpose");
    bool presentBack = false;
    for (const Node *n : consumersOf(keys))
      if (n->op_type() == "Transpose" && n->output_size() == 1 &&
          attrInts(n, "perm") == std::vector<int64_t>{0, 1, 3, 2} &&
          isPresent(n->output(0)))
        presentBack = true;
    if (!pastT || attrInts(pastT, "perm") != std::vector<int64_t>{0, 1, 3, 2} ||
        !presentBack)
      return fail(qk, "expected transposed keys: the past's transpose and "
                      "the new keys', their transpose a present output");
    pastK = inputOf(pastT, 0);
    newK = inputOf(catKT, 1);
    keysTransposed = true;
  } else {
    // Keys: Transpose(Unsqueeze?(present_k)) swapping the last two axes,
    // maybe scaled (Megatron scales queries and keys by 1/sqrt(sqrt(d))).
    const Node *kt = match(keys, "Transpose");
    auto perm = kt ? attrInts(kt, "perm") : std::nullopt;
    if (!perm || perm->size() < 4 ||
        (*perm)[perm->size() - 1] != int64_t(perm->size()) - 2)
      return fail(qk, "expected queries @ transposed keys");
    std::string presentK = present(inputOf(kt, 0));
    const Node *catK = producer(presentK);
    if (!catK || catK->op_type() != "Concat" || catK->input_size() != 2 ||
        !sequenceAxis(catK, false) || !isPresent(presentK))
      return fail(qk, "expected keys and values: past inputs concatenated "
                      "with the new ones along axis 2, as present outputs");
    pastK = inputOf(catK, 0);
    newK = inputOf(catK, 1);
  }
  std::string presentV = present(inputOf(pv, 1));
  const Node *catV = producer(presentV);
  if (!catV || catV->op_type() != "Concat" || catV->input_size() != 2 ||
      pastOf(pastK).empty() || pastOf(inputOf(catV, 0)).empty() ||
      pastOf(pastK) == pastOf(inputOf(catV, 0)) || !isPresent(presentV) ||
      !sequenceAxis(catV, false))
    return fail(qk, "expected keys and values: past inputs concatenated "
                    "with the new ones along axis 2, as present outputs");
  // Queries: maybe stacked per KV head by a Reshape, [0, kv, group, -1,
  // dim] or [batch, kv, -1, dim] (group x tokens rows per KV head).
  std::string qValue = skipCasts(inputOf(qk, 0));
  int64_t stackedKv = 0;
  if (const Node *r = producer(qValue); r && r->op_type() == "Reshape") {
    auto shape = numbers(inputOf(r, 1));
    if (!shape || (shape->size() != 5 && shape->size() != 4))
      return fail(r, "expected queries stacked as [batch, kv_heads, group, "
                     "tokens, head_dim] or [batch, kv_heads, -1, head_dim]");
    stackedKv = toInt((*shape)[1]);
    qValue = skipCasts(inputOf(r, 0));
  }
  if (scaleOnQueries) {
    double queryScale = 1.0;
    std::string unscaled = peelScale(qValue, queryScale);
    if (unscaled == qValue && keyScale == 1.0)
      return fail(qk, "expected scores or queries scaled by a constant");
    a.scale = queryScale * keyScale;
    qValue = unscaled;
  } else if (keyScale != 1.0) {
    a.scale *= keyScale;
  }
  // Rotary embedding on the split heads of q and k.
  int64_t headDim = 0;
  std::string positions;
  auto headsOf = [&](StringRef v, bool rotated, std::string &projection,
                     int64_t &count, bool transposed = false) -> Error {
    std::string heads = skipCasts(v);
    if (rotated) {
      // Find head_dim from the split first: rope's pattern needs it.
      const Node *add = match(heads, "Add");
      if (!add)
        return fail(heads, "expected a rotary embedding");
      auto ropeParts = ordered(add, [&](const std::string &w) {
        const Node *m = match(w, "Mul");
        return m && !(match(inputOf(m, 0), "Concat") ||
                      match(inputOf(m, 1), "Concat"));
      });
      if (!ropeParts)
        return fail(add, "expected x * cos + rotate_half(x) * sin");
      const Node *xMul = match(ropeParts->first, "Mul");
      // x is whichever input of x * cos is split heads.
      for (const std::string &in : xMul->input()) {
        auto s = matchSplitHeads(in);
        if (!s) {
          consumeError(s.takeError());
          continue;
        }
        count = s->second[0];
        headDim = s->second[1];
        break;
      }
      if (!headDim)
        return fail(xMul, "expected x * cos of split heads");
      auto r = matchWrittenRope(heads, headDim, positions);
      if (!r)
        return r.takeError();
      if (a.theta != 0 && std::fabs(a.theta - r->second) > 1e-6 * a.theta)
        return fail(add, "expected one rope theta for queries and keys");
      a.theta = r->second;
      heads = r->first;
    }
    auto split = matchSplitHeads(heads, transposed);
    if (!split)
      return split.takeError();
    projection = split->first;
    count = split->second[0];
    if (headDim && split->second[1] != headDim)
      return fail(heads, "expected one head_dim");
    headDim = split->second[1];
    return Error::success();
  };
  if (Error err = headsOf(qValue, rotary, a.q, a.heads))
    return std::move(err);
  if (Error err = headsOf(newK, rotary, a.k, a.kvHeads, keysTransposed))
    return std::move(err);
  int64_t vHeads = 0;
  if (Error err = headsOf(inputOf(catV, 1), false, a.v, vHeads))
    return std::move(err);
  if (vHeads != a.kvHeads || (stackedKv && stackedKv != a.kvHeads) ||
      a.heads % a.kvHeads)
    return fail(qk, "expected one number of KV heads dividing the query "
                    "heads");
  a.headDim = headDim;
  a.positions = positions;
  return a;
}

Expected<Attention> Recognizer::matchAttention(StringRef value) const {
  std::string v = skipCasts(value);
  if (const Node *n = producer(v);
      n && (n->op_type() == "MultiHeadAttention" ||
            n->op_type() == "GroupQueryAttention")) {
    if (outputIndex(v) != 0)
      return fail(n, "expected its attention output");
    return matchContribAttention(n);
  }
  return matchWrittenAttention(value);
}

/// The LM head `head` of `d`: tied when it reads the embedding `table` as
/// stored (x @ table^T), else its own weight.
static void setHead(RecognizedDecoder &d, const Linear &head, StringRef table) {
  d.config.tieWordEmbeddings =
      head.weight.initializer == table && !head.weight.transposed;
  if (!d.config.tieWordEmbeddings)
    d.weights["lm_head.weight"] = head.weight;
}

//===----------------------------------------------------------------------===//
// GPT-2: LayerNorm, GELU, learned positions, one fused q/k/v projection
//===----------------------------------------------------------------------===//

Expected<LayerNorm> Recognizer::matchLayerNorm(StringRef value) const {
  const Node *node = producer(skipCasts(value));
  if (!node)
    return fail(value, "expected a LayerNorm");
  LayerNorm norm;
  if (node->op_type() == "LayerNormalization") {
    if (outputIndex(skipCasts(value)) != 0 ||
        attrInt(node, "axis").value_or(-1) != -1 || node->input_size() < 3 ||
        !initializer(skipCasts(inputOf(node, 1))) ||
        !initializer(skipCasts(inputOf(node, 2))))
      return fail(node, "expected a LayerNormalization over the last axis "
                        "with weight and bias initializers");
    norm.input = skipCasts(inputOf(node, 0));
    norm.weight = skipCasts(inputOf(node, 1));
    norm.bias = skipCasts(inputOf(node, 2));
    norm.epsilon = attrFloat(node, "epsilon").value_or(1e-5);
    return norm;
  }
  // Written out: (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * w + b.
  auto isInit = [&](const std::string &v) {
    return initializer(skipCasts(v)) != nullptr;
  };
  auto shifted =
      node->op_type() == "Add" ? ordered(node, isInit) : std::nullopt;
  if (!shifted)
    return fail(node, "expected a LayerNorm (x - mean) / sqrt(var + eps) * "
                      "w + b");
  norm.bias = skipCasts(shifted->first);
  const Node *scaled = match(shifted->second, "Mul");
  auto scaledParts = ordered(scaled, isInit);
  if (!scaledParts)
    return fail(node, "expected a LayerNorm's scale by a weight initializer");
  norm.weight = skipCasts(scaledParts->first);
  const Node *div = match(scaledParts->second, "Div");
  if (!div || div->input_size() != 2)
    return fail(scaled, "expected (x - mean) / sqrt(var + eps)");
  // x - mean(x), maybe written twice (numerator and variance).
  auto centered = [&](StringRef v, std::string &x) {
    const Node *sub = match(v, "Sub");
    if (!sub || sub->input_size() != 2)
      return false;
    const Node *mean = match(inputOf(sub, 1), "ReduceMean");
    std::optional<std::vector<int64_t>> axes =
        mean ? attrInts(mean, "axes") : std::nullopt;
    if (!axes && mean && mean->input_size() > 1)
      if (auto n = numbers(inputOf(mean, 1)); n && n->size() == 1)
        axes = std::vector<int64_t>{toInt((*n)[0])};
    if (!mean || axes != std::vector<int64_t>{-1} ||
        attrInt(mean, "keepdims").value_or(1) != 1 ||
        skipCasts(inputOf(mean, 0)) != skipCasts(inputOf(sub, 0)))
      return false;
    x = skipCasts(inputOf(sub, 0));
    return true;
  };
  std::string x, x2;
  if (!centered(inputOf(div, 0), x))
    return fail(div, "expected x - mean(x) over the last axis");
  const Node *root = match(inputOf(div, 1), "Sqrt");
  const Node *plus = root ? match(inputOf(root, 0), "Add") : nullptr;
  auto varAndEps = ordered(plus, [&](const std::string &v) {
    return match(v, "ReduceMean") != nullptr;
  });
  if (!varAndEps || !scalar(varAndEps->second))
    return fail(div, "expected sqrt(variance + a constant epsilon)");
  norm.epsilon = *scalar(varAndEps->second);
  const Node *var = match(varAndEps->first, "ReduceMean");
  auto varAxes = attrInts(var, "axes");
  if (!varAxes && var->input_size() > 1)
    if (auto n = numbers(inputOf(var, 1)); n && n->size() == 1)
      varAxes = std::vector<int64_t>{toInt((*n)[0])};
  const Node *square = producer(skipCasts(inputOf(var, 0)));
  bool squares =
      varAxes == std::vector<int64_t>{-1} && square &&
      square->input_size() == 2 &&
      ((square->op_type() == "Pow" && scalar(inputOf(square, 1)) == 2.0 &&
        centered(skipCasts(inputOf(square, 0)), x2)) ||
       (square->op_type() == "Mul" &&
        skipCasts(inputOf(square, 0)) == skipCasts(inputOf(square, 1)) &&
        centered(skipCasts(inputOf(square, 0)), x2)));
  if (!squares || x2 != x)
    return fail(var, "expected the variance of the normalized value");
  norm.input = x;
  return norm;
}

Expected<std::pair<std::string, bool>>
Recognizer::matchGelu(StringRef value) const {
  std::string v = skipCasts(value);
  if (const Node *n = producer(v)) {
    // One node: ai.onnx Gelu (opset 20), com.microsoft Gelu / FastGelu.
    if (n->op_type() == "Gelu" || n->op_type() == "FastGelu") {
      if (n->input_size() > 1 && !inputOf(n, 1).empty())
        return fail(n, "a bias input is not supported");
      bool tanh = n->op_type() == "FastGelu";
      for (const onnx::AttributeProto &a : n->attribute())
        if (a.name() == "approximate")
          tanh = a.s() == "tanh";
      return std::make_pair(skipCasts(inputOf(n, 0)), tanh);
    }
  }
  // Written out: find the one projection output the elementwise subgraph
  // reads, then check what the subgraph computes from it.
  static const char *elementwise[] = {"Mul",  "Add",      "Sub",    "Div",
                                      "Pow",  "Tanh",     "Erf",    "Sqrt",
                                      "Cast", "Identity", "Sigmoid"};
  std::set<std::string> leaves, seen;
  std::vector<std::string> work{v};
  while (!work.empty() && seen.size() < 64) {
    std::string w = work.back();
    work.pop_back();
    if (!seen.insert(w).second)
      continue;
    if (initializer(w))
      continue;
    if (w != v && isProjection(w)) {
      leaves.insert(skipCasts(w));
      continue;
    }
    const Node *n = producer(w);
    if (!n || !llvm::is_contained(elementwise, StringRef(n->op_type())))
      return fail(value, "expected gelu(x) of a projection x");
    for (const std::string &in : n->input())
      work.push_back(in);
  }
  if (leaves.size() != 1 || !work.empty())
    return fail(value, "expected gelu(x) of one projection x");
  std::string x = *leaves.begin();
  GraphEvaluator evaluator(model, producers);
  EvaluatedTensor samples;
  samples.dataType = onnx::TensorProto::FLOAT;
  std::vector<double> points;
  for (int i = 0; i <= 96; ++i)
    points.push_back(-6.0 + i * 0.125);
  samples.shape = {1, int64_t(points.size())};
  samples.values = points;
  evaluator.bind(x, samples);
  auto result = evaluator.evaluate(v);
  if (!result)
    return fail(value, "expected gelu(x); it cannot be evaluated: " +
                           toString(result.takeError()));
  if (result->values.size() != points.size())
    return fail(value, "expected gelu(x), elementwise");
  double tanhError = 0, erfError = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    double p = points[i], got = result->values[i];
    if (!std::isfinite(got))
      return fail(value,
                  "expected gelu(x); it is not finite at " + std::to_string(p));
    double tanhForm =
        0.5 * p *
        (1 + std::tanh(std::sqrt(2 / M_PI) * (p + 0.044715 * p * p * p)));
    double erfForm = 0.5 * p * (1 + std::erf(p / std::sqrt(2.0)));
    tanhError = std::max(tanhError, std::fabs(got - tanhForm));
    erfError = std::max(erfError, std::fabs(got - erfForm));
  }
  // The two forms differ by up to 5e-4; f32 constants by ~1e-7.
  if (!(std::min(tanhError, erfError) <= 2e-5))
    return fail(value, "expected gelu(x): it differs from both GELU forms by "
                       "at least " +
                           std::to_string(std::min(tanhError, erfError)));
  return std::make_pair(x, tanhError < erfError);
}

Expected<Recognizer::Embeddings> Recognizer::findEmbeddings() const {
  // The token ids input: integer, rank 2, neither positions nor a mask.
  std::string ids;
  int64_t steps = 3;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    const auto &t = input.type().tensor_type();
    StringRef name = input.name();
    if (isGraphInput(name) && t.shape().dim_size() == 2 &&
        (t.elem_type() == onnx::TensorProto::INT64 ||
         t.elem_type() == onnx::TensorProto::INT32) &&
        !name.contains("position") && !name.contains("mask")) {
      ids = name.str();
      // An export declared for one new token at a time is checked so.
      if (t.shape().dim(1).has_dim_value() && t.shape().dim(1).dim_value() == 1)
        steps = 1;
    }
  }
  if (ids.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no token ids input found");
  auto gatherOfTable = [&](StringRef v) -> const Node * {
    const Node *g = match(v, "Gather");
    if (!g || attrInt(g, "axis").value_or(0) != 0)
      return nullptr;
    const onnx::TensorProto *t = initializer(skipCasts(inputOf(g, 0)));
    return t && t->dims_size() == 2 ? g : nullptr;
  };
  for (const Node &n : graph.node()) {
    if (n.op_type() != "Add" || n.input_size() != 2 || n.output_size() != 1)
      continue;
    const Node *a = gatherOfTable(inputOf(&n, 0)),
               *b = gatherOfTable(inputOf(&n, 1));
    if (!a || !b)
      continue;
    // Which Gather reads what, for a prompt and for a step after a past.
    Embeddings e;
    e.sum = n.output(0);
    e.idsInput = ids;
    for (int64_t past : {int64_t(0), int64_t(2)}) {
      GraphEvaluator evaluator(model, producers);
      bindDecoderStep(evaluator, graph, steps, past);
      EvaluatedTensor idValues;
      idValues.dataType = onnx::TensorProto::INT64;
      idValues.shape = {1, steps};
      for (int64_t i = 0; i < steps; ++i)
        idValues.values.push_back(double(i + 1));
      evaluator.bind(ids, idValues);
      for (const Node *g : {a, b}) {
        auto v = evaluator.evaluate(inputOf(g, 1));
        if (!v) {
          consumeError(v.takeError());
          return fail(g, "expected token ids or positions whose values "
                         "follow from the inputs");
        }
        bool isIds = true, isPositions = true;
        if (int64_t(v->values.size()) != steps)
          isIds = isPositions = false;
        for (size_t i = 0; i < v->values.size(); ++i) {
          isIds &= v->values[i] == double(i + 1);
          isPositions &= v->values[i] == double(past + int64_t(i));
        }
        if (isIds && (!e.tokens || e.tokens == g))
          e.tokens = g;
        else if (isPositions && (!e.positions || e.positions == g))
          e.positions = g;
        else
          return fail(g, "expected the token ids or positions past + i as "
                         "its indices");
      }
    }
    if (!e.tokens || !e.positions)
      return fail(&n, "expected a token and a position embedding");
    std::string pos = skipCasts(inputOf(e.positions, 1));
    if (isGraphInput(pos))
      e.positionsInput = pos;
    return e;
  }
  return createStringError(inconvertibleErrorCode(),
                           "no token and position embeddings found");
}

Expected<RecognizedDecoder> Recognizer::runGPT2(const Linear *head,
                                                const LayerNorm &finalNorm,
                                                StringRef output) {
  RecognizedDecoder d;
  HFConfig &config = d.config;
  config.architecture = "GPT2LMHeadModel";
  config.family = DecoderFamily::GPT2;
  config.qkvBias = config.outputBias = true;
  config.ropeTheta = 0;
  config.normEps = shortestDecimal(float(finalNorm.epsilon));
  if (!(config.normEps > 0) || !std::isfinite(config.normEps))
    return fail(finalNorm.input, "expected a positive, finite epsilon");
  auto embeddings = findEmbeddings();
  if (!embeddings)
    return embeddings.takeError();
  std::string wte = skipCasts(inputOf(embeddings->tokens, 0));
  std::string wpe = skipCasts(inputOf(embeddings->positions, 0));
  const onnx::TensorProto *wteT = initializer(wte), *wpeT = initializer(wpe);
  int64_t vocab = head ? head->shape[1] : wteT->dims(0);
  int64_t hidden = head ? head->shape[0] : wteT->dims(1);
  // Sizes products are taken of (3 x hidden, heads x head_dim).
  if (vocab <= 0 || hidden <= 0 || hidden > (int64_t(1) << 30) ||
      wpeT->dims(0) < 2)
    return fail(embeddings->sum, "expected embeddings of positive size and "
                                 "at least two positions");
  d.logits = output.str();
  d.weights["transformer.ln_f.weight"] = {finalNorm.weight, false};
  d.weights["transformer.ln_f.bias"] = {finalNorm.bias, false};
  // Masks are checked at positions the learned table has.
  positionLimit = std::min(positionLimit, wpeT->dims(0));

  struct Layer {
    LayerNorm ln1, ln2;
    Linear qkv, proj, fc, out;
    Attention attention;
    bool geluTanh = true;
  };
  std::vector<Layer> layers;
  std::string stream = finalNorm.input, embedded;
  auto residual = [&](StringRef s) { return splitResidual(Stream{s.str()}); };
  for (int guard = 0; guard < 4096; ++guard) {
    Layer layer;
    // h = mid + mlp.c_proj(gelu(c_fc(ln_2(mid))))
    auto mlp = residual(stream);
    if (!mlp)
      return mlp.takeError();
    auto out = matchLinear(mlp->second);
    if (!out)
      return out.takeError();
    auto gelu = matchGelu(out->input);
    if (!gelu)
      return gelu.takeError();
    layer.geluTanh = gelu->second;
    auto fc = matchLinear(gelu->first);
    if (!fc)
      return fc.takeError();
    auto ln2 = matchLayerNorm(fc->input);
    if (!ln2)
      return ln2.takeError();
    std::string mid = skipCasts(mlp->first.value);
    if (skipCasts(ln2->input) != mid)
      return fail(fc->input, "expected the MLP to read the post-attention "
                             "residual stream");
    // mid = prev + c_proj(attention(split(c_attn(ln_1(prev)))))
    auto attn = residual(mid);
    if (!attn)
      return attn.takeError();
    auto proj = matchLinear(attn->second);
    if (!proj)
      return proj.takeError();
    auto attention = matchWrittenAttention(proj->input, /*rotary=*/false);
    if (!attention)
      return attention.takeError();
    // q, k and v: the three equal parts of one projection, in order.
    const Node *split = match(attention->q, "Split");
    if (!split || split->output_size() != 3 ||
        skipCasts(attention->q) != split->output(0) ||
        skipCasts(attention->k) != split->output(1) ||
        skipCasts(attention->v) != split->output(2))
      return fail(attention->q, "expected q, k and v split from one "
                                "projection");
    int64_t axis = attrInt(split, "axis").value_or(0);
    auto sizes = attrInts(split, "split");
    if (!sizes && split->input_size() > 1)
      if (auto n = numbers(inputOf(split, 1))) {
        sizes.emplace();
        for (double x : *n)
          sizes->push_back(toInt(x));
      }
    if ((axis != -1 && axis != 2) ||
        (sizes && *sizes != std::vector<int64_t>(3, hidden)))
      return fail(split, "expected three equal parts of the last axis");
    auto qkv = matchLinear(inputOf(split, 0));
    if (!qkv)
      return qkv.takeError();
    auto ln1 = matchLayerNorm(qkv->input);
    if (!ln1)
      return ln1.takeError();
    std::string prev = skipCasts(attn->first.value);
    if (skipCasts(ln1->input) != prev)
      return fail(qkv->input, "expected attention to read the layer's input "
                              "residual stream");
    layer.ln1 = *ln1;
    layer.ln2 = *ln2;
    layer.qkv = *qkv;
    layer.proj = *proj;
    layer.fc = *fc;
    layer.out = *out;
    layer.attention = *attention;
    layers.push_back(std::move(layer));
    // The first layer reads wte[ids] + wpe[positions] (maybe + 0, a
    // token type embedding the export folded).
    std::string start = prev;
    if (const Node *add = match(prev, "Add"))
      if (auto zero = ordered(add, [&](const std::string &v) {
            auto n = numbers(v);
            return n && llvm::all_of(*n, [](double x) { return x == 0; });
          }))
        start = skipCasts(zero->second);
    if (start == embeddings->sum) {
      embedded = start;
      break;
    }
    stream = prev;
  }
  if (embedded.empty())
    return createStringError(inconvertibleErrorCode(),
                             "the layers do not start at the embeddings");
  if (wteT->dims(0) != vocab || wteT->dims(1) != hidden ||
      wpeT->dims(1) != hidden)
    return fail(embedded, "expected embeddings of [vocab, hidden] = [" +
                              Twine(vocab) + ", " + Twine(hidden) + "]");
  d.inputIds = embeddings->idsInput;
  d.positionIds = embeddings->positionsInput;
  d.weights["transformer.wte.weight"] = {wte, false};
  d.weights["transformer.wpe.weight"] = {wpe, false};
  if (!head) {
    // GPT2Model: no LM head; `forward` returns the final hidden states.
    config.architecture = "GPT2Model";
    config.hasLMHead = false;
  } else {
    setHead(d, *head, wte);
  }

  std::reverse(layers.begin(), layers.end());
  config.numLayers = layers.size();
  config.vocabSize = vocab;
  config.hiddenSize = hidden;
  config.maxPositionEmbeddings = wpeT->dims(0);
  const Layer &first = layers.front();
  config.numHeads = config.numKvHeads = first.attention.heads;
  config.headDim = first.attention.headDim;
  config.intermediateSize = first.fc.shape[1];
  config.geluTanh = first.geluTanh;
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer &l = layers[i];
    const Attention &att = l.attention;
    std::string prefix = "transformer.h." + std::to_string(i);
    if (att.heads != config.numHeads || att.kvHeads != att.heads ||
        att.headDim != config.headDim || att.heads * att.headDim != hidden ||
        l.geluTanh != config.geluTanh)
      return fail(l.proj.input, "layer " + Twine(i) +
                                    " differs from layer 0, or its heads do "
                                    "not make up the hidden size");
    double scale =
        att.scale == 0 ? 1.0 / std::sqrt(double(att.headDim)) : att.scale;
    if (!(std::fabs(scale * std::sqrt(double(att.headDim)) - 1) <= 1e-5))
      return fail(l.proj.input, "expected the attention scale "
                                "1/sqrt(head_dim)");
    for (const LayerNorm *ln : {&l.ln1, &l.ln2})
      if (!(std::fabs(ln->epsilon - config.normEps) <= 1e-3 * config.normEps))
        return fail(l.qkv.input, "expected one LayerNorm epsilon");
    auto expect = [&](const Linear &lin, int64_t in, int64_t out,
                      StringRef role) -> Error {
      if (lin.shape != std::vector<int64_t>{in, out})
        return fail(lin.input, "expected " + role + " to map " + Twine(in) +
                                   " to " + Twine(out) + " features");
      if (lin.bias.empty() || lin.weight.nbits)
        return fail(lin.input, role + ": expected a float weight and a bias");
      d.weights[prefix + "." + role.str() + ".weight"] = lin.weight;
      d.weights[prefix + "." + role.str() + ".bias"] = {lin.bias, false};
      return Error::success();
    };
    int64_t inner = config.intermediateSize;
    for (auto [lin, in, out, role] :
         {std::tuple{&l.qkv, hidden, 3 * hidden, "attn.c_attn"},
          std::tuple{&l.proj, hidden, hidden, "attn.c_proj"},
          std::tuple{&l.fc, hidden, inner, "mlp.c_fc"},
          std::tuple{&l.out, inner, hidden, "mlp.c_proj"}})
      if (Error err = expect(*lin, in, out, role))
        return std::move(err);
    for (auto [ln, name] : {std::pair{&l.ln1, "ln_1"}, {&l.ln2, "ln_2"}}) {
      d.weights[prefix + "." + name + ".weight"] = {ln->weight, false};
      d.weights[prefix + "." + name + ".bias"] = {ln->bias, false};
    }
  }
  return d;
}

//===----------------------------------------------------------------------===//
// The whole decoder
//===----------------------------------------------------------------------===//

Expected<RecognizedDecoder> Recognizer::run() {
  RecognizedDecoder d;
  HFConfig &config = d.config;
  config.architecture = "LlamaForCausalLM";
  if (!graphOutputs.count("logits")) {
    // An export that ends in hidden states (GPT2Model): its first output
    // is the final LayerNorm's, maybe reshaped.
    std::string out = graph.output_size() ? graph.output(0).name() : "";
    std::string normed = out;
    if (const Node *r = match(out, "Reshape"))
      normed = skipCasts(inputOf(r, 0));
    if (!normed.empty()) {
      auto ln = matchLayerNorm(normed);
      if (ln)
        return runGPT2(nullptr, *ln, out);
      consumeError(ln.takeError());
    }
    return createStringError(inconvertibleErrorCode(),
                             "no graph output named 'logits'");
  }
  d.logits = "logits";

  // LM head and the final norm.
  auto head = matchLinear("logits");
  if (!head)
    return head.takeError();
  if (!head->bias.empty())
    return fail("logits", "a bias on the LM head is not supported");
  auto finalNorm = matchNorm(head->input);
  if (!finalNorm) {
    // GPT-2 style: a LayerNorm (with a bias) before the head.
    auto layerNorm = matchLayerNorm(head->input);
    if (layerNorm) {
      consumeError(finalNorm.takeError());
      return runGPT2(&*head, *layerNorm, "logits");
    }
    consumeError(layerNorm.takeError());
    return finalNorm.takeError();
  }
  config.normEps = shortestDecimal(float(finalNorm->epsilon));
  if (!(config.normEps > 0) || !std::isfinite(config.normEps))
    return fail(finalNorm->weight, "expected a positive, finite epsilon");
  d.weights["model.norm.weight"] = {finalNorm->weight, false};
  int64_t vocab = head->shape[1], hidden = head->shape[0];

  // Layers, last first.
  struct Layer {
    Norm in, post;
    Linear q, k, v, o, gate, up, down;
    Attention attention;
  };
  std::vector<Layer> layers;
  Stream stream = finalNorm->input;
  std::string embedded;
  for (int guard = 0; guard < 4096; ++guard) {
    // h = mid + down(...)
    auto mlp = splitResidual(stream);
    if (!mlp)
      return mlp.takeError();
    Layer layer;
    auto down = matchLinear(mlp->second);
    if (!down)
      return down.takeError();
    layer.down = *down;
    std::string gate, up;
    auto swiglu = matchSwiGLU(down->input, gate, up);
    if (!swiglu)
      return swiglu.takeError();
    auto g = matchLinear(gate), u = matchLinear(up);
    if (!g)
      return g.takeError();
    if (!u)
      return u.takeError();
    layer.gate = *g;
    layer.up = *u;
    if (skipCasts(g->input) != skipCasts(u->input))
      return fail(gate, "expected gate and up projections of one input");
    auto post = matchNorm(g->input);
    if (!post)
      return post.takeError();
    layer.post = *post;
    // The post-attention norm reads the stream after attention: its input
    // must be what the MLP residual adds to.
    Stream mid = mlp->first;
    if (!sameStream(post->input, mid))
      return fail(gate, "expected the MLP to read the post-attention "
                        "residual stream");
    // mid = prev + o_proj(attention(...))
    auto attn = splitResidual(mid);
    if (!attn)
      return attn.takeError();
    auto o = matchLinear(attn->second);
    if (!o)
      return o.takeError();
    layer.o = *o;
    auto attention = matchAttention(o->input);
    if (!attention)
      return attention.takeError();
    layer.attention = *attention;
    auto q = matchLinear(attention->q), k = matchLinear(attention->k),
         v = matchLinear(attention->v);
    if (!q)
      return q.takeError();
    if (!k)
      return k.takeError();
    if (!v)
      return v.takeError();
    layer.q = *q;
    layer.k = *k;
    layer.v = *v;
    if (skipCasts(q->input) != skipCasts(k->input) ||
        skipCasts(q->input) != skipCasts(v->input))
      return fail(attention->q, "expected q, k and v projections of one "
                                "input");
    auto in = matchNorm(q->input);
    if (!in)
      return in.takeError();
    layer.in = *in;
    Stream prev = attn->first;
    if (!sameStream(in->input, prev))
      return fail(attention->q, "expected attention to read the layer's "
                                "input residual stream");
    layers.push_back(std::move(layer));
    // The first layer's input is the embedding.
    if (!prev.skip) {
      const Node *gather = match(prev.value, "Gather");
      if (gather) {
        embedded = prev.value;
        break;
      }
      stream = prev;
    } else {
      // A SkipSimplifiedLayerNormalization's sum: the previous layer's
      // output (its inputs are the previous mid and down projection).
      stream = prev;
    }
  }
  if (embedded.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no embedding Gather of the token ids found");
  const Node *gather = match(embedded, "Gather");
  std::string table = skipCasts(inputOf(gather, 0));
  const onnx::TensorProto *tableT = initializer(table);
  if (!tableT || tableT->dims_size() != 2 ||
      attrInt(gather, "axis").value_or(0) != 0 ||
      !isGraphInput(skipCasts(inputOf(gather, 1))))
    return fail(gather, "expected the embedding table gathered by the "
                        "token ids input");
  d.inputIds = skipCasts(inputOf(gather, 1));
  if (tableT->dims(0) != vocab || tableT->dims(1) != hidden)
    return fail(gather, "expected an embedding of [vocab, hidden] = [" +
                            Twine(vocab) + ", " + Twine(hidden) + "]");
  d.weights["model.embed_tokens.weight"] = {table, false};
  setHead(d, *head, table);

  // The layers, first first; their facts must agree.
  std::reverse(layers.begin(), layers.end());
  config.numLayers = layers.size();
  config.vocabSize = vocab;
  config.hiddenSize = hidden;
  const Attention &first = layers.front().attention;
  config.numHeads = first.heads;
  config.numKvHeads = first.kvHeads;
  config.intermediateSize = layers.front().gate.shape[1];
  d.positionIds = first.positions;
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer &l = layers[i];
    Attention &att = l.attention;
    std::string prefix = "model.layers." + std::to_string(i);
    if (att.headDim == 0) // contrib ops: from the projection's width
      att.headDim = l.q.shape[1] / att.heads;
    if (att.theta == 0 && att.rotaryCaches) {
      const Node *g = att.rotaryCaches;
      auto theta = thetaOfCaches(g, inputOf(g, 7), inputOf(g, 8), att.headDim);
      if (!theta)
        return theta.takeError();
      att.theta = *theta;
    }
    if (att.theta == 0) {
      // com.microsoft::RotaryEmbedding before the attention node.
      const Node *r =
          match(inputOf(producer(skipCasts(l.o.input)), 0), "RotaryEmbedding");
      if (!r)
        return fail(l.o.input, "expected a rotary embedding on the queries");
      auto theta = thetaOfCaches(r, inputOf(r, 2), inputOf(r, 3), att.headDim);
      if (!theta)
        return theta.takeError();
      att.theta = *theta;
    }
    if (att.scale == 0)
      att.scale = 1.0 / std::sqrt(double(att.headDim));
    if (att.heads != config.numHeads || att.kvHeads != config.numKvHeads ||
        (i && att.headDim != config.headDim) ||
        (i &&
         std::fabs(att.theta - config.ropeTheta) > 1e-6 * config.ropeTheta) ||
        att.positions != d.positionIds)
      return fail(l.o.input, "layer " + Twine(i) +
                                 " differs from layer 0 in its attention");
    config.headDim = att.headDim;
    config.ropeTheta = roundFigure(att.theta, 1e-6);
    if (!(std::fabs(att.scale * std::sqrt(double(att.headDim)) - 1) <= 1e-5))
      return fail(l.o.input, "expected the attention scale 1/sqrt(head_dim)");
    if (!(std::fabs(l.in.epsilon - config.normEps) <= 1e-3 * config.normEps) ||
        !(std::fabs(l.post.epsilon - config.normEps) <= 1e-3 * config.normEps))
      return fail(l.q.input, "expected one RMSNorm epsilon");
    int64_t qDim = config.numHeads * att.headDim,
            kvDim = config.numKvHeads * att.headDim;
    // Biases: on all of q, k and v or none (Qwen2, Llama's attention_bias),
    // on o_proj or not (Llama's attention_bias), never on the MLP; the same
    // in every layer.
    bool qkvBias = !l.q.bias.empty();
    if (!l.k.bias.empty() != qkvBias || !l.v.bias.empty() != qkvBias)
      return fail(l.q.input, "expected biases on all of q, k and v, or none");
    bool outputBias = !l.o.bias.empty();
    if (i == 0) {
      config.qkvBias = qkvBias;
      config.outputBias = outputBias;
    } else if (qkvBias != config.qkvBias || outputBias != config.outputBias) {
      return fail(l.q.input,
                  "layer " + Twine(i) + " differs from layer 0 in its biases");
    }
    auto expect = [&](const Linear &lin, int64_t in, int64_t out,
                      StringRef role) -> Error {
      if (lin.shape != std::vector<int64_t>{in, out})
        return fail(lin.input, "expected " + role + " to map " + Twine(in) +
                                   " to " + Twine(out) + " features");
      if (!lin.bias.empty() && StringRef(role).starts_with("mlp."))
        return fail(lin.input, role + ": a bias is not supported");
      d.weights[prefix + "." + role.str() + ".weight"] = lin.weight;
      if (!lin.bias.empty())
        d.weights[prefix + "." + role.str() + ".bias"] = {lin.bias, false};
      return Error::success();
    };
    for (auto [lin, in, out, role] :
         {std::tuple{&l.q, hidden, qDim, "self_attn.q_proj"},
          std::tuple{&l.k, hidden, kvDim, "self_attn.k_proj"},
          std::tuple{&l.v, hidden, kvDim, "self_attn.v_proj"},
          std::tuple{&l.o, qDim, hidden, "self_attn.o_proj"},
          std::tuple{&l.gate, hidden, config.intermediateSize, "mlp.gate_proj"},
          std::tuple{&l.up, hidden, config.intermediateSize, "mlp.up_proj"},
          std::tuple{&l.down, config.intermediateSize, hidden,
                     "mlp.down_proj"}})
      if (Error err = expect(*lin, in, out, role))
        return std::move(err);
    d.weights[prefix + ".input_layernorm.weight"] = {l.in.weight, false};
    d.weights[prefix + ".post_attention_layernorm.weight"] = {l.post.weight,
                                                              false};
  }
  // GroupQueryAttention's do_rotary needs none: positions follow from
  // the sequence lengths, as the session's do.
  // Biases on q, k and v alone are Qwen2's; with o_proj's too, Llama's
  // attention_bias.
  if (config.qkvBias && !config.outputBias)
    config.architecture = "Qwen2ForCausalLM";
  if (d.positionIds.empty() && !layers.front().attention.rotaryCaches)
    return createStringError(inconvertibleErrorCode(),
                             "no position ids input found");
  return d;
}

} // namespace

Expected<RecognizedDecoder> recognizeDecoder(const OnnxModel &model) {
  return Recognizer(model).run();
}

} // namespace llmc
