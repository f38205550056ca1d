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
  used.insert(name);
  const SafetensorsTensor *tensor = checkpoint.lookup(name);
  if (!tensor)
    return fileError(checkpoint.getWeightsPath(), "missing tensor '" + name +
                                                      "' required by " +
                                                      config.architecture);
  StringRef file = checkpoint.getFileOf(name);
  if (ArrayRef<int64_t>(tensor->shape) != shape) {
    std::string expected, got;
    for (int64_t d : shape)
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
  return DecoderWeight{name, elementType};
}

llvm::Error CheckpointWeights::checkAllTensorsUsed() const {
  std::vector<std::string> unused;
  for (const std::string &name : checkpoint.getTensorNames()) {
    // Buffers older exports saved (recomputed from rope_theta), and the LM
    // head a tied model takes from the embedding, as transformers does.
    if (used.contains(name) ||
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
  if (llvm::Error err = weights.checkAllTensorsUsed())
    return std::move(err);
  return std::move(module);
}

} // namespace llmc
