//===- Linear.cpp - The linear-layer entry points compiled models call ----===//
//
// Picks the kernel set, quantizes activations for the int8/int4 kernels,
// and splits the output panels across the thread pool.
//
//===----------------------------------------------------------------------===//

#include "CpuFeatures.h"
#include "EntryCall.h"
#include "kernels/Kernels.h"
#include "kernels/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <vector>

namespace llmc::rt {

llmc_isa hostIsa() {
  static const llmc_isa level = [] {
    auto all = [](std::initializer_list<const char *> names) {
      for (const char *name : names)
        if (!hostHasFeature(name).value_or(false))
          return false;
      return true;
    };
    // Each level includes the one below (as every real CPU's features do).
    if (!all({"avx2", "fma", "f16c"}))
      return LLMC_ISA_X86_64;
    if (all({"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni"}))
      return LLMC_ISA_AVX512;
    return LLMC_ISA_AVX2;
  }();
  return level;
}

static const KernelSet &kernelsFor(llmc_isa level) {
  switch (level) {
  case LLMC_ISA_AVX512:
    return avx512Kernels();
  case LLMC_ISA_AVX2:
    return avx2Kernels();
  default:
    return scalarKernels();
  }
}

const KernelSet &hostKernels() { return kernelsFor(hostIsa()); }

const KernelSet *selectKernels(std::string &problem) {
  const char *env = std::getenv("LLMC_KERNELS");
  if (!env || !*env)
    return &hostKernels();
  llmc_isa level;
  if (!std::strcmp(env, "scalar"))
    level = LLMC_ISA_X86_64;
  else if (!std::strcmp(env, "avx2"))
    level = LLMC_ISA_AVX2;
  else if (!std::strcmp(env, "avx512"))
    level = LLMC_ISA_AVX512;
  else {
    problem = "LLMC_KERNELS=" + std::string(env) +
              ": expected scalar, avx2 or avx512";
    return nullptr;
  }
  // A set the CPU cannot run is refused, never tried.
  if (level > hostIsa()) {
    problem = "LLMC_KERNELS=" + std::string(env) + ": this CPU lacks " +
              (level == LLMC_ISA_AVX512 ? "AVX-512 F/BW/VL/DQ with VNNI"
                                        : "AVX2 with FMA and F16C");
    return nullptr;
  }
  return &kernelsFor(level);
}

KernelContext &currentKernelContext() {
  thread_local KernelContext context;
  return context;
}

namespace {

const KernelSet &kernels() {
  const KernelContext &context = currentKernelContext();
  return context.kernels ? *context.kernels : hostKernels();
}

/// Below this many multiply-adds a call stays on one thread.
constexpr int64_t kParallelWork = 1 << 16;
/// How many elements of generated code (llmc_rt_parallel_rows) count as
/// one multiply-add of a kernel against kParallelWork.
constexpr int64_t kElementsPerMultiplyAdd = 4;

/// Calls body(begin, end) over [0, total) in chunks whose bounds are
/// multiples of `grain`, on up to `threads` threads that claim chunks as
/// they finish the previous one: the cores of a shared machine do not run
/// at the same speed, so a static split leaves one waiting. About
/// `chunksPerThread` chunks per thread.
template <typename Body>
void parallelRanges(int64_t total, int64_t grain, int64_t work, Body body,
                    int chunksPerThread = 4) {
  int threads = std::max(1, currentKernelContext().threads);
  int64_t units = llmc_ceil_div(total, grain);
  int n = int(std::min<int64_t>(threads, units));
  if (work < kParallelWork)
    n = 1;
  if (n <= 1) {
    body(int64_t(0), total);
    return;
  }
  int64_t chunk = llmc_ceil_div(units, int64_t(n) * chunksPerThread) * grain;
  parallelFor(n, llmc_ceil_div(total, chunk), [&](int64_t c) {
    body(c * chunk, std::min(total, (c + 1) * chunk));
  });
}

/// How many chunks of a linear layer's panels each thread claims. A row of
/// one (decode) streams the weights once, and each chunk restarts a
/// thread's stream and its prefetch elsewhere: one contiguous range per
/// thread decoded SmolLM2 int4 7-14 % faster on Zen 4 (medians of 6-10
/// alternating rounds; TinyLlama within the bandwidth's swings). Prefill
/// reuses each panel across rows, and there four chunks balance better
/// (SmolLM2 128-token prefill 6 % faster than with one).
int weightChunksPerThread(int64_t m) { return m == 1 ? 1 : 4; }

/// Activations quantized by the calling thread's scratch buffers.
struct ActivationScratch {
  std::vector<int8_t> xq;
  std::vector<float> xScale, xGroupSum;
  std::vector<int32_t> xSum;
};

ActivationScratch &scratch() {
  thread_local ActivationScratch s;
  return s;
}

LinearQArgs quantizeActivations(const float *x, int64_t ldx, int64_t m,
                                int64_t k, int64_t group) {
  ActivationScratch &s = scratch();
  int64_t blocks = llmc_ceil_div(k, LLMC_ACT_BLOCK);
  int64_t groups = llmc_ceil_div(k, group);
  s.xq.resize(size_t(m * blocks * LLMC_ACT_BLOCK));
  s.xScale.resize(size_t(m * blocks));
  s.xSum.resize(size_t(m * blocks));
  s.xGroupSum.assign(size_t(m * groups), 0.0f);
  const KernelSet &set = kernels();
  int64_t blocksPerGroup = group / LLMC_ACT_BLOCK;
  parallelRanges(m, 1, m * k, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      set.quantizeRow(x + r * ldx, k, s.xq.data() + r * blocks * LLMC_ACT_BLOCK,
                      s.xScale.data() + r * blocks, s.xSum.data() + r * blocks);
      for (int64_t b = 0; b < blocks; ++b)
        s.xGroupSum[r * groups + b / blocksPerGroup] +=
            float(s.xSum[r * blocks + b]) * s.xScale[r * blocks + b];
    }
  });
  LinearQArgs a{};
  a.x = {s.xq.data(), s.xScale.data(), s.xSum.data(), blocks};
  a.xGroupSum = s.xGroupSum.data();
  a.m = m;
  a.k = k;
  a.group = group;
  return a;
}

