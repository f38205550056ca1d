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

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
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

void packF32(const float *w, int64_t n, int64_t k, uint8_t *out) {
  auto *panels = reinterpret_cast<float *>(out);
  int64_t count = llmc_ceil_div(n, LLMC_F32_PANEL);
  std::memset(out, 0, size_t(count * k * LLMC_F32_PANEL * 4));
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < k; ++col)
      panels[llmc_f32_panel_index(k, row, col)] = w[row * k + col];
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
  float best = max / hi, bestError = INFINITY;
  for (float divisor : divisors)
    for (float sign : {1.0f, -1.0f}) {
      float candidate = sign * max / divisor;
      float stored =
          scaleBytes == 2 ? halfToFloat(floatToHalf(candidate)) : candidate;
      if (stored == 0)
        continue;
      float error = 0;
      for (int64_t i = 0; i < count; ++i) {
        float q = std::clamp(std::nearbyint(w[i] / stored), lo, hi);
        error += (w[i] - q * stored) * (w[i] - q * stored);
      }
      if (error < bestError) {
        bestError = error;
        best = candidate;
      }
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
              uint8_t *out, std::string &error) {
  llmc_packed_offsets o = f.layout(n, k);
  std::memset(out, 128, size_t(o.scales));
  std::memset(out + o.scales, 0, size_t(o.total - o.scales));
  for (int64_t row = 0; row < n; ++row) {
    const float *r = w + row * k;
    float max = 0;
    for (int64_t col = 0; col < k; ++col)
      max = std::max(max, std::fabs(r[col]));
    float scale = storeScale(out + o.scales, row,
                             symmetricInt8Scale(r, k, max, f.scaleBytes),
                             f.scaleBytes, error);
    for (int64_t col = 0; col < k; ++col)
      out[llmc_int8_index(k, row, col)] =
          uint8_t(quantize(r[col], scale, -128, 127) + 128);
  }
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
              uint8_t *out, std::string &error) {
  llmc_packed_offsets o = f.layout(n, k);
  int64_t groups = llmc_ceil_div(k, f.group);
  std::memset(out, 0x88, size_t(o.scales)); // padding: zero-point codes
  std::memset(out + o.scales, 0, size_t(o.total - o.scales));
  for (int64_t row = 0; row < n; ++row) {
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
        float range =
            asymmetricInt4Range(r + begin, end - begin, lo, hi, f.scaleBytes);
        scale = storeScale(out + o.scales, index, (hi - lo) * range / 15.0f,
                           f.scaleBytes, error);
        zero = scale == 0
                   ? 0
                   : std::clamp(int32_t(std::nearbyint(-lo * range / scale)), 0,
                                15);
        out[o.zeros + index] = uint8_t(zero);
      } else {
        scale = storeScale(
            out + o.scales, index,
            symmetricInt4Scale(r + begin, end - begin, max, f.scaleBytes),
            f.scaleBytes, error);
      }
      for (int64_t col = begin; col < end; ++col) {
        int high;
        int64_t byte = llmc_int4_index(k, f.group, row, col, &high);
        int32_t q = std::clamp(quantize(r[col], scale, -15, 15) + zero, 0, 15);
        out[byte] = high ? uint8_t((out[byte] & 0x0f) | q << 4)
                         : uint8_t((out[byte] & 0xf0) | q);
      }
      // Padding columns of this group decode to zero too.
      for (int64_t col = end; col < begin + f.group; ++col) {
        int high;
        int64_t byte = llmc_int4_index(k, f.group, row, col, &high);
        out[byte] = high ? uint8_t((out[byte] & 0x0f) | zero << 4)
                         : uint8_t((out[byte] & 0xf0) | zero);
      }
    }
  }
}

} // namespace

std::string findNonFinite(const float *w, int64_t n, int64_t k,
                          const PackedFormat &format) {
  for (int64_t i = 0; i < n * k; ++i)
    if (!std::isfinite(w[i]))
      return "element [" + std::to_string(i / k) + ", " +
             std::to_string(i % k) + "] is " +
             (std::isnan(w[i]) ? "NaN" : "infinite") +
             (format.format == LLMC_WEIGHT_F32_PANELS
                  ? ": a model's weights must be finite"
                  : ": quantization needs finite weights");
  return "";
}

std::string packWeight(const float *w, int64_t n, int64_t k,
                       const PackedFormat &format, uint8_t *out) {
  if (std::string problem = findNonFinite(w, n, k, format); !problem.empty())
    return problem;
  std::string error;
  switch (format.format) {
  case LLMC_WEIGHT_F32_PANELS:
    packF32(w, n, k, out);
    break;
  case LLMC_WEIGHT_INT8:
    packInt8(w, n, k, format, out, error);
    break;
  case LLMC_WEIGHT_INT4:
    if (format.group % LLMC_ACT_BLOCK != 0 || format.group <= 0)
      return "int4 group size " + std::to_string(format.group) +
             " is not a multiple of " + std::to_string(LLMC_ACT_BLOCK);
    packInt4(w, n, k, format, out, error);
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
