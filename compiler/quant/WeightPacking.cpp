//===- WeightPacking.cpp - Quantize and pack linear weights ---------------===//
//
// int8: symmetric per output row, s near max|w| / 127 (least squared error).
// int4: per group of k, symmetric s = max|w| / 7 around the zero point 8,
//       or asymmetric over [min(w, 0), max(w, 0)] with a stored zero point.
// Codes are computed with the scale as stored (rounded to f16 when asked),
// so the rounding of the scale does not add a bias to every weight.
//
//===----------------------------------------------------------------------===//

#include "compiler/quant/WeightPacking.h"

#include "AvailableCpus.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <thread>
#include <vector>

namespace llmc {

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t exp = (x >> 23) & 0xff;
  uint32_t mant = x & 0x7fffff;
  if (exp == 0xff) // inf or nan
    return uint16_t(sign | 0x7c00 | (mant ? 0x200 : 0));
  int32_t e = int32_t(exp) - 127 + 15;
  if (e >= 31)
    return uint16_t(sign | 0x7c00);
  if (e <= 0) { // subnormal or zero
    if (e < -10)
      return uint16_t(sign);
    mant |= 0x800000;
    uint32_t shift = uint32_t(14 - e);
    uint32_t half = mant >> shift;
    uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1)))
      ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = uint32_t(e) << 10 | mant >> 13;
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is still right
  return uint16_t(sign | half);
}

float halfToFloat(uint16_t h) { return llmc_half_to_float(h); }

namespace {

/// Stores `scale` as the format asks and returns the value stored.
float storeScale(uint8_t *scales, int64_t index, float scale,
                 int64_t scaleBytes, std::string &error) {
  if (scaleBytes == 4) {
    std::memcpy(scales + index * 4, &scale, 4);
    return scale;
  }
  uint16_t h = floatToHalf(scale);
  if ((h & 0x7c00) == 0x7c00 && error.empty())
    error = "a quantization scale of " + std::to_string(scale) +
            " does not fit in f16 (use --scale-type=f32)";
  if (h == 0 && scale > 0)
    h = 1; // the smallest subnormal: tiny weights stay nonzero
  std::memcpy(scales + index * 2, &h, 2);
  return halfToFloat(h);
}

float readScale(const uint8_t *scales, int64_t index, int64_t scaleBytes) {
  if (scaleBytes == 4) {
    float f;
    std::memcpy(&f, scales + index * 4, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, scales + index * 2, 2);
  return halfToFloat(h);
}

int32_t quantize(float w, float scale, int32_t lo, int32_t hi) {
  if (scale == 0)
    return 0;
  return std::clamp(int32_t(std::nearbyint(w / scale)), lo, hi);
}

std::atomic<bool> vectorUnitsAllowed{true};

bool hostHasAVX() {
  static const bool avx = __builtin_cpu_supports("avx");
  return avx && vectorUnitsAllowed.load(std::memory_order_relaxed);
}

/// quantize() of w[0, count), eight at a time (the same division, rounding
/// and clamp: the same codes).
__attribute__((target("avx"))) void quantizeAVX(const float *w, int64_t count,
                                                float scale, int32_t lo,
                                                int32_t hi, int32_t *codes) {
  __m256 s = _mm256_set1_ps(scale);
  __m256 vlo = _mm256_set1_ps(float(lo)), vhi = _mm256_set1_ps(float(hi));
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 q = _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(w + i), s),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    q = _mm256_min_ps(_mm256_max_ps(q, vlo), vhi);
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(codes + i),
                        _mm256_cvttps_epi32(q));
  }
  for (; i < count; ++i)
    codes[i] = quantize(w[i], scale, lo, hi);
}

/// Codes of w[0, count) with `scale`, each clamped to [lo, hi].
void quantizeAll(const float *w, int64_t count, float scale, int32_t lo,
                 int32_t hi, int32_t *codes) {
  if (scale != 0 && hostHasAVX())
    return quantizeAVX(w, count, scale, lo, hi, codes);
  for (int64_t i = 0; i < count; ++i)
    codes[i] = quantize(w[i], scale, lo, hi);
}

/// The first NaN or infinity of rows [begin, end) of W[n][k], named.
std::string firstNonFinite(const float *w, int64_t begin, int64_t end,
                           int64_t k, const PackedFormat &format) {
  for (int64_t i = begin * k; i < end * k; ++i)
    if (!std::isfinite(w[i]))
      return "element [" + std::to_string(i / k) + ", " +
             std::to_string(i % k) + "] is " +
             (std::isnan(w[i]) ? "NaN" : "infinite") +
             (format.format == LLMC_WEIGHT_F32_PANELS
                  ? ": a model's weights must be finite"
                  : ": quantization needs finite weights");
  return "";
}

