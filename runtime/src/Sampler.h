//===- Sampler.h - Choosing the next token from logits ----------*- C++ -*-===//

#ifndef LLMC_RUNTIME_SAMPLER_H
#define LLMC_RUNTIME_SAMPLER_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmc::rt {

/// SplitMix64: a small, seedable generator whose sequence is the same on
/// every platform, so a seed reproduces a run exactly.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1), from the top 53 bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

private:
  uint64_t state;
};

struct SamplingParams {
  float temperature = 0.0f; // 0 = greedy
  int32_t topK = 0;         // 0 = off
  float topP = 1.0f;        // 1 = off
};

/// "" when `params` are valid sampling parameters (temperature finite and
/// >= 0, top_k >= 0, top_p in (0, 1]), else what is wrong, naming the
/// parameter ("temperature nan: expected a finite number >= 0").
std::string checkSamplingParams(const SamplingParams &params);

class Sampler {
public:
  Sampler(SamplingParams params, uint64_t seed)
      : params(params), random(seed) {}

  /// The next token for `logits[0, vocab)`. Total on any input: invalid
  /// parameters (callers refuse them first) and NaN logits still give a
  /// token of the vocabulary.
  int32_t sample(const float *logits, int64_t vocab);

  /// The distribution sample() draws from: (token, probability) pairs with
  /// probability > 0, most likely first. Greedy puts all mass on the argmax.
  std::vector<std::pair<int32_t, float>> distribution(const float *logits,
                                                      int64_t vocab) const;

private:
  SamplingParams params;
  Random random;
};

/// The first index of the largest logit.
int32_t argmax(const float *logits, int64_t vocab);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_SAMPLER_H
