//===- Commands.h - The subcommands of the llmc tool ------------*- C++ -*-===//

#ifndef LLMC_TOOLS_LLMC_COMMANDS_H
#define LLMC_TOOLS_LLMC_COMMANDS_H

#include "llvm/Support/Error.h"

namespace llmc::cli {

/// `llmc compile`, with its options already parsed.
llvm::Error runCompile();
/// `llmc run`.
llvm::Error runRun();
/// `llmc exec`.
llvm::Error runExec();
/// `llmc inspect`.
llvm::Error runInspect();
llvm::Error runBench();
llvm::Error runEval();

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_COMMANDS_H
