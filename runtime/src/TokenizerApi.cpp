//===- TokenizerApi.cpp - The tokenizer part of the C API -----------------===//

#include "Model.h"
#include "RegularFile.h"
#include "Status.h"
#include "tokenizer/Tokenizer.h"

#include <cstdlib>
#include <cstring>

using namespace llmc::rt;

struct llmc_tokenizer {
  std::unique_ptr<Tokenizer> owned;
  const Tokenizer *tokenizer;
};

struct llmc_detokenizer {
  StreamDecoder decoder;
  std::string last;
};

namespace {
llmc_status_t checkIds(const Tokenizer &tokenizer, const int32_t *ids,
                       size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (ids[i] < 0 || ids[i] >= tokenizer.vocabSize())
      return error("token id " + std::to_string(ids[i]) +
                   " is outside the tokenizer's vocabulary [0, " +
                   std::to_string(tokenizer.vocabSize()) + ")");
  return ok();
}
} // namespace

extern "C" {

const llmc_tokenizer_t *llmc_model_tokenizer(const llmc_model_t *model) {
  if (!model->tokenizerHandle && model->tokenizer) {
    auto *handle = new llmc_tokenizer{nullptr, model->tokenizer.get()};
    const_cast<llmc_model_t *>(model)->tokenizerHandle.reset(handle);
  }
  return model->tokenizerHandle.get();
}

llmc_status_t llmc_tokenizer_load(const char *tokenizerPath,
                                  const char *configPath,
                                  llmc_tokenizer_t **out) {
  if (!tokenizerPath || !out)
    return error("llmc_tokenizer_load: null argument");
  std::string json, config;
  std::string problem = readRegularFile(tokenizerPath, json);
  if (!problem.empty())
    return error(std::string(tokenizerPath) + ": " + problem);
  if (configPath) {
    problem = readRegularFile(configPath, config);
    if (!problem.empty())
      return error(std::string(configPath) + ": " + problem);
  }
  std::unique_ptr<Tokenizer> tokenizer =
      Tokenizer::create(json, config, problem);
  if (!tokenizer)
    return error(std::string(tokenizerPath) + ": " + problem);
  const Tokenizer *raw = tokenizer.get();
  *out = new llmc_tokenizer{std::move(tokenizer), raw};
  return ok();
}

void llmc_tokenizer_free(llmc_tokenizer_t *tokenizer) { delete tokenizer; }

int64_t llmc_tokenizer_vocab_size(const llmc_tokenizer_t *tokenizer) {
  return tokenizer->tokenizer->vocabSize();
}

llmc_status_t llmc_tokenizer_encode(const llmc_tokenizer_t *tokenizer,
                                    const char *text, size_t length,
                                    int addSpecial, int32_t **ids,
                                    size_t *count) {
  std::vector<int32_t> encoded = tokenizer->tokenizer->encode(
      std::string_view(text, length), addSpecial != 0);
  *count = encoded.size();
  *ids = static_cast<int32_t *>(
      std::malloc(std::max<size_t>(1, encoded.size()) * sizeof(int32_t)));
  std::memcpy(*ids, encoded.data(), encoded.size() * sizeof(int32_t));
  return ok();
}

llmc_status_t llmc_tokenizer_decode(const llmc_tokenizer_t *tokenizer,
                                    const int32_t *ids, size_t count,
                                    int skipSpecial, char **text,
                                    size_t *length) {
  if (llmc_status_t status = checkIds(*tokenizer->tokenizer, ids, count))
    return status;
  std::string decoded = tokenizer->tokenizer->decode(
      std::vector<int32_t>(ids, ids + count), skipSpecial != 0);
  *length = decoded.size();
  *text = static_cast<char *>(std::malloc(decoded.size() + 1));
  std::memcpy(*text, decoded.c_str(), decoded.size() + 1);
  return ok();
}

void llmc_free(void *pointer) { std::free(pointer); }

llmc_status_t llmc_detokenizer_create(const llmc_tokenizer_t *tokenizer,
                                      const int32_t *prompt, size_t count,
                                      llmc_detokenizer_t **out) {
  if (llmc_status_t status = checkIds(*tokenizer->tokenizer, prompt, count))
    return status;
  *out = new llmc_detokenizer{
      StreamDecoder(*tokenizer->tokenizer,
                    std::vector<int32_t>(prompt, prompt + count)),
      ""};
  return ok();
}

llmc_status_t llmc_detokenizer_push(llmc_detokenizer_t *detokenizer,
                                    int32_t token, const char **text,
                                    size_t *length) {
  // A model may have more rows than its tokenizer has tokens (vocabularies
  // padded to a multiple of 64 or 128): like transformers, the text skips
  // an id the tokenizer does not know.
  if (token < 0)
    return checkIds(detokenizer->decoder.tokenizerRef(), &token, 1);
  detokenizer->last = token < detokenizer->decoder.tokenizerRef().vocabSize()
                          ? detokenizer->decoder.push(token)
                          : std::string();
  *text = detokenizer->last.c_str();
  *length = detokenizer->last.size();
  return ok();
}

llmc_status_t llmc_detokenizer_flush(llmc_detokenizer_t *detokenizer,
                                     const char **text, size_t *length) {
  detokenizer->last = detokenizer->decoder.flush();
  *text = detokenizer->last.c_str();
  *length = detokenizer->last.size();
  return ok();
}

void llmc_detokenizer_free(llmc_detokenizer_t *detokenizer) {
  delete detokenizer;
}

} // extern "C"