/// Quantizes the activations and runs `kernel` of the selected set over the
/// output panels on the pool: the body of both quantized entry points.
void runQuantized(void (*KernelSet::*kernel)(const LinearQArgs &, int64_t,
                                             int64_t),
                  const float *x, int64_t ldx, const uint8_t *w,
                  const void *scales, const uint8_t *zeros, float *y,
                  int64_t ldy, int64_t m, int64_t n, int64_t k, int64_t group,
                  int64_t scaleBytes) {
  if (m <= 0 || n <= 0)
    return;
  const KernelSet &set = kernels();
  LinearQArgs a = quantizeActivations(x, ldx, m, k, group);
  a.w = w;
  a.scales = scales;
  a.zeros = zeros;
  a.y = y;
  a.ldy = ldy;
  a.n = n;
  a.scaleBytes = scaleBytes;
  parallelRanges(
      llmc_ceil_div(n, LLMC_Q_PANEL), 2, m * n * k,
      [&](int64_t p0, int64_t p1) { (set.*kernel)(a, p0, p1); },
      weightChunksPerThread(m));
}

} // namespace

/// Stores each token's keys and values into an int8 pool (abi.h's
/// LLMC_KV_INT8): per position and KV head, symmetric int8 with an f32
/// scale, keys transposed.
static void storeInt8(const float *k, int64_t ldk, const float *v, int64_t ldv,
                      int64_t tokens, const int64_t *positions,
                      const int32_t *sequences, const int32_t *blockTables,
                      int64_t maxBlocks, int8_t *pool, int64_t numLayers,
                      int64_t layer, int64_t blockSize, int64_t kvHeads,
                      int64_t headDim) {
  int64_t values = blockSize * kvHeads * headDim;
  int64_t halfBytes = values + blockSize * kvHeads * 4;
  auto quantize = [&](const float *x, int8_t *q, int64_t stride) {
    float max = 0;
    for (int64_t c = 0; c < headDim; ++c)
      max = std::max(max, std::fabs(x[c]));
    float scale = max / 127.0f, inverse = max > 0 ? 127.0f / max : 0.0f;
    for (int64_t c = 0; c < headDim; ++c)
      q[c * stride] = int8_t(std::nearbyint(x[c] * inverse));
    return scale;
  };
  for (int64_t t = 0; t < tokens; ++t) {
    int64_t p = positions[t], slot = p % blockSize;
    int64_t block = blockTables[sequences[t] * maxBlocks + p / blockSize];
    int8_t *keys = pool + (block * numLayers + layer) * 2 * halfBytes;
    int8_t *vals = keys + halfBytes;
    for (int64_t h = 0; h < kvHeads; ++h) {
      float scale = quantize(k + t * ldk + h * headDim,
                             keys + h * headDim * blockSize + slot, blockSize);
      std::memcpy(keys + values + (h * blockSize + slot) * 4, &scale, 4);
      scale = quantize(v + t * ldv + h * headDim,
                       vals + (slot * kvHeads + h) * headDim, 1);
      std::memcpy(vals + values + (slot * kvHeads + h) * 4, &scale, 4);
    }
  }
}

