//===- SamplerTest.cpp - Greedy, temperature, top-k, top-p, seeds ---------===//

#include "Sampler.h"
#include "FullSortSampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

using namespace llmc::rt;

namespace {

const std::vector<float> kLogits = {1.0f, 3.0f, 2.0f, 0.5f, 3.0f, -1.0f};

TEST(Sampler, GreedyTakesTheFirstMaximum) {
  Sampler sampler({0.0f, 0, 1.0f}, 0);
  EXPECT_EQ(sampler.sample(kLogits.data(), kLogits.size()), 1);
  EXPECT_EQ(argmax(kLogits.data(), kLogits.size()), 1);
}

// argmax scans in lanes of 16: maxima in every lane position and in the
// tail, ties across lanes, NaN (never chosen) and infinities, against the
// plain scan it replaced.
TEST(Sampler, GreedyMatchesAPlainScan) {
  auto plain = [](const std::vector<float> &v) {
    auto rank = [](float x) { return std::isnan(x) ? -HUGE_VAL : double(x); };
    int32_t best = 0;
    for (size_t i = 1; i < v.size(); ++i)
      if (rank(v[i]) > rank(v[best]))
        best = int32_t(i);
    return best;
  };
  float nan = std::nanf(""), inf = HUGE_VALF;
  for (size_t size : {1, 2, 15, 16, 17, 31, 32, 33, 100}) {
    for (size_t at = 0; at < size; ++at) {
      std::vector<float> v(size);
      for (size_t i = 0; i < size; ++i)
        v[i] = float(int(i * 7 % 5)) - 2.0f;
      v[at] = 9.0f;
      EXPECT_EQ(argmax(v.data(), v.size()), plain(v)) << size << " " << at;
      v[size - 1 - at] = 9.0f; // a tie: the first wins
      EXPECT_EQ(argmax(v.data(), v.size()), plain(v)) << size << " " << at;
      v[at] = nan;
      EXPECT_EQ(argmax(v.data(), v.size()), plain(v)) << size << " " << at;
      v.assign(size, -inf);
      v[at] = nan;
      EXPECT_EQ(argmax(v.data(), v.size()), 0) << size << " " << at;
      v[size - 1] = inf;
      EXPECT_EQ(argmax(v.data(), v.size()), plain(v)) << size << " " << at;
    }
  }
  std::vector<float> allNaN(40, nan);
  EXPECT_EQ(argmax(allNaN.data(), allNaN.size()), 0);
}

TEST(Sampler, SameSeedSameTokens) {
  Sampler a({1.0f, 0, 1.0f}, 7), b({1.0f, 0, 1.0f}, 7), c({1.0f, 0, 1.0f}, 8);
  std::vector<int32_t> sa, sb, sc;
  for (int i = 0; i < 64; ++i) {
    sa.push_back(a.sample(kLogits.data(), kLogits.size()));
    sb.push_back(b.sample(kLogits.data(), kLogits.size()));
    sc.push_back(c.sample(kLogits.data(), kLogits.size()));
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(Sampler, TemperatureOneIsSoftmax) {
  Sampler sampler({1.0f, 0, 1.0f}, 0);
  auto dist = sampler.distribution(kLogits.data(), kLogits.size());
  ASSERT_EQ(dist.size(), kLogits.size());
  double total = 0;
  for (float l : kLogits)
    total += std::exp(l);
  for (auto [token, p] : dist)
    EXPECT_NEAR(p, std::exp(kLogits[token]) / total, 1e-6);
  // Most likely first; the tie between 1 and 4 keeps the lower id first.
  EXPECT_EQ(dist[0].first, 1);
  EXPECT_EQ(dist[1].first, 4);
}

TEST(Sampler, TopKKeepsTheKMostLikely) {
  Sampler sampler({1.0f, 3, 1.0f}, 0);
  auto dist = sampler.distribution(kLogits.data(), kLogits.size());
  ASSERT_EQ(dist.size(), 3u);
  EXPECT_EQ(dist[0].first, 1);
  EXPECT_EQ(dist[1].first, 4);
  EXPECT_EQ(dist[2].first, 2);
  double mass = dist[0].second + dist[1].second + dist[2].second;
  EXPECT_NEAR(mass, 1.0, 1e-6);
}

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  // Probabilities at T=1: tokens 1 and 4 hold 0.384 each, token 2 0.141.
  Sampler sampler({1.0f, 0, 0.6f}, 0);
  auto dist = sampler.distribution(kLogits.data(), kLogits.size());
  ASSERT_EQ(dist.size(), 2u);
  EXPECT_NEAR(dist[0].second, 0.5, 1e-6);
  Sampler wider({1.0f, 0, 0.8f}, 0);
  EXPECT_EQ(wider.distribution(kLogits.data(), kLogits.size()).size(), 3u);
  // A nucleus never empties: top_p below the largest probability keeps one.
  Sampler narrow({1.0f, 0, 0.01f}, 0);
  EXPECT_EQ(narrow.distribution(kLogits.data(), kLogits.size()).size(), 1u);
}

TEST(Sampler, LowTemperatureApproachesGreedy) {
  std::vector<float> logits = {1.0f, 1.5f, 1.2f};
  Sampler cold({0.01f, 0, 1.0f}, 0);
  auto dist = cold.distribution(logits.data(), logits.size());
  EXPECT_EQ(dist[0].first, 1);
  EXPECT_GT(dist[0].second, 0.99999f);
  Sampler hot({100.0f, 0, 1.0f}, 0);
  auto flat = hot.distribution(logits.data(), logits.size());
  for (auto [token, p] : flat)
    EXPECT_NEAR(p, 1.0 / 3, 0.01);
}

TEST(Sampler, SamplesFollowTheDistribution) {
  Sampler sampler({1.0f, 0, 1.0f}, 123);
  std::map<int32_t, int> counts;
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    ++counts[sampler.sample(kLogits.data(), kLogits.size())];
  double total = 0;
  for (float l : kLogits)
    total += std::exp(l);
  for (size_t t = 0; t < kLogits.size(); ++t)
    EXPECT_NEAR(double(counts[t]) / n, std::exp(kLogits[t]) / total, 0.015)
        << "token " << t;
}

TEST(Sampler, TopKMaskNeverSamplesOutside) {
  Sampler sampler({2.0f, 2, 1.0f}, 5);
  for (int i = 0; i < 2000; ++i) {
    int32_t t = sampler.sample(kLogits.data(), kLogits.size());
    EXPECT_TRUE(t == 1 || t == 4) << t;
  }
}

// Ranking compares logits as the scores they become: -0 ties with +0 (the
// lower id first), NaN with -inf (both weigh nothing, ranked last).
TEST(Sampler, RankingTiesSignedZerosAndNaNWithMinusInfinity) {
  float nan = std::nanf(""), inf = HUGE_VALF;
  std::vector<float> logits = {-inf, 0.0f, nan, -0.0f, -1.0f, 0.0f, -0.0f};
  // A nucleus as wide as the vocabulary keeps every token of positive mass.
  Sampler sampler({1.0f, 0, 1.0f}, 0);
  auto dist = sampler.distribution(logits.data(), logits.size());
  std::vector<int32_t> order;
  for (auto [token, p] : dist)
    order.push_back(token);
  EXPECT_EQ(order, (std::vector<int32_t>{1, 3, 5, 6, 4}));
  // top-k 6 reaches into the -inf/NaN tie: both are ranked, neither kept.
  Sampler six({1.0f, 6, 1.0f}, 0);
  EXPECT_EQ(six.distribution(logits.data(), logits.size()).size(), 5u);
}

// The sampler ranks only as much of the vocabulary as a nucleus or a draw
// reads, extending its sorted prefix past 64, 128, ... tokens. Against a
// full sort (the definition): flat and peaked logits, long runs of ties
// (which straddle every extension), NaN and infinities, top-k on both
// sides of the first extension, nuclei of thousands of tokens.
TEST(Sampler, LazyRankingMatchesAFullSort) {
  auto reference = [](const std::vector<float> &logits, SamplingParams p) {
    return llmc::testing::fullSortDistribution(logits.data(), logits.size(), p);
  };

  std::mt19937 gen(3);
  const float nan = std::nanf(""), inf = HUGE_VALF;
  int checked = 0, longNuclei = 0;
  for (int round = 0; round < 400; ++round) {
    size_t vocab = std::vector<size_t>{1, 5, 63, 64, 65, 200, 3000}[round % 7];
    std::vector<float> logits(vocab);
    std::normal_distribution<float> normal(0.0f, round % 3 ? 4.0f : 0.05f);
    for (float &l : logits)
      l = round % 5 == 1 ? float(gen() % 3) : normal(gen); // ties
    if (round % 5 == 2)
      for (int j = 0; j < 3; ++j)
        logits[gen() % vocab] =
            std::vector<float>{nan, inf, -inf, -0.0f}[gen() % 4];
    if (round % 11 == 3)
      logits.assign(vocab, nan);
    SamplingParams params{
        std::vector<float>{1e-45f, 0.3f, 0.8f, 1.0f, 50.0f}[gen() % 5],
        std::vector<int32_t>{0, 0, 1, 40, 64, 100, 1000}[gen() % 7],
        std::vector<float>{1.0f, 0.95f, 0.5f, 0.01f}[gen() % 4]};
    auto want = reference(logits, params);
    Sampler sampler(params, round);
    auto got = sampler.distribution(logits.data(), vocab);
    ASSERT_EQ(got.size(), want.size()) << "round " << round;
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_EQ(got[i].first, want[i].first) << "round " << round << " " << i;
      ASSERT_NEAR(got[i].second, want[i].second, 1e-6f * want[i].second)
          << "round " << round << " " << i;
    }
    // sample() walks the same pairs with the same draws.
    Random random(round);
    for (int draw = 0; draw < 8; ++draw) {
      int32_t expected = llmc::testing::drawFrom(want, random.uniform());
      ASSERT_EQ(sampler.sample(logits.data(), vocab), expected)
          << "round " << round << " draw " << draw;
    }
    ++checked;
    longNuclei += want.size() > 128;
  }
  EXPECT_EQ(checked, 400);
  EXPECT_GT(longNuclei, 10); // extensions past the first two were exercised
}

} // namespace
