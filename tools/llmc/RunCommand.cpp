//===- RunCommand.cpp - llmc run ------------------------------------------===//

#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"
#include "tools/llmc/RuntimeHandles.h"
#include "tools/llmc/Speculation.h"

#include "runtime/schema/manifest_generated.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

using namespace llvm;

namespace llmc::cli {

static Error usage(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message.str());
}

namespace {
/// What the token callback needs: the tokens so far, the detokenizer (when
/// the model has a tokenizer) and the text printed so far.
struct Stream {
  std::vector<int32_t> tokens;
  llmc_detokenizer_t *detokenizer = nullptr;
  const int64_t *stopIds = nullptr;
  size_t numStopIds = 0;
  std::string text;
  bool json = false;
  std::string error;

  void emit(const char *piece, size_t length) {
    text.append(piece, length);
    if (!json && length) {
      outs().write(piece, length);
      outs().flush();
    }
  }

  /// At the end of generation: the error a callback met, else what the
  /// detokenizer still holds, emitted.
  Error finish() {
    if (!error.empty())
      return createStringError(inconvertibleErrorCode(), error);
    if (!detokenizer)
      return Error::success();
    const char *rest;
    size_t length;
    if (Error err =
            toError(llmc_detokenizer_flush(detokenizer, &rest, &length)))
      return err;
    emit(rest, length);
    return Error::success();
  }
};

int onToken(void *user, int32_t token) {
  auto *stream = static_cast<Stream *>(user);
  stream->tokens.push_back(token);
  if (!stream->detokenizer) {
    if (!stream->json) {
      outs() << (stream->tokens.size() > 1 ? " " : "") << token;
      outs().flush();
    }
    return 0;
  }
  // The text of a stop token is not part of the output.
  if (std::find(stream->stopIds, stream->stopIds + stream->numStopIds,
                int64_t(token)) != stream->stopIds + stream->numStopIds)
    return 0;
  const char *piece;
  size_t length;
  if (llmc_status_t status =
          llmc_detokenizer_push(stream->detokenizer, token, &piece, &length)) {
    stream->error = llmc_status_message(status);
    llmc_status_free(status);
    return 1;
  }
  stream->emit(piece, length);
  return 0;
}

/// Samples generated together through the engine: one stream each, text
/// kept until the end (they interleave), and when each token arrived.
struct EngineSamples {
  std::vector<Stream> *streams;
  std::vector<llmc_request_result> results;
  std::vector<std::vector<double>> times;
};

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int onSampleToken(void *user, size_t sample, int32_t token) {
  auto *samples = static_cast<EngineSamples *>(user);
  samples->times[sample].push_back(now());
  return onToken(&(*samples->streams)[sample], token);
}

void onSampleDone(void *user, size_t sample,
                  const llmc_request_result *result) {
  static_cast<EngineSamples *>(user)->results[sample] = *result;
}

const char *stopReasonName(llmc_stop_reason reason) {
  switch (reason) {
  case LLMC_STOP_TOKEN:
    return "stop_token";
  case LLMC_STOP_MAX_TOKENS:
  case LLMC_STOP_CALLBACK:
    return "max_tokens";
  case LLMC_STOP_CONTEXT_FULL:
    return "context_full";
  case LLMC_STOP_CANCELLED:
    return "cancelled";
  }
  return "max_tokens";
}
} // namespace

