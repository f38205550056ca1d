//===- CompileCommand.cpp - llmc compile ----------------------------------===//

#include "compiler/hf/HFImporter.h"
#include "compiler/support/FileError.h"
#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace llmc::cli {

/// Writes `print`'s text to -o, or stdout without it. The output file only
/// survives when everything succeeded.
static Error writeText(function_ref<void(raw_ostream &)> print) {
  if (compileOutput.empty()) {
    print(outs());
    return Error::success();
  }
  std::error_code ec;
  ToolOutputFile out(compileOutput, ec, sys::fs::OF_Text);
  if (ec)
    return fileError(compileOutput, "cannot write: " + ec.message());
  print(out.os());
  out.keep();
  return Error::success();
}

Error runCompile() {
  if (compileEmit != EmitKind::MLIR || compileTo != MLIRStage::Import)
    return createStringError(inconvertibleErrorCode(),
                             "only --emit=mlir --compile-to=import is "
                             "implemented so far");
  if (compileContextLength < 0)
    return createStringError(inconvertibleErrorCode(),
                             "--context-length must be positive");

  auto checkpoint = HFCheckpoint::open(compileModel);
  if (!checkpoint)
    return checkpoint.takeError();
  mlir::MLIRContext context;
  HFImportOptions options;
  options.contextLength = compileContextLength;
  auto module = importHFCheckpoint(context, **checkpoint, options);
  if (!module)
    return module.takeError();
  return writeText([&](raw_ostream &os) { (*module)->print(os); });
}

} // namespace llmc::cli
