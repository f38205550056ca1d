//===- DecoderBuilder.cpp - The llm form of a Llama-family decoder --------===//
//
// Llama, Mistral and Qwen2 share one decoder layout:
//
//   h = embed_tokens[tokens]
//   for each layer:
//     a = o_proj(attention(rope(q_proj(norm(h))), rope(k_proj(norm(h))),
//                          v_proj(norm(h))))          ; q/k/v biases: Qwen2
//     h = h + a
//     h = h + down_proj(silu(gate_proj(norm(h))) * up_proj(norm(h)))
//   logits = lm_head(norm(h))                          ; tied: embed_tokens
//
// Hugging Face stores q/k rows in rotate_half order, so rotary embeddings use
// that convention (a lifted ONNX export is checked to use it too).
//
// GPT-2 differs in every part but the attention itself:
//
//   h = wte[tokens] + wpe[positions]
//   for each layer:
//     q, k, v = split(c_attn(ln_1(h)))                 ; one fused projection
//     h = h + c_proj(attention(q, k, v))
//     h = h + mlp.c_proj(gelu(c_fc(ln_2(h))))
//   logits = lm_head(ln_f(h))                          ; tied: wte
//
// with LayerNorm (weight and bias) and a bias on every projection.
//
//===----------------------------------------------------------------------===//

#include "compiler/hf/DecoderBuilder.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <cmath>

using namespace mlir;
using llvm::Twine;

namespace llmc {

DecoderWeights::~DecoderWeights() = default;

namespace {

class DecoderBuilder {
public:
  DecoderBuilder(ModuleOp module, const HFConfig &config,
                 DecoderWeights &weights, int64_t contextLength,
                 const DecoderEntry &entry)
      : module(module), config(config), weights(weights),
        builder(module.getContext()), loc(module.getLoc()),
        contextLength(contextLength), entry(entry),
        numLayers(entry.layers > 0 ? entry.layers : config.numLayers) {}

  llvm::Error build();

private:
  /// `llm.weight` of the tensor playing `role`, of `shape`.
  llvm::Expected<Value> weight(const Twine &role, ArrayRef<int64_t> shape);
  /// Splits [tokens, heads*headDim] into [tokens, heads, headDim].
  Value splitHeads(Value x, int64_t heads);
  /// Merges [tokens, heads, headDim] back into [tokens, heads*headDim].
  Value mergeHeads(Value x);
  llvm::Expected<Value> linear(Value x, const Twine &prefix, int64_t out,
                               int64_t in, bool bias);
  llvm::Expected<Value> rmsNorm(Value x, const Twine &name);
  /// LayerNorm with `prefix`.weight and `prefix`.bias.
  llvm::Expected<Value> layerNorm(Value x, const Twine &prefix);
  /// Columns [offset, offset + width) of [tokens, n] `x`.
  Value columns(Value x, int64_t offset, int64_t width);
  llvm::Expected<Value> attention(int64_t layer, Value q, Value k, Value v,
                                  Value &cache);
  llvm::Error buildLayer(int64_t layer, Value &hidden, Value &cache);
  llvm::Error buildGPT2Layer(int64_t layer, Value &hidden, Value &cache);
  bool isGPT2() const { return config.family == DecoderFamily::GPT2; }

