//===- HFImporter.h - Hugging Face checkpoint to the llm dialect -*- C++
//-*-===//

#ifndef LLMC_COMPILER_HF_HFIMPORTER_H
#define LLMC_COMPILER_HF_HFIMPORTER_H

#include "compiler/hf/DecoderBuilder.h"
#include "compiler/hf/HFCheckpoint.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <optional>

namespace llmc {

struct HFImportOptions {
  /// KV-cache capacity and largest position; 0 means max_position_embeddings.
  int64_t contextLength = 0;
  /// A self-draft entry point to add beside `forward`, if any.
  std::optional<DecoderEntry> draft;
};

/// Builds `func.func @forward(tokens, positions, cache) -> (logits, cache)`
/// for a Llama-family checkpoint. Weights become `llm.weight` references by
/// tensor name; their shapes and dtypes are checked against the config.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importHFCheckpoint(mlir::MLIRContext &context, const HFCheckpoint &checkpoint,
                   const HFImportOptions &options);

} // namespace llmc

#endif // LLMC_COMPILER_HF_HFIMPORTER_H
