//===- AttentionImpl.h - Attention over a cache layer ----------*- C++ -*-===//
//
// Included by each instruction-set file (compiled with its flags, so the
// loops below vectorize for it). One task is one query token, or a paged
// prefill's tile of up to kAttentionTile consecutive ones, and one KV
// head: its rows (token x query head of the group) reuse the same keys
// and values while they are in L1. Per row, one row of scores over the
// visible keys is kept (never the token x key matrix): scores and their
// maximum, then exponentials and their sum, then the weighted sum of
// values.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_KERNELS_ATTENTIONIMPL_H
#define LLMC_RUNTIME_KERNELS_ATTENTIONIMPL_H

#include "kernels/Kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
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

/// 16 floats as one value: a zmm register with AVX-512, two ymm with AVX2,
/// four xmm otherwise. Spelled with the vector extension because the
/// auto-vectorizer split the equivalent 16-iteration loops into pairs.
typedef float Lanes __attribute__((vector_size(64)));

inline Lanes loadLanes(const float *p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void storeLanes(float *p, Lanes v) { std::memcpy(p, &v, sizeof v); }

/// The sum of 16 lanes as a tree of halves: four dependent adds rather
/// than a chain of sixteen, in a fixed order.
inline float sumLanes(Lanes v) {
  float l[16];
  storeLanes(l, v);
  for (int width = 8; width >= 1; width /= 2)
    for (int i = 0; i < width; ++i)
      l[i] += l[i + width];
  return l[0];
}

/// Dot product in 16 independent lanes.
inline float dot(const float *a, const float *b, int64_t n) {
  Lanes acc = {};
  int64_t d = 0;
  for (; d + 16 <= n; d += 16)
    acc += loadLanes(a + d) * loadLanes(b + d);
  float tail = 0;
  for (; d < n; ++d)
    tail += a[d] * b[d];
  return sumLanes(acc) + tail;
}

// The loops below run over blocks of 16 keys with a fixed-width inner loop
// and per-lane partial results, so that they vectorize without letting the
// compiler reassociate float sums (the order, and so the result, is the
// same for every instruction set).

/// The largest of p[0, count).
inline float maxOf(const float *p, int64_t count) {
  float lanes[16];
  std::fill(lanes, lanes + 16, -std::numeric_limits<float>::infinity());
  int64_t j = 0;
  for (; j + 16 <= count; j += 16)
    for (int l = 0; l < 16; ++l)
      lanes[l] = std::max(lanes[l], p[j + l]);
  float max = lanes[0];
  for (; j < count; ++j)
    max = std::max(max, p[j]);
  for (float l : lanes)
    max = std::max(max, l);
  return max;
}

/// Replaces p[j] by e^(p[j] - max) and returns their sum.
inline float exponentiate(float *p, int64_t count, float max) {
  float lanes[16] = {};
  int64_t j = 0;
  for (; j + 16 <= count; j += 16)
    for (int l = 0; l < 16; ++l) {
      float e = expNonPositive(p[j + l] - max);
      p[j + l] = e;
      lanes[l] += e;
    }
  float tail = 0;
  for (; j < count; ++j) {
    p[j] = expNonPositive(p[j] - max);
    tail += p[j];
  }
  return sumLanes(loadLanes(lanes)) + tail;
}

/// out[c] = sum over j of p[j] * v[j * ld + c], for c in [0, 16 V): the
/// partial sums stay in registers for the whole pass over the keys.
template <int V>
inline void weightedSum(const float *p, const float *v, int64_t ld,
                        int64_t count, float *out) {
  Lanes o[V] = {};
  for (int64_t j = 0; j < count; ++j)
    for (int i = 0; i < V; ++i)
      o[i] += p[j] * loadLanes(v + j * ld + 16 * i);
  for (int i = 0; i < V; ++i)
    storeLanes(out + 16 * i, o[i]);
}

/// out[c] += sum over j of p[j] * v[j * ld + c], for c in [0, 16 V): as
/// weightedSum, continuing from the partial sums in `out`, so that a pass
/// split over blocks adds in the same order as one pass.
template <int V>
inline void weightedSumFrom(const float *p, const float *v, int64_t ld,
                            int64_t count, float *out) {
  Lanes o[V];
  for (int i = 0; i < V; ++i)
    o[i] = loadLanes(out + 16 * i);
  for (int64_t j = 0; j < count; ++j)
    for (int i = 0; i < V; ++i)
      o[i] += p[j] * loadLanes(v + j * ld + 16 * i);
  for (int i = 0; i < V; ++i)
    storeLanes(out + 16 * i, o[i]);
}

/// The same for one column.
inline float weightedColumn(const float *p, const float *v, int64_t ld,
                            int64_t count, float o = 0) {
  for (int64_t j = 0; j < count; ++j)
    o += p[j] * v[j * ld];
  return o;
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
      float *p = scores.data();
      for (int64_t j = 0; j < count; ++j)
        p[j] = dot(q, keys + j * a.ldkv, d) * a.scale;
      float max = maxOf(p, count);
      float sum = exponentiate(p, count, max);
      float *o = acc.data();
      int64_t c = 0;
      for (; c + 64 <= d; c += 64)
        weightedSum<4>(p, values + c, a.ldkv, count, o + c);
      for (; c + 16 <= d; c += 16)
        weightedSum<1>(p, values + c, a.ldkv, count, o + c);
      for (; c < d; ++c)
        o[c] = weightedColumn(p, values + c, a.ldkv, count);
      float *out = a.out + token * a.ldo + h * d;
      float inverse = 1.0f / sum;
      for (int64_t c = 0; c < d; ++c)
        out[c] = o[c] * inverse;
    }
  }
}

