//===- BenchCommand.cpp - llmc bench --------------------------------------===//
//
// Prefill and decode throughput of a compiled model for every combination
// of thread count and prompt length. Prompts are pseudo-random ids (fixed
// seed), decode feeds back the argmax and ignores stop ids, and every
// combination starts with an untimed warm-up over the whole prompt, so that
// weights are mapped and buffers touched (steady state, as llama-bench).
//
//===----------------------------------------------------------------------===//

#include "tools/llmc/Commands.h"
#include "tools/llmc/EngineBench.h"
#include "tools/llmc/Options.h"
#include "tools/llmc/Progress.h"
#include "tools/llmc/RuntimeHandles.h"
#include "tools/llmc/Speculation.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <vector>

using namespace llvm;

namespace llmc::cli {
namespace {

/// Where the kernels read the weights from (docs/user-guide.md).
const char *weightsPlace(const llmc_model_t *m) {
  return llmc_model_weights_in_memory(m) ? "in memory" : "mapped from the file";
}

struct Measurement {
  int64_t threads, promptTokens, genTokens;
  double prefillTokensPerS, decodeTokensPerS;
  // With --speculative: greedy decode of the same tokens with speculation.
  double speculativeDecodeTokensPerS = 0;
  llmc_speculative_stats speculative{};
};

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int32_t argmax(const std::vector<float> &logits) {
  return int32_t(std::max_element(logits.begin(), logits.end()) -
                 logits.begin());
}

Expected<Measurement> measure(llmc_model_t *model, int64_t threads,
                              int64_t promptTokens, int64_t genTokens,
                              const Speculation &speculation) {
  llmc_model_set_threads(model, int(threads));
  if (speculation.draftModel)
    llmc_model_set_threads(speculation.draftModel->get(), int(threads));
  int64_t vocab = llmc_model_vocab_size(model);
  std::mt19937_64 rng{static_cast<uint64_t>(benchSeed)};
  std::uniform_int_distribution<int32_t> pick(0, int32_t(vocab - 1));
  std::vector<int32_t> prompt(static_cast<size_t>(promptTokens));
  for (int32_t &id : prompt)
    id = pick(rng);
  // Logits, or hidden states for a model without an LM head.
  std::vector<float> logits(static_cast<size_t>(llmc_model_output_size(model)));

  auto session = createSession(model);
  if (!session)
    return session.takeError();
  llmc_session_t *s = session->get();
  // Warm-up: the whole prompt, as llama-bench warms up with its test. It
  // maps the weights, starts the pool's threads and touches the buffers a
  // prompt of this length needs: the first touch of fresh memory is costly
  // on some VMs (here a first 128-token SmolLM2 prefill ran 1.2-2.4x slower
  // than the ones after it), and the timed call should see steady state.
  if (Error err = toError(llmc_session_forward(s, prompt.data(), prompt.size(),
                                               logits.data(), 0)))
    return std::move(err);
  int32_t token = argmax(logits);
  if (Error err = toError(llmc_session_forward(s, &token, 1, logits.data(), 0)))
    return std::move(err);
  llmc_session_reset(s);

  double start = seconds();
  if (Error err = toError(llmc_session_forward(s, prompt.data(), prompt.size(),
                                               logits.data(), 0)))
    return std::move(err);
  double prefill = seconds() - start;
  start = seconds();
  for (int64_t i = 0; i < genTokens; ++i) {
    token = argmax(logits);
    if (Error err =
            toError(llmc_session_forward(s, &token, 1, logits.data(), 0)))
      return std::move(err);
  }
  double decode = seconds() - start;
  Measurement result{threads, promptTokens, genTokens,
                     double(promptTokens) / prefill,
                     genTokens ? double(genTokens) / decode : 0.0};
  if (!speculation.enabled() || genTokens == 0)
    return result;
  // The same greedy decode with speculation: the prompt's first token, then
  // genTokens more, timed over the target steps (and their drafting).
  llmc_session_reset(s);
  llmc_generate_params params;
  llmc_generate_params_init(model, &params);
  params.max_tokens = genTokens + 1;
  params.stop_ids = nullptr;
  params.num_stop_ids = 0;
  llmc_generate_result generated;
  // Warm-up: maps the draft model's weights.
  size_t warm = std::min<size_t>(prompt.size(), 16);
  params.max_tokens = std::min<int64_t>(genTokens + 1, 4);
  if (Error err = toError(llmc_generate_speculative(
          s, prompt.data(), warm, &params, &speculation.params, nullptr,
          nullptr, &generated, &result.speculative)))
    return std::move(err);
  llmc_session_reset(s);
  params.max_tokens = genTokens + 1;
  if (Error err = toError(llmc_generate_speculative(
          s, prompt.data(), prompt.size(), &params, &speculation.params,
          nullptr, nullptr, &generated, &result.speculative)))
    return std::move(err);
  if (generated.decode_seconds > 0)
    result.speculativeDecodeTokensPerS =
        double(generated.num_tokens - 1) / generated.decode_seconds;
  return result;
}

/// --concurrency: rows of requests run at once through the engine.
Error runEngineBench(llmc_model_t *m, ArrayRef<int64_t> threads,
                     ArrayRef<int64_t> prompts, uint64_t bytesPerToken,
                     const Speculation &speculation) {
  auto concurrency = parseIdList(
      benchConcurrency.getNumOccurrences() ? StringRef(benchConcurrency) : "1",
      "concurrency");
  if (!concurrency)
    return concurrency.takeError();
  for (int64_t c : *concurrency)
    if (c <= 0 || c > 4096)
      return createStringError(inconvertibleErrorCode(),
                               "--concurrency: " + Twine(c) +
                                   " is not a count in [1, 4096]");
  if (benchSharedPrefix < 0)
    return createStringError(inconvertibleErrorCode(),
                             "--shared-prefix must not be negative");
  int64_t context = llmc_model_context_length(m);
  for (int64_t p : prompts)
    if (benchSharedPrefix + p + benchGenTokens > context)
      return createStringError(
          inconvertibleErrorCode(),
          benchModel + ": " + Twine(benchSharedPrefix) + " shared + " +
              Twine(p) + " prompt + " + Twine(benchGenTokens) +
              " generated tokens do not fit the context length " +
              Twine(context));
  struct Row {
    int64_t threads, prompt;
    EngineMeasurement m;
    // With --speculative=ngram: the same requests with drafts.
    std::optional<EngineMeasurement> speculative;
  };
  std::vector<Row> rows;
  Progress progress(!benchQuiet);
  for (int64_t t : threads)
    for (int64_t p : prompts)
      for (int64_t c : *concurrency) {
        progress.update(("measuring " + Twine(c) + " requests, " + Twine(t) +
                         " threads, prompt " + Twine(p))
                            .str());
        auto result = measureEngine(m, t, p, benchGenTokens, c,
                                    benchSharedPrefix, uint64_t(benchSeed));
        if (!result)
          return result.takeError();
        rows.push_back({t, p, *result, std::nullopt});
        if (!speculation.enabled())
          continue;
        auto drafted =
            measureEngine(m, t, p, benchGenTokens, c, benchSharedPrefix,
                          uint64_t(benchSeed), speculation.params.draft_tokens);
        if (!drafted)
          return drafted.takeError();
        rows.back().speculative = *drafted;
      }
  progress.clear();
  if (benchJson) {
    json::OStream out(outs(), 2);
    out.array([&] {
      for (const Row &r : rows)
        out.object([&] {
          const EngineMeasurement &e = r.m;
          out.attribute("threads", r.threads);
          out.attribute("prompt_tokens", r.prompt);
          out.attribute("gen_tokens", int64_t(benchGenTokens));
          out.attribute("concurrency", e.concurrency);
          out.attribute("shared_prefix", e.sharedPrefix);
          out.attribute("prefill_tokens_per_s", e.prefillTokensPerS);
          out.attribute("decode_tokens_per_s", e.aggregateDecodeTokensPerS);
          out.attribute("aggregate_decode_tokens_per_s",
                        e.aggregateDecodeTokensPerS);
          out.attribute("ttft_ms_p50", e.ttftMsP50);
          out.attribute("ttft_ms_p95", e.ttftMsP95);
          out.attribute("token_latency_ms_p50", e.tokenLatencyMsP50);
          out.attribute("token_latency_ms_p95", e.tokenLatencyMsP95);
          out.attribute("kv_bytes_peak", int64_t(e.kvBytesPeak));
          out.attribute("kv_bytes_reserved", int64_t(e.kvBytesReserved));
          out.attribute("kv_bytes_needed", int64_t(e.kvBytesNeeded));
          out.attribute("kv_waste", e.kvWaste);
          out.attribute("prefix_hit_tokens", int64_t(e.prefixHitTokens));
          out.attribute("preemptions", int64_t(e.preemptions));
          out.attribute("weight_bytes_per_token", int64_t(bytesPerToken));
          out.attribute("kernels", llmc_model_kernels(m));
          out.attribute("weights_in_memory",
                        llmc_model_weights_in_memory(m) != 0);
          if (const auto &s = r.speculative) {
            writeSpeculativeStats(out, speculation, s->speculative,
                                  s->decodedTokens);
            out.attribute("speculative_speedup",
                          e.aggregateDecodeTokensPerS > 0
                              ? s->aggregateDecodeTokensPerS /
                                    e.aggregateDecodeTokensPerS
                              : 0.0);
          }
        });
    });
    outs() << "\n";
    return Error::success();
  }
  outs() << benchModel << ": " << bytesPerToken
         << " weight bytes per decode step, " << llmc_model_kernels(m)
         << " kernels, weights " << weightsPlace(m)
         << "; requests run at once through the engine\n";
  outs() << "threads  prompt  shared  requests  prefill tok/s  decode tok/s  "
            "ttft p50 ms  token p50 ms  KV peak MB  KV waste  prefix hits  "
            "preempted\n";
  for (const Row &r : rows) {
    const EngineMeasurement &e = r.m;
    outs() << format("%7lld  %6lld  %6lld  %8lld  %13.1f  %12.1f  %11.1f  "
                     "%12.2f  %10.2f  %7.1f%%  %11llu  %9llu\n",
                     (long long)r.threads, (long long)r.prompt,
                     (long long)e.sharedPrefix, (long long)e.concurrency,
                     e.prefillTokensPerS, e.aggregateDecodeTokensPerS,
                     e.ttftMsP50, e.tokenLatencyMsP50, e.kvBytesPeak / 1e6,
                     e.kvWaste * 100, (unsigned long long)e.prefixHitTokens,
                     (unsigned long long)e.preemptions);
    if (const auto &s = r.speculative)
      outs() << format("        with %s drafts: decode %.1f tok/s "
                       "(%.2fx), %llu of %llu drafts accepted\n",
                       speculation.kind.c_str(), s->aggregateDecodeTokensPerS,
                       e.aggregateDecodeTokensPerS > 0
                           ? s->aggregateDecodeTokensPerS /
                                 e.aggregateDecodeTokensPerS
                           : 0.0,
                       (unsigned long long)s->speculative.accepted_tokens,
                       (unsigned long long)s->speculative.drafted_tokens);
  }
  return Error::success();
}

} // namespace

Error runBench() {
  auto prompts = parseIdList(benchPromptTokens, "prompt-tokens");
  if (!prompts)
    return prompts.takeError();
  auto threads = parseIdList(benchThreads, "threads");
  if (!threads)
    return threads.takeError();
  if (prompts->empty())
    return createStringError(inconvertibleErrorCode(),
                             "--prompt-tokens needs at least one length");
  if (benchGenTokens < 0)
    return createStringError(inconvertibleErrorCode(),
                             "--gen-tokens must not be negative");
  auto model = loadModel(benchModel);
  if (!model)
    return model.takeError();
  llmc_model_t *m = model->get();
  if (threads->empty()) // default: the model's (one per usable CPU)
    threads->push_back(llmc_model_threads(m));
  int64_t context = llmc_model_context_length(m);
  for (int64_t p : *prompts) {
    if (p <= 0)
      return createStringError(inconvertibleErrorCode(),
                               "--prompt-tokens: " + Twine(p) +
                                   " is not a positive length");
    if (p + benchGenTokens > context)
      return createStringError(
          inconvertibleErrorCode(),
          benchModel + ": " + Twine(p) + " prompt + " + Twine(benchGenTokens) +
              " generated tokens do not fit the context length " +
              Twine(context));
  }
  for (int64_t t : *threads)
    if (t <= 0)
      return createStringError(inconvertibleErrorCode(),
                               "--threads: " + Twine(t) +
                                   " is not a positive count");

  auto speculation = setUpSpeculation(
      benchSpeculative, benchSpeculative.getNumOccurrences() > 0, benchDraft,
      benchDraftTokens, m, benchModel);
  if (!speculation)
    return speculation.takeError();

  uint64_t bytesPerToken = llmc_model_weight_bytes_per_token(m);
  if (benchConcurrency.getNumOccurrences() || benchSharedPrefix > 0)
    return runEngineBench(m, *threads, *prompts, bytesPerToken, *speculation);
  std::vector<Measurement> results;
  Progress progress(!benchQuiet);
  size_t total = threads->size() * prompts->size();
  for (int64_t t : *threads)
    for (int64_t p : *prompts) {
      progress.update(("measuring " + Twine(results.size() + 1) + "/" +
                       Twine(total) + ": " + Twine(t) + " threads, prompt " +
                       Twine(p))
                          .str());
      auto result = measure(m, t, p, benchGenTokens, *speculation);
      if (!result)
        return result.takeError();
      results.push_back(*result);
    }
  progress.clear();

  if (benchJson) {
    json::OStream out(outs(), 2);
    out.array([&] {
      for (const Measurement &r : results)
        out.object([&] {
          out.attribute("threads", r.threads);
          out.attribute("prompt_tokens", r.promptTokens);
          out.attribute("gen_tokens", r.genTokens);
          out.attribute("prefill_tokens_per_s", r.prefillTokensPerS);
          out.attribute("decode_tokens_per_s", r.decodeTokensPerS);
          out.attribute("weight_bytes_per_token", int64_t(bytesPerToken));
          out.attribute("decode_weight_gb_per_s",
                        r.decodeTokensPerS * double(bytesPerToken) / 1e9);
          out.attribute("kernels", llmc_model_kernels(m));
          out.attribute("weights_in_memory",
                        llmc_model_weights_in_memory(m) != 0);
          if (speculation->enabled()) {
            writeSpeculativeStats(out, *speculation, r.speculative,
                                  r.genTokens);
            out.attribute("speculative_speedup",
                          r.decodeTokensPerS > 0
                              ? r.speculativeDecodeTokensPerS /
                                    r.decodeTokensPerS
                              : 0.0);
          }
        });
    });
    outs() << "\n";
    return Error::success();
  }
  outs() << benchModel << ": " << bytesPerToken
         << " weight bytes per decode step, " << llmc_model_kernels(m)
         << " kernels, weights " << weightsPlace(m) << "\n";
  outs() << "threads  prompt  gen  prefill tok/s  decode tok/s  decode GB/s"
         << (speculation->enabled() ? "  speculative tok/s  speed-up" : "")
         << "\n";
  for (const Measurement &r : results) {
    outs() << format(
        "%7lld  %6lld  %3lld  %13.1f  %12.1f  %11.2f", (long long)r.threads,
        (long long)r.promptTokens, (long long)r.genTokens, r.prefillTokensPerS,
        r.decodeTokensPerS, r.decodeTokensPerS * double(bytesPerToken) / 1e9);
    if (speculation->enabled())
      outs() << format("  %17.1f  %7.2fx", r.speculativeDecodeTokensPerS,
                       r.decodeTokensPerS > 0
                           ? r.speculativeDecodeTokensPerS / r.decodeTokensPerS
                           : 0.0);
    outs() << "\n";
  }
  return Error::success();
}

} // namespace llmc::cli
