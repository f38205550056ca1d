//===- HoistHostCode.cpp - Checks and argument reads as early as they go --===//
//
// llmc-check-allocations puts each buffer's size checks right before its
// allocation, and the KV cache's window starts at a position the host code
// reads from an argument. On the GPU each of these between two launches
// ends a stretch of asynchronous work (gpu-async-region synchronizes before
// host code with side effects); moved to the top, they run before any
// launch.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace llmc {
#define GEN_PASS_DEF_HOISTHOSTCODE
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Whether every use of `buffer` (through views) only reads it.
bool onlyRead(Value buffer) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (isa<memref::LoadOp, memref::DimOp>(user))
      continue;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() != buffer)
        return false;
      for (Value result : user->getResults())
        if (!onlyRead(result))
          return false;
      continue;
    }
    auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
    if (!linalgOp || !linalgOp.isDpsInput(&use))
      return false;
  }
  return true;
}

/// The argument `load` reads, when the function only reads it.
bool readsReadOnlyArgument(memref::LoadOp load) {
  Value buffer = load.getMemRef();
  while (auto view = buffer.getDefiningOp<ViewLikeOpInterface>())
    buffer = view.getViewSource();
  auto argument = dyn_cast<BlockArgument>(buffer);
  return argument &&
         isa<FunctionOpInterface>(argument.getOwner()->getParentOp()) &&
         onlyRead(argument);
}

/// Whether `loop` only checks and reads: its body (nested loops included)
/// holds checks, reads of read-only arguments and ops without memory
/// effects (the paged attention's checks over its index buffers, the
/// largest logit row).
bool isCheckLoop(scf::ForOp loop) {
  WalkResult result = loop.getBody()->walk([](Operation *op) {
    if (isa<llm::AssertOp, scf::YieldOp, scf::ForOp>(op))
      return WalkResult::advance();
    if (auto load = dyn_cast<memref::LoadOp>(op))
      return readsReadOnlyArgument(load) ? WalkResult::advance()
                                         : WalkResult::interrupt();
    return op->getNumRegions() == 0 && isMemoryEffectFree(op)
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  return !result.wasInterrupted();
}

/// Sizes of collapsed views as the sizes they were made from, so that a
/// check of one does not wait for the buffer behind it: dim(collapse(x), i)
/// is the product of x's dimensions in group i (each folded to the size an
/// allocation was made with, where it can be).
void resolveCollapsedSizes(Block &block) {
  SmallVector<memref::DimOp> dims(block.getOps<memref::DimOp>());
  for (memref::DimOp dim : dims) {
    auto collapse = dim.getSource().getDefiningOp<memref::CollapseShapeOp>();
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!collapse || !index)
      continue;
    OpBuilder builder(dim);
    Location loc = dim.getLoc();
    Value size;
    // A copy: the vector of groups is a temporary.
    ReassociationIndices group = collapse.getReassociationIndices()[*index];
    for (int64_t source : group) {
      Value part =
          builder.createOrFold<memref::DimOp>(loc, collapse.getSrc(), source);
      size = size ? builder.createOrFold<arith::MulIOp>(loc, size, part) : part;
    }
    dim.replaceAllUsesWith(size);
    dim.erase();
  }
}

struct HoistHostCodePass : impl::HoistHostCodeBase<HoistHostCodePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (llm::LLMDialect::isEntryPoint(func) && !func.isExternal()) {
        resolveCollapsedSizes(func.getBody().front());
        hoist(func.getBody().front());
      }
  }

  void hoist(Block &block) {
    SmallVector<Operation *> moving;
    for (Operation &op : block)
      if (isa<llm::AssertOp>(op))
        moving.push_back(&op);
      else if (auto load = dyn_cast<memref::LoadOp>(op);
               load && readsReadOnlyArgument(load))
        moving.push_back(&op);
      else if (auto loop = dyn_cast<scf::ForOp>(op); loop && isCheckLoop(loop))
        moving.push_back(&op);
    // Where the previous moved op went: they keep their order.
    Operation *floor = nullptr;
    for (Operation *root : moving) {
      // The ops of this block that compute the root's operands. The filter
      // sees the root too. Ops without memory effects move even when they
      // are not speculatable (the checks' divisions): they run
      // unconditionally either way, after every earlier check, and only
      // allocations and kernels move behind them.
      BackwardSliceOptions options;
      options.inclusive = false;
      options.omitBlockArguments = true;
      options.filter = [&](Operation *op) {
        return op == root ||
               (op->getBlock() == &block && op->getNumRegions() == 0 &&
                isMemoryEffectFree(op));
      };
      // A loop's inputs are its operands and the values its body uses from
      // this block.
      SetVector<Value> inputs(root->getOperands().begin(),
                              root->getOperands().end());
      for (Region &region : root->getRegions())
        getUsedValuesDefinedAbove(region, inputs);
      SetVector<Operation *> slice;
      bool sliced = true;
      for (Value input : inputs) {
        Operation *def = input.getDefiningOp();
        if (!def || def->getBlock() != &block || !options.filter(def))
          continue;
        BackwardSliceOptions inclusive = options;
        inclusive.inclusive = true;
        if (failed(getBackwardSlice(def, &slice, inclusive)))
          sliced = false;
      }
      if (!sliced)
        continue;
      // The last op it depends on that stays where it is.
      Operation *after = floor;
      auto later = [](Operation *a, Operation *b) {
        return !a ? b : !b ? a : (a->isBeforeInBlock(b) ? b : a);
      };
      auto visitOperands = [&](Operation *op) {
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && def->getBlock() == &block && !slice.contains(def))
            after = later(after, def);
      };
      for (Value input : inputs)
        if (Operation *def = input.getDefiningOp();
            def && def->getBlock() == &block && !slice.contains(def))
          after = later(after, def);
      for (Operation *op : slice)
        visitOperands(op);
      // Move the slice (in block order) and the root right after it,
      // leaving in place what is already earlier.
      Operation *insertAfter = after;
      auto moveAfterPoint = [&](Operation *op) {
        if (insertAfter && !insertAfter->isBeforeInBlock(op))
          return;
        if (insertAfter)
          op->moveAfter(insertAfter);
        else if (op != &block.front())
          op->moveBefore(&block.front());
        insertAfter = op;
      };
      SmallVector<Operation *> ordered(slice.begin(), slice.end());
      llvm::sort(ordered, [](Operation *a, Operation *b) {
        return a->isBeforeInBlock(b);
      });
      for (Operation *op : ordered)
        moveAfterPoint(op);
      moveAfterPoint(root);
      floor = root;
    }
  }
};

} // namespace
} // namespace llmc