/// Where layer a.layer's keys (half 0) or values (half 1) of `block` start,
/// in elements of the pool (bytes for int8, whose scales follow).
inline int64_t blockOffset(const PagedAttentionArgs &a, int32_t block,
                           int64_t half) {
  int64_t row = a.headDim + (a.kvType == LLMC_KV_INT8 ? 4 : 0);
  return ((int64_t(block) * a.numLayers + a.layer) * 2 + half) * a.blockSize *
         a.kvHeads * row;
}

/// The f32 scale at `index` of the scales that follow an int8 half block.
inline float int8Scale(const int8_t *half, int64_t values, int64_t index) {
  float scale;
  std::memcpy(&scale, half + values + index * 4, 4);
  return scale;
}

/// The keys of KV head `kv` in `block`, transposed ([head_dim][block_size]),
/// as f32: the pool's own memory when it holds f32, else converted into
/// `buffer` (positions [first, first + count) only).
inline const float *blockKeys(const PagedAttentionArgs &a, int32_t block,
                              int64_t kv, int64_t first, int64_t count,
                              std::vector<float> &buffer) {
  int64_t bs = a.blockSize, at = blockOffset(a, block, 0) + kv * a.headDim * bs;
  if (a.kvType == LLMC_KV_F32)
    return static_cast<const float *>(a.pool) + at;
  buffer.resize(size_t(a.headDim * bs));
  if (a.kvType == LLMC_KV_INT8) {
    // Scaled back per position: [kv][head_dim][slot], then [kv][slot].
    const int8_t *half =
        static_cast<const int8_t *>(a.pool) + blockOffset(a, block, 0);
    int64_t values = a.kvHeads * a.headDim * bs;
    const int8_t *keys = half + kv * a.headDim * bs;
    for (int64_t j = first; j < first + count; ++j) {
      float scale = int8Scale(half, values, kv * bs + j);
      for (int64_t c = 0; c < a.headDim; ++c)
        buffer[size_t(c * bs + j)] = float(keys[c * bs + j]) * scale;
    }
    return buffer.data();
  }
  const _Float16 *keys = static_cast<const _Float16 *>(a.pool) + at;
  for (int64_t c = 0; c < a.headDim; ++c)
    for (int64_t j = first; j < first + count; ++j)
      buffer[size_t(c * bs + j)] = float(keys[c * bs + j]);
  return buffer.data();
}

