//===- Compiler.h - From model files to a shared library --------*- C++ -*-===//
//
// Pipeline assembly: a frontend imports the model into the llm dialect, llm
// passes optimize it, the lowering pipelines turn it into the LLVM dialect,
// and codegen writes the weights, manifest, object code and shared library.
// Each `--emit` / `--compile-to` stage stops the pipeline early.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_COMPILER_H
#define LLMC_COMPILER_COMPILER_H

#include "passes/Pipelines.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llmc {

enum class EmitKind { MLIR, LLVM, Obj, Lib };
enum class MLIRStage { Import, Optimized, Lowered };
enum class WeightsMode { Auto, Embed, External };

struct CompileOptions {
  std::string modelPath;
  /// Output file; empty prints text stages to stdout.
  std::string outputPath;
  EmitKind emit = EmitKind::Lib;
  MLIRStage stage = MLIRStage::Import;
  int64_t contextLength = 0;
  std::string target = "host";
  unsigned optLevel = 3;
  WeightsMode weights = WeightsMode::Auto;
  /// tokenizer.json to embed; empty means the model folder's, if any. Its
  /// folder's tokenizer_config.json, generation_config.json and config.json
  /// then supply the generation defaults.
  std::string tokenizerPath;
  /// Overrides of the folder's stop ids and BOS id.
  std::optional<std::vector<int64_t>> stopIds;
  std::optional<int64_t> bosId;
  /// Weight quantization and the pipelines' other choices.
  PipelineOptions pipeline;
  /// The symbol that returns the descriptor: llmc_model_<modelSymbol>, or
  /// llmc_model_get when empty (what llmc_model_load looks for by default).
  std::string modelSymbol;
  /// A self-draft inside the artifact (--draft-quantize): the quantization
  /// of its linear layers ("" for none), and the layers it keeps (0: all;
  /// --draft-layers).
  std::string draftQuantize;
  int64_t draftLayers = 0;
  /// Print, for an ONNX model, what each entry point holds in llm ops and
  /// why the export was not lifted, if it was not (--report-lifting).
  bool reportLifting = false;
  /// Print where the time went to stderr at the end (--timing): each
  /// stage, each pass of the MLIR pipelines, and LLVM's code generation.
  bool timing = false;
  /// Told each stage as it starts ("import", "optimize", "lower",
  /// "weights", "lower to LLVM", "codegen", "link"), and during "weights" the
  /// bytes written so far of `total`.
  std::function<void(llvm::StringRef stage, uint64_t done, uint64_t total)>
      progress;
};

/// Weights at least this large go to a side file under --weights=auto.
constexpr uint64_t kEmbedWeightsLimit = 256ull << 20;

/// Runs the whole pipeline. On failure, no output file is left behind.
llvm::Error compileModel(const CompileOptions &options);

} // namespace llmc

#endif // LLMC_COMPILER_COMPILER_H
