//===- Options.h - Every command-line option of the llmc tool ---*- C++ -*-===//
//
// All options live in Options.cpp, grouped by subcommand, so that `--help`
// and this one file are the tool's first documentation (see shared CLI.md).
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_TOOLS_LLMC_OPTIONS_H
#define LLMC_TOOLS_LLMC_OPTIONS_H

#include "compiler/Compiler.h"

#include "llvm/Support/CommandLine.h"

#include <string>

namespace llmc::cli {

/// Every option category of the tool (one per subcommand), for --help.
llvm::ArrayRef<const llvm::cl::OptionCategory *> getOptionCategories();

extern llvm::cl::SubCommand compileCommand;
extern llvm::cl::opt<std::string> compileInput;
extern llvm::cl::opt<std::string> compileOutput;
extern llvm::cl::opt<EmitKind> compileEmit;
extern llvm::cl::opt<MLIRStage> compileTo;
extern llvm::cl::opt<int64_t> compileContextLength;
extern llvm::cl::opt<std::string> compileTarget;
extern llvm::cl::opt<unsigned> compileOptLevel;
extern llvm::cl::opt<WeightsMode> compileWeights;
extern llvm::cl::opt<std::string> compileTokenizer;
extern llvm::cl::opt<std::string> compileStopIds;
extern llvm::cl::opt<int64_t> compileBosId;
extern llvm::cl::opt<std::string> compileQuantize;
extern llvm::cl::opt<int64_t> compileGroupSize;
extern llvm::cl::opt<std::string> compileScaleType;
extern llvm::cl::opt<bool> compileZeroPoints;
extern llvm::cl::list<std::string> compileKeepPrecision;
extern llvm::cl::opt<bool> compileUkernels;
extern llvm::cl::opt<bool> compilePagedKV;
extern llvm::cl::opt<std::string> compileModelSymbol;
extern llvm::cl::opt<std::string> compileDraftQuantize;
extern llvm::cl::opt<bool> compileFuseProjections;
extern llvm::cl::opt<std::string> compileKVType;
extern llvm::cl::opt<int64_t> compileKVBlockSize;
extern llvm::cl::opt<int64_t> compileDraftLayers;
extern llvm::cl::opt<bool> compileQuiet;
extern llvm::cl::opt<bool> compileReportLifting;
extern llvm::cl::opt<bool> compileTiming;

extern llvm::cl::SubCommand benchCommand;
extern llvm::cl::opt<std::string> benchModel;
extern llvm::cl::opt<std::string> benchPromptTokens;
extern llvm::cl::opt<int64_t> benchGenTokens;
extern llvm::cl::opt<std::string> benchThreads;
extern llvm::cl::opt<int64_t> benchSeed;
extern llvm::cl::opt<bool> benchJson;
extern llvm::cl::opt<bool> benchQuiet;
extern llvm::cl::opt<std::string> benchSpeculative;
extern llvm::cl::opt<std::string> benchDraft;
extern llvm::cl::opt<int32_t> benchDraftTokens;
extern llvm::cl::opt<std::string> benchConcurrency;
extern llvm::cl::opt<int64_t> benchSharedPrefix;

extern llvm::cl::SubCommand evalCommand;
extern llvm::cl::opt<std::string> evalModel;
extern llvm::cl::opt<std::string> evalText;
extern llvm::cl::opt<std::string> evalReference;
extern llvm::cl::opt<bool> evalJson;

extern llvm::cl::SubCommand runCommand;
extern llvm::cl::opt<std::string> runModel;
extern llvm::cl::opt<std::string> runPrompt;
extern llvm::cl::opt<std::string> runPromptIds;
extern llvm::cl::opt<int64_t> runMaxTokens;
extern llvm::cl::opt<float> runTemperature;
extern llvm::cl::opt<int32_t> runTopK;
extern llvm::cl::opt<float> runTopP;
extern llvm::cl::opt<uint64_t> runSeed;
extern llvm::cl::opt<std::string> runStopIds;
extern llvm::cl::opt<std::string> runSpeculative;
extern llvm::cl::opt<std::string> runDraft;
extern llvm::cl::opt<int32_t> runDraftTokens;
extern llvm::cl::opt<int64_t> runSamples;
extern llvm::cl::opt<bool> runIgnoreEos;
extern llvm::cl::opt<bool> runJson;
extern llvm::cl::opt<int> runThreads;

extern llvm::cl::SubCommand execCommand;
extern llvm::cl::opt<std::string> execModel;
extern llvm::cl::list<std::string> execInputs;
extern llvm::cl::opt<std::string> execOutputDir;
extern llvm::cl::opt<std::string> execEntry;

extern llvm::cl::SubCommand inspectCommand;
extern llvm::cl::opt<std::string> inspectModel;
extern llvm::cl::opt<bool> inspectJson;
extern llvm::cl::opt<bool> inspectVerify;

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_OPTIONS_H
