//===- CompileCommand.cpp - llmc compile ----------------------------------===//

#include "compiler/Compiler.h"
#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"
#include "tools/llmc/Progress.h"
#include "tools/llmc/RuntimeHandles.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>

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
  options.tokenizerPath = compileTokenizer;
  if (compileStopIds.getNumOccurrences()) {
    auto ids = parseIdList(compileStopIds, "stop-ids");
    if (!ids)
      return ids.takeError();
    options.stopIds = std::vector<int64_t>(ids->begin(), ids->end());
  }
  if (compileBosId.getNumOccurrences())
    options.bosId = compileBosId;
  if (compileQuantize != "none" && compileQuantize != "int8" &&
      compileQuantize != "int4")
    return createStringError(inconvertibleErrorCode(),
                             "--quantize=" + compileQuantize +
                                 ": expected none, int8 or int4");
  if (compileGroupSize != 32 && compileGroupSize != 64 &&
      compileGroupSize != 128)
    return createStringError(inconvertibleErrorCode(),
                             "--group-size=" + Twine(compileGroupSize) +
                                 ": expected 32, 64 or 128");
  if (compileScaleType != "f16" && compileScaleType != "f32")
    return createStringError(inconvertibleErrorCode(),
                             "--scale-type=" + compileScaleType +
                                 ": expected f16 or f32");
  for (const std::string &c : compileKeepPrecision)
    if (c != "embeddings" && c != "lm_head")
      return createStringError(inconvertibleErrorCode(),
                               "--keep-precision=" + c +
                                   ": expected embeddings or lm_head");
  if (compileDraftQuantize.getNumOccurrences() &&
      compileDraftQuantize != "int8" && compileDraftQuantize != "int4")
    return createStringError(inconvertibleErrorCode(),
                             "--draft-quantize=" + compileDraftQuantize +
                                 ": expected int8 or int4");
  if (compileDraftLayers.getNumOccurrences() && compileDraftQuantize.empty())
    return createStringError(inconvertibleErrorCode(),
                             "--draft-layers applies to a self-draft: add "
                             "--draft-quantize=int4 or int8");
  if (compileDraftLayers.getNumOccurrences() && compileDraftLayers < 1)
    return createStringError(inconvertibleErrorCode(),
                             "--draft-layers=" + Twine(compileDraftLayers) +
                                 ": expected at least 1");
  bool int4 = compileQuantize == "int4" || compileDraftQuantize == "int4";
  if (compileGroupSize.getNumOccurrences() && !int4)
    return createStringError(
        inconvertibleErrorCode(),
        "--group-size applies to --quantize=int4 or --draft-quantize=int4");
  if (compileZeroPoints && !int4)
    return createStringError(
        inconvertibleErrorCode(),
        "--zero-points applies to --quantize=int4 or --draft-quantize=int4");
  if (compileKVType != "f32" && compileKVType != "f16" &&
      compileKVType != "int8")
    return createStringError(inconvertibleErrorCode(),
                             "--kv-type=" + compileKVType +
                                 ": expected f32, f16 or int8");
  if (compileKVBlockSize < 1 || compileKVBlockSize > 4096)
    return createStringError(inconvertibleErrorCode(),
                             "--kv-block-size=" + Twine(compileKVBlockSize) +
                                 ": expected 1 to 4096 positions");
  if ((compileKVType.getNumOccurrences() ||
       compileKVBlockSize.getNumOccurrences()) &&
      !compilePagedKV)
    return createStringError(inconvertibleErrorCode(),
                             "--kv-type and --kv-block-size apply to the "
                             "paged KV cache, which --paged-kv=false leaves "
                             "out");
  if (compileKVType == "int8" && !compileUkernels)
    return createStringError(inconvertibleErrorCode(),
                             "--kv-type=int8 needs the runtime's paged "
                             "attention kernel, which --ukernels=false "
                             "leaves out (f32 and f16 are generated)");
  options.pipeline.kvType = compileKVType;
  options.pipeline.kvBlockSize = compileKVBlockSize;
  options.draftQuantize = compileDraftQuantize;
  options.draftLayers = compileDraftLayers;
  options.pipeline.quantize = compileQuantize;
  options.pipeline.groupSize = compileGroupSize;
  options.pipeline.scaleType = compileScaleType;
  options.pipeline.zeroPoints = compileZeroPoints;
  options.pipeline.keepPrecision.assign(compileKeepPrecision.begin(),
                                        compileKeepPrecision.end());
  options.pipeline.ukernels = compileUkernels;
  options.pipeline.paged = compilePagedKV;
  options.pipeline.fuseProjections = compileFuseProjections;
  if (!compileModelSymbol.empty()) {
    if (!std::all_of(compileModelSymbol.begin(), compileModelSymbol.end(),
                     [](char c) { return isAlnum(c) || c == '_'; }))
      return createStringError(inconvertibleErrorCode(),
                               "--model-symbol=" + compileModelSymbol +
                                   ": expected letters, digits and '_'");
    options.modelSymbol = compileModelSymbol;
  }
  options.reportLifting = compileReportLifting;
  options.timing = compileTiming;

  // The tokenizer is checked with the runtime that will load it, so that a
  // tokenizer it cannot use is refused now rather than at run time. It is
  // the one compileModel embeds: --tokenizer, else the tokenizer.json in the
  // checkpoint's folder or beside the .onnx file.
  std::string tokenizer = compileTokenizer;
  StringRef modelDir = StringRef(compileInput).ends_with(".onnx")
                           ? sys::path::parent_path(compileInput)
                           : StringRef(compileInput);
  if (tokenizer.empty() && !modelDir.empty()) {
    SmallString<256> path(modelDir);
    sys::path::append(path, "tokenizer.json");
    if (sys::fs::exists(path))
      tokenizer = std::string(path);
  }
  if (!tokenizer.empty()) {
    SmallString<256> config(sys::path::parent_path(tokenizer));
    sys::path::append(config, "tokenizer_config.json");
    llmc_tokenizer_t *handle = nullptr;
    if (Error err = toError(llmc_tokenizer_load(
            tokenizer.c_str(),
            sys::fs::exists(config) ? config.c_str() : nullptr, &handle)))
      return err;
    llmc_tokenizer_free(handle);
  }
  Progress progress(!compileQuiet);
  options.progress = [&](StringRef stage, uint64_t done, uint64_t total) {
    progress.update(stage, done, total);
  };
  Error result = llmc::compileModel(options);
  progress.clear();
  return result;
}

} // namespace llmc::cli
