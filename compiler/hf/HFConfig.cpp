//===- HFConfig.cpp - The facts of a Hugging Face config.json -------------===//

#include "compiler/hf/HFConfig.h"
#include "compiler/support/FileError.h"
#include "compiler/support/ParseJson.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <limits>

using namespace llvm;

namespace llmc {

StringRef getSupportedHFArchitectures() {
  return "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, "
         "GPT2LMHeadModel";
}

namespace {
/// Typed field access that turns a wrong type into an error naming the key.
class ConfigReader {
public:
  ConfigReader(StringRef path, const json::Object &object)
      : path(path), object(object) {}

  Error integer(StringRef key, int64_t &out, bool required) {
    const json::Value *value = object.get(key);
    if (!value || value->kind() == json::Value::Null) {
      if (required)
        return fileError(path, "missing required integer '" + key + "'");
      return Error::success();
    }
    std::optional<int64_t> v = value->getAsInteger();
    if (!v)
      return fileError(path, "'" + key + "' must be an integer");
    out = *v;
    return Error::success();
  }

  Error optionalInteger(StringRef key, std::optional<int64_t> &out) {
    int64_t v = 0;
    if (!has(key))
      return Error::success();
    if (Error err = integer(key, v, /*required=*/true))
      return err;
    out = v;
    return Error::success();
  }

  Error number(StringRef key, double &out) {
    if (!has(key))
      return Error::success();
    std::optional<double> v = object.get(key)->getAsNumber();
    if (!v)
      return fileError(path, "'" + key + "' must be a number");
    out = *v;
    return Error::success();
  }

  Error boolean(StringRef key, bool &out) {
    if (!has(key))
      return Error::success();
    std::optional<bool> v = object.get(key)->getAsBoolean();
    if (!v)
      return fileError(path, "'" + key + "' must be true or false");
    out = *v;
    return Error::success();
  }

  /// An integer or a list of integers (eos_token_id may be either).
  Error integerList(StringRef key, SmallVectorImpl<int64_t> &out) {
    if (!has(key))
      return Error::success();
    const json::Value *value = object.get(key);
    if (std::optional<int64_t> v = value->getAsInteger()) {
      out.push_back(*v);
      return Error::success();
    }
    const json::Array *array = value->getAsArray();
    if (!array)
      return fileError(path, "'" + key + "' must be an integer or a list");
    for (const json::Value &item : *array) {
      std::optional<int64_t> v = item.getAsInteger();
      if (!v)
        return fileError(path, "'" + key + "' must list integers");
      out.push_back(*v);
    }
    return Error::success();
  }

  Error string(StringRef key, std::string &out) {
    if (!has(key))
      return Error::success();
    std::optional<StringRef> v = object.get(key)->getAsString();
    if (!v)
      return fileError(path, "'" + key + "' must be a string");
    out = v->str();
    return Error::success();
  }

