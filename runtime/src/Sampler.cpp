//===- Sampler.cpp - Choosing the next token from logits ------------------===//
//
// Greedy, or the Hugging Face order of warpers: temperature, then top-k,
// then top-p (nucleus) on the renormalized distribution, then one draw.
//
//===----------------------------------------------------------------------===//

#include "Sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace llmc::rt {

std::string checkSamplingParams(const SamplingParams &params) {
  auto number = [](float v) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", double(v));
    return std::string(text);
  };
  if (!std::isfinite(params.temperature) || params.temperature < 0)
    return "temperature " + number(params.temperature) +
           ": expected a finite number >= 0";
  if (params.topK < 0)
    return "top_k " + std::to_string(params.topK) +
           ": expected an integer >= 0";
  if (!(params.topP > 0 && params.topP <= 1))
    return "top_p " + number(params.topP) + ": expected 0 < top_p <= 1";
  return "";
}

/// A logit for ordering: NaN ranks below everything.
static double rank(float logit) {
  return std::isnan(logit) ? -HUGE_VAL : double(logit);
}

int32_t argmax(const float *logits, int64_t vocab) {
  // The largest value first, in independent lanes the compiler can keep in
  // vector registers (`v > m ? v : m` is maxps: a NaN never wins), then its
  // first index: the token rank() orders first, ties to the lowest id. It
  // runs for every greedy token (on the GPU, between two graph launches).
  constexpr int kLanes = 16;
  float lane[kLanes];
  for (float &m : lane)
    m = -HUGE_VALF;
  int64_t i = 0;
  for (; i + kLanes <= vocab; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lane[l] = logits[i + l] > lane[l] ? logits[i + l] : lane[l];
  float largest = -HUGE_VALF;
  for (float m : lane)
    largest = m > largest ? m : largest;
  for (; i < vocab; ++i)
    largest = logits[i] > largest ? logits[i] : largest;
  // Nothing above -inf (all -inf or NaN): every logit ranks alike, the
  // first wins.
  if (largest == -HUGE_VALF)
    return 0;
  for (i = 0; i < vocab; ++i)
    if (logits[i] == largest)
      break;
  return static_cast<int32_t>(i);
}

namespace {

/// A token's place in rank order as one integer, smaller first: its logit
/// (NaN ranking with -inf, -0 with +0) in the high half, inverted so that
/// larger logits come first, and the token in the low half, so that ties
/// keep the lower id first and results are stable. Scores (logit /
/// temperature, in double) keep the logits' order exactly: a float over a
/// float neither overflows a double nor rounds two floats together, so
/// ranking by logit is ranking by score.
uint64_t rankKey(float logit, size_t token) {
  if (std::isnan(logit))
    logit = -HUGE_VALF;
  uint32_t bits;
  std::memcpy(&bits, &logit, sizeof(bits));
  if (bits == 0x80000000u) // -0
    bits = 0;
  uint32_t ascending = (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
  return uint64_t(~ascending) << 32 | uint64_t(token);
}

int32_t tokenOf(uint64_t key) { return static_cast<int32_t>(key); }

/// A candidate and its unnormalized probability, exp(score - the largest).
struct Candidate {
  int32_t token;
  double weight;
};

/// The vocabulary in rank order, found only as far as it is read: a
/// nucleus or a draw usually ends within the first few dozen tokens, and
/// sorting all of a 50k-150k vocabulary took milliseconds a token.
class RankedCandidates {
public:
  RankedCandidates(const float *logits, int64_t vocab, float temperature)
      : logits(logits), vocab(size_t(vocab)), limit(size_t(vocab)),
        temperature(temperature) {
    // Dividing by a positive temperature keeps order, so the largest score
    // is the largest logit's.
    int32_t first = argmax(logits, vocab);
    largest = logits[first];
    maxScore = scoreOf(logits[first]);
  }

  size_t size() const { return limit; }

  /// The i-th most likely candidate, i < size().
  Candidate at(size_t i) {
    if (i >= ranked.size())
      extend(i + 1);
    return {tokenOf(ranked[i]), weights[i]};
  }

  /// Keeps the `count` most likely candidates (top-k).
  void keepFirst(size_t count) {
    extend(count);
    limit = count;
    ranked.resize(count);
    weights.resize(count);
  }

  /// The sum of every kept candidate's weight: in rank order after
  /// keepFirst(), else in token order, so it never waits for a sort.
  double totalWeight() const {
    if (!std::isfinite(maxScore))
      return 1.0;
    double total = 0.0;
    if (limit < vocab) {
      for (size_t i = 0; i < limit; ++i)
        total += weights[i];
      return total;
    }
    for (size_t i = 0; i < vocab; ++i)
      total += std::exp(scoreOf(logits[i]) - maxScore);
    return total;
  }

private:
  /// Scores in double, so that a temperature as small as the smallest
  /// float keeps them finite; NaN logits weigh nothing.
  double scoreOf(float logit) const {
    return rank(logit) / double(temperature);
  }

  /// How many logits are >= t (never NaN): a loop the compiler vectorizes.
  size_t countAtLeast(float t) const {
    size_t n = 0;
    for (size_t start = 0; start < vocab; start += kChunk) {
      uint32_t inChunk = 0; // 32-bit lanes: twice as many per vector
      for (size_t i = start, end = std::min(vocab, start + kChunk); i < end;
           ++i)
        inChunk += logits[i] >= t;
      n += inChunk;
    }
    return n;
  }
  static constexpr size_t kChunk = size_t(1) << 30;

  /// A logit t with countAtLeast(t) >= count that selects at most 16x
  /// `count` where a few passes find one (sorting a few hundred more costs
  /// less than another pass); -inf when no finite t selects enough. Steps
  /// down from the tokens ranked so far double until enough pass, then
  /// the bracket is halved.
  float threshold(size_t count) const {
    if (!std::isfinite(largest))
      return -HUGE_VALF;
    float tooFew = ranked.empty() ? largest : ranksDownTo;
    float enough = -HUGE_VALF;
    size_t enoughCount = 0;
    // Steps start at 1, or where they change a logit as large as this one.
    for (float step = std::max(1.0f, std::fabs(tooFew) * 0x1p-20f);
         std::isfinite(step); step *= 2.0f) {
      float t = tooFew - step;
      if (!std::isfinite(t))
        return -HUGE_VALF;
      size_t n = countAtLeast(t);
      if (n >= count) {
        enough = t;
        enoughCount = n;
        break;
      }
      tooFew = t;
    }
    for (int round = 0; round < 12 && enoughCount > 16 * count; ++round) {
      float t = enough + (tooFew - enough) / 2;
      if (!(t > enough && t < tooFew))
        break;
      size_t n = countAtLeast(t);
      if (n >= count) {
        enough = t;
        enoughCount = n;
      } else {
        tooFew = t;
      }
    }
    return enough;
  }

  /// Ranks at least the `count` most likely (growing geometrically): the
  /// tokens whose logits are below those already ranked but at or above a
  /// new threshold, sorted and appended. They rank after every token ranked
  /// before, so a walk through all of them sorts each token once.
  void extend(size_t count) {
    count = std::min(limit, std::max({count, 4 * ranked.size(), size_t(64)}));
    // Past a quarter of the vocabulary, selecting costs more than sorting.
    float least = count > vocab / 4 ? -HUGE_VALF : threshold(count);
    size_t before = ranked.size();
    if (least == -HUGE_VALF) {
      // The rest, NaN included.
      ranked.reserve(vocab);
      for (size_t i = 0; i < vocab; ++i)
        if (before == 0 || !(logits[i] >= ranksDownTo))
          ranked.push_back(rankKey(logits[i], i));
    } else {
      // Few logits pass: test 16 at a time (one vector compare), then look
      // closer where one does.
      auto passes = [&](float logit) {
        return logit >= least && (before == 0 || logit < ranksDownTo);
      };
      for (size_t start = 0; start < vocab; start += 16) {
        size_t end = std::min(vocab, start + 16);
        bool any = false;
        for (size_t i = start; i < end; ++i)
          any |= passes(logits[i]);
        if (!any)
          continue;
        for (size_t i = start; i < end; ++i)
          if (passes(logits[i]))
            ranked.push_back(rankKey(logits[i], i));
      }
    }
    ranksDownTo = least;
    std::sort(ranked.begin() + before, ranked.end());
    // Softmax, shifted by the maximum for stability. An infinite maximum
    // (every logit NaN, or an infinite one) puts all mass on the first.
    weights.resize(ranked.size());
    for (size_t i = before; i < ranked.size(); ++i)
      weights[i] =
          std::isfinite(maxScore)
              ? std::exp(scoreOf(logits[tokenOf(ranked[i])]) - maxScore)
              : double(i == 0);
  }

  const float *logits;
  size_t vocab;
  size_t limit;
  float temperature;
  float largest;
  double maxScore;
  /// Ranked so far, with their weights: every token whose logit is >=
  /// ranksDownTo.
  std::vector<uint64_t> ranked;
  std::vector<double> weights;
  float ranksDownTo = -HUGE_VALF;
};

/// The candidates that survive top-k and top-p, and their normalizer.
struct Nucleus {
  RankedCandidates ranked;
  size_t keep;
  double total;
};

Nucleus computeNucleus(const SamplingParams &params, const float *logits,
                       int64_t vocab) {
  Nucleus n{RankedCandidates(logits, vocab, params.temperature), 0, 0.0};
  if (params.topK > 0 && params.topK < vocab)
    n.ranked.keepFirst(size_t(params.topK));
  n.keep = n.ranked.size();
  n.total = n.ranked.totalWeight();
  // Nucleus: the smallest prefix whose mass reaches top_p (at least one).
  if (params.topP < 1.0f) { // false for NaN: keep all
    double mass = 0.0;
    for (size_t i = 0; i < n.keep; ++i) {
      mass += n.ranked.at(i).weight / n.total;
      if (mass >= params.topP) {
        n.keep = i + 1;
        break;
      }
    }
    n.total = 0.0;
    for (size_t i = 0; i < n.keep; ++i)
      n.total += n.ranked.at(i).weight;
  }
  return n;
}

} // namespace

std::vector<std::pair<int32_t, float>>
Sampler::distribution(const float *logits, int64_t vocab) const {
  // Not a positive temperature (NaN included): greedy.
  if (!(params.temperature > 0.0f))
    return {{argmax(logits, vocab), 1.0f}};
  Nucleus n = computeNucleus(params, logits, vocab);
  std::vector<std::pair<int32_t, float>> result;
  for (size_t i = 0; i < n.keep; ++i) {
    Candidate c = n.ranked.at(i);
    if (c.weight > 0.0)
      result.push_back({c.token, float(c.weight / n.total)});
  }
  return result;
}

int32_t Sampler::sample(const float *logits, int64_t vocab) {
  if (!(params.temperature > 0.0f))
    return argmax(logits, vocab);
  Nucleus n = computeNucleus(params, logits, vocab);
  // The draw walks distribution()'s pairs in order, sorting only as far as
  // it goes.
  double u = random.uniform();
  double cumulative = 0.0;
  int32_t last = n.ranked.at(0).token;
  for (size_t i = 0; i < n.keep; ++i) {
    Candidate c = n.ranked.at(i);
    if (!(c.weight > 0.0))
      continue;
    last = c.token;
    cumulative += float(c.weight / n.total);
    if (u < cumulative)
      return c.token;
  }
  return last;
}

} // namespace llmc::rt
