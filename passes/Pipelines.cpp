//===- Pipelines.cpp - llmc's pass pipelines and registrations ------------===//
//
// The stages a model goes through, in order:
//   import    -> llm dialect as the frontend built it
//   optimized -> after llm-level transforms (canonicalization, later
//                quantization, attention fusion, KV paging)
//   lowered   -> LLVM dialect, ready for translation to LLVM IR
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"
#include "dialects/llm/LLMDialect.h"
#include "passes/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUCommon/GPUToLLVM.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace llmc {

void registerDialects(DialectRegistry &registry) {
  registry.insert<llm::LLMDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, gpu::GPUDialect, linalg::LinalgDialect,
                  LLVM::LLVMDialect, math::MathDialect, NVVM::NVVMDialect,
                  memref::MemRefDialect, scf::SCFDialect, tensor::TensorDialect,
                  ub::UBDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerTilingInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBufferizationInterfaces(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // The GPU path: NVVM targets serialize kernels to PTX, and gpu.binary /
  // gpu.launch_func translate to an embedded image and runtime calls.
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  // convert-gpu-to-nvvm lowers what kernels hold through these.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  gpu::registerConvertGpuToLLVMInterface(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
}

/// Host code (structured control flow already lowered) to the LLVM dialect.
/// SCF to control flow without rollback bookkeeping (the one-shot
/// conversion driver): its patterns never need undoing here, and the same
/// artifact comes out of a SmolLM2-shaped compile with a 318 MB peak
/// instead of 599 MB, the pass taking 0.06 s instead of 0.45 s.
static void addSCFToControlFlow(OpPassManager &pm) {
  SCFToControlFlowPassOptions options;
  options.allowPatternRollback = false;
  pm.addPass(createSCFToControlFlowPass(options));
}

static void addHostCodeToLLVMPasses(OpPassManager &pm, bool gpuLaunches) {
  // Heap buffers come from the runtime (_mlir_memref_to_llvm_alloc/free),
  // which refuses what it cannot allocate and cleans up after a failed call.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  if (gpuLaunches)
    pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void buildLLMOptimizationPipeline(OpPassManager &pm,
                                  const PipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.fuseProjections)
    pm.addNestedPass<func::FuncOp>(createFuseProjections());
  QuantizeWeightsOptions quantize;
  quantize.mode = options.quantize;
  quantize.groupSize = options.groupSize;
  quantize.scaleType = options.scaleType;
  quantize.zeroPoints = options.zeroPoints;
  quantize.packF32 = options.packF32;
  quantize.keepPrecision.assign(options.keepPrecision.begin(),
                                options.keepPrecision.end());
  pm.addPass(createQuantizeWeights(quantize));
  // Decoders read and write their KV cache through block tables, so that
  // the runtime's engine serves many sequences from one pool.
  if (options.paged) {
    PageKVCacheOptions paging;
    paging.blockSize = options.kvBlockSize;
    paging.kvType = options.kvType;
    pm.addPass(createPageKVCache(paging));
  }
}

void buildLLMToBuffersPipeline(OpPassManager &pm,
                               const PipelineOptions &options) {
  // llm -> linalg on tensors. No CSE before bufferization: merging identical
  // zero-filled accumulators would force copies.
  pm.addPass(createBindWeights());
  ConvertLLMToLinalgOptions lowering;
  lowering.attentionKernel = options.ukernels;
  pm.addPass(createConvertLLMToLinalg(lowering));
  pm.addPass(createCanonicalizerPass());
  // Fewer, fused loop nests: less memory traffic and less for LLVM to do.
  pm.addPass(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());

  // Tensors -> buffers, with every temporary freed.
  pm.addPass(createBufferize());
  // Upstream's buffer-deallocation-pipeline, with the one dealloc per block
  // split in linear time before the simplification compares its memrefs
  // pairwise.
  pm.addNestedPass<func::FuncOp>(
      memref::createExpandReallocPass({/*emitDeallocs=*/false}));
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(
      bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addPass(createSplitDeallocs());
  pm.addNestedPass<func::FuncOp>(
      bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addNestedPass<func::FuncOp>(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCopiesToLinalg());
  // Each temporary freed after its last use, not when the function returns.
  pm.addPass(createHoistDeallocs());
}

void buildBuffersToLLVMPipeline(OpPassManager &pm,
                                const PipelineOptions &options) {
  // Run-time checks, then every check a call into the runtime.
  if (!options.ukernels)
    pm.addPass(createLowerPagedAttention());
  pm.addPass(createCheckAllocations());
  pm.addPass(createLowerAsserts());
  if (options.ukernels)
    pm.addPass(createLowerToUkernels());
  pm.addPass(createOutlineKernels());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createApproximateMath());
  pm.addPass(arith::createArithExpandOpsPass());
  addSCFToControlFlow(pm);
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  addHostCodeToLLVMPasses(pm, /*gpuLaunches=*/false);
}

void buildBuffersToGPUPipeline(OpPassManager &pm,
                               const GPUPipelineOptions &options) {
  // Run-time checks stay on the host, where their sizes are, all of them
  // before the first launch: sizes of views first become the sizes they
  // were made from, so that no check waits for an allocation.
  pm.addPass(createLowerPagedAttention());
  pm.addPass(createCheckAllocations());
  pm.addPass(memref::createResolveRankedShapeTypeResultDimsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createHoistHostCode());
  pm.addPass(createLowerAsserts());
  // Each linalg op -> a parallel loop nest -> blocks of threads along its
  // contiguous dimension, the other parallel dimensions on blocks, the
  // reductions a loop in each thread.
  pm.addPass(createGPULoopOrder());
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createCanonicalizerPass());
  // Fixed-size thread blocks, with a bounds check inside.
  pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass(
      {options.blockSize}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createGPUBuffers());
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createMergeGPUModules());
  // Allocations, launches and frees in order on one stream, the host
  // waiting only where it must.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  for (const std::string &chip : options.chips) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip;
    // PTX ISA 8.0 (CUDA 12.0): every architecture llmc supports, and what
    // the drivers of that age and newer compile.
    target.features = "+ptx80";
    target.optLevel = 3;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }

  // Kernels and host code alike: structured control flow and views first.
  addSCFToControlFlow(pm);
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(arith::createArithExpandOpsPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(nvvm));
  pm.addNestedPass<gpu::GPUModuleOp>(createCanonicalizerPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createCSEPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());

  // The host code, as on the CPU; launches become mgpu* calls.
  addHostCodeToLLVMPasses(pm, /*gpuLaunches=*/true);

  // Each chip's PTX; codegen assembles them into the artifact's fatbin.
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.toolkitPath;
  binary.compilationTarget = "isa";
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void buildLLMToLLVMPipeline(OpPassManager &pm) {
  buildLLMToBuffersPipeline(pm, {});
  buildBuffersToLLVMPipeline(pm, {});
}

