//===- KernelsTest.cpp - Linear kernels against references ----------------===//
//
// Every kernel set the CPU can run, on shapes that are not multiples of the
// vector width, the panel, the activation block or the weight group:
//   - f32 against a double-precision product;
//   - quantized kernels against the dequantized weights in double, within
//     the bound that activation rounding allows (half a block scale per x);
//   - vector kernels against the scalar ones, and 2 threads against 1.
// Also quantize -> dequantize error bounds and refusals of bad weights.
//
//===----------------------------------------------------------------------===//

#include "kernels/Kernels.h"
#include "compiler/quant/WeightPacking.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

using namespace llmc;
using namespace llmc::rt;

namespace {

struct Shape {
  int64_t m, n, k;
};

const Shape kShapes[] = {{1, 1, 1},     {1, 17, 33},   {3, 50, 100},
                         {5, 33, 64},   {13, 64, 200}, {1, 31, 129},
                         {2, 16, 32},   {12, 40, 300}, {25, 70, 130},
                         {1, 200, 520}, {7, 96, 257}};

std::vector<const KernelSet *> availableKernels() {
  std::vector<const KernelSet *> sets{&scalarKernels()};
  if (hostIsa() >= LLMC_ISA_AVX2)
    sets.push_back(&avx2Kernels());
  if (hostIsa() >= LLMC_ISA_AVX512)
    sets.push_back(&avx512Kernels());
  return sets;
}

std::vector<float> randomVector(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

struct Packed {
  PackedFormat format;
  std::vector<uint8_t> bytes;
  llmc_packed_offsets offsets;
};

Packed pack(const std::vector<float> &w, int64_t n, int64_t k,
            PackedFormat format) {
  Packed p{format, {}, format.layout(n, k)};
  p.bytes.assign(size_t(p.offsets.total), 0xEE);
  std::string error = packWeight(w.data(), n, k, format, p.bytes.data());
  EXPECT_EQ(error, "");
  return p;
}

/// Calls the kernel for `p` with activations x (row stride ldx) into y.
void runKernel(const Packed &p, const float *x, int64_t ldx, float *y,
               int64_t ldy, const Shape &s) {
  const uint8_t *data = p.bytes.data();
  switch (p.format.format) {
  case LLMC_WEIGHT_F32_PANELS:
    llmc_rt_linear_f32(x, ldx, reinterpret_cast<const float *>(data), y, ldy,
                       s.m, s.n, s.k);
    break;
  case LLMC_WEIGHT_INT8:
    llmc_rt_linear_int8(x, ldx, data, data + p.offsets.scales, y, ldy, s.m, s.n,
                        s.k, p.format.scaleBytes);
    break;
  case LLMC_WEIGHT_INT4:
    llmc_rt_linear_int4(x, ldx, data, data + p.offsets.scales,
                        p.format.zeroPoints ? data + p.offsets.zeros : nullptr,
                        y, ldy, s.m, s.n, s.k, p.format.group,
                        p.format.scaleBytes);
    break;
  }
}

std::vector<PackedFormat> formats() {
  std::vector<PackedFormat> all;
  all.push_back({LLMC_WEIGHT_F32_PANELS, 0, 4, false});
  all.push_back({LLMC_WEIGHT_INT8, 0, 2, false});
  all.push_back({LLMC_WEIGHT_INT8, 0, 4, false});
  for (int64_t group : {32, 64, 128}) {
    all.push_back({LLMC_WEIGHT_INT4, group, 2, false});
    all.push_back({LLMC_WEIGHT_INT4, group, 4, true});
  }
  return all;
}

std::string describe(const PackedFormat &f, const Shape &s,
                     const KernelSet &set) {
  std::string name = f.format == LLMC_WEIGHT_F32_PANELS ? "f32"
                     : f.format == LLMC_WEIGHT_INT8     ? "int8"
                                                        : "int4";
  if (f.format == LLMC_WEIGHT_INT4)
    name += "/g" + std::to_string(f.group) + (f.zeroPoints ? "/zp" : "");
  name += f.scaleBytes == 2 ? "/f16" : "/f32";
  return name + " m=" + std::to_string(s.m) + " n=" + std::to_string(s.n) +
         " k=" + std::to_string(s.k) + " on " + set.name;
}

/// The largest activation block scale of row `m` covering column `col`.
float blockScale(const float *x, int64_t k, int64_t col) {
  int64_t begin = col / LLMC_ACT_BLOCK * LLMC_ACT_BLOCK;
  float max = 0;
  for (int64_t i = begin; i < std::min(k, begin + LLMC_ACT_BLOCK); ++i)
    max = std::max(max, std::fabs(x[i]));
  return max / 127.0f;
}

TEST(Kernels, MatchReferencesOnAwkwardShapes) {
  for (const KernelSet *set : availableKernels()) {
    for (const PackedFormat &format : formats()) {
      for (const Shape &s : kShapes) {
        SCOPED_TRACE(describe(format, s, *set));
        std::vector<float> w = randomVector(size_t(s.n * s.k), 1, 0.1f);
        Packed p = pack(w, s.n, s.k, format);
        // Strided rows, with sentinels past n that must survive.
        int64_t ldx = s.k + 3, ldy = s.n + 5;
        std::vector<float> x = randomVector(size_t(s.m * ldx), 2);
        std::vector<float> y0 = randomVector(size_t(s.m * ldy), 3);
        std::vector<float> y = y0;
        ScopedKernelContext context(set, 1);
        runKernel(p, x.data(), ldx, y.data(), ldy, s);

        for (int64_t m = 0; m < s.m; ++m) {
          const float *xr = x.data() + m * ldx;
          for (int64_t n = 0; n < ldy; ++n) {
            float got = y[m * ldy + n];
            if (n >= s.n) {
              ASSERT_EQ(got, y0[m * ldy + n]) << "wrote past n at " << n;
              continue;
            }
            double exact = 0, magnitude = 0, rounding = 0;
            for (int64_t k = 0; k < s.k; ++k) {
              double wk = unpackWeight(p.bytes.data(), s.n, s.k, format, n, k);
              exact += wk * xr[k];
              magnitude += std::fabs(wk * xr[k]);
              if (format.format != LLMC_WEIGHT_F32_PANELS)
                rounding += std::fabs(wk) * blockScale(xr, s.k, k) / 2;
            }
            double bound = rounding * 1.0001 + 2e-6 * magnitude + 1e-6;
            ASSERT_NEAR(got - y0[m * ldy + n], exact, bound)
                << "at m=" << m << " n=" << n;
          }
        }
      }
    }
  }
}

TEST(Kernels, VectorKernelsAgreeWithScalarAndThreads) {
  for (const KernelSet *set : availableKernels()) {
    for (const PackedFormat &format : formats()) {
      for (const Shape &s : kShapes) {
        SCOPED_TRACE(describe(format, s, *set));
        std::vector<float> w = randomVector(size_t(s.n * s.k), 4, 0.1f);
        Packed p = pack(w, s.n, s.k, format);
        std::vector<float> x = randomVector(size_t(s.m * s.k), 5);
        std::vector<float> reference(size_t(s.m * s.n), 0.0f);
        {
          ScopedKernelContext context(&scalarKernels(), 1);
          runKernel(p, x.data(), s.k, reference.data(), s.n, s);
        }
        std::vector<float> one(reference.size(), 0.0f), two = one;
        {
          ScopedKernelContext context(set, 1);
          runKernel(p, x.data(), s.k, one.data(), s.n, s);
        }
        {
          ScopedKernelContext context(set, 2);
          runKernel(p, x.data(), s.k, two.data(), s.n, s);
        }
        for (size_t i = 0; i < one.size(); ++i) {
          // Same arithmetic per output whatever the split.
          ASSERT_EQ(one[i], two[i]) << "at " << i;
          ASSERT_NEAR(one[i], reference[i],
                      1e-5f * (1 + std::fabs(reference[i])))
              << "at " << i;
        }
      }
    }
  }
}

// Every set's activation quantizer gives the scalar one's bytes, scales
// and sums: the sets' int8/int4 kernels then see the same integers. Lengths
// that end inside a block and inside an 8- or 16-float vector; values whose
// products with 127 / max fall exactly halfway between integers (rounded to
// even), zero blocks, and a block whose largest magnitude is negative.
TEST(Kernels, ActivationQuantizersAgreeBitForBit) {
  for (const KernelSet *set : availableKernels()) {
    for (int64_t k : {1, 5, 8, 15, 31, 32, 33, 47, 64, 100, 576, 1537}) {
      SCOPED_TRACE(std::string(set->name) + " k=" + std::to_string(k));
      std::vector<float> x = randomVector(size_t(k), uint32_t(k), 3.0f);
      if (k >= 32) {
        // Block 0: max 127, so x * 127 / max = x: halves round to even.
        for (int64_t i = 0; i < 32; ++i)
          x[size_t(i)] = float(i % 8) - 3.5f;
        x[5] = -127.0f;
      }
      if (k >= 64)
        std::fill(x.begin() + 32, x.begin() + 64, 0.0f);
      int64_t blocks = llmc_ceil_div(k, LLMC_ACT_BLOCK);
      auto run = [&](const KernelSet &s, std::vector<int8_t> &q,
                     std::vector<float> &scale, std::vector<int32_t> &sum) {
        q.assign(size_t(blocks * LLMC_ACT_BLOCK), 99);
        scale.assign(size_t(blocks), -1.0f);
        sum.assign(size_t(blocks), -1);
        s.quantizeRow(x.data(), k, q.data(), scale.data(), sum.data());
      };
      std::vector<int8_t> q0, q1;
      std::vector<float> scale0, scale1;
      std::vector<int32_t> sum0, sum1;
      run(scalarKernels(), q0, scale0, sum0);
      run(*set, q1, scale1, sum1);
      EXPECT_EQ(q0, q1);
      EXPECT_EQ(scale0, scale1);
      EXPECT_EQ(sum0, sum1);
      if (k >= 32) {
        // -4 + ... : -3.5 -> -4, -2.5 -> -2, -1.5 -> -2, -0.5 -> 0, 0.5 -> 0,
        // 1.5 -> 2, 2.5 -> 2, 3.5 -> 4.
        EXPECT_EQ(q0[0], -4);
        EXPECT_EQ(q0[1], -2);
        EXPECT_EQ(q0[3], 0);
        EXPECT_EQ(q0[7], 4);
        EXPECT_EQ(q0[5], -127);
        EXPECT_EQ(scale0[0], 1.0f);
      }
      if (k >= 64) {
        EXPECT_EQ(scale0[1], 0.0f);
        EXPECT_EQ(sum0[1], 0);
      }
    }
  }
}

// Batch invariance: a row's outputs are the same bits whether the call
// has that row alone (one-token decode), a few rows (a prefill chunk or a
// verification step) or many, starting anywhere, with one thread or two.
// Nonzero initial outputs (a bias) take part in the sum as in any call.
TEST(Kernels, RowsDoNotDependOnTheirBatch) {
  for (const KernelSet *set : availableKernels()) {
    for (const PackedFormat &format : formats()) {
      for (const Shape &s : kShapes) {
        if (s.m < 2)
          continue;
        SCOPED_TRACE(describe(format, s, *set));
        std::vector<float> w = randomVector(size_t(s.n * s.k), 6, 0.1f);
        Packed p = pack(w, s.n, s.k, format);
        std::vector<float> x = randomVector(size_t(s.m * s.k), 7);
        std::vector<float> y0 = randomVector(size_t(s.m * s.n), 8);
        std::vector<float> whole = y0;
        {
          ScopedKernelContext context(set, 1);
          runKernel(p, x.data(), s.k, whole.data(), s.n, s);
        }
        for (int threads : {1, 2}) {
          ScopedKernelContext context(set, threads);
          // Rows one at a time, then in chunks of 2, 3 and 5.
          for (int64_t chunk : {1, 2, 3, 5}) {
            std::vector<float> split = y0;
            for (int64_t m = 0; m < s.m; m += chunk) {
              Shape part{std::min(chunk, s.m - m), s.n, s.k};
              runKernel(p, x.data() + m * s.k, s.k, split.data() + m * s.n, s.n,
                        part);
            }
            for (size_t i = 0; i < whole.size(); ++i)
              ASSERT_EQ(split[i], whole[i])
                  << "row " << i / s.n << ", output " << i % s.n << " in "
                  << chunk << "-row calls on " << threads << " threads";
          }
        }
      }
    }
  }
}

TEST(WeightPacking, QuantizationErrorIsBounded) {
  const int64_t n = 37, k = 150;
  std::vector<float> w = randomVector(size_t(n * k), 6, 0.05f);
  w[5] = 0.9f; // an outlier in row 0
  for (const PackedFormat &format : formats()) {
    SCOPED_TRACE(describe(format, {1, n, k}, scalarKernels()));
    Packed p = pack(w, n, k, format);
    for (int64_t row = 0; row < n; ++row) {
      int64_t group = format.format == LLMC_WEIGHT_INT4 ? format.group : k;
      for (int64_t g0 = 0; g0 < k; g0 += group) {
        float max = 0, lo = 0, hi = 0;
        for (int64_t c = g0; c < std::min(k, g0 + group); ++c) {
          float v = w[row * k + c];
          max = std::max(max, std::fabs(v));
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        double bound = 0;
        if (format.format == LLMC_WEIGHT_INT8)
          // Half a step of max / 127, or a whole step of max / 128 when
          // the scale search maps the largest weight to -128 and clamps the
          // other sign's largest at 127.
          bound = max / 127;
        else if (format.format == LLMC_WEIGHT_INT4)
          // The scale search may clamp the largest weight of one sign (by
          // at most 1.5 steps of max / 8.5) when that lowers the group's
          // squared error (see SymmetricInt4BeatsPlainRounding).
          // Asymmetric groups may clip up to 20% of their range.
          bound = format.zeroPoints ? 0.25 * (hi - lo) : 1.5 * max / 8.5;
        // f16 scales are within 2^-11 relative of the float ones.
        bound = bound * (1 + 1e-3) + 1e-7;
        for (int64_t c = g0; c < std::min(k, g0 + group); ++c)
          ASSERT_NEAR(unpackWeight(p.bytes.data(), n, k, format, row, c),
                      w[row * k + c], bound)
              << "at [" << row << ", " << c << "]";
      }
    }
  }
}

// The int4 scale search never does worse than plain max|w| / 7 rounding.
TEST(WeightPacking, SymmetricInt4BeatsPlainRounding) {
  const int64_t n = 64, k = 256;
  std::vector<float> w = randomVector(size_t(n * k), 7, 0.05f);
  PackedFormat format{LLMC_WEIGHT_INT4, 32, 4, false};
  Packed p = pack(w, n, k, format);
  double searched = 0, plain = 0;
  for (int64_t row = 0; row < n; ++row)
    for (int64_t g0 = 0; g0 < k; g0 += 32) {
      float max = 0;
      for (int64_t c = g0; c < g0 + 32; ++c)
        max = std::max(max, std::fabs(w[row * k + c]));
      for (int64_t c = g0; c < g0 + 32; ++c) {
        float v = w[row * k + c];
        float q = std::clamp(std::nearbyint(v / (max / 7)), -7.0f, 7.0f);
        plain += std::pow(v - q * max / 7, 2);
        searched +=
            std::pow(v - unpackWeight(p.bytes.data(), n, k, format, row, c), 2);
      }
    }
  EXPECT_LT(searched, plain * 0.95);
}

// The int8 scale search never does worse than plain max|w| / 127 rounding
// (both with f32 scales, so only the choice of scale differs).
TEST(WeightPacking, SymmetricInt8NoWorseThanPlainRounding) {
  const int64_t n = 64, k = 96;
  std::vector<float> w = randomVector(size_t(n * k), 8, 0.05f);
  PackedFormat format{LLMC_WEIGHT_INT8, 0, 4, false};
  Packed p = pack(w, n, k, format);
  double searched = 0, plain = 0;
  for (int64_t row = 0; row < n; ++row) {
    float max = 0;
    for (int64_t c = 0; c < k; ++c)
      max = std::max(max, std::fabs(w[row * k + c]));
    for (int64_t c = 0; c < k; ++c) {
      float v = w[row * k + c];
      float q = std::nearbyint(v / (max / 127));
      plain += std::pow(v - q * max / 127, 2);
      searched +=
          std::pow(v - unpackWeight(p.bytes.data(), n, k, format, row, c), 2);
    }
  }
  EXPECT_LT(searched, plain);
}

TEST(WeightPacking, RefusesNonFiniteWeightsAndBadGroups) {
  std::vector<float> w(64, 0.5f);
  std::vector<uint8_t> out(1 << 16);
  w[37] = std::nanf("");
  EXPECT_EQ(
      packWeight(w.data(), 2, 32, {LLMC_WEIGHT_INT8, 0, 2, false}, out.data()),
      "element [1, 5] is NaN: quantization needs finite weights");
  w[37] = INFINITY;
  EXPECT_EQ(
      packWeight(w.data(), 2, 32, {LLMC_WEIGHT_INT4, 32, 2, false}, out.data()),
      "element [1, 5] is infinite: quantization needs finite weights");
  EXPECT_EQ(packWeight(w.data(), 2, 32, {LLMC_WEIGHT_F32_PANELS, 0, 4, false},
                       out.data()),
            "element [1, 5] is infinite: a model's weights must be finite");
  w[37] = 0.5f;
  EXPECT_EQ(
      packWeight(w.data(), 2, 32, {LLMC_WEIGHT_INT4, 48, 2, false}, out.data()),
      "int4 group size 48 is not a multiple of 32");
  w[0] = 1e9f;
  EXPECT_NE(
      packWeight(w.data(), 2, 32, {LLMC_WEIGHT_INT8, 0, 2, false}, out.data())
          .find("does not fit in f16"),
      std::string::npos);
}

TEST(WeightPacking, HalfConversionRoundsToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // rounds up to infinity
  EXPECT_EQ(floatToHalf(5.9604645e-8f), 0x0001);
  EXPECT_EQ(floatToHalf(1.0f + 1.0f / 2048), 0x3c00); // tie to even
  EXPECT_EQ(floatToHalf(1.0f + 3.0f / 2048), 0x3c02);
  for (uint32_t h = 0; h < 0x7c00; ++h)
    ASSERT_EQ(floatToHalf(halfToFloat(uint16_t(h))), h);
}

} // namespace

namespace {

// Attention over a cache layer against a softmax computed in double, for
// every kernel set: GQA groups of 1, 2 and 4, head dims that are not
// multiples of 16, queries that start mid-cache, and sliding windows.
TEST(Kernels, AttentionMatchesSoftmaxReference) {
  struct Case {
    int64_t tokens, start, heads, kvHeads, headDim, window;
  };
  const Case cases[] = {{1, 0, 4, 4, 8, 0},    {5, 0, 8, 4, 8, 0},
                        {3, 17, 8, 2, 20, 0},  {7, 40, 4, 1, 64, 0},
                        {9, 30, 6, 3, 33, 16}, {1, 100, 8, 2, 64, 7}};
  for (const KernelSet *set : availableKernels())
    for (const Case &c : cases)
      for (int threads : {1, 2}) {
        SCOPED_TRACE(
            std::string(set->name) + " tokens=" + std::to_string(c.tokens) +
            " start=" + std::to_string(c.start) +
            " heads=" + std::to_string(c.heads) + "/" +
            std::to_string(c.kvHeads) + " d=" + std::to_string(c.headDim) +
            " window=" + std::to_string(c.window) +
            " threads=" + std::to_string(threads));
        int64_t capacity = c.start + c.tokens + 3;
        int64_t ldq = c.heads * c.headDim + 5, ldkv = c.kvHeads * c.headDim;
        std::vector<float> q = randomVector(size_t(c.tokens * ldq), 8);
        std::vector<float> k = randomVector(size_t(capacity * ldkv), 9);
        std::vector<float> v = randomVector(size_t(capacity * ldkv), 10);
        std::vector<float> out(size_t(c.tokens * ldq), -7.0f);
        float scale = 1.0f / std::sqrt(float(c.headDim));
        ScopedKernelContext context(set, threads);
        llmc_rt_attention_f32(q.data(), ldq, k.data(), v.data(), ldkv,
                              out.data(), ldq, c.tokens, c.start, c.heads,
                              c.kvHeads, c.headDim, c.window, scale);
        int64_t group = c.heads / c.kvHeads;
        for (int64_t i = 0; i < c.tokens; ++i)
          for (int64_t h = 0; h < c.heads; ++h) {
            int64_t position = c.start + i, kv = h / group;
            int64_t first =
                c.window ? std::max<int64_t>(0, position - c.window + 1) : 0;
            std::vector<double> p;
            double max = -1e300, sum = 0;
            for (int64_t j = first; j <= position; ++j) {
              double s = 0;
              for (int64_t d = 0; d < c.headDim; ++d)
                s += double(q[i * ldq + h * c.headDim + d]) *
                     k[j * ldkv + kv * c.headDim + d];
              p.push_back(s * scale);
              max = std::max(max, p.back());
            }
            for (double &x : p)
              sum += x = std::exp(x - max);
            for (int64_t d = 0; d < c.headDim; ++d) {
              double expected = 0;
              for (size_t j = 0; j < p.size(); ++j)
                expected += p[j] / sum *
                            v[(first + int64_t(j)) * ldkv + kv * c.headDim + d];
              ASSERT_NEAR(out[i * ldq + h * c.headDim + d], expected, 2e-5)
                  << "token " << i << " head " << h << " d " << d;
            }
          }
        // The row padding past heads * head_dim is untouched.
        for (int64_t i = 0; i < c.tokens; ++i)
          for (int64_t e = c.heads * c.headDim; e < ldq; ++e)
            ASSERT_EQ(out[i * ldq + e], -7.0f);
      }
}

} // namespace

namespace {

/// What llmc_rt_parallel_rows's task saw: how often each row ran, and on
/// how many distinct threads.
struct RowLog {
  std::vector<std::atomic<int>> runs;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  explicit RowLog(size_t rows) : runs(rows) {}
};

void logRows(void *frame, int64_t begin, int64_t end) {
  auto *log = static_cast<RowLog *>(frame);
  for (int64_t row = begin; row < end; ++row)
    log->runs[size_t(row)].fetch_add(1);
  std::lock_guard<std::mutex> lock(log->mutex);
  log->threads.insert(std::this_thread::get_id());
}

} // namespace

TEST(Kernels, ParallelRowsRunEachRowOnce) {
  for (int threads : {1, 2, 3}) {
    ScopedKernelContext context(&hostKernels(), threads);
    // [5, 1000) of 1000 rows, with work enough to split.
    RowLog log(1000);
    llmc_rt_parallel_rows(&logRows, &log, 5, 1000, int64_t(1) << 24);
    for (size_t row = 0; row < 1000; ++row)
      ASSERT_EQ(log.runs[row].load(), row < 5 ? 0 : 1)
          << "row " << row << ", " << threads << " threads";
    EXPECT_LE(log.threads.size(), size_t(threads));
  }
}

TEST(Kernels, SmallParallelRowsStayOnTheCaller) {
  ScopedKernelContext context(&hostKernels(), 4);
  RowLog log(64);
  llmc_rt_parallel_rows(&logRows, &log, 0, 64, 64 * 16);
  EXPECT_EQ(log.threads, std::set<std::thread::id>{std::this_thread::get_id()});
  for (auto &runs : log.runs)
    EXPECT_EQ(runs.load(), 1);
  // An empty range runs nothing.
  RowLog none(1);
  llmc_rt_parallel_rows(&logRows, &none, 3, 3, int64_t(1) << 30);
  EXPECT_TRUE(none.threads.empty());
}
