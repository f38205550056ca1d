//===- Speculative.cpp - Draft, verify, accept
//-----------------------------===//

#include "Speculative.h"
#include "Model.h"
#include "Sampler.h"
#include "Session.h"
#include "Status.h"

#include <algorithm>
#include <chrono>
#include <string>

namespace llmc::rt {

int32_t verifyDraftToken(const Distribution &p, int32_t draft, double u1,
                         double u2, bool &accepted) {
  double pDraft = 0, total = 0;
  for (const auto &[token, probability] : p) {
    total += probability;
    if (token == draft)
      pDraft = probability;
  }
  accepted = u1 * total < pDraft;
  if (accepted)
    return draft;
  // The residual max(0, p - onehot(draft)), renormalized: p without draft.
  double rest = total - pDraft, target = u2 * rest, sum = 0;
  int32_t last = p.empty() ? draft : p.front().first;
  for (const auto &[token, probability] : p) {
    if (token == draft || probability <= 0)
      continue;
    last = token;
    sum += probability;
    if (target < sum)
      return token;
  }
  return last; // rounding at the end of the CDF
}

std::vector<int32_t> proposeFromHistory(const std::vector<int32_t> &history,
                                        int64_t count, int64_t maxNgram) {
  int64_t size = int64_t(history.size());
  for (int64_t n = std::min(maxNgram, size - 1); n >= 1; --n) {
    const int32_t *suffix = history.data() + size - n;
    // The most recent earlier occurrence that has a token after it.
    for (int64_t start = size - n - 1; start >= 0; --start) {
      if (!std::equal(suffix, suffix + n, history.data() + start))
        continue;
      int64_t from = start + n;
      int64_t take = std::min(count, size - from);
      return std::vector<int32_t>(history.begin() + from,
                                  history.begin() + from + take);
    }
  }
  return {};
}

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Another model's greedy continuation, its session kept in step with the
/// sequence: truncated to the tokens the sequence still shares (the
/// session records what it was fed), then fed the rest.
class ModelDraft {
public:
  explicit ModelDraft(llmc_session &session) : session(session) {
    logits.resize(size_t(session.model->vocabSize));
  }

  llmc_status_t propose(const std::vector<int32_t> &history, int64_t count,
                        std::vector<int32_t> &out) {
    out.clear();
    const std::vector<int32_t> &fed = session.tokens;
    size_t common =
        std::mismatch(fed.begin(), fed.end(), history.begin(), history.end())
            .first -
        fed.begin();
    // Keep the last history token unfed here, so there are logits to read.
    common = std::min(common, history.size() - 1);
    if (llmc_status_t status = truncate(session, int64_t(common)))
      return status;
    int64_t room = session.model->contextLength - int64_t(history.size());
    count = std::min(count, room);
    if (count <= 0)
      return ok();
    if (llmc_status_t status =
            forward(session, history.data() + common, history.size() - common,
                    logits.data(), /*allLogits=*/false))
      return status;
    for (int64_t i = 0; i < count; ++i) {
      int32_t token = argmax(logits.data(), session.model->vocabSize);
      out.push_back(token);
      if (i + 1 == count)
        break;
      if (llmc_status_t status = forward(session, &token, 1, logits.data(),
                                         /*allLogits=*/false))
        return status;
    }
    return ok();
  }

private:
  llmc_session &session;
  std::vector<float> logits;
};

} // namespace

