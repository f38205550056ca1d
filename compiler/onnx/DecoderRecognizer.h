//===- DecoderRecognizer.h - Llama-family decoders in ONNX exports -*- C++
//-*-===//
//
// Reads what a decoder-only ONNX export computes, layer by layer, from its
// node graph: embedding Gather, RMSNorm (written out, or
// [Skip]SimplifiedLayerNormalization), q/k/v projections, rotary embedding
// (written out with cos/sin of positions, or com.microsoft::RotaryEmbedding),
// causal attention over past + new keys (written out, or
// com.microsoft::MultiHeadAttention / GroupQueryAttention), o_proj and the
// residual, the SwiGLU MLP, the final norm and the LM head. When every part
// matches, the export is the same decoder a Hugging Face checkpoint
// describes: an HFConfig and the initializer behind each Hugging Face tensor
// role, which DecoderBuilder turns into llm ops. Nothing is assumed: a node
// that breaks the pattern is named in the error.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_ONNX_DECODERRECOGNIZER_H
#define LLMC_COMPILER_ONNX_DECODERRECOGNIZER_H

#include "compiler/hf/HFConfig.h"
#include "compiler/onnx/OnnxModel.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// The initializer behind a decoder tensor. A linear layer's weight stored
/// for `x @ W` ([in, out]) is `transposed`.
struct LiftedWeight {
  std::string initializer;
  bool transposed = false;
  /// The com.microsoft::MatMulNBits node whose B `initializer` is: the
  /// weight is pre-quantized, [out, in] in 4-bit blocks.
  const onnx::NodeProto *nbits = nullptr;
};

struct RecognizedDecoder {
  /// The decoder, as config.json would describe it (LlamaForCausalLM).
  HFConfig config;
  /// By Hugging Face tensor name ("model.layers.0.self_attn.q_proj.weight").
  llvm::StringMap<LiftedWeight> weights;
  /// The export's graph inputs and outputs the decoder reads and writes.
  std::string inputIds, positionIds, logits;
};

/// The Llama-family decoder `model` computes, or an error naming the node
/// where the export stops matching one.
llvm::Expected<RecognizedDecoder> recognizeDecoder(const OnnxModel &model);

} // namespace llmc

#endif // LLMC_COMPILER_ONNX_DECODERRECOGNIZER_H