void registerPasses() {
  registerLLMCPasses();
  PassPipelineRegistration<>(
      "llmc-optimize", "llm-level transforms (the 'optimized' stage)",
      [](OpPassManager &pm) { buildLLMOptimizationPipeline(pm); });
  PassPipelineRegistration<>(
      "llmc-lower-to-llvm",
      "Lower llm IR to the LLVM dialect (the 'lowered' stage)",
      buildLLMToLLVMPipeline);
  struct BuffersOptions : PassPipelineOptions<BuffersOptions> {
    Option<bool> ukernels{
        *this, "ukernels",
        llvm::cl::desc("Leave attention to the runtime's kernel"),
        llvm::cl::init(true)};
  };
  PassPipelineRegistration<BuffersOptions>(
      "llmc-lower-to-buffers",
      "Lower llm IR to linalg on buffers (the stage the CPU and GPU "
      "pipelines start from)",
      [](OpPassManager &pm, const BuffersOptions &cl) {
        PipelineOptions options;
        options.ukernels = cl.ukernels;
        buildLLMToBuffersPipeline(pm, options);
      });
  struct GPUOptions : PassPipelineOptions<GPUOptions> {
    ListOption<std::string> chips{*this, "chips",
                                  llvm::cl::desc("NVIDIA architectures")};
    Option<std::string> toolkit{*this, "toolkit",
                                llvm::cl::desc("CUDA toolkit path")};
  };
  PassPipelineRegistration<GPUOptions>(
      "llmc-buffers-to-gpu",
      "Lower linalg on buffers to GPU kernels (PTX) and host code",
      [](OpPassManager &pm, const GPUOptions &cl) {
        GPUPipelineOptions options;
        options.chips.assign(cl.chips.begin(), cl.chips.end());
        if (options.chips.empty())
          options.chips.push_back("sm_80");
        options.toolkitPath = cl.toolkit;
        buildBuffersToGPUPipeline(pm, options);
      });
}

} // namespace llmc