/// Calls body(begin, end, error) for chunks of rows [0, n) of W on the
/// CPUs this process may use (rows are packed independently, into bytes of
/// their own), each chunk once its rows are known to be finite, then tells
/// `rowsPacked`. Sets `error` as one pass in row order would: the first
/// non-finite weight if there is one, else the first chunk's first error.
/// (Checking chunk by chunk reads each row once, so that a caller packing
/// from a file mapping has only the chunks in flight resident.)
template <typename Body>
void parallelRows(const float *w, int64_t n, int64_t k,
                  const PackedFormat &format, const RowsPacked &rowsPacked,
                  std::string &error, Body body) {
  constexpr int64_t kRows = 16;
  int64_t chunks = llmc_ceil_div(n, kRows);
  int64_t threads =
      std::min<int64_t>({int64_t(rt::availableCpus()), chunks, int64_t(16)});
  if (n * k < (1 << 18))
    threads = 1;
  std::vector<std::string> nonFinite(static_cast<size_t>(chunks));
  std::vector<std::string> errors(static_cast<size_t>(chunks));
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t c = next++; c < chunks; c = next++) {
      int64_t begin = c * kRows, end = std::min(n, (c + 1) * kRows);
      nonFinite[size_t(c)] = firstNonFinite(w, begin, end, k, format);
      if (nonFinite[size_t(c)].empty())
        body(begin, end, errors[size_t(c)]);
      if (rowsPacked)
        rowsPacked(begin, end);
    }
  };
  std::vector<std::thread> helpers;
  for (int64_t t = 1; t < threads; ++t)
    helpers.emplace_back(work);
  work();
  for (std::thread &helper : helpers)
    helper.join();
  for (std::vector<std::string> *list : {&nonFinite, &errors})
    for (std::string &e : *list)
      if (!e.empty()) {
        error = std::move(e);
        return;
      }
}

void packF32(const float *w, int64_t n, int64_t k, const PackedFormat &f,
             uint8_t *out, const RowsPacked &rowsPacked, std::string &error) {
  auto *panels = reinterpret_cast<float *>(out);
  int64_t count = llmc_ceil_div(n, LLMC_F32_PANEL);
  std::memset(out, 0, size_t(count * k * LLMC_F32_PANEL * 4));
  parallelRows(w, n, k, f, rowsPacked, error,
               [&](int64_t begin, int64_t end, std::string &) {
                 for (int64_t row = begin; row < end; ++row)
                   for (int64_t col = 0; col < k; ++col)
                     panels[llmc_f32_panel_index(k, row, col)] =
                         w[row * k + col];
               });
}

/// Squared errors of `count` weights quantized with each of `candidates`
/// scales (codes clamped to [lo, hi]), summed over the weights in order.
void squaredErrorsScalar(const float *w, int64_t count, const float *stored,
                         int candidates, float lo, float hi, float *errors) {
  for (int j = 0; j < candidates; ++j) {
    float error = 0;
    for (int64_t i = 0; i < count; ++i) {
      float q = std::clamp(std::nearbyint(w[i] / stored[j]), lo, hi);
      error += (w[i] - q * stored[j]) * (w[i] - q * stored[j]);
    }
    errors[j] = error;
  }
}

