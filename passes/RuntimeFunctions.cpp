//===- RuntimeFunctions.cpp - Declarations of runtime entry points --------===//

#include "passes/RuntimeFunctions.h"

#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

namespace llmc {

func::FuncOp declareRuntimeFunction(Operation *at, StringRef name,
                                    TypeRange types, SymbolTable &symbols) {
  if (auto callee = symbols.lookup<func::FuncOp>(name))
    return callee;
  OpBuilder top(at->getParentOfType<ModuleOp>().getBodyRegion());
  auto callee = func::FuncOp::create(top, at->getLoc(), name,
                                     top.getFunctionType(types, {}));
  callee.setPrivate();
  symbols.insert(callee);
  return callee;
}

} // namespace llmc
