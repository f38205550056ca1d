//===- MergeGPUModules.cpp - One module of distinct GPU kernels -----------===//
//
// gpu-kernel-outlining makes a module per launch: for a 22-layer model,
// hundreds of modules to compile and load, most of them the same kernel.
// This pass leaves one module with one kernel per distinct body.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "llvm/ADT/StringMap.h"

namespace llmc {
#define GEN_PASS_DEF_MERGEGPUMODULES
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

constexpr StringLiteral kMergedModule = "llmc_kernels";

/// What makes two kernels the same: their printed form under one name,
/// locations aside.
std::string kernelKey(gpu::GPUFuncOp func) {
  StringAttr name = SymbolTable::getSymbolName(func);
  SymbolTable::setSymbolName(func, "kernel");
  std::string key;
  llvm::raw_string_ostream os(key);
  func.print(os, OpPrintingFlags().useLocalScope());
  SymbolTable::setSymbolName(func, name);
  return key;
}

struct MergeGPUModulesPass : impl::MergeGPUModulesBase<MergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    if (module.lookupSymbol(kMergedModule)) {
      module.emitError() << "already has a symbol @" << kMergedModule;
      return signalPassFailure();
    }
    OpBuilder builder(module.getBodyRegion());
    builder.setInsertionPointToEnd(module.getBody());
    auto merged =
        gpu::GPUModuleOp::create(builder, module.getLoc(), kMergedModule);

    llvm::StringMap<StringAttr> byKey;
    DenseMap<SymbolRefAttr, SymbolRefAttr> renamed;
    unsigned counter = 0;
    for (gpu::GPUModuleOp source : modules) {
      for (Operation &op : llvm::make_early_inc_range(*source.getBody())) {
        auto func = dyn_cast<gpu::GPUFuncOp>(op);
        if (!func) {
          op.emitError("is not a GPU kernel: cannot merge its module");
          return signalPassFailure();
        }
        auto oldRef = SymbolRefAttr::get(source.getSymNameAttr(),
                                         {FlatSymbolRefAttr::get(func)});
        auto [known, inserted] = byKey.try_emplace(kernelKey(func));
        if (inserted) {
          known->second =
              builder.getStringAttr("kernel_" + std::to_string(counter++));
          SymbolTable::setSymbolName(func, known->second);
          func->moveBefore(merged.getBody(), merged.getBody()->end());
        }
        renamed[oldRef] = SymbolRefAttr::get(
            merged.getSymNameAttr(), {FlatSymbolRefAttr::get(known->second)});
      }
      source.erase();
    }

    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it = renamed.find(launch.getKernel());
      if (it == renamed.end()) {
        launch.emitError("launches a kernel of no GPU module");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(it->second);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
} // namespace llmc