/// The values of KV head `kv` in `block` from position `first`, as rows of
/// f32 `ld` apart: the pool's memory, or `count` rows converted.
inline const float *blockValues(const PagedAttentionArgs &a, int32_t block,
                                int64_t kv, int64_t first, int64_t count,
                                std::vector<float> &buffer, int64_t &ld) {
  int64_t d = a.headDim, rowFloats = a.kvHeads * d;
  int64_t at = blockOffset(a, block, 1) + first * rowFloats + kv * d;
  if (a.kvType == LLMC_KV_F32) {
    ld = rowFloats;
    return static_cast<const float *>(a.pool) + at;
  }
  buffer.resize(size_t(count * d));
  ld = d;
  if (a.kvType == LLMC_KV_INT8) {
    // [slot][kv][head_dim], then [slot][kv] scales.
    const int8_t *half =
        static_cast<const int8_t *>(a.pool) + blockOffset(a, block, 1);
    int64_t values = a.blockSize * rowFloats;
    for (int64_t j = 0; j < count; ++j) {
      const int8_t *row = half + (first + j) * rowFloats + kv * d;
      float scale = int8Scale(half, values, (first + j) * a.kvHeads + kv);
      for (int64_t c = 0; c < d; ++c)
        buffer[size_t(j * d + c)] = float(row[c]) * scale;
    }
    return buffer.data();
  }
  const _Float16 *rows = static_cast<const _Float16 *>(a.pool) + at;
  for (int64_t j = 0; j < count; ++j)
    for (int64_t c = 0; c < d; ++c)
      buffer[size_t(j * d + c)] = float(rows[j * rowFloats + c]);
  ld = d;
  return buffer.data();
}

/// H query heads' scores, scale times the sum over c of q[c] * keys[c * ld
/// + i], for 16 positions i, the first `count` <= 16 of them stored (head
/// h's at p + h * pStride). Keys are transposed, so 16 positions take one
/// vector per component, with no horizontal sums; each score adds its
/// components in order, so it does not depend on which positions share its
/// vector.
template <int H>
inline void scoresVector(const float *q, int64_t qStride, const float *keys,
                         int64_t ld, int64_t headDim, int64_t count,
                         float scale, float *p, int64_t pStride) {
  Lanes acc[H] = {};
  for (int64_t c = 0; c < headDim; ++c) {
    Lanes k = loadLanes(keys + c * ld);
    for (int h = 0; h < H; ++h)
      acc[h] += q[h * qStride + c] * k;
  }
  for (int h = 0; h < H; ++h) {
    if (count == 16) {
      storeLanes(p + h * pStride, acc[h] * scale);
      continue;
    }
    float lanes[16];
    storeLanes(lanes, acc[h] * scale);
    std::memcpy(p + h * pStride, lanes, size_t(count) * sizeof(float));
  }
}

/// scoresVector over two blocks' 16 positions at once (keys at keys0 and
/// keys1, scores at p and p + 16): twice the independent chains per key
/// component, the same operations per score.
template <int H>
inline void scoresVectorPair(const float *q, int64_t qStride,
                             const float *keys0, const float *keys1, int64_t ld,
                             int64_t headDim, float scale, float *p,
                             int64_t pStride) {
  Lanes acc0[H] = {}, acc1[H] = {};
  for (int64_t c = 0; c < headDim; ++c) {
    Lanes k0 = loadLanes(keys0 + c * ld), k1 = loadLanes(keys1 + c * ld);
    for (int h = 0; h < H; ++h) {
      acc0[h] += q[h * qStride + c] * k0;
      acc1[h] += q[h * qStride + c] * k1;
    }
  }
  for (int h = 0; h < H; ++h) {
    storeLanes(p + h * pStride, acc0[h] * scale);
    storeLanes(p + h * pStride + 16, acc1[h] * scale);
  }
}

/// transposedScores for H query heads at once (head h's query at q + h *
/// qStride, its scores at p + h * pStride): H independent chains hide the
/// multiply-add latency a single 16-position chain waits on, and share each
/// key load. Each score still adds its components in the same order, with
/// the same operations, so the bits do not change. `readable` positions
/// (>= count) can be read from `keys`: a last run of fewer than 16 is one
/// vector too, read in place when 16 are readable, else from a zero-padded
/// copy (a score alone was a chain of headDim dependent multiply-adds: in a
/// causal prefill every token's last block is such a run).
template <int H>
inline void transposedScoresHeads(const float *q, int64_t qStride,
                                  const float *keys, int64_t ld,
                                  int64_t headDim, int64_t count, float scale,
                                  float *p, int64_t pStride, int64_t readable) {
  int64_t i = 0;
  for (; i + 16 <= count; i += 16)
    scoresVector<H>(q, qStride, keys + i, ld, headDim, 16, scale, p + i,
                    pStride);
  if (i == count)
    return;
  if (i + 16 <= readable) {
    scoresVector<H>(q, qStride, keys + i, ld, headDim, count - i, scale, p + i,
                    pStride);
    return;
  }
  thread_local std::vector<float> padded;
  padded.assign(size_t(headDim * 16), 0.0f);
  for (int64_t c = 0; c < headDim; ++c)
    std::memcpy(padded.data() + c * 16, keys + c * ld + i,
                size_t(count - i) * sizeof(float));
  scoresVector<H>(q, qStride, padded.data(), 16, headDim, count - i, scale,
                  p + i, pStride);
}

