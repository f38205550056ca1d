//===- DecoderLifting.h - An ONNX decoder export in llm ops ------*- C++
//-*-===//
//
// Gives a recognized decoder export the `forward` entry point a Hugging Face
// checkpoint gets (DecoderBuilder), over the export's own initializers, so
// that quantization, the kernels and the runtime's session path serve ONNX
// models as they serve checkpoints.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_ONNX_DECODERLIFTING_H
#define LLMC_COMPILER_ONNX_DECODERLIFTING_H

#include "compiler/onnx/DecoderRecognizer.h"

#include "compiler/hf/DecoderBuilder.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

namespace llmc {

/// Adds `forward` for `decoder` to `module`. Weights are the initializers
/// themselves, or their transposes (OnnxModel::getTransposedName) where the
/// export stores a linear layer's weight as [in, out].
/// With `draft`, also adds that self-draft entry point.
llvm::Error liftDecoder(mlir::ModuleOp module, const OnnxModel &model,
                        const RecognizedDecoder &decoder, int64_t contextLength,
                        const DecoderEntry *draft = nullptr);

} // namespace llmc

#endif // LLMC_COMPILER_ONNX_DECODERLIFTING_H
