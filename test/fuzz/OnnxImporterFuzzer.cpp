//===- OnnxImporterFuzzer.cpp - libFuzzer over the ONNX importer ----------===//
//
// Feeds arbitrary bytes to the protobuf parser and, when they parse, the
// decoder recognizer (lifting what it recognizes) and the whole importer,
// then verifies the modules. Any crash, hang, sanitizer report or invalid
// IR is a bug: bad input must end in an error.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/DecoderLifting.h"
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
  if (auto decoder = llmc::recognizeDecoder(**model)) {
    mlir::OwningOpRef<mlir::ModuleOp> lifted =
        mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));
    if (llvm::Error err = llmc::liftDecoder(*lifted, **model, *decoder, 64))
      llvm::consumeError(std::move(err));
    else if (mlir::failed(mlir::verify(*lifted)))
      __builtin_trap(); // lifting produced invalid IR
  } else {
    llvm::consumeError(decoder.takeError());
  }
  auto module = llmc::importOnnxModel(context, **model, {});
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  if (mlir::failed(mlir::verify(**module)))
    __builtin_trap(); // the importer produced invalid IR
  return 0;
}
