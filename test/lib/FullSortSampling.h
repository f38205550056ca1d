//===- FullSortSampling.h - Sampling by ranking the whole vocabulary -*- C++
//-*-===//
//
// The definition the runtime's lazy sampler is held to (SamplerTest) and
// measured against (bench/SamplerBench.cpp), as it was implemented before
// it: every logit scored in double, the whole vocabulary sorted (the top k
// partially sorted, with top-k), then softmax and top-p.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_TEST_LIB_FULLSORTSAMPLING_H
#define LLMC_TEST_LIB_FULLSORTSAMPLING_H

#include "Sampler.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace llmc::testing {

/// (token, probability > 0) pairs, most likely first, as
/// Sampler::distribution defines them.
inline std::vector<std::pair<int32_t, float>>
fullSortDistribution(const float *logits, int64_t vocab,
                     const rt::SamplingParams &p) {
  std::vector<std::pair<int32_t, double>> c(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    c[size_t(i)] = {int32_t(i),
                    (std::isnan(logits[i]) ? -HUGE_VAL : double(logits[i])) /
                        p.temperature};
  auto before = [](const auto &a, const auto &b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  };
  if (p.topK > 0 && p.topK < vocab) {
    std::partial_sort(c.begin(), c.begin() + p.topK, c.end(), before);
    c.resize(size_t(p.topK));
  } else {
    std::sort(c.begin(), c.end(), before);
  }
  std::vector<double> w(c.size());
  double total = 0;
  for (size_t i = 0; i < c.size(); ++i)
    total += w[i] = std::isfinite(c[0].second)
                        ? std::exp(c[i].second - c[0].second)
                        : double(i == 0);
  size_t keep = c.size();
  if (p.topP < 1) {
    double mass = 0;
    for (size_t i = 0; i < c.size(); ++i)
      if ((mass += w[i] / total) >= p.topP) {
        keep = i + 1;
        break;
      }
    total = 0;
    for (size_t i = 0; i < keep; ++i)
      total += w[i];
  }
  std::vector<std::pair<int32_t, float>> d;
  for (size_t i = 0; i < keep; ++i)
    if (w[i] > 0)
      d.push_back({c[i].first, float(w[i] / total)});
  return d;
}

/// The token Sampler::sample draws with uniform `u` from `d`.
inline int32_t drawFrom(const std::vector<std::pair<int32_t, float>> &d,
                        double u) {
  double cumulative = 0;
  for (auto [token, p] : d)
    if (u < (cumulative += p))
      return token;
  return d.back().first;
}

} // namespace llmc::testing

#endif // LLMC_TEST_LIB_FULLSORTSAMPLING_H
