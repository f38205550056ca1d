//===- LLVMEmitter.h - LLVM IR, the model descriptor, objects ---*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_LLVMEMITTER_H
#define LLMC_COMPILER_CODEGEN_LLVMEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "runtime/include/llmc/abi.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// Translates a module in the LLVM dialect into LLVM IR for `machine`.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                  llvm::TargetMachine &machine);

/// Adds the descriptor getter and the descriptor it returns
/// (runtime/include/llmc/ abi.h): the manifest (also in section
/// LLMC_MANIFEST_SECTION, behind its header), the entry points (the MLIR C
/// interface wrappers
/// `_mlir_ciface_<name>`), and the embedded weights (symbol `llmc_weights`,
/// defined by the weights object) when `embedded`. Everything else in the
/// module becomes hidden. Calls to runtime kernels (llmc_ukernel_*) go
/// through the descriptor's table. The getter is `llmc_model_<symbol>`,
/// `llmc_model_get` when `symbol` is empty.
llvm::Error addModelDescriptor(llvm::Module &module,
                               llvm::ArrayRef<uint8_t> manifest,
                               llvm::ArrayRef<std::string> entryPoints,
                               bool embedded, uint64_t weightsSize,
                               llvm::StringRef symbol, bool gpu = false);

/// Runs LLVM's default pipeline at `optLevel` (0-3).
llvm::Error optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                           unsigned optLevel);

/// Writes `module` as an object file.
llvm::Error emitObjectFile(llvm::Module &module, llvm::TargetMachine &machine,
                           llvm::StringRef path);

/// FNV-1a 64 of `bytes`: the manifest checksum the runtime recomputes.
uint64_t fnv1a64(llvm::ArrayRef<uint8_t> bytes);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_LLVMEMITTER_H
