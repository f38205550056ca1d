//===- llmc-opt.cpp - mlir-opt with the llm dialect and llmc's passes -----===//
//
// Registers llmc's dialects and passes next to every upstream pass, so that a
// lit test can run any stage of llmc's pipelines on its own.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  llmc::registerPasses();
  mlir::DialectRegistry registry;
  llmc::registerDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "llmc optimizer driver\n", registry));
}
