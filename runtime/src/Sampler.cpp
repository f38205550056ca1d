//===- Sampler.cpp - Choosing the next token from logits ------------------===//
//
// Greedy, or the Hugging Face order of warpers: temperature, then top-k,
// then top-p (nucleus) on the renormalized distribution, then one draw.
//
//===----------------------------------------------------------------------===//

#include "Sampler.h"

#include <algorithm>
#include <cmath>

namespace llmc::rt {

int32_t argmax(const float *logits, int64_t vocab) {
  int32_t best = 0;
  for (int64_t i = 1; i < vocab; ++i)
    if (logits[i] > logits[best])
      best = static_cast<int32_t>(i);
  return best;
}

std::vector<std::pair<int32_t, float>>
Sampler::distribution(const float *logits, int64_t vocab) const {
  if (params.temperature <= 0.0f)
    return {{argmax(logits, vocab), 1.0f}};

  std::vector<std::pair<int32_t, float>> candidates;
  candidates.reserve(vocab);
  for (int64_t i = 0; i < vocab; ++i)
    candidates.push_back(
        {static_cast<int32_t>(i), logits[i] / params.temperature});
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

  // Softmax in double, shifted by the maximum for stability.
  double maxScore = candidates.front().second;
  double total = 0.0;
  std::vector<double> weights(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i)
    total += weights[i] = std::exp(double(candidates[i].second) - maxScore);

  // Nucleus: the smallest prefix whose mass reaches top_p (at least one).
  size_t keep = candidates.size();
  if (params.topP < 1.0f) {
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
  if (params.temperature <= 0.0f)
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
