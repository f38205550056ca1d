//===- OutlineKernels.cpp - One function per linalg op of an entry point --===//

#include "dialects/llm/LLMDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/StringMap.h"

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
      SmallVector<Type> types;
      for (Value v : args)
        types.push_back(v.getType());

      builder.setInsertionPointToEnd(module.getBody());
      auto kernel = func::FuncOp::create(builder, op.getLoc(), "llmc_kernel",
                                         builder.getFunctionType(types, {}));
      kernel.setPrivate();
      Block *body = kernel.addEntryBlock();
      IRMapping mapping;
      mapping.map(args, body->getArguments());
      builder.setInsertionPointToStart(body);
      builder.clone(*op, mapping);
      func::ReturnOp::create(builder, op.getLoc());

      // Every layer repeats the same ops on its own buffers: one kernel
      // serves them all (SmolLM2's 30 layers outlined 462 functions, 15
      // of them distinct, and LLVM spent seconds on the copies). Kernels
      // are the same when they print the same, name and locations aside.
      std::string key;
      llvm::raw_string_ostream os(key);
      kernel.print(os, OpPrintingFlags().useLocalScope());
      auto [known, inserted] = kernels.try_emplace(key, kernel);
      if (inserted) {
        kernel.setName("llmc_kernel_" + std::to_string(counter++));
      } else {
        kernel.erase();
        kernel = known->second;
      }

      builder.setInsertionPoint(op);
      func::CallOp::create(builder, op.getLoc(), kernel, args);
      op->erase();
    }
  }
};

} // namespace
} // namespace llmc
