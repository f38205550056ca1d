//===- HFImporter.cpp - Hugging Face checkpoint to the llm dialect --------===//
//
// The checkpoint's config.json describes the decoder; its safetensors hold
// the tensors by their Hugging Face names. DecoderBuilder does the rest.
//
//===----------------------------------------------------------------------===//

#include "compiler/hf/HFImporter.h"
#include "compiler/hf/DecoderBuilder.h"
#include "compiler/support/FileError.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

#include <cstring>

using namespace mlir;
using llvm::Twine;

namespace llmc {
namespace {

/// The checkpoint's tensors, by name, checked against the config's shapes.
class CheckpointWeights : public DecoderWeights {
public:
  explicit CheckpointWeights(const HFCheckpoint &checkpoint)
      : checkpoint(checkpoint), config(checkpoint.getConfig()) {}

  llvm::Expected<DecoderWeight> lookup(llvm::StringRef role,
                                       ArrayRef<int64_t> shape,
                                       MLIRContext *context) override;
  /// Refuses checkpoint tensors the model never read: a config.json that
  /// disagrees with its weights (3 layers declared, 5 stored) would
  /// otherwise compile and generate garbage.
  llvm::Error checkAllTensorsUsed() const;

private:
  const HFCheckpoint &checkpoint;
  const HFConfig &config;
  llvm::StringSet<> used;
};

llvm::Expected<DecoderWeight> CheckpointWeights::lookup(llvm::StringRef role,
                                                        ArrayRef<int64_t> shape,
                                                        MLIRContext *context) {
  std::string name = role.str();
  Builder builder(context);
  const SafetensorsTensor *tensor = checkpoint.lookup(name);
  // OpenAI's GPT-2 checkpoints name the transformer's tensors without the
  // "transformer." of GPT2LMHeadModel.
  if (!tensor && config.family == DecoderFamily::GPT2 &&
      role.starts_with("transformer.")) {
    if (const SafetensorsTensor *bare =
            checkpoint.lookup(role.drop_front(strlen("transformer.")))) {
      tensor = bare;
      name = role.drop_front(strlen("transformer.")).str();
    }
  }
  used.insert(name);
  if (!tensor)
    return fileError(checkpoint.getWeightsPath(), "missing tensor '" + name +
                                                      "' required by " +
                                                      config.architecture);
  StringRef file = checkpoint.getFileOf(name);
  // GPT-2's projections are Conv1D layers, stored [in, out]: served
  // transposed, as the [out, in] of llm.linear.
  bool conv1D =
      config.family == DecoderFamily::GPT2 &&
      (role.ends_with(".c_attn.weight") || role.ends_with(".c_proj.weight") ||
       role.ends_with(".c_fc.weight"));
  SmallVector<int64_t> stored(shape);
  if (conv1D)
    std::reverse(stored.begin(), stored.end());
  if (ArrayRef<int64_t>(tensor->shape) != ArrayRef<int64_t>(stored)) {
    std::string expected, got;
    for (int64_t d : stored)
      expected += (expected.empty() ? "" : ", ") + std::to_string(d);
    for (int64_t d : tensor->shape)
      got += (got.empty() ? "" : ", ") + std::to_string(d);
    return fileError(file, "tensor '" + name + "' has shape [" + got +
                               "], expected [" + expected +
                               "] from config.json");
  }
  Type elementType;
  switch (tensor->dtype) {
  case SafetensorsDType::F32:
    elementType = builder.getF32Type();
    break;
  case SafetensorsDType::F16:
    elementType = builder.getF16Type();
    break;
  case SafetensorsDType::BF16:
    elementType = builder.getBF16Type();
    break;
  default:
    return fileError(file, "tensor '" + name + "' has dtype " +
                               toString(tensor->dtype) +
                               ", expected F32, F16 or BF16");
  }
  if (conv1D)
    name = HFCheckpoint::getTransposedName(name);
  return DecoderWeight{name, elementType, {}};
}

llvm::Error CheckpointWeights::checkAllTensorsUsed() const {
  std::vector<std::string> unused;
  for (const std::string &name : checkpoint.getTensorNames()) {
    // Buffers older exports saved (recomputed from rope_theta), and the LM
    // head a tied model takes from the embedding, as transformers does.
    // GPT-2's causal-mask buffers likewise.
    bool gpt2Buffer = config.family == DecoderFamily::GPT2 &&
                      (StringRef(name).ends_with(".attn.bias") ||
                       StringRef(name).ends_with(".attn.masked_bias"));
    if (used.contains(name) || gpt2Buffer ||
        StringRef(name).ends_with(".rotary_emb.inv_freq") ||
        (name == "lm_head.weight" && config.tieWordEmbeddings))
      continue;
    unused.push_back(name);
  }
  if (unused.empty())
    return llvm::Error::success();
  return fileError(checkpoint.getFileOf(unused.front()),
                   "tensor '" + unused.front() + "'" +
                       (unused.size() > 1
                            ? " (and " + Twine(unused.size() - 1) + " more)"
                            : Twine("")) +
                       " is not part of the " + config.architecture + " that " +
                       "config.json describes (" + Twine(config.numLayers) +
                       " layers): the config and the weights disagree");
}

} // namespace

llvm::Expected<OwningOpRef<ModuleOp>>
importHFCheckpoint(MLIRContext &context, const HFCheckpoint &checkpoint,
                   const HFImportOptions &options) {
  const HFConfig &config = checkpoint.getConfig();
  int64_t contextLength = options.contextLength;
  if (contextLength <= 0)
    contextLength = config.maxPositionEmbeddings;
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  CheckpointWeights weights(checkpoint);
  if (llvm::Error err = buildDecoder(*module, config, weights, contextLength))
    return std::move(err);
  if (options.draft)
    if (llvm::Error err = buildDecoder(*module, config, weights, contextLength,
                                       *options.draft))
      return std::move(err);
  if (llvm::Error err = weights.checkAllTensorsUsed())
    return std::move(err);
  return std::move(module);
}

} // namespace llmc
