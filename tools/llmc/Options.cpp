//===- Options.cpp - Every command-line option of the llmc tool -----------===//

#include "tools/llmc/Options.h"

using namespace llvm;

namespace llmc::cli {

//===----------------------------------------------------------------------===//
// llmc compile
//===----------------------------------------------------------------------===//

cl::SubCommand compileCommand("compile",
                              "Compile a Hugging Face checkpoint folder into "
                              "a shared library");
static cl::OptionCategory compileCategory("llmc compile options");

cl::opt<std::string> compileModel(cl::Positional, cl::Required,
                                  cl::desc("<model folder>"),
                                  cl::sub(compileCommand),
                                  cl::cat(compileCategory));
cl::opt<std::string> compileOutput("o", cl::desc("Output file"),
                                   cl::value_desc("file"),
                                   cl::sub(compileCommand),
                                   cl::cat(compileCategory));
cl::opt<EmitKind> compileEmit(
    "emit", cl::desc("Stop after this stage"), cl::init(EmitKind::Lib),
    cl::values(clEnumValN(EmitKind::MLIR, "mlir", "MLIR text"),
               clEnumValN(EmitKind::LLVM, "llvm", "LLVM IR text"),
               clEnumValN(EmitKind::Obj, "obj", "an object file"),
               clEnumValN(EmitKind::Lib, "lib", "a shared library (default)")),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<MLIRStage> compileTo(
    "compile-to", cl::desc("With --emit=mlir: the MLIR stage to print"),
    cl::init(MLIRStage::Import),
    cl::values(clEnumValN(MLIRStage::Import, "import", "as imported (default)"),
               clEnumValN(MLIRStage::Optimized, "optimized",
                          "after llm-level passes"),
               clEnumValN(MLIRStage::Lowered, "lowered",
                          "lowered to the LLVM dialect")),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<int64_t> compileContextLength(
    "context-length",
    cl::desc("KV-cache capacity and largest position (default: the model's "
             "max_position_embeddings)"),
    cl::init(0), cl::sub(compileCommand), cl::cat(compileCategory));

} // namespace llmc::cli
