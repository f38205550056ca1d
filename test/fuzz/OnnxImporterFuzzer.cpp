//===- OnnxImporterFuzzer.cpp - libFuzzer over the ONNX importer ----------===//
//
// Feeds arbitrary bytes to the protobuf parser and, when they parse, the
// whole importer, then verifies the module. Any crash, hang, sanitizer
// report or invalid IR is a bug: bad input must end in an error.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/OnnxImporter.h"
#include "passes/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    llmc::registerDialects(*r);
    return r;
  }();
  auto model = llmc::OnnxModel::parse(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "/nonexistent/fuzz.onnx");
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  mlir::MLIRContext context(*registry);
  context.disableMultithreading();
  // Diagnostics from the verifier are expected on the way to an error.
  context.getDiagEngine().registerHandler(
      [](mlir::Diagnostic &) { return mlir::success(); });
  auto module = llmc::importOnnxModel(context, **model, {});
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  if (mlir::failed(mlir::verify(**module)))
    __builtin_trap(); // the importer produced invalid IR
  return 0;
}
