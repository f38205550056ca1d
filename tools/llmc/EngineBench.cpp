//===- EngineBench.cpp - llmc bench --concurrency: many requests at once --===//
//
// All requests are added at once and the engine runs them to the end on
// this thread; each token's arrival time is recorded by its callback. The
// pool holds what every request could need, so that nothing is preempted
// unless prefix sharing is off; an untimed warm-up on a separate engine maps
// the weights first.
//
//===----------------------------------------------------------------------===//

#include "tools/llmc/EngineBench.h"
#include "tools/llmc/RuntimeHandles.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

using namespace llvm;

namespace llmc::cli {
namespace {

struct EngineDeleter {
  void operator()(llmc_engine_t *e) const { llmc_engine_free(e); }
};
using EngineHandle = std::unique_ptr<llmc_engine_t, EngineDeleter>;

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Expected<EngineHandle> createEngine(llmc_model_t *model, int64_t blocks,
                                    llmc_model_t *draft = nullptr) {
  llmc_engine_options options;
  llmc_engine_options_init(&options);
  options.kv_blocks = blocks;
  options.draft = draft;
  llmc_engine_t *engine = nullptr;
  if (Error err = toError(llmc_engine_create(model, &options, &engine)))
    return std::move(err);
  return EngineHandle(engine);
}

/// The nearest-rank percentile of `values` (sorted here), in milliseconds.
double percentileMs(std::vector<double> &values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  size_t rank = size_t(std::ceil(p / 100 * double(values.size())));
  return values[std::max<size_t>(rank, 1) - 1] * 1e3;
}

/// One request's token times, and where its speculation counts go.
struct Tracker {
  std::vector<double> times;
  llmc_speculative_stats *totals = nullptr;
};

int onToken(void *tracker, size_t, int32_t) {
  static_cast<Tracker *>(tracker)->times.push_back(now());
  return 0;
}

void onDone(void *tracker, size_t, const llmc_request_result *result) {
  llmc_speculative_stats &totals = *static_cast<Tracker *>(tracker)->totals;
  totals.drafted_tokens += result->drafted_tokens;
  totals.accepted_tokens += result->accepted_tokens;
  totals.target_steps += result->target_steps;
}

} // namespace

Expected<EngineMeasurement>
measureEngine(llmc_model_t *model, int64_t threads, int64_t promptTokens,
              int64_t genTokens, int64_t concurrency, int64_t sharedPrefix,
              uint64_t seed, int32_t draftTokens, int32_t speculative,
              llmc_model_t *draftModel) {
  llmc_model_set_threads(model, int(threads));
  int64_t vocab = llmc_model_vocab_size(model);
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<int32_t> pick(0, int32_t(vocab - 1));
  std::vector<int32_t> prefix(static_cast<size_t>(sharedPrefix));
  for (int32_t &id : prefix)
    id = pick(rng);
  std::vector<std::vector<int32_t>> prompts(static_cast<size_t>(concurrency),
                                            prefix);
  for (auto &prompt : prompts)
    for (int64_t i = 0; i < promptTokens; ++i)
      prompt.push_back(pick(rng));

  llmc_generate_params params;
  llmc_generate_params_init(model, &params);
  params.max_tokens = genTokens;
  params.temperature = 0;
  params.stop_ids = nullptr;
  params.num_stop_ids = 0;

  // Warm-up, and the pool's geometry.
  auto warm = createEngine(model, 0);
  if (!warm)
    return warm.takeError();
  llmc_engine_stats stats;
  if (Error err = toError(llmc_engine_stats_get(warm->get(), &stats)))
    return std::move(err);
  llmc_request request{};
  request.prompt = prompts[0].data();
  request.prompt_count = std::min<size_t>(prompts[0].size(), 16);
  request.params = params;
  request.params.max_tokens = std::min<int64_t>(genTokens, 2);
  request.samples = 1;
  uint64_t id;
  if (Error err = toError(llmc_engine_add(warm->get(), &request, &id)))
    return std::move(err);
  if (Error err = toError(llmc_engine_run(warm->get())))
    return std::move(err);
  warm->reset();

  int64_t positions = sharedPrefix + promptTokens + genTokens;
  int64_t perRequest = (positions + stats.block_size - 1) / stats.block_size;
  auto engine = createEngine(model, concurrency * perRequest, draftModel);
  if (!engine)
    return engine.takeError();
  llmc_speculative_stats totals{};
  std::vector<Tracker> trackers(static_cast<size_t>(concurrency));
  double start = now();
  for (int64_t r = 0; r < concurrency; ++r) {
    request.prompt = prompts[size_t(r)].data();
    request.prompt_count = prompts[size_t(r)].size();
    request.params = params;
    request.on_token = onToken;
    request.on_done = onDone;
    trackers[size_t(r)].totals = &totals;
    request.user_data = &trackers[size_t(r)];
    request.draft_tokens = draftTokens;
    request.speculative = speculative;
    if (Error err = toError(llmc_engine_add(engine->get(), &request, &id)))
      return std::move(err);
  }
  if (Error err = toError(llmc_engine_run(engine->get())))
    return std::move(err);
  if (Error err = toError(llmc_engine_stats_get(engine->get(), &stats)))
    return std::move(err);

  EngineMeasurement m;
  m.concurrency = concurrency;
  m.speculative = totals;
  m.sharedPrefix = sharedPrefix;
  // Decode is timed from the first step in which every request decodes
  // (the last first token: all prompts are in) to the last token, over the
  // tokens emitted in between, as llama-batched-bench times generation
  // apart from prompt processing.
  std::vector<double> ttft, latencies;
  double lastFirst = start, lastToken = start;
  for (const Tracker &tracker : trackers) {
    const std::vector<double> &t = tracker.times;
    if (t.empty())
      continue;
    ttft.push_back(t.front() - start);
    lastFirst = std::max(lastFirst, t.front());
    lastToken = std::max(lastToken, t.back());
    for (size_t i = 1; i < t.size(); ++i)
      latencies.push_back(t[i] - t[i - 1]);
  }
  int64_t decoded = 0;
  for (const Tracker &tracker : trackers)
    decoded += std::count_if(tracker.times.begin(), tracker.times.end(),
                             [&](double at) { return at > lastFirst; });
  if (lastFirst > start)
    m.prefillTokensPerS = double(concurrency * (sharedPrefix + promptTokens)) /
                          (lastFirst - start);
  for (const Tracker &tracker : trackers)
    m.decodedTokens += std::max<int64_t>(0, int64_t(tracker.times.size()) - 1);
  if (decoded > 0 && lastToken > lastFirst)
    m.aggregateDecodeTokensPerS = double(decoded) / (lastToken - lastFirst);
  m.ttftMsP50 = percentileMs(ttft, 50);
  m.ttftMsP95 = percentileMs(ttft, 95);
  m.tokenLatencyMsP50 = percentileMs(latencies, 50);
  m.tokenLatencyMsP95 = percentileMs(latencies, 95);
  m.kvBytesPeak = uint64_t(stats.peak_blocks_used) * stats.block_bytes;
  m.kvBytesReserved = uint64_t(stats.blocks_total) * stats.block_bytes;
  // The last generated token is never fed: its KV is not stored.
  uint64_t perPosition = stats.block_bytes / uint64_t(stats.block_size);
  m.kvBytesNeeded =
      uint64_t(sharedPrefix + concurrency * (promptTokens + genTokens - 1)) *
      perPosition;
  if (stats.peak_blocks_used > 0)
    m.kvWaste = 1.0 - double(stats.peak_used_slots) /
                          double(stats.peak_blocks_used * stats.block_size);
  m.prefixHitTokens = stats.prefix_hit_tokens;
  m.preemptions = stats.preemptions;
  return m;
}

} // namespace llmc::cli
