//===- DecoderBuilder.h - The llm form of a decoder -------------*- C++ -*-===//
//
// Both frontends meet here: a Hugging Face checkpoint and a lifted ONNX
// export describe the same decoder (an HFConfig and where each tensor is),
// and this builds its `forward` entry point from llm ops, so that every
// llm-level transform and the runtime's session path serve both alike.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_HF_DECODERBUILDER_H
#define LLMC_COMPILER_HF_DECODERBUILDER_H

#include "compiler/hf/HFConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// A decoder tensor as the WeightSource serves it.
struct DecoderWeight {
  std::string name;
  mlir::Type elementType; // f32, f16 or bf16; i4 when pre-quantized
  /// The `!llm.packed_weight` a pre-quantized weight is served as
  /// (WeightSource::servesPacked); null for a weight stored as is.
  mlir::Type packed;
};

/// Where a decoder's tensors come from. Roles are Hugging Face tensor names
/// ("model.layers.0.self_attn.q_proj.weight"), shapes PyTorch's
/// ([out_features, in_features] for a linear layer).
class DecoderWeights {
public:
  virtual ~DecoderWeights();
  /// The tensor playing `role`, of `shape`, or an error naming what is
  /// missing or wrong.
  virtual llvm::Expected<DecoderWeight> lookup(llvm::StringRef role,
                                               llvm::ArrayRef<int64_t> shape,
                                               mlir::MLIRContext *context) = 0;
};

/// The entry point buildDecoder adds: the model's `forward`, or a
/// self-draft (`llmc compile --draft-quantize`): the same decoder, maybe
/// cut after its first layers (an early exit through the final norm and
/// the LM head), whose linear layers are quantized its own way.
struct DecoderEntry {
  std::string name = "forward";
  /// The layers it runs; 0 for all.
  int64_t layers = 0;
  /// For a self-draft, the quantization of its linear layers (none, int8
  /// or int4); empty for the model's own entry point.
  std::string draftQuantization;
};

/// Adds `func.func @forward(tokens, positions, kv_cache) -> (logits,
/// kv_cache)` of the decoder `config` describes to `module` (or the entry
/// `entry` names), with its facts as the module's `llm.model` (not for a
/// draft). Weights become `llm.weight` ops named as `weights` serves them.
llvm::Error buildDecoder(mlir::ModuleOp module, const HFConfig &config,
                         DecoderWeights &weights, int64_t contextLength,
                         const DecoderEntry &entry = {});

} // namespace llmc

#endif // LLMC_COMPILER_HF_DECODERBUILDER_H