  RankedTensorType activations(ArrayRef<int64_t> trailing) {
    SmallVector<int64_t> shape{ShapedType::kDynamic};
    shape.append(trailing.begin(), trailing.end());
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  ModuleOp module;
  const HFConfig &config;
  DecoderWeights &weights;
  OpBuilder builder;
  Location loc;
  int64_t contextLength;
  const DecoderEntry &entry;
  /// The layers this entry point runs.
  int64_t numLayers;
  Value positions;
  Value numTokens;
};

llvm::Expected<Value> DecoderBuilder::weight(const Twine &role,
                                             ArrayRef<int64_t> shape) {
  auto found = weights.lookup(role.str(), shape, builder.getContext());
  if (!found)
    return found.takeError();
  auto type = RankedTensorType::get(shape, found->elementType);
  Value weight = llm::WeightOp::create(builder, loc, type,
                                       builder.getStringAttr(found->name));
  // A pre-quantized weight is read in the layout it is served in.
  if (auto packed = dyn_cast_if_present<llm::PackedWeightType>(found->packed))
    return llm::PackWeightOp::create(builder, loc, packed, weight).getResult();
  return weight;
}

Value DecoderBuilder::splitHeads(Value x, int64_t heads) {
  auto type = activations({heads, config.headDim});
  SmallVector<OpFoldResult> outputShape{numTokens, builder.getIndexAttr(heads),
                                        builder.getIndexAttr(config.headDim)};
  return tensor::ExpandShapeOp::create(
      builder, loc, type, x, ArrayRef<ReassociationIndices>{{0}, {1, 2}},
      outputShape);
}

Value DecoderBuilder::mergeHeads(Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  auto merged = activations({type.getDimSize(1) * type.getDimSize(2)});
  return tensor::CollapseShapeOp::create(
      builder, loc, merged, x, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
}

llvm::Expected<Value> DecoderBuilder::linear(Value x, const Twine &prefix,
                                             int64_t out, int64_t in,
                                             bool bias) {
  auto w = weight(prefix + ".weight", {out, in});
  if (!w)
    return w.takeError();
  Value b;
  if (bias) {
    auto bw = weight(prefix + ".bias", {out});
    if (!bw)
      return bw.takeError();
    b = *bw;
  }
  return llm::LinearOp::create(builder, loc, activations({out}), x, *w, b)
      .getResult();
}

llvm::Expected<Value> DecoderBuilder::rmsNorm(Value x, const Twine &name) {
  auto w = weight(name, {config.hiddenSize});
  if (!w)
    return w.takeError();
  return llm::RmsNormOp::create(builder, loc, x.getType(), x, *w,
                                builder.getF64FloatAttr(config.normEps))
      .getResult();
}

llvm::Expected<Value> DecoderBuilder::layerNorm(Value x, const Twine &prefix) {
  auto w = weight(prefix + ".weight", {config.hiddenSize});
  if (!w)
    return w.takeError();
  auto b = weight(prefix + ".bias", {config.hiddenSize});
  if (!b)
    return b.takeError();
  return llm::LayerNormOp::create(builder, loc, x.getType(), x, *w, *b,
                                  builder.getF64FloatAttr(config.normEps))
      .getResult();
}

Value DecoderBuilder::columns(Value x, int64_t offset, int64_t width) {
  SmallVector<OpFoldResult> offsets{builder.getIndexAttr(0),
                                    builder.getIndexAttr(offset)};
  SmallVector<OpFoldResult> sizes{numTokens, builder.getIndexAttr(width)};
  SmallVector<OpFoldResult> strides(2, builder.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(builder, loc, activations({width}), x,
                                        offsets, sizes, strides);
}

llvm::Expected<Value> DecoderBuilder::attention(int64_t layer, Value q, Value k,
                                                Value v, Value &cache) {
  IntegerAttr window;
  if (config.slidingWindow && *config.slidingWindow < contextLength)
    window = builder.getI64IntegerAttr(*config.slidingWindow);
  auto attention = llm::AttentionOp::create(
      builder, loc, q.getType(), cache.getType(), q, k, v, positions, cache,
      builder.getI64IntegerAttr(config.numHeads),
      builder.getI64IntegerAttr(config.numKvHeads),
      builder.getF64FloatAttr(1.0 / std::sqrt(double(config.headDim))),
      builder.getUnitAttr(), window, builder.getI64IntegerAttr(layer));
  cache = attention.getUpdatedCache();
  return mergeHeads(attention.getResult());
}

llvm::Error DecoderBuilder::buildGPT2Layer(int64_t layer, Value &hidden,
                                           Value &cache) {
  std::string prefix = "transformer.h." + std::to_string(layer);
  int64_t hiddenSize = config.hiddenSize;

  auto normed = layerNorm(hidden, prefix + ".ln_1");
  if (!normed)
    return normed.takeError();
  // One projection for q, k and v, split by columns.
  auto qkv = linear(*normed, prefix + ".attn.c_attn", 3 * hiddenSize,
                    hiddenSize, /*bias=*/true);
  if (!qkv)
    return qkv.takeError();
  Value q = splitHeads(columns(*qkv, 0, hiddenSize), config.numHeads);
  Value k = splitHeads(columns(*qkv, hiddenSize, hiddenSize), config.numHeads);
  Value v =
      splitHeads(columns(*qkv, 2 * hiddenSize, hiddenSize), config.numHeads);
  auto attended = attention(layer, q, k, v, cache);
  if (!attended)
    return attended.takeError();
  auto o = linear(*attended, prefix + ".attn.c_proj", hiddenSize, hiddenSize,
                  /*bias=*/true);
  if (!o)
    return o.takeError();
  hidden = llm::AddOp::create(builder, loc, hidden, *o);

  auto normed2 = layerNorm(hidden, prefix + ".ln_2");
  if (!normed2)
    return normed2.takeError();
  int64_t inner = config.intermediateSize;
  auto up = linear(*normed2, prefix + ".mlp.c_fc", inner, hiddenSize, true);
  if (!up)
    return up.takeError();
  auto approximation = config.geluTanh ? llm::GeluApproximation::Tanh
                                       : llm::GeluApproximation::None;
  Value act = llm::GeluOp::create(
      builder, loc, *up,
      llm::GeluApproximationAttr::get(builder.getContext(), approximation));
  auto down = linear(act, prefix + ".mlp.c_proj", hiddenSize, inner, true);
  if (!down)
    return down.takeError();
  hidden = llm::AddOp::create(builder, loc, hidden, *down);
  return llvm::Error::success();
}

llvm::Error DecoderBuilder::buildLayer(int64_t layer, Value &hidden,
                                       Value &cache) {
  std::string prefix = "model.layers." + std::to_string(layer);
  int64_t qDim = config.numHeads * config.headDim;
  int64_t kvDim = config.numKvHeads * config.headDim;
  int64_t hiddenSize = config.hiddenSize;

  auto normed = rmsNorm(hidden, prefix + ".input_layernorm.weight");
  if (!normed)
    return normed.takeError();
  auto q = linear(*normed, prefix + ".self_attn.q_proj", qDim, hiddenSize,
                  config.qkvBias);
  if (!q)
    return q.takeError();
  auto k = linear(*normed, prefix + ".self_attn.k_proj", kvDim, hiddenSize,
                  config.qkvBias);
  if (!k)
    return k.takeError();
  auto v = linear(*normed, prefix + ".self_attn.v_proj", kvDim, hiddenSize,
                  config.qkvBias);
  if (!v)
    return v.takeError();

  auto style =
      llm::RopeStyleAttr::get(builder.getContext(), llm::RopeStyle::RotateHalf);
  auto theta = builder.getF64FloatAttr(config.ropeTheta);
  Value qHeads = splitHeads(*q, config.numHeads);
  Value kHeads = splitHeads(*k, config.numKvHeads);
  Value vHeads = splitHeads(*v, config.numKvHeads);
  Value qRot = llm::RotaryEmbeddingOp::create(builder, loc, qHeads.getType(),
                                              qHeads, positions, theta, style);
  Value kRot = llm::RotaryEmbeddingOp::create(builder, loc, kHeads.getType(),
                                              kHeads, positions, theta, style);

  auto attended = attention(layer, qRot, kRot, vHeads, cache);
  if (!attended)
    return attended.takeError();
  auto o = linear(*attended, prefix + ".self_attn.o_proj", hiddenSize, qDim,
                  config.outputBias);
  if (!o)
    return o.takeError();
  hidden = llm::AddOp::create(builder, loc, hidden, *o);

  auto normed2 = rmsNorm(hidden, prefix + ".post_attention_layernorm.weight");
  if (!normed2)
    return normed2.takeError();
  int64_t ffn = config.intermediateSize;
  auto gate =
      linear(*normed2, prefix + ".mlp.gate_proj", ffn, hiddenSize, false);
  if (!gate)
    return gate.takeError();
  auto up = linear(*normed2, prefix + ".mlp.up_proj", ffn, hiddenSize, false);
  if (!up)
    return up.takeError();
  Value act = llm::SwiGLUOp::create(builder, loc, *gate, *up);
  auto down = linear(act, prefix + ".mlp.down_proj", hiddenSize, ffn, false);
  if (!down)
    return down.takeError();
  hidden = llm::AddOp::create(builder, loc, hidden, *down);
  return llvm::Error::success();
}

llvm::Error DecoderBuilder::build() {
  MLIRContext *ctx = builder.getContext();

  // Facts the artifact manifest and the runtime need, kept on the module.
  SmallVector<NamedAttribute> facts;
  auto fact = [&](StringRef name, Attribute value) {
    facts.push_back(builder.getNamedAttr(name, value));
  };
  fact("architecture", builder.getStringAttr(config.architecture));
  fact("vocab_size", builder.getI64IntegerAttr(config.vocabSize));
  fact("hidden_size", builder.getI64IntegerAttr(config.hiddenSize));
  fact("intermediate_size", builder.getI64IntegerAttr(config.intermediateSize));
  fact("num_layers", builder.getI64IntegerAttr(config.numLayers));
  fact("num_heads", builder.getI64IntegerAttr(config.numHeads));
  fact("num_kv_heads", builder.getI64IntegerAttr(config.numKvHeads));
  fact("head_dim", builder.getI64IntegerAttr(config.headDim));
  fact("context_length", builder.getI64IntegerAttr(contextLength));
  fact("max_position_embeddings",
       builder.getI64IntegerAttr(config.maxPositionEmbeddings));
  // GPT-2 has neither; its LayerNorm epsilon is in the ops.
  if (!isGPT2()) {
    fact("rope_theta", builder.getF64FloatAttr(config.ropeTheta));
    fact("rms_norm_eps", builder.getF64FloatAttr(config.normEps));
  }
  fact("tie_word_embeddings", builder.getBoolAttr(config.tieWordEmbeddings));
  if (config.slidingWindow)
    fact("sliding_window", builder.getI64IntegerAttr(*config.slidingWindow));
  if (config.bosTokenId)
    fact("bos_token_id", builder.getI64IntegerAttr(*config.bosTokenId));
  fact("eos_token_ids", builder.getI64ArrayAttr(config.eosTokenIds));
  bool draft = !entry.draftQuantization.empty();
  if (!draft)
    module->setAttr(llm::LLMDialect::ModelAttrHelper::getNameStr(),
                    builder.getDictionaryAttr(facts));

  auto cacheType =
      llm::KVCacheType::get(ctx, numLayers, config.numKvHeads, config.headDim,
                            contextLength, builder.getF32Type());
  auto tokensType =
      RankedTensorType::get({ShapedType::kDynamic}, builder.getI32Type());
  auto positionsType =
      RankedTensorType::get({ShapedType::kDynamic}, builder.getI64Type());
  // Without an LM head, forward returns the final hidden states.
  auto logitsType =
      activations({config.hasLMHead ? config.vocabSize : config.hiddenSize});
  auto funcType = builder.getFunctionType(
      {tokensType, positionsType, cacheType}, {logitsType, cacheType});

  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, loc, entry.name, funcType);
  llm::LLMDialect::setEntryPoint(func);
  if (draft)
    func->setAttr(llm::LLMDialect::DraftAttrHelper::getNameStr(),
                  builder.getStringAttr(entry.draftQuantization));
  const char *argNames[] = {"tokens", "positions", "kv_cache"};
  for (auto [i, name] : llvm::enumerate(argNames))
    func.setArgAttr(i, llm::LLMDialect::kNameAttr, builder.getStringAttr(name));
  const char *resultNames[] = {config.hasLMHead ? "logits" : "hidden_states",
                               "kv_cache"};
  for (auto [i, name] : llvm::enumerate(resultNames))
    func.setResultAttr(i, llm::LLMDialect::kNameAttr,
                       builder.getStringAttr(name));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToStart(body);
  Value tokens = body->getArgument(0);
  positions = body->getArgument(1);
  Value cache = body->getArgument(2);
  numTokens = tensor::DimOp::create(builder, loc, tokens, 0);

  auto table =
      weight(isGPT2() ? "transformer.wte.weight" : "model.embed_tokens.weight",
             {config.vocabSize, config.hiddenSize});
  if (!table)
    return table.takeError();
  Value hidden = llm::EmbeddingOp::create(
      builder, loc, activations({config.hiddenSize}), *table, tokens);
  if (isGPT2()) {
    // Learned positions: the runtime keeps positions below the context
    // length, which must then have a row of the table.
    if (contextLength > config.maxPositionEmbeddings)
      return llvm::createStringError(
          "--context-length=" + Twine(contextLength) + " exceeds the " +
          Twine(config.maxPositionEmbeddings) +
          " learned positions of this GPT-2 (n_positions)");
    auto wpe = weight("transformer.wpe.weight",
                      {config.maxPositionEmbeddings, config.hiddenSize});
    if (!wpe)
      return wpe.takeError();
    Value placed = llm::EmbeddingOp::create(
        builder, loc, activations({config.hiddenSize}), *wpe, positions);
    hidden = llm::AddOp::create(builder, loc, hidden, placed);
  }

  for (int64_t layer = 0; layer < numLayers; ++layer)
    if (llvm::Error err = isGPT2() ? buildGPT2Layer(layer, hidden, cache)
                                   : buildLayer(layer, hidden, cache))
      return err;

  auto normed = isGPT2() ? layerNorm(hidden, "transformer.ln_f")
                         : rmsNorm(hidden, "model.norm.weight");
  if (!normed)
    return normed.takeError();
  if (!config.hasLMHead) {
    func::ReturnOp::create(builder, loc, ValueRange{*normed, cache});
    return llvm::Error::success();
  }
  Value head = *table;
  if (!config.tieWordEmbeddings) {
    auto untied =
        weight("lm_head.weight", {config.vocabSize, config.hiddenSize});
    if (!untied)
      return untied.takeError();
    head = *untied;
  }
  Value logits = llm::LMHeadOp::create(builder, loc, logitsType, *normed, head);
  func::ReturnOp::create(builder, loc, ValueRange{logits, cache});
  return llvm::Error::success();
}

} // namespace

llvm::Error buildDecoder(ModuleOp module, const HFConfig &config,
                         DecoderWeights &weights, int64_t contextLength,
                         const DecoderEntry &entry) {
  module.getContext()
      ->loadDialect<llm::LLMDialect, func::FuncDialect, tensor::TensorDialect,
                    arith::ArithDialect>();
  if (!entry.draftQuantization.empty() && !config.hasLMHead)
    return llvm::createStringError(
        "--draft-quantize: the model has no LM head, so no draft of it can "
        "propose tokens");
  if (entry.layers < 0 || entry.layers > config.numLayers)
    return llvm::createStringError(
        "--draft-layers=" + Twine(entry.layers) + ": expected 1 to the " +
        Twine(config.numLayers) + " layers of the model");
  return DecoderBuilder(module, config, weights, contextLength, entry).build();
}

} // namespace llmc
