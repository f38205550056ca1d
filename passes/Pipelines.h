//===- Pipelines.h - llmc's pass pipelines ----------------------*- C++ -*-===//

#ifndef LLMC_PASSES_PIPELINES_H
#define LLMC_PASSES_PIPELINES_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace llmc {

/// What a user chooses about the pipelines (llmc compile's flags).
struct PipelineOptions {
  /// llm-quantize-weights: none, int8 or int4, and its details.
  std::string quantize = "none";
  int64_t groupSize = 32;
  std::string scaleType = "f16";
  bool zeroPoints = false;
  std::vector<std::string> keepPrecision;
  /// f32 weights as the CPU kernels' panels (the GPU reads them as stored).
  bool packF32 = true;
  /// Call the runtime's kernels for projections (else keep the loops).
  bool ukernels = true;
  /// llm-fuse-projections: one linear layer for q/k/v and for gate/up.
  bool fuseProjections = true;
  /// llm-page-kv-cache: the KV cache as blocks of a pool the engine shares
  /// between sequences (attention the runtime's kernel with ukernels, else
  /// generated loops: llmc-lower-paged-attention, f32 or f16 only).
  bool paged = true;
  std::string kvType = "f32";
  int64_t kvBlockSize = 16;
};

/// Every dialect, interface model and LLVM translation llmc's pipelines use.
void registerDialects(mlir::DialectRegistry &registry);

/// llm-level transforms: import -> optimized.
void buildLLMOptimizationPipeline(mlir::OpPassManager &pm,
                                  const PipelineOptions &options = {});

/// optimized -> bufferized: weights bound, llm lowered to linalg, tensors
/// turned into memrefs. Entry points have their final (memref) signatures.
void buildLLMToBuffersPipeline(mlir::OpPassManager &pm,
                               const PipelineOptions &options = {});

/// bufferized -> LLVM dialect.
void buildBuffersToLLVMPipeline(mlir::OpPassManager &pm,
                                const PipelineOptions &options = {});

/// What the GPU pipeline compiles kernels for.
struct GPUPipelineOptions {
  /// The NVIDIA architectures (sm_80, ...) to emit PTX for, each once.
  std::vector<std::string> chips;
  /// The CUDA toolkit (libdevice), e.g. /usr/local/cuda.
  std::string toolkitPath;
  /// Threads per block along the mapped (contiguous) dimension.
  int64_t blockSize = 128;
};

/// bufferized -> LLVM dialect for an NVIDIA GPU: every linalg op of an
/// entry point becomes a kernel, all of them in one gpu.module compiled to
/// PTX (a gpu.binary with one object per chip); the host code launches them
/// through MLIR's GPU runtime functions (mgpu*), which the runtime provides.
void buildBuffersToGPUPipeline(mlir::OpPassManager &pm,
                               const GPUPipelineOptions &options);

/// optimized -> LLVM dialect: the two pipelines above.
void buildLLMToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers llmc's passes and the pipelines above (for llmc-opt).
void registerPasses();

} // namespace llmc

#endif // LLMC_PASSES_PIPELINES_H
