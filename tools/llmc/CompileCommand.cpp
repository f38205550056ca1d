//===- CompileCommand.cpp - llmc compile ----------------------------------===//

#include "compiler/Compiler.h"
#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"

using namespace llvm;

namespace llmc::cli {

Error runCompile() {
  if (compileContextLength < 0)
    return createStringError(inconvertibleErrorCode(),
                             "--context-length must be positive");
  if (compileOptLevel > 3)
    return createStringError(inconvertibleErrorCode(),
                             "-O must be 0, 1, 2 or 3");
  CompileOptions options;
  options.modelPath = compileInput;
  options.outputPath = compileOutput;
  options.emit = compileEmit;
  options.stage = compileTo;
  options.contextLength = compileContextLength;
  options.target = compileTarget;
  options.optLevel = compileOptLevel;
  options.weights = compileWeights;
  return llmc::compileModel(options);
}

} // namespace llmc::cli
