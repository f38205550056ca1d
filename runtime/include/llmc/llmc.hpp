//===- llmc.hpp - The llmc runtime for C++ ----------------------*- C++ -*-===//
//
// A header-only C++17 layer over llmc.h: handles that free themselves,
// std::string_view in, std::vector out, and errors as exceptions
// (llmc::Error, carrying the C API's one-line message). Link llmc::runtime.
//
//   auto model = llmc::Model::openLinked(llmc_model_stories());
//   llmc::Session session(model);
//   auto prompt = model.encode("Once upon a time");
//   llmc::Detokenizer text(model, prompt);
//   session.generate(prompt, model.defaultParams(),
//                    [&](int32_t t) { std::cout << text.push(t); return true;
//                    });
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_LLMC_HPP
#define LLMC_LLMC_HPP

#include "llmc/llmc.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace llmc {

/// A failed call: what() is the C API's message.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void check(llmc_status_t status) {
  if (!status)
    return;
  std::string message = llmc_status_message(status);
  llmc_status_free(status);
  throw Error(message);
}
struct ModelDeleter {
  void operator()(llmc_model_t *m) const { llmc_model_free(m); }
};
struct SessionDeleter {
  void operator()(llmc_session_t *s) const { llmc_session_free(s); }
};
struct DetokenizerDeleter {
  void operator()(llmc_detokenizer_t *d) const { llmc_detokenizer_free(d); }
};
} // namespace detail

/// A loaded model. Sessions keep it alive, so it may be destroyed first.
class Model {
public:
  /// Loads a compiled model file (llmc_model_open; flags are LLMC_OPEN_*).
  static Model load(std::string_view path, uint32_t flags = 0) {
    llmc_model_t *model = nullptr;
    detail::check(llmc_model_open(std::string(path).c_str(), flags, &model));
    return Model(model);
  }
  /// A model linked into the program: llmc_model_<name>() of
  /// llmc_add_model(<name> ...).
  static Model openLinked(const llmc_model_descriptor *descriptor) {
    llmc_model_t *model = nullptr;
    detail::check(llmc_model_open_linked(descriptor, &model));
    return Model(model);
  }

  llmc_model_t *get() const { return handle.get(); }
  int64_t vocabSize() const { return llmc_model_vocab_size(get()); }
  bool hasLMHead() const { return llmc_model_has_lm_head(get()) != 0; }
  int64_t outputSize() const { return llmc_model_output_size(get()); }
  int64_t contextLength() const { return llmc_model_context_length(get()); }
  void setThreads(int threads) { llmc_model_set_threads(get(), threads); }

  /// Greedy decoding with the model's stop ids (llmc_generate_params_init).
  llmc_generate_params defaultParams() const {
    llmc_generate_params params;
    llmc_generate_params_init(get(), &params);
    return params;
  }

  /// The embedded tokenizer; throws when the model has none.
  const llmc_tokenizer_t *tokenizer() const {
    const llmc_tokenizer_t *t = llmc_model_tokenizer(get());
    if (!t)
      throw Error("the model has no tokenizer");
    return t;
  }
  std::vector<int32_t> encode(std::string_view text,
                              bool addSpecialTokens = true) const {
    int32_t *ids = nullptr;
    size_t count = 0;
    detail::check(llmc_tokenizer_encode(tokenizer(), text.data(), text.size(),
                                        addSpecialTokens, &ids, &count));
    std::vector<int32_t> out(ids, ids + count);
    llmc_free(ids);
    return out;
  }
  std::string decode(const std::vector<int32_t> &ids,
                     bool skipSpecialTokens = true) const {
    char *text = nullptr;
    size_t length = 0;
    detail::check(llmc_tokenizer_decode(tokenizer(), ids.data(), ids.size(),
                                        skipSpecialTokens, &text, &length));
    std::string out(text, length);
    llmc_free(text);
    return out;
  }

private:
  explicit Model(llmc_model_t *model) : handle(model, detail::ModelDeleter()) {}
  std::shared_ptr<llmc_model_t> handle;
};

/// A sequence with its KV cache.
class Session {
public:
  explicit Session(const Model &model) {
    llmc_session_t *session = nullptr;
    detail::check(llmc_session_create(model.get(), &session));
    handle.reset(session);
    width = model.outputSize();
  }
  llmc_session_t *get() const { return handle.get(); }
  int64_t position() const { return llmc_session_position(get()); }
  void reset() { llmc_session_reset(get()); }
  /// Keeps the first `position` tokens (llmc_session_truncate).
  void truncate(int64_t position) {
    detail::check(llmc_session_truncate(get(), position));
  }

  /// Appends `tokens`; returns the last token's logits, or all of them
  /// (hidden states for a model without an LM head).
  std::vector<float> forward(const std::vector<int32_t> &tokens,
                             bool allLogits = false) {
    std::vector<float> logits((allLogits ? tokens.size() : 1) * size_t(width));
    detail::check(llmc_session_forward(get(), tokens.data(), tokens.size(),
                                       logits.data(), allLogits));
    return logits;
  }

  /// Feeds `prompt`, then generates; `onToken` returns false to stop.
  llmc_generate_result
  generate(const std::vector<int32_t> &prompt,
           const llmc_generate_params &params,
           const std::function<bool(int32_t)> &onToken = {}) {
    llmc_generate_result result;
    detail::check(llmc_generate(
        get(), prompt.data(), prompt.size(), &params,
        onToken ? &Session::callback : nullptr,
        const_cast<std::function<bool(int32_t)> *>(&onToken), &result));
    return result;
  }

private:
  static int callback(void *user, int32_t token) {
    return (*static_cast<std::function<bool(int32_t)> *>(user))(token) ? 0 : 1;
  }
  std::unique_ptr<llmc_session_t, detail::SessionDeleter> handle;
  /// Floats per token llmc_session_forward writes.
  int64_t width = 0;
};

/// Streaming text of generated tokens, never half a UTF-8 character.
class Detokenizer {
public:
  Detokenizer(const Model &model, const std::vector<int32_t> &prompt) {
    llmc_detokenizer_t *d = nullptr;
    detail::check(llmc_detokenizer_create(model.tokenizer(), prompt.data(),
                                          prompt.size(), &d));
    handle.reset(d);
  }
  /// The text `token` adds; valid until the next call.
  std::string_view push(int32_t token) {
    const char *text;
    size_t length;
    detail::check(llmc_detokenizer_push(handle.get(), token, &text, &length));
    return {text, length};
  }
  std::string_view flush() {
    const char *text;
    size_t length;
    detail::check(llmc_detokenizer_flush(handle.get(), &text, &length));
    return {text, length};
  }

private:
  std::unique_ptr<llmc_detokenizer_t, detail::DetokenizerDeleter> handle;
};

} // namespace llmc

#endif // LLMC_LLMC_HPP
