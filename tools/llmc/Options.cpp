//===- Options.cpp - Every command-line option of the llmc tool -----------===//

#include "tools/llmc/Options.h"

using namespace llvm;

namespace llmc::cli {

//===----------------------------------------------------------------------===//
// llmc compile
//===----------------------------------------------------------------------===//

cl::SubCommand compileCommand(
    "compile",
    "Compile a model into a shared library. MODEL is a Hugging Face "
    "checkpoint folder (config.json, *.safetensors, tokenizer.json) or an "
    ".onnx file (external data beside it; --tokenizer names its "
    "tokenizer.json, --context-length its context when its folder has no "
    "config.json)");
static cl::OptionCategory compileCategory("llmc compile options");

cl::opt<std::string> compileInput(cl::Positional, cl::Required,
                                  cl::desc("<model folder or model.onnx>"),
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
cl::opt<std::string> compileTarget(
    "target",
    cl::desc("CPU to compile for: host (default; this machine's features), "
             "x86-64-v3 (the portable choice for deployment), x86-64-v4, an "
             "LLVM x86-64 CPU name (znver4, sapphirerapids, ...), or the "
             "aliases x86-64-avx2 and x86-64-avx512. The artifact records "
             "the features its code uses; the runtime refuses it on a CPU "
             "without them"),
    cl::init("host"), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<unsigned> compileOptLevel("O", cl::desc("Optimization level 0-3"),
                                  cl::Prefix, cl::init(3),
                                  cl::sub(compileCommand),
                                  cl::cat(compileCategory));
cl::opt<WeightsMode> compileWeights(
    "weights", cl::desc("Where the weights go"), cl::init(WeightsMode::Auto),
    cl::values(
        clEnumValN(WeightsMode::Auto, "auto",
                   "embedded below 256 MiB, else a side file OUT.weights "
                   "(default)"),
        clEnumValN(WeightsMode::Embed, "embed", "inside the shared library"),
        clEnumValN(WeightsMode::External, "external",
                   "in OUT.weights beside the library, mapped at load")),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<std::string> compileTokenizer(
    "tokenizer",
    cl::desc("tokenizer.json to embed (default: the model folder's); "
             "tokenizer_config.json, generation_config.json and config.json "
             "beside it give BOS, stop ids and sampling defaults"),
    cl::value_desc("file"), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<std::string> compileStopIds(
    "stop-ids",
    cl::desc("Comma-separated default stop ids (overrides eos_token_id)"),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<int64_t> compileBosId("bos-id",
                              cl::desc("BOS token id (overrides bos_token_id)"),
                              cl::init(-1), cl::sub(compileCommand),
                              cl::cat(compileCategory));

cl::opt<std::string> compileQuantize(
    "quantize",
    cl::desc("Weight quantization: none (default), int8 or int4. Policy: "
             "every linear layer at that width; the LM head and the "
             "embedding table at int8 (a tied table is stored once); "
             "--keep-precision leaves classes at full precision. Linear "
             "layers are packed for the CPU kernels in every mode"),
    cl::init("none"), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<int64_t> compileGroupSize(
    "group-size", cl::desc("int4 group size: 32 (default), 64 or 128"),
    cl::init(32), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<std::string> compileScaleType(
    "scale-type", cl::desc("Quantization scales: f16 (default) or f32"),
    cl::init("f16"), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<bool> compileZeroPoints(
    "zero-points", cl::desc("Asymmetric int4 groups with stored zero points"),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::list<std::string> compileKeepPrecision(
    "keep-precision",
    cl::desc("Classes left unquantized: embeddings, lm_head (for a tied "
             "table, naming either keeps it)"),
    cl::CommaSeparated, cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<bool> compileFuseProjections(
    "fuse-projections",
    cl::desc("One linear layer for the q/k/v projections and one for "
             "gate/up (default); =false keeps them apart, for comparison"),
    cl::init(true), cl::Hidden, cl::sub(compileCommand),
    cl::cat(compileCategory));
cl::opt<std::string> compileKVType(
    "kv-type",
    cl::desc("How the paged KV cache stores keys and values: f32 (default), "
             "f16, or int8 with a scale per position and head"),
    cl::init("f32"), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<int64_t> compileKVBlockSize(
    "kv-block-size",
    cl::desc("Positions per block of the paged KV cache (default 16)"),
    cl::init(16), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<std::string> compileDraftQuantize(
    "draft-quantize",
    cl::desc("Put a self-draft into the artifact for --speculative=self: the "
             "same decoder with its linear layers at int4 or int8 (the "
             "embedding and LM head shared with the model)"),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<int64_t> compileDraftLayers(
    "draft-layers",
    cl::desc("The self-draft runs only the first N layers, then the final "
             "norm and the LM head (default: all)"),
    cl::init(0), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<std::string> compileModelSymbol(
    "model-symbol",
    cl::desc("Export the descriptor as llmc_model_<name> instead of "
             "llmc_model_get, so that several models link into one program "
             "(CMake's llmc_add_model uses it)"),
    cl::value_desc("name"), cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<bool> compileReportLifting(
    "report-lifting",
    cl::desc("ONNX: print the llm ops each entry point holds, then why the "
             "graph was not lifted into a decoder, if it was not"),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<bool> compileTiming(
    "timing",
    cl::desc("Print where the time went (each stage, each pass, LLVM "
             "code generation) to stderr at the end"),
    cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<bool> compileQuiet("quiet",
                           cl::desc("No progress display (none is shown when "
                                    "stderr is not a terminal)"),
                           cl::sub(compileCommand), cl::cat(compileCategory));
cl::opt<bool> compileUkernels(
    "ukernels",
    cl::desc("Call the runtime's CPU kernels for linear layers (default); "
             "=false keeps generated loops, for testing"),
    cl::init(true), cl::Hidden, cl::sub(compileCommand),
    cl::cat(compileCategory));
cl::opt<bool> compilePagedKV(
    "paged-kv",
    cl::desc("Give decoders the paged KV cache the engine serves (default); "
             "=false keeps one contiguous cache per session, for testing"),
    cl::init(true), cl::Hidden, cl::sub(compileCommand),
    cl::cat(compileCategory));

//===----------------------------------------------------------------------===//
// llmc run
//===----------------------------------------------------------------------===//

cl::SubCommand runCommand("run", "Generate tokens with a compiled model");
static cl::OptionCategory runCategory("llmc run options");

cl::opt<std::string> runModel(cl::Positional, cl::Required,
                              cl::desc("<model.so>"), cl::sub(runCommand),
                              cl::cat(runCategory));
cl::opt<std::string> runPrompt(
    "prompt",
    cl::desc("Prompt text, tokenized with the model's tokenizer (BOS added "
             "as its configuration says)"),
    cl::sub(runCommand), cl::cat(runCategory));
cl::opt<std::string> runPromptIds(
    "prompt-ids",
    cl::desc("Comma-separated prompt token ids, used as given (no BOS added)"),
    cl::sub(runCommand), cl::cat(runCategory));
cl::opt<int64_t>
    runMaxTokens("max-tokens",
                 cl::desc("Tokens to generate, counting a stop token"),
                 cl::init(256), cl::sub(runCommand), cl::cat(runCategory));
cl::opt<float> runTemperature("temperature",
                              cl::desc("Sampling temperature (0 = greedy)"),
                              cl::init(0.0f), cl::sub(runCommand),
                              cl::cat(runCategory));
cl::opt<int32_t> runTopK("top-k", cl::desc("Sample among the K most likely"),
                         cl::init(0), cl::sub(runCommand),
                         cl::cat(runCategory));
cl::opt<float> runTopP("top-p",
                       cl::desc("Sample among the most likely tokens whose "
                                "probabilities add up to P"),
                       cl::init(1.0f), cl::sub(runCommand),
                       cl::cat(runCategory));
cl::opt<uint64_t> runSeed("seed", cl::desc("Random seed (default 0)"),
                          cl::init(0), cl::sub(runCommand),
                          cl::cat(runCategory));
cl::opt<std::string> runStopIds(
    "stop-ids",
    cl::desc("Comma-separated stop ids (default: the model's eos_token_id "
             "of generation_config.json and config.json)"),
    cl::sub(runCommand), cl::cat(runCategory));
cl::opt<std::string> runSpeculative(
    "speculative",
    cl::desc("none, ngram (prompt lookup), draft (another model, --draft) or "
             "self (an artifact's own draft); default none"),
    cl::init("none"), cl::sub(runCommand), cl::cat(runCategory));
cl::opt<std::string>
    runDraft("draft",
             cl::desc("A compiled draft model (same vocabulary); implies "
                      "--speculative=draft"),
             cl::sub(runCommand), cl::cat(runCategory));
cl::opt<int32_t> runDraftTokens("draft-tokens",
                                cl::desc("The most drafted per step (1-64, "
                                         "default 4)"),
                                cl::init(4), cl::sub(runCommand),
                                cl::cat(runCategory));
cl::opt<int64_t> runSamples(
    "samples",
    cl::desc("Continuations of the prompt that share its KV (default 1); "
             "sample K uses seed + K"),
    cl::init(1), cl::sub(runCommand), cl::cat(runCategory));
cl::opt<bool> runIgnoreEos("ignore-eos",
                           cl::desc("Generate all --max-tokens tokens"),
                           cl::sub(runCommand), cl::cat(runCategory));
cl::opt<bool> runJson("json",
                      cl::desc("Print one JSON object and nothing else"),
                      cl::sub(runCommand), cl::cat(runCategory));
cl::opt<int> runThreads(
    "threads",
    cl::desc(
        "Kernel threads (default: LLMC_NUM_THREADS, else one per usable CPU)"),
    cl::init(0), cl::sub(runCommand), cl::cat(runCategory));

//===----------------------------------------------------------------------===//
// llmc exec
//===----------------------------------------------------------------------===//

cl::SubCommand execCommand("exec",
                           "Run a compiled graph once on tensors from files");
static cl::OptionCategory execCategory("llmc exec options");
cl::opt<std::string> execModel(cl::Positional, cl::Required,
                               cl::desc("<model.so>"), cl::sub(execCommand),
                               cl::cat(execCategory));
cl::list<std::string> execInputs(
    "input",
    cl::desc("NAME=FILE: an input from a .npy or ONNX TensorProto .pb file "
             "(every graph input that is not an initializer is required; "
             "naming an initializer overrides it)"),
    cl::sub(execCommand), cl::cat(execCategory));
cl::opt<std::string>
    execOutputDir("output-dir",
                  cl::desc("Where each output goes, as <name>.npy"),
                  cl::Required, cl::sub(execCommand), cl::cat(execCategory));
cl::opt<std::string> execEntry("entry",
                               cl::desc("Entry point (default: the first)"),
                               cl::sub(execCommand), cl::cat(execCategory));

//===----------------------------------------------------------------------===//
// llmc inspect
//===----------------------------------------------------------------------===//

cl::SubCommand inspectCommand("inspect",
                              "Print the manifest of a compiled model");
static cl::OptionCategory inspectCategory("llmc inspect options");
cl::opt<std::string> inspectModel(cl::Positional, cl::Required,
                                  cl::desc("<model.so>"),
                                  cl::sub(inspectCommand),
                                  cl::cat(inspectCategory));
cl::opt<bool> inspectJson("json", cl::desc("Print the manifest as JSON"),
                          cl::sub(inspectCommand), cl::cat(inspectCategory));
cl::opt<bool> inspectVerify(
    "verify",
    cl::desc("Recompute the weights' digest and check it is the model id "
             "(reads all the weights; the library's code is never run)"),
    cl::sub(inspectCommand), cl::cat(inspectCategory));

//===----------------------------------------------------------------------===//
// llmc bench
//===----------------------------------------------------------------------===//

cl::SubCommand benchCommand("bench", "Measure prefill and decode throughput");
static cl::OptionCategory benchCategory("llmc bench options");

cl::opt<std::string> benchModel(cl::Positional, cl::Required,
                                cl::desc("<model.so>"), cl::sub(benchCommand),
                                cl::cat(benchCategory));
cl::opt<std::string> benchPromptTokens(
    "prompt-tokens", cl::desc("Comma-separated prompt lengths (default 128)"),
    cl::init("128"), cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<int64_t> benchGenTokens("gen-tokens",
                                cl::desc("Tokens to decode (default 128)"),
                                cl::init(128), cl::sub(benchCommand),
                                cl::cat(benchCategory));
cl::opt<std::string> benchThreads(
    "threads",
    cl::desc("Comma-separated thread counts (default: one per usable CPU)"),
    cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<int64_t> benchSeed("seed",
                           cl::desc("Seed of the pseudo-random prompt ids"),
                           cl::init(0), cl::sub(benchCommand),
                           cl::cat(benchCategory));
cl::opt<bool> benchJson("json", cl::desc("One JSON array on stdout"),
                        cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<std::string> benchSpeculative(
    "speculative",
    cl::desc("Also measure decode with speculation: ngram, draft or self "
             "(as for llmc run)"),
    cl::init("none"), cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<std::string>
    benchDraft("draft", cl::desc("A draft model; implies --speculative=draft"),
               cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<int32_t> benchDraftTokens(
    "draft-tokens", cl::desc("The most drafted per step (1-64, default 4)"),
    cl::init(4), cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<std::string> benchConcurrency(
    "concurrency",
    cl::desc("Comma-separated request counts run at once through the engine "
             "(default: one request through a session)"),
    cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<int64_t> benchSharedPrefix(
    "shared-prefix",
    cl::desc("The same N ids before every request's own prompt (engine)"),
    cl::init(0), cl::sub(benchCommand), cl::cat(benchCategory));
cl::opt<bool> benchQuiet("quiet",
                         cl::desc("No progress display (none is shown when "
                                  "stderr is not a terminal)"),
                         cl::sub(benchCommand), cl::cat(benchCategory));

//===----------------------------------------------------------------------===//
// llmc eval
//===----------------------------------------------------------------------===//

cl::SubCommand evalCommand("eval", "Perplexity of a text, and agreement with a "
                                   "reference model");
static cl::OptionCategory evalCategory("llmc eval options");

cl::opt<std::string> evalModel(cl::Positional, cl::Required,
                               cl::desc("<model.so>"), cl::sub(evalCommand),
                               cl::cat(evalCategory));
cl::opt<std::string> evalText("text", cl::Required,
                              cl::desc("UTF-8 text to score"),
                              cl::value_desc("file"), cl::sub(evalCommand),
                              cl::cat(evalCategory));
cl::opt<std::string>
    evalReference("reference",
                  cl::desc("Model whose distributions to compare against (same "
                           "vocabulary)"),
                  cl::value_desc("model.so"), cl::sub(evalCommand),
                  cl::cat(evalCategory));
cl::opt<bool> evalJson("json", cl::desc("One JSON object on stdout"),
                       cl::sub(evalCommand), cl::cat(evalCategory));

ArrayRef<const cl::OptionCategory *> getOptionCategories() {
  static const cl::OptionCategory *categories[] = {
      &compileCategory, &runCategory,   &execCategory,
      &inspectCategory, &benchCategory, &evalCategory};
  return categories;
}

} // namespace llmc::cli
