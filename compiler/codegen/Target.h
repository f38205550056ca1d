//===- Target.h - The machine a model is compiled for -----------*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_TARGET_H
#define LLMC_COMPILER_CODEGEN_TARGET_H

#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace llmc {

struct TargetSpec {
  /// As given on the command line: host, x86-64-v3, znver4, ...
  std::string name;
  std::string triple;
  /// The LLVM CPU the code is tuned and compiled for.
  std::string cpu;
  /// Every instruction-set feature the code may use, sorted: what the
  /// manifest records and the runtime checks at load. Names come from
  /// runtime/include/llmc/x86_features.def.
  std::vector<std::string> features;
  /// The LLVM feature string: `features` on, every other known one off.
  std::string llvmFeatures;
};

/// Parses `--target`: host (this machine's CPU and features), an LLVM
/// x86-64 CPU name (x86-64-v3, x86-64-v4, znver4, sapphirerapids, ...), or
/// the aliases x86-64-avx2 (x86-64-v3) and x86-64-avx512 (x86-64-v4 with
/// VNNI).
llvm::Expected<TargetSpec> parseTarget(llvm::StringRef name);

/// An x86-64 TargetMachine for `spec`, position-independent, at `optLevel`
/// (0-3).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_TARGET_H
