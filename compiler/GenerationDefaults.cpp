//===- GenerationDefaults.cpp - BOS, stop ids and sampling defaults -------===//

#include "compiler/GenerationDefaults.h"
#include "compiler/support/FileError.h"
#include "compiler/support/ParseJson.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace llmc {

/// Reads `dir/name` into `text`; leaves `text` empty when the file is absent.
static Error readText(StringRef dir, StringRef name,
                      std::optional<std::string> &text) {
  SmallString<256> p(dir);
  sys::path::append(p, name);
  if (!sys::fs::exists(p))
    return Error::success();
  if (Error err = checkRegularFile(p))
    return err;
  auto buffer = MemoryBuffer::getFile(p, /*IsText=*/true);
  if (!buffer)
    return fileError(p, "cannot open: " + buffer.getError().message());
  text = (*buffer)->getBuffer().str();
  return Error::success();
}

/// Parses the text of `dir/name`, when there is one, into `out`.
static Error parseObject(StringRef dir, StringRef name,
                         const std::optional<std::string> &text,
                         std::optional<json::Value> &out, std::string &path) {
  SmallString<256> p(dir);
  sys::path::append(p, name);
  path = std::string(p);
  if (!text)
    return Error::success();
  Expected<json::Value> value = parseJson(p, *text);
  if (!value)
    return value.takeError();
  if (!value->getAsObject())
    return fileError(p, "expected a JSON object");
  out = std::move(*value);
  return Error::success();
}

/// Appends eos_token_id (an integer or a list) of `object` to `ids`.
static Error appendIds(const json::Object &object, StringRef key,
                       StringRef path, std::vector<int64_t> &ids) {
  const json::Value *value = object.get(key);
  if (!value || value->kind() == json::Value::Null)
    return Error::success();
  if (std::optional<int64_t> id = value->getAsInteger()) {
    ids.push_back(*id);
    return Error::success();
  }
  const json::Array *array = value->getAsArray();
  if (!array)
    return fileError(path, "'" + key + "' must be an integer or a list");
  for (const json::Value &item : *array) {
    std::optional<int64_t> id = item.getAsInteger();
    if (!id)
      return fileError(path, "'" + key + "' must list integers");
    ids.push_back(*id);
  }
  return Error::success();
}

Expected<GenerationDefaults> readGenerationDefaults(StringRef dir) {
  std::optional<std::string> config, generation, tokenizerConfig;
  if (Error err = readText(dir, "config.json", config))
    return std::move(err);
  if (Error err = readText(dir, "generation_config.json", generation))
    return std::move(err);
  if (Error err = readText(dir, "tokenizer_config.json", tokenizerConfig))
    return std::move(err);
  return parseGenerationDefaults(dir, config, generation, tokenizerConfig);
}

Expected<GenerationDefaults>
parseGenerationDefaults(StringRef dir,
                        const std::optional<std::string> &configText,
                        const std::optional<std::string> &generationText,
                        const std::optional<std::string> &tokenizerConfigText) {
  GenerationDefaults defaults;
  std::optional<json::Value> config, generation, tokenizerConfig;
  std::string configPath, generationPath, tokenizerConfigPath;
  if (Error err =
          parseObject(dir, "config.json", configText, config, configPath))
    return std::move(err);
  if (Error err = parseObject(dir, "generation_config.json", generationText,
                              generation, generationPath))
    return std::move(err);
  if (Error err = parseObject(dir, "tokenizer_config.json", tokenizerConfigText,
                              tokenizerConfig, tokenizerConfigPath))
    return std::move(err);

  for (auto [value, path] : {std::pair{&config, &configPath},
                             std::pair{&generation, &generationPath}}) {
    if (!*value)
      continue;
    const json::Object &object = *(*value)->getAsObject();
    if (std::optional<int64_t> bos = object.getInteger("bos_token_id"))
      defaults.bosId = *bos;
    if (Error err = appendIds(object, "eos_token_id", *path, defaults.stopIds))
      return std::move(err);
  }
  if (config)
    if (std::optional<int64_t> n =
            config->getAsObject()->getInteger("max_position_embeddings"))
      defaults.maxPositionEmbeddings = *n;
  std::sort(defaults.stopIds.begin(), defaults.stopIds.end());
  defaults.stopIds.erase(
      std::unique(defaults.stopIds.begin(), defaults.stopIds.end()),
      defaults.stopIds.end());

  if (generation) {
    // Checked here, naming the file and key: `llmc run` uses them as given.
    const json::Object &object = *generation->getAsObject();
    auto bad = [&](StringRef key, const Twine &expected) {
      std::string value;
      raw_string_ostream os(value);
      os << *object.get(key);
      return fileError(generationPath,
                       "'" + key + "' is " + value + ", expected " + expected);
    };
    if (std::optional<bool> sample = object.getBoolean("do_sample"))
      defaults.doSample = *sample;
    if (object.get("temperature")) {
      std::optional<double> t = object.getNumber("temperature");
      if (!t || !std::isfinite(float(*t)) || *t < 0)
        return bad("temperature", "a finite number >= 0");
      defaults.temperature = static_cast<float>(*t);
    }
    if (object.get("top_k")) {
      std::optional<int64_t> k = object.getInteger("top_k");
      if (!k || *k < 0 || *k > INT32_MAX)
        return bad("top_k", "an integer in [0, 2^31)");
      defaults.topK = static_cast<int32_t>(*k);
    }
    if (object.get("top_p")) {
      std::optional<double> p = object.getNumber("top_p");
      if (!p || !(*p > 0 && *p <= 1))
        return bad("top_p", "a number in (0, 1]");
      defaults.topP = static_cast<float>(*p);
    }
  }
  if (tokenizerConfig) {
    const json::Object &object = *tokenizerConfig->getAsObject();
    if (std::optional<bool> add = object.getBoolean("add_bos_token"))
      defaults.addBos = *add;
  }
  return defaults;
}

} // namespace llmc
