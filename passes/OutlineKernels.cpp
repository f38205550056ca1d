//===- OutlineKernels.cpp - One function per linalg op of an entry point --===//

#include "dialects/llm/LLMDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace llmc {
#define GEN_PASS_DEF_OUTLINEKERNELS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

struct OutlineKernelsPass : impl::OutlineKernelsBase<OutlineKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder builder(module.getContext());
    unsigned counter = 0;
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
      SmallVector<Type> types;
      for (Value v : args)
        types.push_back(v.getType());

      builder.setInsertionPointToEnd(module.getBody());
      std::string name = "llmc_kernel_" + std::to_string(counter++);
      auto kernel = func::FuncOp::create(builder, op.getLoc(), name,
                                         builder.getFunctionType(types, {}));
      kernel.setPrivate();
      Block *body = kernel.addEntryBlock();
      IRMapping mapping;
      mapping.map(args, body->getArguments());
      builder.setInsertionPointToStart(body);
      builder.clone(*op, mapping);
      func::ReturnOp::create(builder, op.getLoc());

      builder.setInsertionPoint(op);
      func::CallOp::create(builder, op.getLoc(), kernel, args);
      op->erase();
    }
  }
};

} // namespace
} // namespace llmc