/// The same sums, eight candidates per vector: each lane still divides,
/// rounds to nearest even, clamps, and adds in the order of the scalar
/// loop, without fused multiply-adds, so every error has the same bits and
/// the same scale wins. (Vectorizing over the weights instead would change
/// the order of the sums.)
__attribute__((target("avx"))) void
squaredErrorsAVX(const float *w, int64_t count, const float *stored,
                 int candidates, float lo, float hi, float *errors) {
  constexpr int kLanes = 8;
  for (int j0 = 0; j0 < candidates; j0 += kLanes) {
    alignas(32) float scales[kLanes], sums[kLanes];
    for (int l = 0; l < kLanes; ++l)
      scales[l] = j0 + l < candidates ? stored[j0 + l] : 1.0f;
    __m256 s = _mm256_load_ps(scales), error = _mm256_setzero_ps();
    __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    for (int64_t i = 0; i < count; ++i) {
      __m256 x = _mm256_set1_ps(w[i]);
      __m256 q = _mm256_round_ps(_mm256_div_ps(x, s),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      q = _mm256_min_ps(_mm256_max_ps(q, vlo), vhi);
      __m256 d = _mm256_sub_ps(x, _mm256_mul_ps(q, s));
      error = _mm256_add_ps(error, _mm256_mul_ps(d, d));
    }
    _mm256_store_ps(sums, error);
    for (int l = 0; l < kLanes && j0 + l < candidates; ++l)
      errors[j0 + l] = sums[l];
  }
}

/// The symmetric scale for `count` weights whose largest magnitude is `max`,
/// with codes in [-2^(bits-1), 2^(bits-1) - 1]: among +-max / d for each
/// candidate divisor d, the one with the least squared error. A negative
/// scale maps the largest weight to the extra negative code, which spends
/// it on the side where the outlier is (as llama.cpp's Q4_0 does). Errors
/// are measured with the scale as stored.
float symmetricScale(const float *w, int64_t count, float max, int bits,
                     std::initializer_list<float> divisors,
                     int64_t scaleBytes) {
  if (max == 0)
    return 0;
  float hi = float((1 << (bits - 1)) - 1), lo = -hi - 1;
  constexpr int kMaxCandidates = 32;
  assert(divisors.size() * 2 <= kMaxCandidates && "too many divisors");
  float candidate[kMaxCandidates], stored[kMaxCandidates];
  float errors[kMaxCandidates];
  int candidates = 0;
  for (float divisor : divisors)
    for (float sign : {1.0f, -1.0f}) {
      float c = sign * max / divisor;
      float s = scaleBytes == 2 ? halfToFloat(floatToHalf(c)) : c;
      if (s == 0)
        continue;
      candidate[candidates] = c;
      stored[candidates++] = s;
    }
  if (hostHasAVX())
    squaredErrorsAVX(w, count, stored, candidates, lo, hi, errors);
  else
    squaredErrorsScalar(w, count, stored, candidates, lo, hi, errors);
  float best = max / hi, bestError = INFINITY;
  for (int j = 0; j < candidates; ++j)
    if (errors[j] < bestError) {
      bestError = errors[j];
      best = candidate[j];
    }
  return best;
}

/// int8: max / 127 (every weight in range) or close to it.
float symmetricInt8Scale(const float *w, int64_t count, float max,
                         int64_t scaleBytes) {
  return symmetricScale(w, count, max, 8, {127.0f, 127.5f, 128.0f}, scaleBytes);
}

/// int4: a wider search, since a 4-bit step is coarse.
float symmetricInt4Scale(const float *w, int64_t count, float max,
                         int64_t scaleBytes) {
  return symmetricScale(
      w, count, max, 4,
      {6.5f, 6.75f, 7.0f, 7.25f, 7.5f, 7.75f, 8.0f, 8.25f, 8.5f}, scaleBytes);
}

void packInt8(const float *w, int64_t n, int64_t k, const PackedFormat &f,
              uint8_t *out, const RowsPacked &rowsPacked,
              std::string &firstError) {
  llmc_packed_offsets o = f.layout(n, k);
  std::memset(out, 128, size_t(o.scales));
  std::memset(out + o.scales, 0, size_t(o.total - o.scales));
  parallelRows(w, n, k, f, rowsPacked, firstError,
               [&](int64_t begin, int64_t end, std::string &error) {
                 std::vector<int32_t> codes;
                 for (int64_t row = begin; row < end; ++row) {
                   const float *r = w + row * k;
                   float max = 0;
                   for (int64_t col = 0; col < k; ++col)
                     max = std::max(max, std::fabs(r[col]));
                   float scale =
                       storeScale(out + o.scales, row,
                                  symmetricInt8Scale(r, k, max, f.scaleBytes),
                                  f.scaleBytes, error);
                   codes.resize(size_t(k));
                   quantizeAll(r, k, scale, -128, 127, codes.data());
                   for (int64_t col = 0; col < k; ++col)
                     out[llmc_int8_index(k, row, col)] =
                         uint8_t(codes[col] + 128);
                 }
               });
}

/// The share of [lo, hi] (a group's range, 0 included) that asymmetric int4
/// codes should span: clipping the extremes a little often lowers the
/// squared error of everything else. Errors use the scale as stored.
float asymmetricInt4Range(const float *w, int64_t count, float lo, float hi,
                          int64_t scaleBytes) {
  float best = 1.0f, bestError = INFINITY;
  for (float range : {1.0f, 0.95f, 0.9f, 0.85f, 0.8f}) {
    float scale = (hi - lo) * range / 15.0f;
    float stored = scaleBytes == 2 ? halfToFloat(floatToHalf(scale)) : scale;
    if (stored == 0)
      return 1.0f;
    float zero = std::clamp(std::nearbyint(-lo * range / stored), 0.0f, 15.0f);
    float error = 0;
    for (int64_t i = 0; i < count; ++i) {
      float q = std::clamp(std::nearbyint(w[i] / stored) + zero, 0.0f, 15.0f);
      error += (w[i] - (q - zero) * stored) * (w[i] - (q - zero) * stored);
    }
    if (error < bestError) {
      bestError = error;
      best = range;
    }
  }
  return best;
}

void packInt4(const float *w, int64_t n, int64_t k, const PackedFormat &f,
              uint8_t *out, const RowsPacked &rowsPacked,
              std::string &firstError) {
  llmc_packed_offsets o = f.layout(n, k);
  int64_t groups = llmc_ceil_div(k, f.group);
  std::memset(out, 0x88, size_t(o.scales)); // padding: zero-point codes
  std::memset(out + o.scales, 0, size_t(o.total - o.scales));
  parallelRows(
      w, n, k, f, rowsPacked, firstError,
      [&](int64_t firstRow, int64_t endRow, std::string &error) {
        std::vector<int32_t> codes(size_t(f.group));
        for (int64_t row = firstRow; row < endRow; ++row) {
          const float *r = w + row * k;
          for (int64_t g = 0; g < groups; ++g) {
            int64_t begin = g * f.group, end = std::min(k, begin + f.group);
            int64_t index = llmc_int4_scale_index(k, f.group, row, begin);
            float lo = 0, hi = 0, max = 0;
            for (int64_t col = begin; col < end; ++col) {
              lo = std::min(lo, r[col]);
              hi = std::max(hi, r[col]);
              max = std::max(max, std::fabs(r[col]));
            }
            int32_t zero = 8;
            float scale;
            if (f.zeroPoints) {
              float range = asymmetricInt4Range(r + begin, end - begin, lo, hi,
                                                f.scaleBytes);
              scale =
                  storeScale(out + o.scales, index, (hi - lo) * range / 15.0f,
                             f.scaleBytes, error);
              zero =
                  scale == 0
                      ? 0
                      : std::clamp(int32_t(std::nearbyint(-lo * range / scale)),
                                   0, 15);
              out[o.zeros + index] = uint8_t(zero);
            } else {
              scale = storeScale(
                  out + o.scales, index,
                  symmetricInt4Scale(r + begin, end - begin, max, f.scaleBytes),
                  f.scaleBytes, error);
            }
            quantizeAll(r + begin, end - begin, scale, -15, 15, codes.data());
            // Column begin + i sits at base + (i / 8) * 64 + i % 4, in the
            // high nibble when i % 8 >= 4 (llmc_int4_index); padding
            // columns past `end` decode to zero too.
            int high;
            int64_t base = llmc_int4_index(k, f.group, row, begin, &high);
            for (int64_t i = 0; i < f.group; ++i) {
              int32_t q =
                  begin + i < end ? std::clamp(codes[i] + zero, 0, 15) : zero;
              uint8_t &byte = out[base + (i / 8) * 64 + i % 4];
              byte = i % 8 >= 4 ? uint8_t((byte & 0x0f) | q << 4)
                                : uint8_t((byte & 0xf0) | q);
            }
          }
        }
      });
}

} // namespace

