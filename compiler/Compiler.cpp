//===- Compiler.cpp - From model files to a shared library ----------------===//

#include "compiler/Compiler.h"
#include "compiler/GenerationDefaults.h"
#include "compiler/codegen/CUDAFatbin.h"
#include "compiler/codegen/LLVMEmitter.h"
#include "compiler/codegen/Linker.h"
#include "compiler/codegen/Manifest.h"
#include "compiler/codegen/Target.h"
#include "compiler/codegen/WeightsWriter.h"
#include "compiler/hf/HFImporter.h"
#include "compiler/onnx/DecoderLifting.h"
#include "compiler/onnx/OnnxImporter.h"
#include "compiler/support/FileError.h"
#include "compiler/support/ParseJson.h"
#include "dialects/llm/LLMOps.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace llvm;

namespace llmc {
namespace {

/// Deletes the files a failed compilation started, unless told it succeeded.
class OutputCleanup {
public:
  /// Also removed if SIGINT or SIGTERM ends the process (InitLLVM's
  /// handlers): an interrupted compile leaves no partial library or
  /// gigabytes of half-written weights behind.
  void add(StringRef path) {
    paths.push_back(path.str());
    sys::RemoveFileOnSignal(path);
  }
  void keep() {
    for (const std::string &path : paths)
      sys::DontRemoveFileOnSignal(path);
    paths.clear();
  }
  /// Stops removing the last path added (one that turned out not to be
  /// this compile's).
  void forgetLast() {
    sys::DontRemoveFileOnSignal(paths.back());
    paths.pop_back();
  }
  ~OutputCleanup() {
    for (const std::string &path : paths) {
      sys::fs::remove(path);
      sys::DontRemoveFileOnSignal(path);
    }
  }

private:
  std::vector<std::string> paths;
};

/// Writes text produced by `print` to `path`, or stdout when it is empty.
Error writeText(StringRef path, function_ref<void(raw_ostream &)> print) {
  if (path.empty()) {
    print(outs());
    outs().flush();
    return Error::success();
  }
  std::error_code ec;
  ToolOutputFile out(path, ec, sys::fs::OF_Text);
  if (ec)
    return fileError(path, "cannot write: " + ec.message());
  print(out.os());
  out.keep();
  return Error::success();
}

/// Keeps the first error diagnostic emitted while it lives (and swallows
/// the rest), so that a failure becomes one error line.
class FirstErrorCapture {
public:
  explicit FirstErrorCapture(mlir::MLIRContext *ctx)
      : handler(ctx, [this](mlir::Diagnostic &diag) {
          if (diag.getSeverity() == mlir::DiagnosticSeverity::Error &&
              first.empty())
            first = diag.str();
          return mlir::success();
        }) {}
  std::string message() const {
    return first.empty() ? "unknown error" : first;
  }

private:
  std::string first;
  mlir::ScopedDiagnosticHandler handler;
};

/// Runs `build`'s passes on `module`; the first diagnostic becomes the error.
Error runPipeline(mlir::ModuleOp module,
                  function_ref<void(mlir::OpPassManager &)> build,
                  StringRef what, mlir::TimingScope &timing) {
  FirstErrorCapture errors(module.getContext());
  mlir::PassManager pm(module.getContext());
  build(pm);
  pm.enableTiming(timing);
  if (mlir::failed(pm.run(module)))
    return createStringError(inconvertibleErrorCode(),
                             what + " failed: " + errors.message());
  return Error::success();
}

Error verifyImported(mlir::ModuleOp module, StringRef modelPath) {
  FirstErrorCapture errors(module.getContext());
  if (mlir::succeeded(mlir::verify(module)))
    return Error::success();
  return fileError(modelPath, "the imported IR does not verify (an importer "
                              "bug; please report it): " +
                                  errors.message());
}

/// Reads `path` (a tokenizer.json) and the tokenizer_config.json beside it.
Expected<TokenizerFiles> readTokenizerFiles(StringRef path) {
  if (Error err = checkRegularFile(path))
    return std::move(err);
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  TokenizerFiles files;
  files.tokenizerJson = (*buffer)->getBuffer().str();
  Expected<json::Value> root = parseJson(path, files.tokenizerJson);
  if (!root)
    return root.takeError();
  const json::Object *object = root->getAsObject();
  const json::Object *model = object ? object->getObject("model") : nullptr;
  std::optional<StringRef> type =
      model ? model->getString("type") : std::nullopt;
  if (!type)
    return fileError(path, "missing 'model.type'");
  files.type = type->str();
  // One past the largest id of the vocabulary and the added tokens. Ids
  // are int32_t at run time and the runtime refuses any other; so does
  // this, rather than record a size that no id can reach.
  auto addId = [&](StringRef what, StringRef token,
                   const json::Value *id) -> Error {
    std::optional<int64_t> value = id ? id->getAsInteger() : std::nullopt;
    if (!value || *value < 0 || *value > INT32_MAX) {
      std::string text, name;
      raw_string_ostream(text) << (id ? *id : json::Value(nullptr));
      raw_string_ostream escaped(name);
      printEscapedString(token, escaped);
      return fileError(path, what + " '" + name + "' has id " + text +
                                 ", not an integer in [0, 2^31)");
    }
    files.vocabSize = std::max(files.vocabSize, *value + 1);
    return Error::success();
  };
  if (const json::Object *vocab = model->getObject("vocab"))
    for (const auto &entry : *vocab)
      if (Error err = addId("vocabulary entry", entry.first, &entry.second))
        return std::move(err);
  if (const json::Array *added = object->getArray("added_tokens"))
    for (const json::Value &token : *added)
      if (const json::Object *t = token.getAsObject())
        if (Error err =
                addId("added token", t->getString("content").value_or(""),
                      t->get("id")))
          return std::move(err);

  SmallString<256> config(sys::path::parent_path(path));
  sys::path::append(config, "tokenizer_config.json");
  if (sys::fs::exists(config)) {
    if (Error err = checkRegularFile(config))
      return std::move(err);
    auto text = MemoryBuffer::getFile(config, /*IsText=*/true);
    if (!text)
      return fileError(config, "cannot open: " + text.getError().message());
    files.tokenizerConfigJson = (*text)->getBuffer().str();
  }
  return files;
}

/// A model imported by a frontend, with what codegen needs from its files.
struct ImportedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<WeightSource> weights;
  GenerationDefaults generation;
  std::optional<TokenizerFiles> tokenizer;
  /// Why an ONNX export got no `forward` entry point (empty when it did).
  std::string notLifted;
  /// Why a lifted ONNX export has no `graph` entry point (empty when it has).
  std::string notImported;
};

/// The tokenizer and generation defaults: from --tokenizer's folder when
/// given, else from `modelDir`; then the command-line overrides.
Error readModelFolderFacts(const CompileOptions &options, StringRef modelDir,
                           ImportedModel &model) {
  std::string tokenizerPath = options.tokenizerPath;
  std::string factsDir = modelDir.str();
  if (!tokenizerPath.empty()) {
    factsDir = sys::path::parent_path(tokenizerPath).str();
    if (factsDir.empty())
      factsDir = ".";
  } else if (!modelDir.empty()) {
    SmallString<256> candidate(modelDir);
    sys::path::append(candidate, "tokenizer.json");
    if (sys::fs::exists(candidate))
      tokenizerPath = std::string(candidate);
  }
  if (!tokenizerPath.empty()) {
    auto files = readTokenizerFiles(tokenizerPath);
    if (!files)
      return files.takeError();
    model.tokenizer = std::move(*files);
  }
  auto generation = readGenerationDefaults(factsDir);
  if (!generation)
    return generation.takeError();
  model.generation = std::move(*generation);
  if (options.stopIds)
    model.generation.stopIds = *options.stopIds;
  if (options.bosId)
    model.generation.bosId = *options.bosId;
  return Error::success();
}

/// The self-draft entry point --draft-quantize asks for, if any.
std::optional<DecoderEntry> draftEntry(const CompileOptions &options) {
  if (options.draftQuantize.empty())
    return std::nullopt;
  DecoderEntry entry;
  entry.name = "draft";
  entry.layers = options.draftLayers;
  entry.draftQuantization = options.draftQuantize;
  return entry;
}

Expected<ImportedModel> importModel(mlir::MLIRContext &context,
                                    const CompileOptions &options) {
  ImportedModel model;
  if (StringRef(options.modelPath).ends_with(".onnx")) {
    auto onnx = OnnxModel::load(options.modelPath);
    if (!onnx)
      return onnx.takeError();
    // An ONNX file's folder usually holds no tokenizer: --tokenizer names it.
    if (Error err = readModelFolderFacts(
            options, sys::path::parent_path(options.modelPath), model))
      return std::move(err);
    // `llmc run` on a decoder export needs a context length: the flag, or
    // config.json beside the tokenizer (the runtime refuses to run without).
    int64_t contextLength = options.contextLength > 0
                                ? options.contextLength
                                : model.generation.maxPositionEmbeddings;
    // A decoder the recognizer understands also gets `forward`, built from
    // llm ops as a checkpoint's is; `graph` stays for `llmc exec`.
    auto decoder = recognizeDecoder(**onnx);
    // Learned positions (GPT-2) bound the context themselves.
    if (decoder && contextLength <= 0)
      contextLength = decoder->config.maxPositionEmbeddings;
    bool lift = false;
    if (!decoder)
      model.notLifted = toString(decoder.takeError());
    else if (contextLength <= 0)
      model.notLifted = "a decoder, but no context length: pass "
                        "--context-length or a config.json beside the "
                        "tokenizer";
    else
      lift = true;
    OnnxImportOptions importOptions;
    importOptions.contextLength = contextLength;
    auto module = importOnnxModel(context, **onnx, importOptions);
    if (module) {
      model.module = std::move(*module);
    } else if (lift) {
      // Contrib ops the generic path lacks: the lifted decoder still runs.
      model.notImported = toString(module.takeError());
      model.module = mlir::ModuleOp::create(mlir::UnknownLoc::get(&context));
    } else {
      // Why the decoder was not lifted, asked for, before the refusal.
      if (options.reportLifting)
        outs() << "not lifted: " << model.notLifted << "\n", outs().flush();
      return module.takeError();
    }
    if (!lift && !options.draftQuantize.empty())
      return fileError(options.modelPath,
                       "--draft-quantize needs a lifted decoder, and this "
                       "graph was not lifted: " +
                           model.notLifted);
    if (lift) {
      // Facts the graph cannot hold come from the files beside the
      // tokenizer, as a checkpoint's config.json gives them.
      HFConfig &config = decoder->config;
      if (config.family != DecoderFamily::GPT2)
        config.maxPositionEmbeddings = model.generation.maxPositionEmbeddings;
      config.bosTokenId = model.generation.bosId;
      config.eosTokenIds.assign(model.generation.stopIds.begin(),
                                model.generation.stopIds.end());
      std::optional<DecoderEntry> draft = draftEntry(options);
      if (Error err = liftDecoder(*model.module, **onnx, *decoder,
                                  contextLength, draft ? &*draft : nullptr))
        return std::move(err);
    }
    model.weights = std::move(*onnx);
    return std::move(model);
  }
  auto checkpoint = HFCheckpoint::open(options.modelPath);
  if (!checkpoint)
    return checkpoint.takeError();
  HFImportOptions importOptions;
  importOptions.contextLength = options.contextLength;
  importOptions.draft = draftEntry(options);
  auto module = importHFCheckpoint(context, **checkpoint, importOptions);
  if (!module)
    return module.takeError();
  model.module = std::move(*module);
  model.weights = std::move(*checkpoint);
  if (Error err = readModelFolderFacts(options, options.modelPath, model))
    return std::move(err);
  return std::move(model);
}

/// Positions beyond 2^31 - 1 and a KV cache larger than a process can map
/// (64 TiB, half of x86-64's user address space) are impossible: refused at
/// compile time rather than at the first run, with the arithmetic checked.
constexpr int64_t kMaxContextLength = INT32_MAX;
constexpr int64_t kMaxKVCacheBytes = int64_t(1) << 46;

Error checkContextLength(mlir::ModuleOp module, const CompileOptions &options) {
  auto facts = module->getAttrOfType<mlir::DictionaryAttr>(
      llm::LLMDialect::ModelAttrHelper::getNameStr());
  auto fact = [&](StringRef key) -> int64_t {
    auto attr = facts ? facts.getAs<mlir::IntegerAttr>(key) : nullptr;
    return attr ? attr.getInt() : 0;
  };
  int64_t context = fact("context_length");
  std::string source =
      options.contextLength > 0
          ? "--context-length=" + std::to_string(context)
          : (options.modelPath + "/config.json: max_position_embeddings " +
             std::to_string(context));
  if (context == 0)
    return Error::success(); // an ONNX graph that fixes none
  if (context < 0 || context > kMaxContextLength)
    return createStringError(inconvertibleErrorCode(),
                             source + ": a context length must be in [1, " +
                                 Twine(kMaxContextLength) + "]");
  int64_t bytes = 4; // f32 keys and values
  for (int64_t factor : {fact("num_layers"), int64_t(2), context,
                         fact("num_kv_heads"), fact("head_dim")}) {
    if (factor <= 0)
      continue;
    if (__builtin_mul_overflow(bytes, factor, &bytes) ||
        bytes > kMaxKVCacheBytes)
      return createStringError(
          inconvertibleErrorCode(),
          source + ": the KV cache for that context would exceed 64 TiB, "
                   "more than a process can map");
  }
  int64_t trained = fact("max_position_embeddings");
  if (options.contextLength > 0 && trained > 0 && context > trained)
    errs() << "llmc: warning: --context-length=" << context << " exceeds the "
           << trained
           << " positions the model was trained for "
              "(max_position_embeddings): expect degraded output past them\n";
  return Error::success();
}

/// --report-lifting: per entry point, how many of each llm op it holds;
/// then why the export was not lifted, when it was not.
void reportLifting(mlir::ModuleOp module, StringRef notLifted,
                   StringRef notImported, raw_ostream &os) {
  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    if (!llm::LLMDialect::isEntryPoint(func))
      continue;
    std::map<std::string, int64_t> counts;
    int64_t generic = 0;
    func.walk([&](mlir::Operation *op) {
      StringRef dialect =
          op->getDialect() ? op->getDialect()->getNamespace() : StringRef();
      if (dialect == "llm" && !isa<llm::WeightOp, llm::AssertOp>(op))
        ++counts[op->getName().getStringRef().str()];
      else if (dialect == "linalg")
        ++generic;
    });
    os << "entry " << func.getSymName() << ":";
    if (counts.empty())
      os << " nothing lifted";
    for (auto [i, entry] : llvm::enumerate(counts))
      os << (i ? ", " : " ") << entry.second << " " << entry.first;
    os << "; " << generic << " generic linalg ops\n";
  }
  if (!notImported.empty())
    os << "entry graph: not imported (llmc exec cannot run this model): "
       << notImported << "\n";
  if (!notLifted.empty())
    os << "not lifted: " << notLifted << "\n";
}

} // namespace

