//===- GPUBuffers.cpp - An entry point's buffers in GPU memory ------------===//
//
// After the GPU mapping, every element of a buffer the code allocates is read
// and written by kernels: those buffers move to device memory, results
// included (the runtime copies them out). gpu-async-region then orders the
// allocations, launches and frees on one stream.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMDialect.h"
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace llmc {
#define GEN_PASS_DEF_GPUBUFFERS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// The allocation `value` is a view of, if any.
memref::AllocOp allocationOf(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return alloc;
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return {};
    value = view.getViewSource();
  }
  return {};
}

struct GPUBuffersPass : impl::GPUBuffersBase<GPUBuffersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (llm::LLMDialect::isEntryPoint(func) && failed(place(func)))
        return signalPassFailure();
  }

  LogicalResult place(func::FuncOp func) {
    // Host code must not touch what will live on the device.
    WalkResult touched = func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      Value buffer;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        buffer = load.getMemRef();
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        buffer = store.getMemRef();
      else if (isa<linalg::LinalgOp, memref::CopyOp>(op))
        return op->emitError("is left on the host: every linalg op of an "
                             "entry point must be mapped to the GPU"),
               WalkResult::interrupt();
      if (buffer && allocationOf(buffer))
        return op->emitError("reads or writes a GPU buffer on the host"),
               WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (touched.wasInterrupted())
      return failure();

    IRRewriter rewriter(&getContext());
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      rewriter.setInsertionPoint(alloc);
      auto gpuAlloc = gpu::AllocOp::create(
          rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/false);
      rewriter.replaceOp(alloc, gpuAlloc.getMemref());
    }
    SmallVector<memref::DeallocOp> deallocs;
    func.walk([&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      rewriter.setInsertionPoint(dealloc);
      gpu::DeallocOp::create(rewriter, dealloc.getLoc(), /*asyncToken=*/Type(),
                             /*asyncDependencies=*/ValueRange(),
                             dealloc.getMemref());
      rewriter.eraseOp(dealloc);
    }
    return success();
  }
};

} // namespace
} // namespace llmc
