//===- HFConfig.h - The facts of a Hugging Face config.json -----*- C++ -*-===//
//
// Reads `config.json` of a decoder-only checkpoint into the
// architecture-neutral facts the builder needs, with Hugging Face's defaults
// applied and every unsupported feature refused by name rather than silently
// ignored.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_HF_HFCONFIG_H
#define LLMC_COMPILER_HF_HFCONFIG_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace llmc {

/// The two decoder layouts the builder knows.
enum class DecoderFamily {
  /// Llama, Mistral, Qwen2: RMSNorm, rotary positions, separate q/k/v
  /// projections, a SwiGLU MLP.
  Llama,
  /// GPT-2: LayerNorm with biases, learned position embeddings, one fused
  /// q/k/v projection, a GELU MLP, biases on every projection, a tied head.
  GPT2,
};

struct HFConfig {
  /// `architectures[0]`, e.g. "LlamaForCausalLM".
  std::string architecture;
  DecoderFamily family = DecoderFamily::Llama;
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t maxPositionEmbeddings = 0;
  /// The norms' epsilon (RMSNorm's for Llama, LayerNorm's for GPT-2).
  double normEps = 1e-6;
  /// GPT-2: GELU with the tanh approximation ("gelu_new") or exact ("gelu").
  bool geluTanh = true;
  double ropeTheta = 10000.0;
  bool tieWordEmbeddings = false;
  /// False for a decoder that ends in its hidden states (GPT2Model, an
  /// ONNX export without an LM head): `forward` returns those.
  bool hasLMHead = true;
  /// Biases on the q/k/v projections (Qwen2 always, Llama's attention_bias).
  bool qkvBias = false;
  /// Biases on the attention output projection (Llama's attention_bias).
  bool outputBias = false;
  /// Mistral's sliding attention window, when it has one.
  std::optional<int64_t> slidingWindow;
  std::optional<int64_t> bosTokenId;
  llvm::SmallVector<int64_t, 2> eosTokenIds;
};

/// The architectures `parseHFConfig` accepts, for error messages and --help.
llvm::StringRef getSupportedHFArchitectures();

/// Parses and validates `path` (a config.json).
llvm::Expected<HFConfig> parseHFConfig(llvm::StringRef path);
/// The same for `text`, the contents of `path`.
llvm::Expected<HFConfig> parseHFConfigText(llvm::StringRef path,
                                           llvm::StringRef text);

} // namespace llmc

#endif // LLMC_COMPILER_HF_HFCONFIG_H