/// Calls f(std::integral_constant<int, H>(), r) over rows [0, rows) from
/// r, four at a time, then the rest (SmolLM2's groups are 3) together: the
/// row counts the score and weighted-sum kernels are instantiated for.
template <typename F> inline void forRowsInFours(int64_t rows, F f) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4)
    f(std::integral_constant<int, 4>(), r);
  if (rows - r == 3)
    f(std::integral_constant<int, 3>(), r);
  else if (rows - r == 2)
    f(std::integral_constant<int, 2>(), r);
  else if (rows - r == 1)
    f(std::integral_constant<int, 1>(), r);
}

/// weightedSumFrom<4> for H query heads at once (head h's probabilities at
/// p + h * pStride, its 64 outputs at out + h * oStride): 4 x H chains
/// instead of 4, the same sums in the same order.
template <int H>
inline void weightedSumHeads(const float *p, int64_t pStride, const float *v,
                             int64_t ld, int64_t count, float *out,
                             int64_t oStride) {
  Lanes o[H][4];
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < 4; ++i)
      o[h][i] = loadLanes(out + h * oStride + 16 * i);
  for (int64_t j = 0; j < count; ++j)
    for (int i = 0; i < 4; ++i) {
      Lanes value = loadLanes(v + j * ld + 16 * i);
      for (int h = 0; h < H; ++h)
        o[h][i] += p[h * pStride + j] * value;
    }
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < 4; ++i)
      storeLanes(out + h * oStride + 16 * i, o[h][i]);
}

/// out[c] += sum over j < count of p[j] * v[j * ld + c], c in [0, d): one
/// row's weighted values, continued in order.
inline void weightedSumRow(const float *p, const float *v, int64_t ld,
                           int64_t d, int64_t count, float *out) {
  int64_t c = 0;
  for (; c + 64 <= d; c += 64)
    weightedSumFrom<4>(p, v + c, ld, count, out + c);
  for (; c + 16 <= d; c += 16)
    weightedSumFrom<1>(p, v + c, ld, count, out + c);
  for (; c < d; ++c)
    out[c] = weightedColumn(p, v + c, ld, count, out[c]);
}