  bool has(StringRef key) const {
    const json::Value *value = object.get(key);
    return value && value->kind() != json::Value::Null;
  }

private:
  StringRef path;
  const json::Object &object;
};
} // namespace

/// What every architecture's config.json may say about its tokens.
static Error readTokenFacts(ConfigReader &read, HFConfig &config) {
  if (Error err = read.boolean("tie_word_embeddings", config.tieWordEmbeddings))
    return err;
  if (Error err = read.optionalInteger("bos_token_id", config.bosTokenId))
    return err;
  return read.integerList("eos_token_id", config.eosTokenIds);
}

/// Every size positive.
static Error checkPositive(StringRef path,
                           ArrayRef<std::pair<const char *, int64_t>> sizes) {
  for (const auto &[key, value] : sizes)
    if (value <= 0)
      return fileError(path, "'" + Twine(key) + "' must be positive, got " +
                                 Twine(value));
  return Error::success();
}

/// GPT-2's config.json (transformers' GPT2Config names and defaults).
static Expected<HFConfig> parseGPT2(StringRef path, ConfigReader &read,
                                    HFConfig config) {
  config.family = DecoderFamily::GPT2;
  config.tieWordEmbeddings = true;
  config.qkvBias = config.outputBias = true;
  config.ropeTheta = 0;
  config.normEps = 1e-5;
  if (Error err = read.integer("vocab_size", config.vocabSize, true))
    return std::move(err);
  if (Error err = read.integer("n_embd", config.hiddenSize, true))
    return std::move(err);
  if (Error err = read.integer("n_layer", config.numLayers, true))
    return std::move(err);
  if (Error err = read.integer("n_head", config.numHeads, true))
    return std::move(err);
  if (Error err =
          read.integer("n_positions", config.maxPositionEmbeddings, true))
    return std::move(err);
  config.intermediateSize = 4 * config.hiddenSize;
  if (Error err = read.integer("n_inner", config.intermediateSize, false))
    return std::move(err);
  if (Error err = read.number("layer_norm_epsilon", config.normEps))
    return std::move(err);
  if (Error err = readTokenFacts(read, config))
    return std::move(err);
  std::string activation = "gelu_new";
  if (Error err = read.string("activation_function", activation))
    return std::move(err);
  if (activation == "gelu_new" || activation == "gelu_pytorch_tanh" ||
      activation == "gelu_fast")
    config.geluTanh = true;
  else if (activation == "gelu")
    config.geluTanh = false;
  else
    return fileError(path, "unsupported 'activation_function' \"" + activation +
                               "\" (expected gelu_new, gelu_pytorch_tanh, "
                               "gelu_fast or gelu)");
  // Variants of the attention the builder does not write.
  bool scaleWeights = true;
  if (Error err = read.boolean("scale_attn_weights", scaleWeights))
    return std::move(err);
  if (!scaleWeights)
    return fileError(path, "'scale_attn_weights': false is not supported");
  for (const char *key : {"scale_attn_by_inverse_layer_idx",
                          "reorder_and_upcast_attn", "add_cross_attention"}) {
    bool on = false;
    if (Error err = read.boolean(key, on))
      return std::move(err);
    if (on)
      return fileError(path, "'" + Twine(key) + "': true is not supported");
  }
  if (Error err =
          checkPositive(path, {{"vocab_size", config.vocabSize},
                               {"n_embd", config.hiddenSize},
                               {"n_inner", config.intermediateSize},
                               {"n_layer", config.numLayers},
                               {"n_head", config.numHeads},
                               {"n_positions", config.maxPositionEmbeddings}}))
    return std::move(err);
  if (config.hiddenSize % config.numHeads != 0)
    return fileError(path, "n_embd (" + Twine(config.hiddenSize) +
                               ") must be a multiple of n_head (" +
                               Twine(config.numHeads) + ")");
  // The fused projection is 3 * n_embd wide.
  if (config.hiddenSize > std::numeric_limits<int64_t>::max() / 4)
    return fileError(path, "'n_embd' is too large");
  config.numKvHeads = config.numHeads;
  config.headDim = config.hiddenSize / config.numHeads;
  if (!(config.normEps > 0))
    return fileError(path, "'layer_norm_epsilon' must be positive");
  return config;
}

Expected<HFConfig> parseHFConfig(StringRef path) {
  if (Error err = checkRegularFile(path))
    return std::move(err);
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return parseHFConfigText(path, (*buffer)->getBuffer());
}

Expected<HFConfig> parseHFConfigText(StringRef path, StringRef text) {
  Expected<json::Value> root = parseJson(path, text);
  if (!root)
    return root.takeError();
  const json::Object *object = root->getAsObject();
  if (!object)
    return fileError(path, "expected a JSON object");

  HFConfig config;
  const json::Array *architectures = object->getArray("architectures");
  if (!architectures || architectures->empty() ||
      !(*architectures)[0].getAsString())
    return fileError(path, "missing 'architectures' (expected one of " +
                               getSupportedHFArchitectures() + ")");
  config.architecture = (*architectures)[0].getAsString()->str();
  StringRef arch = config.architecture;
  bool isLlama = arch == "LlamaForCausalLM";
  bool isMistral = arch == "MistralForCausalLM";
  bool isQwen2 = arch == "Qwen2ForCausalLM";
  ConfigReader read(path, *object);
  if (arch == "GPT2LMHeadModel")
    return parseGPT2(path, read, std::move(config));
  if (!isLlama && !isMistral && !isQwen2)
    return fileError(
        path, "unsupported architecture '" + arch +
                  "' (supported: " + getSupportedHFArchitectures() + ")");

  if (Error err = read.integer("vocab_size", config.vocabSize, true))
    return std::move(err);
  if (Error err = read.integer("hidden_size", config.hiddenSize, true))
    return std::move(err);
  if (Error err =
          read.integer("intermediate_size", config.intermediateSize, true))
    return std::move(err);
  if (Error err = read.integer("num_hidden_layers", config.numLayers, true))
    return std::move(err);
  if (Error err = read.integer("num_attention_heads", config.numHeads, true))
    return std::move(err);
  if (Error err = read.integer("max_position_embeddings",
                               config.maxPositionEmbeddings, true))
    return std::move(err);
  config.numKvHeads = config.numHeads;
  if (Error err = read.integer("num_key_value_heads", config.numKvHeads, false))
    return std::move(err);
  if (config.numHeads > 0)
    config.headDim = config.hiddenSize / config.numHeads;
  if (Error err = read.integer("head_dim", config.headDim, false))
    return std::move(err);
  if (Error err = read.number("rms_norm_eps", config.normEps))
    return std::move(err);
  if (Error err = read.number("rope_theta", config.ropeTheta))
    return std::move(err);
  if (Error err = readTokenFacts(read, config))
    return std::move(err);

  // Biases: Qwen2 always has q/k/v biases; Llama and Mistral have them (and an
  // output bias) only with attention_bias.
  bool attentionBias = false;
  if (Error err = read.boolean("attention_bias", attentionBias))
    return std::move(err);
  config.qkvBias = isQwen2 || attentionBias;
  config.outputBias = !isQwen2 && attentionBias;
  bool mlpBias = false;
  if (Error err = read.boolean("mlp_bias", mlpBias))
    return std::move(err);
  if (mlpBias)
    return fileError(path, "'mlp_bias': true is not supported");

  // Sliding windows: Mistral applies sliding_window to every layer; Qwen2
  // only with use_sliding_window, and then only above max_window_layers.
  if (isMistral) {
    if (Error err =
            read.optionalInteger("sliding_window", config.slidingWindow))
      return std::move(err);
  } else if (isQwen2) {
    bool useSlidingWindow = false;
    if (Error err = read.boolean("use_sliding_window", useSlidingWindow))
      return std::move(err);
    if (useSlidingWindow)
      return fileError(path, "'use_sliding_window': true is not supported for "
                             "Qwen2ForCausalLM");
  }

  if (object->get("hidden_act")) {
    std::optional<StringRef> act = object->getString("hidden_act");
    if (!act || *act != "silu")
      return fileError(path, "unsupported 'hidden_act' (expected \"silu\")");
  }
  if (read.has("rope_scaling"))
    return fileError(path, "'rope_scaling' is not supported yet (expected "
                           "null)");

  // Geometry: every size positive and the heads consistent.
  struct {
    const char *key;
    int64_t value;
  } sizes[] = {{"vocab_size", config.vocabSize},
               {"hidden_size", config.hiddenSize},
               {"intermediate_size", config.intermediateSize},
               {"num_hidden_layers", config.numLayers},
               {"num_attention_heads", config.numHeads},
               {"num_key_value_heads", config.numKvHeads},
               {"head_dim", config.headDim},
               {"max_position_embeddings", config.maxPositionEmbeddings}};
  for (const auto &size : sizes)
    if (size.value <= 0)
      return fileError(path, "'" + Twine(size.key) +
                                 "' must be positive, got " +
                                 Twine(size.value));
  if (config.numHeads % config.numKvHeads != 0)
    return fileError(path, "num_attention_heads (" + Twine(config.numHeads) +
                               ") must be a multiple of num_key_value_heads (" +
                               Twine(config.numKvHeads) + ")");
  if (config.headDim % 2 != 0)
    return fileError(path, "head_dim (" + Twine(config.headDim) +
                               ") must be even for rotary embeddings");
  if (config.normEps <= 0 || config.ropeTheta <= 0)
    return fileError(path, "'rms_norm_eps' and 'rope_theta' must be positive");
  if (config.slidingWindow && *config.slidingWindow <= 0)
    return fileError(path, "'sliding_window' must be positive");
  return config;
}

} // namespace llmc
