//===- RuntimeFunctions.h - Declarations of runtime entry points -*- C++
//-*-===//
//
// Generated code reaches the runtime (kernels, run-time checks) through
// private `llmc_ukernel_*` declarations that codegen turns into jumps
// through the descriptor's table.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_PASSES_RUNTIMEFUNCTIONS_H
#define LLMC_PASSES_RUNTIMEFUNCTIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace llmc {

/// The private declaration of `name` taking `types` in `at`'s module,
/// created on first use.
mlir::func::FuncOp declareRuntimeFunction(mlir::Operation *at,
                                          llvm::StringRef name,
                                          mlir::TypeRange types,
                                          mlir::SymbolTable &symbols);

} // namespace llmc

#endif // LLMC_PASSES_RUNTIMEFUNCTIONS_H
