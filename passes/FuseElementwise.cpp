//===- FuseElementwise.cpp - Elementwise fusion without recomputation -----===//

#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace llmc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Operations in the body of `op`, its terminator excluded.
static size_t bodySize(linalg::LinalgOp op) {
  return op.getBlock()->getOperations().size() - 1;
}

struct FuseElementwisePass : impl::FuseElementwiseBase<FuseElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    unsigned maxOps = maxBodyOps;
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [maxOps](OpOperand *operand) {
          auto consumer = dyn_cast<linalg::LinalgOp>(operand->getOwner());
          Operation *producer = operand->get().getDefiningOp();
          if (!consumer || !producer || !producer->hasOneUse() ||
              consumer.getNumLoops() != consumer.getNumParallelLoops())
            return false;
          // The producer may also be a splat constant folded into the body.
          auto linalgProducer = dyn_cast<linalg::LinalgOp>(producer);
          return !linalgProducer ||
                 bodySize(linalgProducer) + bodySize(consumer) <= maxOps;
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace llmc
