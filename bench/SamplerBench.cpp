//===- SamplerBench.cpp - Sampling cost against a full sort ---------------===//
//
// llmc-sampler-bench: microseconds per sampled token for llmc's Sampler and
// for the textbook way it replaced (rank the whole vocabulary, then apply
// top-k, top-p and one draw), alternating, on synthetic logits of the
// vocabulary sizes of the models llmc compiles. "peaked" logits are N(0,
// 2.5) with 20 tokens raised by 12, the shape of a trained model's next-
// token distribution; "flat" ones are N(0, 0.05), like a randomly
// initialized model's, where a nucleus holds most of the vocabulary. Both
// sides draw the same tokens from the same seeds (checked and printed).
//
//===----------------------------------------------------------------------===//

#include "FullSortSampling.h"
#include "Sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

using namespace llmc::rt;

namespace {

/// The whole vocabulary ranked, then warped and drawn from.
int32_t sampleByFullSort(const SamplingParams &p, const float *logits,
                         int64_t vocab, Random &random) {
  return llmc::testing::drawFrom(
      llmc::testing::fullSortDistribution(logits, vocab, p), random.uniform());
}

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv) {
  int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const int kDraws = 50;
  struct Setting {
    const char *name;
    SamplingParams params;
  };
  const Setting settings[] = {{"T=0.8", {0.8f, 0, 1.0f}},
                              {"T=0.8 top-p 0.9", {0.8f, 0, 0.9f}},
                              {"T=0.7 top-k 40", {0.7f, 40, 1.0f}},
                              {"T=1 top-k 50 top-p 0.95", {1.0f, 50, 0.95f}}};
  std::printf("%-7s %-7s %-24s %12s %12s %7s %s\n", "vocab", "logits",
              "sampling", "llmc us/tok", "sort us/tok", "ratio", "same draws");
  for (int64_t vocab : {32000, 49152, 151936}) {
    for (bool flat : {false, true}) {
      std::mt19937 gen(1);
      std::normal_distribution<float> normal(0.0f, flat ? 0.05f : 2.5f);
      std::vector<float> logits(static_cast<size_t>(vocab));
      for (float &l : logits)
        l = normal(gen);
      if (!flat)
        for (int i = 0; i < 20; ++i)
          logits[gen() % vocab] += 12.0f;
      for (const Setting &s : settings) {
        std::vector<double> ours, theirs;
        bool same = true;
        for (int round = 0; round < rounds; ++round) {
          Sampler sampler(s.params, round);
          Random random(round);
          std::vector<int32_t> a, b;
          auto start = Clock::now();
          for (int d = 0; d < kDraws; ++d)
            a.push_back(sampler.sample(logits.data(), vocab));
          auto middle = Clock::now();
          for (int d = 0; d < kDraws; ++d)
            b.push_back(
                sampleByFullSort(s.params, logits.data(), vocab, random));
          auto end = Clock::now();
          ours.push_back(
              std::chrono::duration<double, std::micro>(middle - start)
                  .count() /
              kDraws);
          theirs.push_back(
              std::chrono::duration<double, std::micro>(end - middle).count() /
              kDraws);
          same = same && a == b;
        }
        double o = median(ours), t = median(theirs);
        std::printf("%-7lld %-7s %-24s %12.1f %12.1f %6.1fx %s\n",
                    static_cast<long long>(vocab), flat ? "flat" : "peaked",
                    s.name, o, t, t / o, same ? "yes" : "NO");
      }
    }
  }
  return 0;
}
