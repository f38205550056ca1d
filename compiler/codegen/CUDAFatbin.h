//===- CUDAFatbin.h - A CUDA artifact's kernels as one fatbin ---*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_CUDAFATBIN_H
#define LLMC_COMPILER_CODEGEN_CUDAFATBIN_H

#include "compiler/codegen/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// The CUDA toolkit whose ptxas and fatbinary llmc runs: $CUDA_HOME, else
/// /usr/local/cuda; an error saying what is missing otherwise.
llvm::Expected<std::string> findCUDAToolkit();

/// Replaces the PTX objects of every gpu.binary in `module` (one per
/// architecture, from gpu-module-to-binary) by one fatbin holding `images`:
/// PTX as it is, cubins assembled by ptxas. Every PTX is assembled for its
/// architecture, so that code ptxas refuses fails the compile, not the
/// driver's JIT on a user's machine.
llvm::Error assembleFatbins(mlir::ModuleOp module,
                            llvm::ArrayRef<GPUImage> images,
                            llvm::StringRef toolkit);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_CUDAFATBIN_H
