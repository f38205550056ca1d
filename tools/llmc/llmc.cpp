//===- llmc.cpp - The llmc command-line tool ------------------------------===//
//
// One binary with subcommands (compile, ...). Every failure is one line on
// stderr, "llmc: error: <file or object>: <what was expected>", and exit 1.
//
//===----------------------------------------------------------------------===//

#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"

#include "llmc/abi.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  // --help lists llmc's options only, not the hundreds libLLVM registers.
  cl::HideUnrelatedOptions(llmc::cli::getOptionCategories());
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "llmc " << LLMC_VERSION << "\nLLVM " << LLVM_VERSION_STRING
       << "\nartifact ABI version " << LLMC_ABI_VERSION << "\n";
  });
  cl::ParseCommandLineOptions(argc, argv,
                              "llmc: an ahead-of-time compiler for "
                              "large language models\n");
  Error result = Error::success();
  if (llmc::cli::compileCommand)
    result = llmc::cli::runCompile();
  else if (llmc::cli::runCommand)
    result = llmc::cli::runRun();
  else if (llmc::cli::execCommand)
    result = llmc::cli::runExec();
  else if (llmc::cli::inspectCommand)
    result = llmc::cli::runInspect();
  else if (llmc::cli::benchCommand)
    result = llmc::cli::runBench();
  else if (llmc::cli::evalCommand)
    result = llmc::cli::runEval();
  else {
    errs() << "llmc: error: expected a subcommand (compile, run, exec, "
              "inspect, bench, eval); "
              "see llmc --help\n";
    return 1;
  }
  if (result) {
    errs() << "llmc: error: " << toString(std::move(result)) << "\n";
    return 1;
  }
  return 0;
}
