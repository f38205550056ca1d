//===- AttentionImpl.h - Attention over a cache layer ----------*- C++ -*-===//
//
// Included by each instruction-set file (compiled with its flags, so the
// loops below vectorize for it). One task is one query token and one KV
// head: its group of query heads reuses the same keys and values while
// they are in L1/L2. Per query head, one row of scores over the visible
// keys is kept (never the token x key matrix): scores and their maximum,
// then exponentials and their sum, then the weighted sum of values.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_KERNELS_ATTENTIONIMPL_H
#define LLMC_RUNTIME_KERNELS_ATTENTIONIMPL_H

#include "kernels/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace llmc::rt {
namespace {

/// e^x for x <= 0 (scores minus their maximum), to float precision: x =
/// n ln 2 + r with |r| <= ln 2 / 2, a degree-6 polynomial for e^r, and 2^n
/// from the exponent bits. Branch-free so that the loop vectorizes.
inline float expNonPositive(float x) {
  x = std::max(x, -87.0f); // below, e^x is 0 in float anyway
  float n = std::nearbyint(x * 1.44269504088896341f);
  float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
  float p = 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

/// Dot product in 16 independent lanes (vectorizes without reassociation).
inline float dot(const float *a, const float *b, int64_t n) {
  float lanes[16] = {};
  int64_t d = 0;
  for (; d + 16 <= n; d += 16)
    for (int l = 0; l < 16; ++l)
      lanes[l] += a[d + l] * b[d + l];
  for (; d < n; ++d)
    lanes[d % 16] += a[d] * b[d];
  float sum = 0;
  for (float l : lanes)
    sum += l;
  return sum;
}

void attentionTasks(const AttentionArgs &a, int64_t begin, int64_t end) {
  thread_local std::vector<float> scores, acc;
  int64_t group = a.heads / a.kvHeads, d = a.headDim;
  acc.resize(size_t(d));
  for (int64_t task = begin; task < end; ++task) {
    int64_t token = task / a.kvHeads, kv = task % a.kvHeads;
    int64_t position = a.start + token;
    int64_t first =
        a.window > 0 ? std::max<int64_t>(0, position - a.window + 1) : 0;
    int64_t count = position + 1 - first;
    scores.resize(size_t(count));
    const float *keys = a.k + first * a.ldkv + kv * d;
    const float *values = a.v + first * a.ldkv + kv * d;
    for (int64_t h = kv * group; h < (kv + 1) * group; ++h) {
      const float *q = a.q + token * a.ldq + h * d;
      float max = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < count; ++j) {
        float s = dot(q, keys + j * a.ldkv, d) * a.scale;
        scores[size_t(j)] = s;
        max = std::max(max, s);
      }
      float sum = 0;
      float *p = scores.data();
      for (int64_t j = 0; j < count; ++j) {
        p[j] = expNonPositive(p[j] - max);
        sum += p[j];
      }
      std::fill(acc.begin(), acc.end(), 0.0f);
      float *o = acc.data();
      for (int64_t j = 0; j < count; ++j) {
        const float *v = values + j * a.ldkv;
        float w = p[j];
        for (int64_t c = 0; c < d; ++c)
          o[c] += w * v[c];
      }
      float *out = a.out + token * a.ldo + h * d;
      float inverse = 1.0f / sum;
      for (int64_t c = 0; c < d; ++c)
        out[c] = o[c] * inverse;
    }
  }
}

} // namespace
} // namespace llmc::rt

#endif // LLMC_RUNTIME_KERNELS_ATTENTIONIMPL_H
