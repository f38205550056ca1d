//===- GPULoopOrder.cpp - Loop order of an entry point's ops for a GPU ----===//
//
// The upstream mapping of parallel loops to a GPU (gpu-map-parallel-loops)
// gives the first loop of a nest to blocks and threads and runs what is
// nested in a sequential loop serially. After this pass, the first loop of
// every op is its contiguous (last) parallel dimension and reductions come
// last.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace llmc {
#define GEN_PASS_DEF_GPULOOPORDER
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// The permutation that puts the last parallel dimension first, the other
/// parallel ones after it in order, and the reductions last; empty when the
/// op is already in that order.
SmallVector<unsigned> gpuLoopOrder(linalg::GenericOp op) {
  SmallVector<unsigned> parallel, reduction;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    (linalg::isParallelIterator(type) ? parallel : reduction).push_back(i);
  SmallVector<unsigned> order;
  if (!parallel.empty()) {
    order.push_back(parallel.back());
    order.append(parallel.begin(), parallel.end() - 1);
  }
  order.append(reduction.begin(), reduction.end());
  for (auto [i, dim] : llvm::enumerate(order))
    if (i != dim)
      return order;
  return {};
}

struct GPULoopOrderPass : impl::GPULoopOrderBase<GPULoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (llm::LLMDialect::isEntryPoint(func))
        func.walk([&](linalg::LinalgOp op) {
          if (op->getParentOp() == func.getOperation())
            ops.push_back(op);
        });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized)) {
          op.emitError("cannot be generalized for the GPU mapping");
          return signalPassFailure();
        }
        generic = *generalized;
      }
      SmallVector<unsigned> order = gpuLoopOrder(generic);
      if (order.empty())
        continue;
      if (failed(linalg::interchangeGenericOp(rewriter, generic, order))) {
        generic.emitError("cannot be interchanged for the GPU mapping");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
} // namespace llmc