Error runRun() {
  auto model = loadModel(runModel);
  if (!model)
    return model.takeError();
  llmc_model_t *m = model->get();
  if (runThreads < 0)
    return createStringError(inconvertibleErrorCode(),
                             "--threads must be positive");
  if (runThreads > 0)
    llmc_model_set_threads(m, runThreads);
  size_t manifestSize;
  const fb::Manifest *manifest =
      fb::GetManifest(llmc_model_manifest(m, &manifestSize));

  // A session first: it says whether this model can generate at all.
  auto session = createSession(m);
  if (!session)
    return session.takeError();

  // The prompt: text through the tokenizer, ids as given, or BOS alone.
  const llmc_tokenizer_t *tokenizer = llmc_model_tokenizer(m);
  std::vector<int32_t> prompt;
  if (runPrompt.getNumOccurrences() && runPromptIds.getNumOccurrences())
    return usage("give --prompt or --prompt-ids, not both");
  if (!runPrompt.empty()) {
    if (!tokenizer)
      return usage(runModel + ": the model has no tokenizer; use --prompt-ids "
                              "or compile it with --tokenizer");
    int32_t *ids;
    size_t count;
    if (Error err = toError(
            llmc_tokenizer_encode(tokenizer, runPrompt.data(), runPrompt.size(),
                                  /*add_special_tokens=*/1, &ids, &count)))
      return err;
    prompt.assign(ids, ids + count);
    llmc_free(ids);
  }
  if (!runPromptIds.empty()) {
    auto ids = parseIdList(runPromptIds, "prompt-ids");
    if (!ids)
      return ids.takeError();
    int64_t vocab = llmc_model_vocab_size(m);
    for (int64_t id : *ids) {
      if (id < 0 || id >= vocab)
        return usage("--prompt-ids: token id " + Twine(id) +
                     " is outside the vocabulary [0, " + Twine(vocab) + ")");
      prompt.push_back(static_cast<int32_t>(id));
    }
  }
  if (prompt.empty()) {
    int64_t bos = llmc_model_bos_id(m);
    if (bos < 0)
      return usage(runModel + ": the model has no BOS token; give a prompt");
    prompt.push_back(static_cast<int32_t>(bos));
  }
  if (int64_t(prompt.size()) > llmc_model_context_length(m))
    return usage("the prompt has " + Twine(prompt.size()) +
                 " tokens, more than the context length " +
                 Twine(llmc_model_context_length(m)));
  if (runMaxTokens < 0)
    return usage("--max-tokens must not be negative");

  // Sampling: the flags, else the model's generation_config.json.
  llmc_generate_params params;
  llmc_generate_params_init(m, &params);
  params.max_tokens = runMaxTokens;
  const fb::Generation *generation = manifest->generation();
  bool samplingFlags = runTemperature.getNumOccurrences() ||
                       runTopK.getNumOccurrences() ||
                       runTopP.getNumOccurrences();
  if (samplingFlags) {
    params.temperature = runTemperature;
    params.top_k = runTopK;
    params.top_p = runTopP;
  } else if (generation && generation->do_sample()) {
    params.temperature = generation->temperature();
    params.top_k = generation->top_k();
    params.top_p = generation->top_p();
  }
  // Say where bad values came from: the flags, or the artifact's defaults.
  if (llmc_status_t status = llmc_generate_params_check(&params)) {
    std::string problem = llmc_status_message(status);
    llmc_status_free(status);
    std::replace(problem.begin(), problem.begin() + problem.find(' '), '_',
                 '-');
    return usage(samplingFlags
                     ? "--" + problem
                     : runModel + ": generation defaults: " + problem);
  }
  params.seed = runSeed;
  SmallVector<int64_t> stopIds;
  if (runStopIds.getNumOccurrences()) {
    auto ids = parseIdList(runStopIds, "stop-ids");
    if (!ids)
      return ids.takeError();
    stopIds = std::move(*ids);
    params.stop_ids = stopIds.data();
    params.num_stop_ids = stopIds.size();
  }
  if (runIgnoreEos) {
    params.stop_ids = nullptr;
    params.num_stop_ids = 0;
  }

  if (runSamples < 1)
    return usage("--samples must be at least 1");

  // Speculative decoding: prompt lookup, or a draft model.
  auto speculation =
      setUpSpeculation(runSpeculative, runSpeculative.getNumOccurrences() > 0,
                       runDraft, runDraftTokens, m, runModel);
  if (!speculation)
    return speculation.takeError();
  const std::string &kind = speculation->kind;
  llmc_speculative_params &speculative = speculation->params;
  llmc_speculative_stats specStats{};

  // One sample: its stream (tokens, text) and how generation ended. The
  // prompt is fed once: every later sample truncates the session to the
  // prompt less its last token and feeds that token again, reusing the
  // prompt's KV (with batch invariance, the same logits as a fresh run).
  struct Sample {
    Stream stream;
    llmc_generate_result result;
  };
  std::vector<Sample> samples(static_cast<size_t>(runSamples.getValue()));
  // Without speculation, several samples run at once through the engine:
  // they share the prompt's blocks and copy the last one where they
  // diverge. (Text cannot stream then: each sample prints when all end.)
  // A model whose decoder is not paged takes the session path below.
  bool together = false;
  // Together, decode is timed over the wall-clock span the samples share.
  double togetherDecodeSeconds = 0;
  if (samples.size() > 1 && kind == "none") {
    llmc_engine_t *engine = nullptr;
    if (llmc_status_t status = llmc_engine_create(m, nullptr, &engine)) {
      llmc_status_free(status);
    } else {
      together = true;
      scope_exit freeEngine([&] { llmc_engine_free(engine); });
      std::vector<Stream> streams(samples.size());
      for (Stream &stream : streams) {
        stream.json = true; // collect, print below
        stream.stopIds = params.stop_ids;
        stream.numStopIds = params.num_stop_ids;
        if (tokenizer)
          if (Error err = toError(
                  llmc_detokenizer_create(tokenizer, prompt.data(),
                                          prompt.size(), &stream.detokenizer)))
            return err;
      }
      scope_exit freeDetokenizers([&] {
        for (Stream &stream : streams)
          if (stream.detokenizer)
            llmc_detokenizer_free(stream.detokenizer);
      });
      EngineSamples state{&streams,
                          std::vector<llmc_request_result>(samples.size()),
                          std::vector<std::vector<double>>(samples.size())};
      llmc_request request{};
      request.prompt = prompt.data();
      request.prompt_count = prompt.size();
      request.params = params;
      request.samples = samples.size();
      request.on_token = onSampleToken;
      request.on_done = onSampleDone;
      request.user_data = &state;
      uint64_t id;
      double start = now();
      if (Error err = toError(llmc_engine_add(engine, &request, &id)))
        return err;
      if (Error err = toError(llmc_engine_run(engine)))
        return err;
      for (auto [k, sample] : llvm::enumerate(samples)) {
        Stream &stream = streams[k];
        if (Error err = stream.finish())
          return err;
        const llmc_request_result &r = state.results[k];
        const std::vector<double> &t = state.times[k];
        sample.result = llmc_generate_result{};
        sample.result.num_tokens = r.num_tokens;
        sample.result.stop_reason = r.stop_reason;
        sample.result.prompt_tokens = r.prompt_tokens;
        sample.result.prefill_seconds = t.empty() ? 0 : t.front() - start;
        sample.result.decode_seconds = t.empty() ? 0 : t.back() - t.front();
        sample.result.decode_steps = t.empty() ? 0 : t.size() - 1;
        sample.stream.tokens = stream.tokens;
        sample.stream.text = stream.text;
        if (!runJson) {
          outs() << (k ? "\n" : "") << "--- sample " << k << " ---\n";
          if (stream.detokenizer)
            outs() << stream.text;
          else
            for (auto [i, token] : llvm::enumerate(stream.tokens))
              outs() << (i ? " " : "") << token;
        }
      }
      outs().flush();
      double first = 0, last = 0;
      for (const std::vector<double> &t : state.times)
        if (!t.empty()) {
          first = first ? std::min(first, t.front()) : t.front();
          last = std::max(last, t.back());
        }
      togetherDecodeSeconds = last - first;
    }
  }
  for (auto [k, sample] : llvm::enumerate(samples)) {
    if (together)
      break;
    Stream &stream = sample.stream;
    stream.json = runJson;
    stream.stopIds = params.stop_ids;
    stream.numStopIds = params.num_stop_ids;
    if (tokenizer) {
      if (Error err = toError(llmc_detokenizer_create(
              tokenizer, prompt.data(), prompt.size(), &stream.detokenizer)))
        return err;
    }
    scope_exit freeDetokenizer([&] {
      if (stream.detokenizer)
        llmc_detokenizer_free(stream.detokenizer);
      stream.detokenizer = nullptr;
    });
    if (!runJson && samples.size() > 1) {
      outs() << (k ? "\n" : "") << "--- sample " << k << " ---\n";
      outs().flush();
    }
    llmc_generate_params sampleParams = params;
    sampleParams.seed = runSeed + k;
    const int32_t *feed = prompt.data();
    size_t feedCount = prompt.size();
    if (k) {
      if (Error err = toError(llmc_session_truncate(
              session->get(), int64_t(prompt.size()) - 1)))
        return err;
      feed = &prompt.back();
      feedCount = 1;
    }
    if (kind == "none") {
      if (Error err = toError(llmc_generate(session->get(), feed, feedCount,
                                            &sampleParams, onToken, &stream,
                                            &sample.result)))
        return err;
    } else {
      llmc_speculative_stats stats;
      if (Error err = toError(llmc_generate_speculative(
              session->get(), feed, feedCount, &sampleParams, &speculative,
              onToken, &stream, &sample.result, &stats)))
        return err;
      specStats.drafted_tokens += stats.drafted_tokens;
      specStats.accepted_tokens += stats.accepted_tokens;
      specStats.target_steps += stats.target_steps;
    }
    if (Error err = stream.finish())
      return err;
  }

  // Prefill is the first sample's; decode counts every sample's steps.
  const llmc_generate_result &first = samples.front().result;
  double prefillRate =
      first.prefill_seconds > 0 ? prompt.size() / first.prefill_seconds : 0;
  // Decode: the tokens after each sample's first (the prompt's logits give
  // it), over the time of the steps that produced them (with speculation,
  // a step may produce several).
  double decodeSeconds = 0;
  int64_t decoded = 0, generated = 0;
  for (const Sample &sample : samples) {
    decodeSeconds += sample.result.decode_seconds;
    decoded += std::max<int64_t>(0, int64_t(sample.result.num_tokens) - 1);
    generated += sample.result.num_tokens;
  }
  if (together)
    decodeSeconds = togetherDecodeSeconds;
  double decodeRate = decodeSeconds > 0 ? decoded / decodeSeconds : 0;
  if (!runJson) {
    outs() << "\n";
    outs().flush();
    errs() << "[" << prompt.size() << " prompt tokens, " << generated
           << " generated";
    if (samples.size() == 1)
      errs() << ", " << stopReasonName(first.stop_reason);
    else
      errs() << " in " << samples.size() << " samples";
    errs() << "; "
           << format("prefill %.1f tok/s, decode %.1f tok/s", prefillRate,
                     decodeRate)
           << "]\n";
    return Error::success();
  }
  json::OStream out(outs());
  auto sampleFields = [&](const Sample &sample) {
    out.attributeArray("tokens", [&] {
      for (int32_t t : sample.stream.tokens)
        out.value(t);
    });
    out.attribute("text", sample.stream.text);
    out.attribute("stop_reason", stopReasonName(sample.result.stop_reason));
  };
  out.object([&] {
    out.attributeArray("prompt_tokens", [&] {
      for (int32_t t : prompt)
        out.value(t);
    });
    if (samples.size() == 1) {
      sampleFields(samples.front());
    } else {
      out.attributeArray("samples", [&] {
        for (const Sample &sample : samples)
          out.object([&] { sampleFields(sample); });
      });
    }
    out.attributeObject("stats", [&] {
      out.attribute("prompt_tokens", int64_t(prompt.size()));
      out.attribute("generated_tokens", generated);
      out.attribute("prefill_tokens_per_s", prefillRate);
      out.attribute("decode_tokens_per_s", decodeRate);
    });
    if (speculation->enabled())
      writeSpeculativeStats(out, *speculation, specStats, decoded);
  });
  outs() << "\n";
  return Error::success();
}

} // namespace llmc::cli
