//===- OutlineKernels.cpp - One function per linalg op of an entry point --===//

#include "dialects/llm/LLMDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringMap.h"

namespace llmc {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Whether `op`'s first loop may be split into row ranges run by several
/// threads: it is parallel, each output is indexed by it directly, so that
/// two rows never write the same element, and every operand is indexed by
/// a projected permutation, so that a row range reads exact slices.
bool splitsIntoRows(linalg::LinalgOp op) {
  if (op.getNumLoops() == 0 ||
      !linalg::isParallelIterator(op.getIteratorTypesArray().front()))
    return false;
  // Slices of operands read through other maps (packed weights' panels)
  // are over-approximated and may not fit their buffers.
  if (!op.hasOnlyProjectedPermutations())
    return false;
  AffineExpr d0 = getAffineDimExpr(0, op.getContext());
  for (OpOperand &init : op.getDpsInitsMutable())
    if (!llvm::is_contained(op.getMatchingIndexingMap(&init).getResults(), d0))
      return false;
  return isa<TilingInterface>(op.getOperation());
}

/// The op restricted to rows [lo, hi) of its first loop, in place of `op`.
LogicalResult restrictToRows(OpBuilder &builder, Operation *op, Value lo,
                             Value hi) {
  auto tiling = cast<TilingInterface>(op);
  SmallVector<Range> domain = tiling.getIterationDomain(builder);
  SmallVector<OpFoldResult> offsets, sizes;
  for (const Range &range : domain) {
    offsets.push_back(range.offset);
    sizes.push_back(range.size);
  }
  offsets[0] = lo;
  sizes[0] = arith::SubIOp::create(builder, op->getLoc(), hi, lo).getResult();
  if (failed(tiling.getTiledImplementation(builder, offsets, sizes)))
    return failure();
  op->erase();
  return success();
}

/// The iteration count of `op`'s first loop and of all its loops, at the
/// builder's point.
std::pair<Value, Value> rowsAndWork(OpBuilder &builder, linalg::LinalgOp op) {
  Location loc = op.getLoc();
  SmallVector<Range> domain =
      cast<TilingInterface>(op.getOperation()).getIterationDomain(builder);
  Value rows =
      getValueOrCreateConstantIndexOp(builder, loc, domain.front().size);
  Value work = rows;
  for (const Range &range : llvm::drop_begin(domain))
    work = arith::MulIOp::create(
        builder, loc, work,
        getValueOrCreateConstantIndexOp(builder, loc, range.size));
  return {rows, work};
}

/// A private function holding `op` (restricted to rows [lo, hi) of its
/// first loop when `rows`), taking `args`, then lo, hi and the call's work
/// when `rows`; null when the op cannot be restricted.
func::FuncOp outline(OpBuilder &builder, ModuleOp module, linalg::LinalgOp op,
                     ArrayRef<Value> args, bool rows) {
  SmallVector<Type> types;
  for (Value v : args)
    types.push_back(v.getType());
  Type index = builder.getIndexType();
  if (rows)
    types.append({index, index, index});
  builder.setInsertionPointToEnd(module.getBody());
  auto kernel = func::FuncOp::create(builder, op.getLoc(), "llmc_kernel",
                                     builder.getFunctionType(types, {}));
  kernel.setPrivate();
  Block *body = kernel.addEntryBlock();
  IRMapping mapping;
  mapping.map(args, body->getArguments().take_front(args.size()));
  builder.setInsertionPointToStart(body);
  Operation *clone = builder.clone(*op, mapping);
  if (rows &&
      failed(restrictToRows(builder, clone, body->getArgument(args.size()),
                            body->getArgument(args.size() + 1)))) {
    kernel.erase();
    return nullptr;
  }
  func::ReturnOp::create(builder, op.getLoc());
  return kernel;
}

struct OutlineKernelsPass : impl::OutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(module.getContext());
    unsigned counter = 0;
    llvm::StringMap<func::FuncOp> kernels; // by printed form
    SmallVector<linalg::LinalgOp> ops;
    for (auto func : module.getOps<func::FuncOp>())
      if (llm::LLMDialect::isEntryPoint(func))
        func.walk([&](linalg::LinalgOp op) {
          if (op.hasPureBufferSemantics() &&
              op->getParentOp() == func.getOperation())
            ops.push_back(op);
        });

    for (linalg::LinalgOp op : ops) {
      // Arguments: the op's operands, then values its body captures.
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      SmallVector<Value> args(op->getOperands().begin(),
                              op->getOperands().end());
      for (Value v : captured)
        if (!llvm::is_contained(args, v))
          args.push_back(v);
      // A kernel split into rows also takes [lo, hi) of its first loop and
      // the work of the whole call, which the runtime splits across its
      // threads (codegen makes the call through llmc_ukernel_parallel_rows).
      // An op whose tiling fails is outlined whole.
      bool rows = splitsIntoRows(op);
      func::FuncOp kernel = outline(builder, module, op, args, rows);
      if (!kernel && rows) {
        rows = false;
        kernel = outline(builder, module, op, args, rows);
      }
      if (!kernel) {
        op.emitError("cannot be outlined");
        return signalPassFailure();
      }

      // Every layer repeats the same ops on its own buffers: one kernel
      // serves them all (SmolLM2's 30 layers outlined 462 functions, 15
      // of them distinct, and LLVM spent seconds on the copies). Kernels
      // are the same when they print the same, name and locations aside.
      std::string key;
      llvm::raw_string_ostream os(key);
      kernel.print(os, OpPrintingFlags().useLocalScope());
      auto [known, inserted] = kernels.try_emplace(key, kernel);
      if (inserted) {
        kernel.setName((rows ? "llmc_pkernel_" : "llmc_kernel_") +
                       std::to_string(counter++));
      } else {
        kernel.erase();
        kernel = known->second;
      }

      builder.setInsertionPoint(op);
      if (rows) {
        auto [count, work] = rowsAndWork(builder, op);
        args.append({arith::ConstantIndexOp::create(builder, op.getLoc(), 0),
                     count, work});
      }
      func::CallOp::create(builder, op.getLoc(), kernel, args);
      op->erase();
    }
  }
};

} // namespace
} // namespace llmc
