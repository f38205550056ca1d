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
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace llmc {

void registerDialects(DialectRegistry &registry) {
  registry
      .insert<llm::LLMDialect, affine::AffineDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, cf::ControlFlowDialect,
              func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
              math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
              tensor::TensorDialect, ub::UBDialect, vector::VectorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBufferizationInterfaces(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
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
  quantize.keepPrecision.assign(options.keepPrecision.begin(),
                                options.keepPrecision.end());
  pm.addPass(createQuantizeWeights(quantize));
  // Decoders read and write their KV cache through block tables, so that
  // the runtime's engine serves many sequences from one pool.
  if (options.ukernels) {
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
  pm.addPass(createCheckAllocations());
  pm.addPass(createLowerAsserts());
  if (options.ukernels)
    pm.addPass(createLowerToUkernels());
  pm.addPass(createOutlineKernels());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createApproximateMath());
  pm.addPass(arith::createArithExpandOpsPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
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
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
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
}

} // namespace llmc