std::string findNonFinite(const float *w, int64_t n, int64_t k,
                          const PackedFormat &format) {
  return firstNonFinite(w, 0, n, k, format);
}

void setPackingUsesVectorUnits(bool enabled) {
  vectorUnitsAllowed.store(enabled, std::memory_order_relaxed);
}

std::string packWeight(const float *w, int64_t n, int64_t k,
                       const PackedFormat &format, uint8_t *out,
                       const RowsPacked &rowsPacked) {
  std::string error;
  switch (format.format) {
  case LLMC_WEIGHT_F32_PANELS:
    packF32(w, n, k, format, out, rowsPacked, error);
    break;
  case LLMC_WEIGHT_INT8:
    packInt8(w, n, k, format, out, rowsPacked, error);
    break;
  case LLMC_WEIGHT_INT4:
    if (format.group % LLMC_ACT_BLOCK != 0 || format.group <= 0)
      return "int4 group size " + std::to_string(format.group) +
             " is not a multiple of " + std::to_string(LLMC_ACT_BLOCK);
    packInt4(w, n, k, format, out, rowsPacked, error);
    break;
  }
  return error;
}

float unpackWeight(const uint8_t *packed, int64_t n, int64_t k,
                   const PackedFormat &format, int64_t row, int64_t col) {
  llmc_packed_offsets o = format.layout(n, k);
  switch (format.format) {
  case LLMC_WEIGHT_F32_PANELS: {
    float v;
    std::memcpy(&v, packed + 4 * llmc_f32_panel_index(k, row, col), 4);
    return v;
  }
  case LLMC_WEIGHT_INT8:
    return readScale(packed + o.scales, row, format.scaleBytes) *
           float(int32_t(packed[llmc_int8_index(k, row, col)]) - 128);
  case LLMC_WEIGHT_INT4: {
    int high;
    int64_t byte = llmc_int4_index(k, format.group, row, col, &high);
    int64_t s = llmc_int4_scale_index(k, format.group, row, col);
    int32_t q = high ? packed[byte] >> 4 : packed[byte] & 15;
    int32_t zero = format.zeroPoints ? packed[o.zeros + s] : 8;
    return readScale(packed + o.scales, s, format.scaleBytes) * float(q - zero);
  }
  }
  return 0;
}

} // namespace llmc
