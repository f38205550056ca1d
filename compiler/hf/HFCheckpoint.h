//===- HFCheckpoint.h - A Hugging Face checkpoint folder --------*- C++ -*-===//
//
// A folder with `config.json` and either `model.safetensors` or a sharded
// `model.safetensors.index.json` plus its shards. Every shard is mapped and
// validated when the checkpoint is opened; tensors are then looked up by name.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_HF_HFCHECKPOINT_H
#define LLMC_COMPILER_HF_HFCHECKPOINT_H

#include "compiler/WeightSource.h"
#include "compiler/hf/HFConfig.h"
#include "compiler/hf/SafetensorsFile.h"

#include "llvm/ADT/StringMap.h"

#include <memory>
#include <vector>

namespace llmc {

class HFCheckpoint : public WeightSource {
public:
  /// Opens the checkpoint in folder `dir`.
  static llvm::Expected<std::unique_ptr<HFCheckpoint>>
  open(llvm::StringRef dir);

  const HFConfig &getConfig() const { return config; }
  llvm::StringRef getDir() const { return dir; }

  /// The tensor `name`, or null when the checkpoint has none.
  const SafetensorsTensor *lookup(llvm::StringRef name) const;
  /// Every tensor name of the checkpoint, sorted.
  std::vector<std::string> getTensorNames() const;
  /// The file that holds tensor `name` (for messages); empty when absent.
  llvm::StringRef getFileOf(llvm::StringRef name) const;
  /// Where tensors are looked up, for "missing tensor" messages.
  llvm::StringRef getWeightsPath() const { return weightsPath; }

  /// The name under which getTensorBytes serves the transpose of 2-D
  /// tensor `name` (GPT-2 stores its projections as [in, out]).
  static std::string getTransposedName(llvm::StringRef name) {
    return (name + kTransposedSuffix).str();
  }
  static constexpr llvm::StringLiteral kTransposedSuffix = "@transposed";

  llvm::Expected<llvm::ArrayRef<uint8_t>>
  getTensorBytes(llvm::StringRef name) const override;
  void release(llvm::ArrayRef<uint8_t> bytes) const override;
  void evictPages(llvm::ArrayRef<uint8_t> bytes) const override;

private:
  HFCheckpoint() = default;

  std::string dir;
  std::string weightsPath;
  HFConfig config;
  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  llvm::StringMap<const SafetensorsFile *> owner;
  /// Transposes served so far, by their served name.
  mutable llvm::StringMap<std::vector<uint8_t>> transposes;
};

} // namespace llmc

#endif // LLMC_COMPILER_HF_HFCHECKPOINT_H