llmc_status_t generateSpeculative(llmc_session &session, const int32_t *prompt,
                                  size_t promptCount,
                                  const llmc_generate_params &params,
                                  const llmc_speculative_params &speculative,
                                  llmc_token_callback callback, void *userData,
                                  llmc_generate_result &result,
                                  llmc_speculative_stats &stats) {
  llmc_model &model = *session.model;
  int64_t vocab = model.vocabSize;
  std::unique_ptr<ModelDraft> draftModel;
  if (speculative.kind == LLMC_SPECULATIVE_DRAFT)
    draftModel = std::make_unique<ModelDraft>(*speculative.draft);

  // The sequence so far: what the session held, the prompt, the output.
  std::vector<int32_t> history;
  std::vector<float> logits(static_cast<size_t>(vocab));
  auto start = Clock::now();
  if (llmc_status_t status =
          forward(session, prompt, promptCount, logits.data(), false))
    return status;
  result.prefill_seconds = secondsSince(start);
  // Drafts read the whole sequence, also what the session held before.
  history = session.tokens;
  int64_t promptEnd = session.position;

  Sampler sampler({params.temperature, params.top_k, params.top_p},
                  params.seed);
  Random random(params.seed ^ 0x5eed5eed5eed5eedull);
  auto isStop = [&](int32_t token) {
    return std::find(params.stop_ids, params.stop_ids + params.num_stop_ids,
                     int64_t(token)) != params.stop_ids + params.num_stop_ids;
  };
  // Emits `token`; true when generation ends with it.
  result.stop_reason = LLMC_STOP_MAX_TOKENS;
  auto emit = [&](int32_t token) {
    history.push_back(token);
    ++result.num_tokens;
    if (callback && callback(userData, token)) {
      result.stop_reason = LLMC_STOP_CALLBACK;
      return true;
    }
    if (isStop(token)) {
      result.stop_reason = LLMC_STOP_TOKEN;
      return true;
    }
    return int64_t(result.num_tokens) >= params.max_tokens;
  };

  // The first token comes from the prompt's logits; then each step feeds
  // the last token and the drafts, and the rows of their logits decide.
  bool done =
      params.max_tokens <= 0 || emit(sampler.sample(logits.data(), vocab));
  std::vector<int32_t> drafts, feed;
  std::vector<float> rows;
  // The draft length adapts to how much of the last proposal was kept:
  // one more after a step that kept every draft, one more than were kept
  // after a rejection (a wasted verification row costs as much as a kept
  // one), within [1, draft_tokens].
  int64_t length = speculative.draft_tokens;
  while (!done) {
    if (session.position >= model.contextLength) {
      result.stop_reason = LLMC_STOP_CONTEXT_FULL;
      break;
    }
    auto step = Clock::now();
    // At most as many drafts as can be emitted (one more token, the bonus
    // or a replacement, always comes) and as fit the context.
    int64_t count = std::min<int64_t>(
        {length, params.max_tokens - int64_t(result.num_tokens) - 1,
         model.contextLength - session.position - 1});
    drafts.clear();
    if (count > 0) {
      if (draftModel) {
        if (llmc_status_t status = draftModel->propose(history, count, drafts))
          return status;
      } else {
        drafts = proposeFromHistory(history, count);
      }
    }
    feed.assign(1, history.back());
    feed.insert(feed.end(), drafts.begin(), drafts.end());
    rows.resize(feed.size() * size_t(vocab));
    int64_t before = session.position;
    if (llmc_status_t status = forward(session, feed.data(), feed.size(),
                                       rows.data(), /*allLogits=*/true))
      return status;
    ++stats.target_steps;
    stats.drafted_tokens += drafts.size();
    size_t kept = drafts.size();
    for (size_t i = 0; i < drafts.size() && !done; ++i) {
      const float *row = rows.data() + i * size_t(vocab);
      bool accepted;
      double u1 = random.uniform(), u2 = random.uniform();
      int32_t token = verifyDraftToken(sampler.distribution(row, vocab),
                                       drafts[i], u1, u2, accepted);
      if (accepted)
        ++stats.accepted_tokens;
      done = emit(token);
      if (!accepted) {
        kept = i;
        break;
      }
    }
    // Every draft accepted: the target's own next token follows.
    if (!done && kept == drafts.size())
      done = emit(
          sampler.sample(rows.data() + drafts.size() * size_t(vocab), vocab));
    if (!drafts.empty())
      length = kept == drafts.size()
                   ? std::min<int64_t>(length + 1, speculative.draft_tokens)
                   : std::max<int64_t>(1, int64_t(kept) + 1);
    // The session keeps the last token fed and the accepted drafts.
    if (llmc_status_t status = truncate(session, before + 1 + int64_t(kept)))
      return status;
    result.decode_seconds += secondsSince(step);
    ++result.decode_steps;
  }
  // As llmc_generate leaves it: every generated token but the last.
  int64_t end = promptEnd + std::max<int64_t>(0, result.num_tokens - 1);
  if (session.position > end)
    if (llmc_status_t status = truncate(session, end))
      return status;
  return ok();
}

} // namespace llmc::rt
