//===- Pipelines.h - llmc's pass pipelines ----------------------*- C++ -*-===//

#ifndef LLMC_PASSES_PIPELINES_H
#define LLMC_PASSES_PIPELINES_H

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace llmc {

/// Every dialect, interface model and LLVM translation llmc's pipelines use.
void registerDialects(mlir::DialectRegistry &registry);

/// llm-level transforms: import -> optimized.
void buildLLMOptimizationPipeline(mlir::OpPassManager &pm);

/// optimized -> bufferized: weights bound, llm lowered to linalg, tensors
/// turned into memrefs. Entry points have their final (memref) signatures.
void buildLLMToBuffersPipeline(mlir::OpPassManager &pm);

/// bufferized -> LLVM dialect.
void buildBuffersToLLVMPipeline(mlir::OpPassManager &pm);

/// optimized -> LLVM dialect: the two pipelines above.
void buildLLMToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers llmc's passes and the pipelines above (for llmc-opt).
void registerPasses();

} // namespace llmc

#endif // LLMC_PASSES_PIPELINES_H
