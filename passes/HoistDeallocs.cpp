//===- HoistDeallocs.cpp - Free each buffer right after its last use ------===//

#include "passes/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace llmc {
#define GEN_PASS_DEF_HOISTDEALLOCS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Whether `user` only reads or writes the buffer behind `value`: it keeps no
/// alias of it (no memref results, no regions that could bind it, except a
/// linalg op's, whose arguments are elements) and frees nothing, so the
/// buffer may be freed once `user` has run.
static bool onlyAccesses(Operation *user, Value value) {
  auto effects = dyn_cast<MemoryEffectOpInterface>(user);
  if (!effects ||
      (user->getNumRegions() != 0 && !isa<linalg::LinalgOp>(user)) ||
      llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>))
    return false;
  SmallVector<MemoryEffects::EffectInstance> onValue;
  effects.getEffectsOnValue(value, onValue);
  return llvm::all_of(onValue, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect());
  });
}

/// The last op of the dealloc's block that uses the buffer it frees (through
/// views too), or null when the buffer was not allocated in that block or
/// has a use that might keep it (a call, a return, a loop's iter_args).
static Operation *findLastUse(memref::DeallocOp dealloc) {
  Value buffer = dealloc.getMemref();
  Block *block = dealloc->getBlock();
  Operation *alloc = buffer.getDefiningOp();
  if (!alloc || alloc->getBlock() != block ||
      !hasEffect<MemoryEffects::Allocate>(alloc, buffer))
    return nullptr;
  Operation *last = alloc;
  SmallVector<Value> aliases{buffer};
  while (!aliases.empty()) {
    Value value = aliases.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (view && view.getViewSource() == value) {
        for (Value result : user->getResults())
          if (isa<BaseMemRefType>(result.getType()))
            aliases.push_back(result);
      } else if (!onlyAccesses(user, value)) {
        return nullptr;
      }
      Operation *inBlock = block->findAncestorOpInBlock(*user);
      if (!inBlock)
        return nullptr;
      if (last->isBeforeInBlock(inBlock))
        last = inBlock;
    }
  }
  return last->isBeforeInBlock(dealloc) ? last : nullptr;
}

struct HoistDeallocsPass : impl::HoistDeallocsBase<HoistDeallocsPass> {
  void runOnOperation() override {
    // Decide everything before moving anything: moves would renumber the
    // block's op order that isBeforeInBlock caches.
    SmallVector<std::pair<memref::DeallocOp, Operation *>> moves;
    getOperation().walk([&](memref::DeallocOp dealloc) {
      if (Operation *last = findLastUse(dealloc))
        moves.emplace_back(dealloc, last);
    });
    for (auto [dealloc, last] : moves)
      dealloc->moveAfter(last);
  }
};

} // namespace
} // namespace llmc
