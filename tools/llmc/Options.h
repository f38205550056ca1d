//===- Options.h - Every command-line option of the llmc tool ---*- C++ -*-===//
//
// All options live in Options.cpp, grouped by subcommand, so that `--help`
// and this one file are the tool's first documentation (see shared CLI.md).
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_TOOLS_LLMC_OPTIONS_H
#define LLMC_TOOLS_LLMC_OPTIONS_H

#include "llvm/Support/CommandLine.h"

#include <string>

namespace llmc::cli {

enum class EmitKind { MLIR, LLVM, Obj, Lib };
enum class MLIRStage { Import, Optimized, Lowered };

extern llvm::cl::SubCommand compileCommand;
extern llvm::cl::opt<std::string> compileModel;
extern llvm::cl::opt<std::string> compileOutput;
extern llvm::cl::opt<EmitKind> compileEmit;
extern llvm::cl::opt<MLIRStage> compileTo;
extern llvm::cl::opt<int64_t> compileContextLength;

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_OPTIONS_H
