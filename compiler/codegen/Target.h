//===- Target.h - The machine a model is compiled for -----------*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_TARGET_H
#define LLMC_COMPILER_CODEGEN_TARGET_H

#include "runtime/include/llmc/abi.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace llmc {

struct TargetSpec {
  /// As given on the command line: host, x86-64-avx2, x86-64-avx512.
  std::string name;
  std::string triple;
  std::string cpu;
  std::string features;
  /// The widest kernels the runtime may use for code of this target.
  llmc_isa isa = LLMC_ISA_X86_64;
};

/// Parses `--target`. "host" resolves to this machine's CPU and features.
llvm::Expected<TargetSpec> parseTarget(llvm::StringRef name);

/// An x86-64 TargetMachine for `spec`, position-independent, at `optLevel`
/// (0-3).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_TARGET_H
