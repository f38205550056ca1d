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

std::vector<std::pair<int32_t, float>>
Sampler::distribution(const float *logits, int64_t vocab) const {
  // Not a positive temperature (NaN included): greedy.
  if (!(params.temperature > 0.0f))
    return {{argmax(logits, vocab), 1.0f}};

  // Scores in double, so that a temperature as small as the smallest float
  // keeps them finite; NaN logits weigh nothing.
  std::vector<std::pair<int32_t, double>> candidates;
  candidates.reserve(vocab);
  for (int64_t i = 0; i < vocab; ++i)
    candidates.push_back({static_cast<int32_t>(i),
                          rank(logits[i]) / double(params.temperature)});
  // Most likely first; ties keep the lower id first so results are stable.
  auto byScore = [](const auto &a, const auto &b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  if (params.topK > 0 && params.topK < vocab) {
    std::partial_sort(candidates.begin(), candidates.begin() + params.topK,
                      candidates.end(), byScore);
    candidates.resize(params.topK);
  } else {
    std::sort(candidates.begin(), candidates.end(), byScore);
  }

  // Softmax, shifted by the maximum for stability. An infinite maximum
  // (every logit NaN, or an infinite one) puts all mass on the first.
  double maxScore = candidates.front().second;
  double total = 0.0;
  std::vector<double> weights(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    double shifted = candidates[i].second - maxScore;
    weights[i] = std::isfinite(maxScore) ? std::exp(shifted) : double(i == 0);
    total += weights[i];
  }

  // Nucleus: the smallest prefix whose mass reaches top_p (at least one).
  size_t keep = candidates.size();
  if (params.topP < 1.0f) { // false for NaN: keep all
    double mass = 0.0;
    for (size_t i = 0; i < candidates.size(); ++i) {
      mass += weights[i] / total;
      if (mass >= params.topP) {
        keep = i + 1;
        break;
      }
    }
    total = 0.0;
    for (size_t i = 0; i < keep; ++i)
      total += weights[i];
  }
  std::vector<std::pair<int32_t, float>> result;
  for (size_t i = 0; i < keep; ++i)
    if (weights[i] > 0.0)
      result.push_back({candidates[i].first, float(weights[i] / total)});
  return result;
}

int32_t Sampler::sample(const float *logits, int64_t vocab) {
  if (!(params.temperature > 0.0f))
    return argmax(logits, vocab);
  std::vector<std::pair<int32_t, float>> dist = distribution(logits, vocab);
  double u = random.uniform();
  double cumulative = 0.0;
  for (const auto &[token, p] : dist) {
    cumulative += p;
    if (u < cumulative)
      return token;
  }
  return dist.back().first;
}

} // namespace llmc::rt
