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
};

struct WeightsLayout {
  std::vector<WeightSlot> slots;
  uint64_t size = 0;
};

/// Reads the layout llm-bind-weights recorded on `module`.
llvm::Expected<WeightsLayout> getWeightsLayout(mlir::ModuleOp module);

/// A stable 64-bit digest of every tensor's source bytes and packing, as 16
/// hex digits: the model id that ties a library to its side file.
llvm::Expected<std::string> computeModelId(const WeightsLayout &layout,
                                           const WeightSource &source);

/// Writes an ELF64 relocatable object whose `.llmc.weights` section (aligned
/// to 4096) holds the blob, under the hidden symbol `llmc_weights`.
llvm::Error writeWeightsObject(llvm::StringRef path,
                               const WeightsLayout &layout,
                               const WeightSource &source);

/// Writes a side file: an llmc_weights_header page, then the blob.
llvm::Error writeWeightsFile(llvm::StringRef path, const WeightsLayout &layout,
                             const WeightSource &source,
                             llvm::StringRef modelId);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_WEIGHTSWRITER_H
