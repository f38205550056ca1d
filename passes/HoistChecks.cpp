//===- HoistChecks.cpp - Run-time checks as early as they can go ----------===//
//
// llmc-check-allocations puts each buffer's size checks right before its
// allocation. On the GPU every check between launches would end a stretch of
// asynchronous work (gpu-async-region synchronizes before host code with
// side effects); moved to the top, the checks run before any launch.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace llmc {
#define GEN_PASS_DEF_HOISTCHECKS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

struct HoistChecksPass : impl::HoistChecksBase<HoistChecksPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (llm::LLMDialect::isEntryPoint(func) && !func.isExternal())
        hoist(func.getBody().front());
  }

  void hoist(Block &block) {
    SmallVector<llm::AssertOp> checks(block.getOps<llm::AssertOp>());
    // Where the previous check went: checks keep their order.
    Operation *floor = nullptr;
    for (llm::AssertOp check : checks) {
      // The ops of this block that compute the check's operands.
      BackwardSliceOptions options;
      options.inclusive = false;
      options.omitBlockArguments = true;
      // The filter sees the check itself too. Ops without memory effects
      // move even when they are not speculatable (the checks' divisions):
      // they run unconditionally either way, after every earlier check, and
      // only allocations and kernels move behind them.
      options.filter = [&](Operation *op) {
        return op == check.getOperation() ||
               (op->getBlock() == &block && op->getNumRegions() == 0 &&
                isMemoryEffectFree(op));
      };
      SetVector<Operation *> slice;
      if (failed(getBackwardSlice(check.getOperation(), &slice, options)))
        continue;
      // The last op it depends on that stays where it is.
      Operation *after = floor;
      auto later = [&](Operation *a, Operation *b) {
        return !a ? b : !b ? a : (a->isBeforeInBlock(b) ? b : a);
      };
      auto visitOperands = [&](Operation *op) {
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && def->getBlock() == &block && !slice.contains(def))
            after = later(after, def);
      };
      visitOperands(check);
      for (Operation *op : slice)
        visitOperands(op);
      // Move the slice (in block order) and the check right after it,
      // leaving in place what is already earlier.
      Operation *insertAfter = after;
      auto moveAfterPoint = [&](Operation *op) {
        if (insertAfter && !insertAfter->isBeforeInBlock(op))
          return; // already before the point
        if (insertAfter)
          op->moveAfter(insertAfter);
        else
          op->moveBefore(&block.front());
        insertAfter = op;
      };
      SmallVector<Operation *> ordered(slice.begin(), slice.end());
      llvm::sort(ordered, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      for (Operation *op : ordered)
        moveAfterPoint(op);
      moveAfterPoint(check);
      floor = check;
    }
  }
};

} // namespace
} // namespace llmc
