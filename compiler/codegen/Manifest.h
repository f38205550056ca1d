//===- Manifest.h - The FlatBuffers manifest of an artifact -----*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_MANIFEST_H
#define LLMC_COMPILER_CODEGEN_MANIFEST_H

#include "compiler/GenerationDefaults.h"
#include "compiler/codegen/WeightsWriter.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace llmc {

/// The tokenizer files embedded in the manifest (their text, verbatim).
struct TokenizerFiles {
  std::string type;
  int64_t vocabSize = 0;
  std::string tokenizerJson;
  std::string tokenizerConfigJson;
};

/// What the manifest says beyond what the module itself records.
struct ManifestInputs {
  std::string modelId;
  /// Side-file name beside the library, or empty when embedded.
  std::string weightsFile;
  /// The --target, its LLVM CPU and instruction-set features.
  std::string target;
  std::string targetCpu;
  std::vector<std::string> targetFeatures;
  /// A CUDA artifact's kernel images: (architecture, is a cubin).
  std::vector<std::pair<std::string, bool>> gpuImages;
  /// The descriptor getter's name.
  std::string descriptorSymbol = "llmc_model_get";
  GenerationDefaults generation;
  std::optional<TokenizerFiles> tokenizer;
};

/// The entry points of `bufferized` (functions marked llm.entry_point, with
/// memref signatures), their names from `llm.name` argument/result
/// attributes.
struct ArgumentSignature {
  std::string name;
  mlir::MemRefType type;
  std::vector<std::string> dimNames;
  std::string defaultWeight;
  bool unused = false;
};
struct EntryPointSignature {
  std::string name;
  std::vector<ArgumentSignature> inputs, outputs;
};
llvm::Expected<std::vector<EntryPointSignature>>
getEntryPoints(mlir::ModuleOp bufferized);

/// Serializes the manifest of `bufferized` (its `llm.model` facts, entry
/// points and weights layout) and `inputs`.
llvm::Expected<std::vector<uint8_t>>
buildManifest(mlir::ModuleOp bufferized, const WeightsLayout &layout,
              const ManifestInputs &inputs);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_MANIFEST_H