/// Tasks [begin, end) of a.tasks: each attends the query heads of one KV
/// head, for one token or a tile of consecutive ones, over a range of the
/// sequence's positions, read block by block, each block once for every
/// query row (token x head) that shares it. Keys are stored transposed per
/// block (abi.h). Every score, maximum, sum and weighted value adds in an
/// order fixed by the positions alone, so that a sequence's output does not
/// depend on its blocks' placement, its batch mates, how its tokens are
/// split into calls or which of them share a tile.
void pagedAttentionTasks(const PagedAttentionArgs &a, int64_t begin,
                         int64_t end) {
  thread_local std::vector<float> queries, scores, acc, sums, maxima, keyBuffer,
      keyBuffer1, valueBuffer;
  int64_t group = a.heads / a.kvHeads, d = a.headDim, bs = a.blockSize;
  for (int64_t t = begin; t < end; ++t) {
    const PagedAttentionTask &task = a.tasks[t];
    int64_t kv = task.kv, first = task.first, rows = task.tokens * group;
    // Row r is query head r % group of token task.token + r / group, which
    // sees [first, task.last + r / group]: rows' counts never decrease.
    int64_t last = task.last + task.tokens - 1, stride = last + 1 - first;
    auto rowCount = [&](int64_t r) {
      return task.last + r / group + 1 - first;
    };
    const int32_t *table =
        a.blockTables + a.sequences[task.token] * a.maxBlocks;
    // Rows d floats apart: one token's group of heads is so in place; a
    // tile's tokens are gathered.
    const float *q = a.q + task.token * a.ldq + kv * group * d;
    if (task.tokens > 1) {
      queries.resize(size_t(rows * d));
      for (int64_t i = 0; i < task.tokens; ++i)
        std::memcpy(queries.data() + i * group * d, q + i * a.ldq,
                    size_t(group * d) * sizeof(float));
      q = queries.data();
    }
    scores.resize(size_t(rows * stride));
    acc.assign(size_t(rows * d), 0.0f);
    sums.resize(size_t(rows));
    maxima.resize(size_t(rows));
    // Scores over [first, last] for every row: a row's positions past its
    // own last are computed with the others' and never read.
    for (int64_t j = first; j <= last;) {
      int64_t slot = j % bs, run = std::min(bs - slot, last + 1 - j);
      float *p = scores.data() + (j - first);
      if (bs == 16 && slot == 0 && j + 2 * bs - 1 <= last) {
        // Two whole blocks at once: twice the chains per row.
        const float *keys0 = blockKeys(a, table[j / bs], kv, 0, bs, keyBuffer);
        const float *keys1 =
            blockKeys(a, table[j / bs + 1], kv, 0, bs, keyBuffer1);
        forRowsInFours(rows, [&](auto n, int64_t r) {
          scoresVectorPair<n>(q + r * d, d, keys0, keys1, bs, d, a.scale,
                              p + r * stride, stride);
        });
        j += 2 * bs;
        continue;
      }
      const float *keys = blockKeys(a, table[j / bs], kv, slot, run, keyBuffer);
      forRowsInFours(rows, [&](auto n, int64_t r) {
        transposedScoresHeads<n>(q + r * d, d, keys + slot, bs, d, run, a.scale,
                                 p + r * stride, stride, bs - slot);
      });
      j += run;
    }
    for (int64_t r = 0; r < rows; ++r) {
      float *p = scores.data() + r * stride;
      maxima[size_t(r)] = maxOf(p, rowCount(r));
      sums[size_t(r)] = exponentiate(p, rowCount(r), maxima[size_t(r)]);
    }
    for (int64_t j = first; j <= last;) {
      int64_t slot = j % bs, run = std::min(bs - slot, last + 1 - j);
      int64_t ld;
      const float *values =
          blockValues(a, table[j / bs], kv, slot, run, valueBuffer, ld);
      const float *p = scores.data() + (j - first);
      // How many of this run's positions row r sees.
      auto seen = [&](int64_t r) {
        return std::clamp<int64_t>(rowCount(r) - (j - first), 0, run);
      };
      if (d == 64) {
        // The positions every row of a chunk sees together (its first row
        // sees the fewest), then each row's own.
        forRowsInFours(rows, [&](auto n, int64_t r) {
          if (int64_t shared = seen(r))
            weightedSumHeads<n>(p + r * stride, stride, values, ld, shared,
                                acc.data() + r * d, d);
          for (int64_t i = r + 1; i < r + n; ++i)
            if (seen(i) > seen(r))
              weightedSumHeads<1>(p + i * stride + seen(r), stride,
                                  values + seen(r) * ld, ld, seen(i) - seen(r),
                                  acc.data() + i * d, d);
        });
      } else {
        for (int64_t r = 0; r < rows; ++r)
          weightedSumRow(p + r * stride, values, ld, d, seen(r),
                         acc.data() + r * d);
      }
      j += run;
    }
    for (int64_t r = 0; r < rows; ++r) {
      const float *o = acc.data() + r * d;
      int64_t h = r % group;
      if (task.partial >= 0) {
        // A slice: its maximum, sum and unnormalized values, combined later.
        float *partial = a.partials + (task.partial * group + h) * (d + 2);
        partial[0] = maxima[size_t(r)];
        partial[1] = sums[size_t(r)];
        std::copy(o, o + d, partial + 2);
        continue;
      }
      float *out =
          a.out + (task.token + r / group) * a.ldo + (kv * group + h) * d;
      float inverse = 1.0f / sums[size_t(r)];
      for (int64_t c = 0; c < d; ++c)
        out[c] = o[c] * inverse;
    }
  }
}

} // namespace
} // namespace llmc::rt

#endif // LLMC_RUNTIME_KERNELS_ATTENTIONIMPL_H