void bindUkernels(void **table) {
  table[LLMC_UKERNEL_LINEAR_F32] =
      reinterpret_cast<void *>(&llmc_rt_linear_f32);
  table[LLMC_UKERNEL_LINEAR_INT8] =
      reinterpret_cast<void *>(&llmc_rt_linear_int8);
  table[LLMC_UKERNEL_LINEAR_INT4] =
      reinterpret_cast<void *>(&llmc_rt_linear_int4);
  table[LLMC_UKERNEL_ATTENTION_F32] =
      reinterpret_cast<void *>(&llmc_rt_attention_f32);
  table[LLMC_UKERNEL_FAIL] = reinterpret_cast<void *>(&llmc_rt_fail);
  table[LLMC_UKERNEL_ALLOC] = reinterpret_cast<void *>(&llmc_rt_alloc);
  table[LLMC_UKERNEL_FREE] = reinterpret_cast<void *>(&llmc_rt_free);
  table[LLMC_UKERNEL_PAGED_ATTENTION] =
      reinterpret_cast<void *>(&llmc_rt_paged_attention);
  table[LLMC_UKERNEL_PARALLEL_ROWS] =
      reinterpret_cast<void *>(&llmc_rt_parallel_rows);
}

extern "C" {

void llmc_rt_parallel_rows(void (*task)(void *frame, int64_t begin,
                                        int64_t end),
                           void *frame, int64_t lo, int64_t hi, int64_t work) {
  if (hi <= lo)
    return;
  // LLMC_PARALLEL_ROWS=0 keeps generated code on the calling thread (to
  // measure what splitting it gains).
  static const bool split = [] {
    const char *env = std::getenv("LLMC_PARALLEL_ROWS");
    return !env || std::strcmp(env, "0") != 0;
  }();
  if (!split) {
    task(frame, lo, hi);
    return;
  }
  // An element of generated code is a few instructions: below 2^18 of
  // them (SmolLM2's 128-token prefill: 576 x 128) waking the pool cost
  // more than the second thread gave back.
  parallelRanges(
      hi - lo, 1, work / kElementsPerMultiplyAdd,
      [&](int64_t begin, int64_t end) { task(frame, lo + begin, lo + end); });
}

void llmc_rt_linear_f32(const float *x, int64_t ldx, const float *w, float *y,
                        int64_t ldy, int64_t m, int64_t n, int64_t k) {
  if (m <= 0 || n <= 0)
    return;
  const KernelSet &set = kernels();
  static std::atomic<uint64_t> calls{0};
  LinearF32Args a{x, ldx, w, y, ldy, m, n, k, ++calls};
  parallelRanges(
      llmc_ceil_div(n, LLMC_F32_PANEL), 1, m * n * k,
      [&](int64_t p0, int64_t p1) { set.linearF32(a, p0, p1); },
      weightChunksPerThread(m));
}

void llmc_rt_linear_int8(const float *x, int64_t ldx, const uint8_t *w,
                         const void *scales, float *y, int64_t ldy, int64_t m,
                         int64_t n, int64_t k, int64_t scaleBytes) {
  // int8 weights have one group: the whole row (padded to a block).
  runQuantized(&KernelSet::linearInt8, x, ldx, w, scales, nullptr, y, ldy, m, n,
               k, llmc_align_up(k, 32), scaleBytes);
}

void llmc_rt_linear_int4(const float *x, int64_t ldx, const uint8_t *w,
                         const void *scales, const uint8_t *zeros, float *y,
                         int64_t ldy, int64_t m, int64_t n, int64_t k,
                         int64_t group, int64_t scaleBytes) {
  runQuantized(&KernelSet::linearInt4, x, ldx, w, scales, zeros, y, ldy, m, n,
               k, group, scaleBytes);
}

void llmc_rt_attention_f32(const float *q, int64_t ldq, const float *k,
                           const float *v, int64_t ldkv, float *out,
                           int64_t ldo, int64_t tokens, int64_t start,
                           int64_t heads, int64_t kvHeads, int64_t headDim,
                           int64_t window, float scale) {
  if (tokens <= 0)
    return;
  const KernelSet &set = kernels();
  AttentionArgs a{q,      ldq,   k,     v,       ldkv,    out,    ldo,
                  tokens, start, heads, kvHeads, headDim, window, scale};
  // Work per task grows with the position: about start + tokens keys.
  int64_t work = tokens * heads * headDim * (start + tokens);
  parallelRanges(tokens * kvHeads, 1, work, [&](int64_t begin, int64_t end) {
    set.attention(a, begin, end);
  });
}

void llmc_rt_paged_attention(
    const float *q, int64_t ldq, const float *k, int64_t ldk, const float *v,
    int64_t ldv, float *out, int64_t ldo, int64_t tokens,
    const int64_t *positions, int64_t numPositions, const int32_t *sequences,
    int64_t numSequenceIds, const int32_t *blockTables, int64_t numSequences,
    int64_t maxBlocks, void *pool, int64_t numBlocks, int64_t numLayers,
    int64_t layer, int64_t blockSize, int64_t kvType, int64_t heads,
    int64_t kvHeads, int64_t headDim, int64_t window, float scale) {
  // Every index the call reads is checked before anything is written, on
  // the calling thread (llmc_rt_fail unwinds past this frame, which holds
  // nothing to destroy yet).
  if (numPositions != tokens || numSequenceIds != tokens)
    llmc_rt_fail("paged attention: {0} tokens but {1} positions or "
                 "sequence ids",
                 tokens,
                 numPositions != tokens ? numPositions : numSequenceIds);
  if (tokens <= 0)
    return;
  if (kvType != LLMC_KV_F32 && kvType != LLMC_KV_F16 && kvType != LLMC_KV_INT8)
    llmc_rt_fail("paged attention: unknown KV type {0}", kvType, 0);
  for (int64_t t = 0; t < tokens; ++t) {
    int64_t s = sequences[t], p = positions[t];
    if (s < 0 || s >= numSequences)
      llmc_rt_fail("token {0} belongs to sequence {1}, which has no block "
                   "table",
                   t, s);
    if (p < 0 || p / blockSize >= maxBlocks)
      llmc_rt_fail("token {0} is at position {1}, outside its block table", t,
                   p);
    // Attention reads every block up to the token's own.
    for (int64_t i = 0; i <= p / blockSize; ++i) {
      int64_t block = blockTables[s * maxBlocks + i];
      if (block < 0 || block >= numBlocks)
        llmc_rt_fail("block table entry {0} names block {1}, outside the "
                     "KV pool",
                     s * maxBlocks + i, block);
    }
  }

  // The new keys and values, into their slots: values as rows [slot][kv
  // head][head_dim], keys transposed per KV head ([kv head][head_dim][slot])
  // so that scores take one vector per component for 16 positions.
  int64_t rowFloats = kvHeads * headDim;
  if (kvType == LLMC_KV_INT8) {
    storeInt8(k, ldk, v, ldv, tokens, positions, sequences, blockTables,
              maxBlocks, static_cast<int8_t *>(pool), numLayers, layer,
              blockSize, kvHeads, headDim);
  } else {
    int64_t half = blockSize * rowFloats;
    auto store = [&](int64_t at, float value) {
      if (kvType == LLMC_KV_F32)
        static_cast<float *>(pool)[at] = value;
      else
        static_cast<_Float16 *>(pool)[at] = _Float16(value);
    };
    for (int64_t t = 0; t < tokens; ++t) {
      int64_t p = positions[t], slot = p % blockSize;
      int64_t block = blockTables[sequences[t] * maxBlocks + p / blockSize];
      int64_t keys = (block * numLayers + layer) * 2 * half;
      int64_t values = keys + half + slot * rowFloats;
      for (int64_t h = 0; h < kvHeads; ++h)
        for (int64_t c = 0; c < headDim; ++c)
          store(keys + (h * headDim + c) * blockSize + slot,
                k[t * ldk + h * headDim + c]);
      for (int64_t c = 0; c < rowFloats; ++c)
        store(values + c, v[t * ldv + c]);
    }
  }

  const KernelSet &set = kernels();
  // One task per token and KV head, or per slice of a long context (then
  // combined below), so that one long sequence keeps every core busy; a
  // prefill's consecutive tokens share a task up to kAttentionTile.
  thread_local std::vector<PagedAttentionTask> tasks;
  thread_local std::vector<float> partials;
  tasks.clear();
  int64_t numPartials = 0, work = 0;
  auto firstVisible = [&](int64_t p) {
    return window > 0 ? std::max<int64_t>(0, p - window + 1) : 0;
  };
  for (int64_t t = 0; t < tokens;) {
    int64_t p = positions[t], first = firstVisible(p);
    int64_t slices = llmc_ceil_div(p + 1 - first, kAttentionSlice);
    if (slices > 1) {
      for (int64_t kv = 0; kv < kvHeads; ++kv)
        for (int64_t i = 0; i < slices; ++i)
          tasks.push_back({t, kv, first + i * kAttentionSlice,
                           std::min(p, first + (i + 1) * kAttentionSlice - 1),
                           numPartials++, 1});
      work += heads * headDim * (p + 1 - first);
      ++t;
      continue;
    }
    int64_t n = 1;
    while (n < kAttentionTile && t + n < tokens &&
           sequences[t + n] == sequences[t] && positions[t + n] == p + n &&
           firstVisible(p + n) == first && p + n + 1 - first <= kAttentionSlice)
      ++n;
    for (int64_t kv = 0; kv < kvHeads; ++kv)
      tasks.push_back({t, kv, first, p, -1, n});
    for (int64_t i = 0; i < n; ++i)
      work += heads * headDim * (p + i + 1 - first);
    t += n;
  }
  int64_t group = heads / kvHeads;
  partials.resize(size_t(numPartials * group * (headDim + 2)));
  PagedAttentionArgs a{q,         ldq,       out,          ldo,
                       positions, sequences, blockTables,  maxBlocks,
                       pool,      numLayers, layer,        blockSize,
                       kvType,    heads,     kvHeads,      headDim,
                       window,    scale,     tasks.data(), partials.data()};
  // Chunks are claimed from the end of the list: a prefill's later tokens
  // attend over more positions, and taking the heaviest first leaves the
  // lightest for last, when one thread may be waiting on the other (LPT
  // order; each task computes the same either way).
  int64_t numTasks = int64_t(tasks.size());
  parallelRanges(numTasks, 1, work, [&](int64_t begin, int64_t end) {
    set.pagedAttention(a, numTasks - end, numTasks - begin);
  });
  if (numPartials == 0)
    return;
  // Slices combine in order: each rescaled to the largest maximum, then
  // the weighted values over the sum of exponentials.
  for (size_t begin = 0; begin < tasks.size();) {
    const PagedAttentionTask &task = tasks[begin];
    size_t end = begin + 1;
    while (end < tasks.size() && tasks[end].partial >= 0 &&
           tasks[end].token == task.token && tasks[end].kv == task.kv)
      ++end;
    if (task.partial >= 0) {
      for (int64_t h = 0; h < group; ++h) {
        auto slice = [&](size_t i) {
          return partials.data() +
                 (tasks[i].partial * group + h) * (headDim + 2);
        };
        float max = -std::numeric_limits<float>::infinity();
        for (size_t i = begin; i < end; ++i)
          max = std::max(max, slice(i)[0]);
        float *o = out + task.token * ldo + (task.kv * group + h) * headDim;
        std::fill(o, o + headDim, 0.0f);
        float sum = 0;
        for (size_t i = begin; i < end; ++i) {
          const float *part = slice(i);
          float weight = std::exp(part[0] - max);
          sum += part[1] * weight;
          for (int64_t c = 0; c < headDim; ++c)
            o[c] += part[2 + c] * weight;
        }
        float inverse = 1.0f / sum;
        for (int64_t c = 0; c < headDim; ++c)
          o[c] *= inverse;
      }
    }
    begin = end;
  }
}

} // extern "C"

} // namespace llmc::rt