Error compileModel(const CompileOptions &options) {
  mlir::DialectRegistry registry;
  registerDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();

  // A bad --target fails before any work.
  auto target = parseTarget(options.target);
  if (!target)
    return target.takeError();
  // On the GPU every op is generated code: no runtime kernels (the paged
  // attention too: llmc-lower-paged-attention), weights as stored.
  PipelineOptions pipeline = options.pipeline;
  std::string cudaToolkit;
  if (target->isCUDA()) {
    auto toolkit = findCUDAToolkit();
    if (!toolkit)
      return toolkit.takeError();
    cudaToolkit = *toolkit;
    pipeline.ukernels = false;
    pipeline.packF32 = false;
  }
  // Disabled, the timers cost nothing; enabled, the manager prints the
  // tree when it goes out of scope, after the last stage has stopped.
  mlir::DefaultTimingManager timingManager;
  timingManager.setEnabled(options.timing);
  timingManager.setDisplayMode(mlir::DefaultTimingManager::DisplayMode::Tree);
  mlir::TimingScope rootTimer = timingManager.getRootScope();
  mlir::TimingScope stageTimer;
  auto stage = [&](StringRef name) {
    stageTimer = rootTimer.nest(name);
    if (options.progress)
      options.progress(name, 0, 0);
  };
  stage("import");
  auto model = importModel(context, options);
  if (!model)
    return model.takeError();
  mlir::ModuleOp module = *model->module;
  // Invalid IR here is an importer bug, but it must still be an error and
  // not IR printed in generic form with exit status 0.
  if (Error err = verifyImported(module, options.modelPath))
    return err;
  if (Error err = checkContextLength(module, options))
    return err;
  auto printModule = [&] {
    return writeText(options.outputPath,
                     [&](raw_ostream &os) { module.print(os); });
  };
  if (options.reportLifting && StringRef(options.modelPath).ends_with(".onnx"))
    reportLifting(module, model->notLifted, model->notImported, outs());
  bool mlirOut = options.emit == EmitKind::MLIR;
  if (mlirOut && options.stage == MLIRStage::Import)
    return printModule();

  bool isOnnx = StringRef(options.modelPath).ends_with(".onnx");
  if (options.pipeline.quantize != "none" && isOnnx) {
    if (!model->notLifted.empty())
      return fileError(options.modelPath,
                       "--quantize applies to lifted decoders, and this "
                       "graph was not lifted: " +
                           model->notLifted);
    // Quantized weights serve `forward` alone: keeping the f32 `graph`
    // would store every weight twice.
    if (auto graph = module.lookupSymbol<mlir::func::FuncOp>("graph"))
      graph.erase();
  }
  stage("optimize");
  if (Error err = runPipeline(
          module,
          [&](mlir::OpPassManager &pm) {
            buildLLMOptimizationPipeline(pm, pipeline);
          },
          "optimization", stageTimer))
    return err;
  if (mlirOut && options.stage == MLIRStage::Optimized)
    return printModule();

  stage("lower");
  if (Error err = runPipeline(
          module,
          [&](mlir::OpPassManager &pm) {
            buildLLMToBuffersPipeline(pm, pipeline);
          },
          "lowering to buffers", stageTimer))
    return err;
  auto layout = getWeightsLayout(module);
  if (!layout)
    return layout.takeError();
  auto entries = getEntryPoints(module);
  if (!entries)
    return entries.takeError();

  bool embed = options.weights == WeightsMode::Embed ||
               (options.weights == WeightsMode::Auto &&
                layout->size < kEmbedWeightsLimit);
  ManifestInputs manifestInputs;
  manifestInputs.target = target->name;
  manifestInputs.targetCpu = target->cpu;
  manifestInputs.targetFeatures = target->features;
  for (const GPUImage &image : target->gpuImages)
    manifestInputs.gpuImages.emplace_back(image.arch, image.cubin);
  if (!options.modelSymbol.empty())
    manifestInputs.descriptorSymbol = "llmc_model_" + options.modelSymbol;
  manifestInputs.generation = model->generation;
  manifestInputs.tokenizer = model->tokenizer;
  if (auto facts = module->getAttrOfType<mlir::DictionaryAttr>(
          llm::LLMDialect::ModelAttrHelper::getNameStr()))
    if (auto vocab = facts.getAs<mlir::IntegerAttr>("vocab_size"))
      if (model->tokenizer && model->tokenizer->vocabSize > vocab.getInt())
        return createStringError(
            inconvertibleErrorCode(),
            "the tokenizer has " + Twine(model->tokenizer->vocabSize) +
                " tokens, more than the model's vocabulary of " +
                Twine(vocab.getInt()));
  if (!embed)
    manifestInputs.weightsFile =
        sys::path::filename(options.outputPath).str() + ".weights";

  bool library = options.emit == EmitKind::Lib;
  if ((library || options.emit == EmitKind::Obj) && options.outputPath.empty())
    return createStringError(inconvertibleErrorCode(),
                             "-o is required to write an object or library");

  // Objects go to temporary files, removed however the compile ends; only
  // the library (and its weights side file) end up beside the output.
  OutputCleanup cleanup, scratch;
  std::string codeObject, weightsObject;
  // Each name is registered for removal before the file exists: a signal
  // between creating and registering it would leave it behind.
  auto temporary = [&](StringRef prefix, std::string &path) -> Error {
    SmallString<128> pattern;
    sys::path::system_temp_directory(/*ErasedOnReboot=*/true, pattern);
    sys::path::append(pattern, prefix + "-%%%%%%%%.o");
    std::error_code ec;
    for (int attempt = 0; attempt < 128; ++attempt) {
      SmallString<128> unique;
      sys::fs::createUniquePath(pattern, unique, /*MakeAbsolute=*/false);
      scratch.add(unique);
      int fd;
      ec = sys::fs::openFileForWrite(unique, fd, sys::fs::CD_CreateNew);
      if (!ec) {
        sys::Process::SafelyCloseFileDescriptor(fd);
        path = unique.str().str();
        return Error::success();
      }
      scratch.forgetLast(); // someone else's, or none at all
      if (ec != std::errc::file_exists)
        break;
    }
    return createStringError(ec, "cannot create a temporary file");
  };
  // The weights first: the model id is the digest of the blob as written,
  // which ties the library to its side file and lets a load verify it.
  auto weightsProgress = [&](uint64_t done) {
    if (options.progress)
      options.progress("weights", done, layout->size);
  };
  if (!mlirOut) {
    stage("weights");
    std::string modelId;
    if (library) {
      if (Error err = temporary("llmc-model", codeObject))
        return err;
      cleanup.add(options.outputPath);
      if (embed) {
        if (Error err = temporary("llmc-weights", weightsObject))
          return err;
        if (Error err =
                writeWeightsObject(weightsObject, *layout, *model->weights,
                                   modelId, weightsProgress))
          return err;
      } else {
        SmallString<256> weightsPath(options.outputPath);
        weightsPath += ".weights";
        cleanup.add(weightsPath);
        if (Error err = writeWeightsFile(weightsPath, *layout, *model->weights,
                                         modelId, weightsProgress))
          return err;
      }
    } else {
      auto digest = digestWeights(*layout, *model->weights, weightsProgress);
      if (!digest)
        return digest.takeError();
      modelId = std::move(*digest);
    }
    manifestInputs.modelId = modelId;
  }

  std::optional<std::vector<uint8_t>> manifest;
  if (!mlirOut) {
    auto built = buildManifest(module, *layout, manifestInputs);
    if (!built)
      return built.takeError();
    manifest = std::move(*built);
  }

  stage("lower to LLVM");
  if (Error err = runPipeline(
          module,
          [&](mlir::OpPassManager &pm) {
            if (!target->isCUDA())
              return buildBuffersToLLVMPipeline(pm, pipeline);
            GPUPipelineOptions gpu;
            for (const GPUImage &image : target->gpuImages)
              if (!llvm::is_contained(gpu.chips, image.arch))
                gpu.chips.push_back(image.arch);
            gpu.toolkitPath = cudaToolkit;
            buildBuffersToGPUPipeline(pm, gpu);
          },
          "lowering to LLVM", stageTimer))
    return err;
  if (mlirOut)
    return printModule();
  if (target->isCUDA()) {
    mlir::TimingScope fatbinTimer = stageTimer.nest("CUDA fatbin");
    if (Error err = assembleFatbins(module, target->gpuImages, cudaToolkit))
      return err;
  }

  stage("codegen");
  auto machine = createTargetMachine(*target, options.optLevel);
  if (!machine)
    return machine.takeError();
  LLVMContext llvmContext;
  mlir::TimingScope translateTimer = stageTimer.nest("translate to LLVM IR");
  auto llvmModule = translateToLLVMIR(module, llvmContext, **machine);
  if (!llvmModule)
    return llvmModule.takeError();
  translateTimer.stop();
  std::vector<std::string> entryNames;
  for (const EntryPointSignature &entry : *entries)
    entryNames.push_back(entry.name);
  if (Error err = addModelDescriptor(**llvmModule, *manifest, entryNames, embed,
                                     layout->size, options.modelSymbol,
                                     target->isCUDA()))
    return err;
  mlir::TimingScope optimizeTimer = stageTimer.nest("LLVM optimization");
  if (Error err = optimizeModule(**llvmModule, **machine, options.optLevel))
    return err;
  optimizeTimer.stop();
  if (options.emit == EmitKind::LLVM)
    return writeText(options.outputPath, [&](raw_ostream &os) {
      (*llvmModule)->print(os, nullptr);
    });

  if (options.emit == EmitKind::Obj) {
    cleanup.add(options.outputPath);
    if (Error err = emitObjectFile(**llvmModule, **machine, options.outputPath))
      return err;
    cleanup.keep();
    return Error::success();
  }

  mlir::TimingScope emitTimer = stageTimer.nest("machine code");
  if (Error err = emitObjectFile(**llvmModule, **machine, codeObject))
    return err;
  emitTimer.stop();
  std::vector<std::string> objects{codeObject};
  if (embed)
    objects.push_back(weightsObject);
  stage("link");
  if (Error err = linkSharedLibrary(objects, options.outputPath))
    return err;
  cleanup.keep();
  return Error::success();
}

} // namespace llmc
