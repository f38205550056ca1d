//===- SplitDeallocs.cpp - One bufferization.dealloc per allocation -------===//

#include "passes/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"

namespace llmc {
#define GEN_PASS_DEF_SPLITDEALLOCS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// The op that allocated the buffer `memref` is (a view of), or null where
/// that is not visible in the IR (an argument, a call's result).
static Operation *getAllocation(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  Operation *op = memref.getDefiningOp();
  return op && hasEffect<MemoryEffects::Allocate>(op, memref) ? op : nullptr;
}

/// Replaces `dealloc` by one dealloc per allocation among its memrefs, each
/// retaining what it retained; a retained value stays owned if any part says
/// so. A memref of unknown allocation might be any of the others, so then
/// the dealloc is left whole.
static void splitDealloc(bufferization::DeallocOp dealloc, OpBuilder &builder) {
  llvm::MapVector<Operation *, SmallVector<unsigned>> parts;
  for (auto [i, memref] : llvm::enumerate(dealloc.getMemrefs())) {
    Operation *allocation = getAllocation(memref);
    if (!allocation)
      return;
    parts[allocation].push_back(i);
  }
  if (parts.size() <= 1)
    return;

  builder.setInsertionPoint(dealloc);
  Location loc = dealloc.getLoc();
  SmallVector<bufferization::DeallocOp> split;
  for (const auto &[allocation, indices] : parts) {
    SmallVector<Value> memrefs, conditions;
    for (unsigned i : indices) {
      memrefs.push_back(dealloc.getMemrefs()[i]);
      conditions.push_back(dealloc.getConditions()[i]);
    }
    split.push_back(bufferization::DeallocOp::create(
        builder, loc, memrefs, conditions, dealloc.getRetained()));
  }
  SmallVector<Value> owned(split.front().getUpdatedConditions());
  for (bufferization::DeallocOp part : llvm::drop_begin(split))
    for (auto [all, one] : llvm::zip_equal(owned, part.getUpdatedConditions()))
      all = arith::OrIOp::create(builder, loc, all, one);
  dealloc.replaceAllUsesWith(owned);
  dealloc.erase();
}

struct SplitDeallocsPass : impl::SplitDeallocsBase<SplitDeallocsPass> {
  void runOnOperation() override {
    OpBuilder builder(&getContext());
    getOperation().walk([&](bufferization::DeallocOp dealloc) {
      splitDealloc(dealloc, builder);
    });
  }
};

} // namespace
} // namespace llmc
