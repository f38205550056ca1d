//===- WeightsWriter.h - Stream weights into the artifact -------*- C++ -*-===//
//
// The weights blob is laid out by the llm-bind-weights pass (the module's
// `llm.weights` table). These writers stream each tensor from its source
// straight to disk at its offset, so compiling a model never holds the model
// in memory: either as a relocatable ELF object with one page-aligned
// read-only section (embedded in the shared library), or as a side file with
// a one-page header (mapped by the runtime).
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_CODEGEN_WEIGHTSWRITER_H
#define LLMC_COMPILER_CODEGEN_WEIGHTSWRITER_H

#include "compiler/WeightSource.h"
#include "compiler/quant/WeightPacking.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>
#include <vector>

namespace llmc {

/// One tensor of the blob, as recorded by llm-bind-weights.
struct WeightSlot {
  std::string name;
  uint64_t offset = 0;
  uint64_t bytes = 0;
  /// The tensor as the source stores it.
  mlir::RankedTensorType type;
  /// How the model uses it: linear, lm_head, embedding, norm, bias, ...
  /// joined with '+'.
  std::string role;
  /// Set when the blob holds the tensor packed for the kernels (and maybe
  /// quantized) rather than its source bytes.
  std::optional<PackedFormat> packed;
  /// The packed scheme's name ("int4/g32/f16"), empty when not packed.
  std::string quantization;
  /// A fused weight (llm-fuse-projections): the source tensors whose rows,
  /// one after another, make it; empty for a tensor of the source.
  std::vector<std::string> parts;
};

struct WeightsLayout {
  std::vector<WeightSlot> slots;
  uint64_t size = 0;
};

/// Reads the layout llm-bind-weights recorded on `module`.
llvm::Expected<WeightsLayout> getWeightsLayout(mlir::ModuleOp module);

/// Told the bytes of the blob written so far.
using WeightsProgress = llvm::function_ref<void(uint64_t)>;

/// The model id the blob would have, without writing it (--emit=llvm|obj).
llvm::Expected<std::string> digestWeights(const WeightsLayout &layout,
                                          const WeightSource &source,
                                          WeightsProgress progress);

/// Writes an ELF64 relocatable object whose `.llmc.weights` section (aligned
/// to 4096) holds the blob, under the hidden symbol `llmc_weights`, and sets
/// `modelId` to the blob's digest (llmc/weights_digest.h).
llvm::Error writeWeightsObject(llvm::StringRef path,
                               const WeightsLayout &layout,
                               const WeightSource &source, std::string &modelId,
                               WeightsProgress progress);

/// Writes a side file: an llmc_weights_header page holding `modelId`, the
/// blob's digest, which it also sets; then the blob.
llvm::Error writeWeightsFile(llvm::StringRef path, const WeightsLayout &layout,
                             const WeightSource &source, std::string &modelId,
                             WeightsProgress progress);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_WEIGHTSWRITER_H
