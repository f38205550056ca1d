//===- LinearAVX2.cpp - AVX2 + FMA kernels
//---------------------------------===//
//
// f32: MR = 3 activation rows by one 32-row panel (12 ymm accumulators).
// int8: vpmaddubsw needs an unsigned operand and saturates at 16 bits, so
// the weight bytes become signed (u - 128) and the usual sign trick applies:
// |w| * (x * sign(w)) stays within 2 * 127 * 127. The integer sums are then
// the exact sum of q * x, with no zero point to apply.
// int4: nibbles are small enough (15 * 127 * 4 < 2^15) for vpmaddubsw as is.
//
//===----------------------------------------------------------------------===//

#include "kernels/AttentionImpl.h"
#include "kernels/Kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace llmc::rt {
namespace {

constexpr int64_t kBlockK = 256;

/// How far ahead of its loads the int4 decode kernel prefetches (as in
/// LinearAVX512.cpp): on a Zen 5 core, one-thread TinyLlama-1.1B int4
/// decode 1.25x faster with it, 2 threads 1.13x; 1 KiB ahead was slower
/// than none.
constexpr int64_t kDecodePrefetchBytes = 4096;

/// Lanes [0, valid) set, for vector j of 8 floats.
__m256i laneMask(int64_t valid) {
  alignas(32) static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                0,  0,  0,  0,  0,  0,  0,  0};
  valid = std::clamp<int64_t>(valid, 0, 8);
  return _mm256_loadu_si256(
      reinterpret_cast<const __m256i *>(table + 8 - valid));
}

template <int MR>
void f32Tile(const float *x, int64_t ldx, const float *w, int64_t kc, float *y,
             int64_t ldy, int64_t cols) {
  __m256i mask[4];
  for (int j = 0; j < 4; ++j)
    mask[j] = laneMask(cols - 8 * j);
  __m256 acc[MR][4];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j)
      acc[r][j] = _mm256_maskload_ps(y + r * ldy + 8 * j, mask[j]);
  for (int64_t k = 0; k < kc; ++k) {
    __m256 a[MR];
    for (int r = 0; r < MR; ++r)
      a[r] = _mm256_broadcast_ss(x + r * ldx + k);
    for (int j = 0; j < 4; ++j) {
      __m256 b = _mm256_loadu_ps(w + k * LLMC_F32_PANEL + 8 * j);
      for (int r = 0; r < MR; ++r)
        acc[r][j] = _mm256_fmadd_ps(a[r], b, acc[r][j]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j)
      _mm256_maskstore_ps(y + r * ldy + 8 * j, mask[j], acc[r][j]);
}

template <int MR>
void f32Rows(const LinearF32Args &a, int64_t m, int64_t p, int64_t k0,
             int64_t kc) {
  f32Tile<MR>(
      a.x + m * a.ldx + k0, a.ldx, a.w + (p * a.k + k0) * LLMC_F32_PANEL, kc,
      a.y + m * a.ldy + p * LLMC_F32_PANEL, a.ldy, a.n - p * LLMC_F32_PANEL);
}

void linearF32(const LinearF32Args &a, int64_t p0, int64_t p1) {
  for (int64_t k0 = 0; k0 < a.k; k0 += kBlockK) {
    int64_t kc = std::min(kBlockK, a.k - k0);
    for (int64_t p = p0; p < p1; ++p) {
      int64_t m = 0;
      for (; m + 3 <= a.m; m += 3)
        f32Rows<3>(a, m, p, k0, kc);
      if (a.m - m == 2)
        f32Rows<2>(a, m, p, k0, kc);
      else if (a.m - m == 1)
        f32Rows<1>(a, m, p, k0, kc);
    }
  }
}

__m256i broadcast4(const int8_t *p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

/// The 16 scales of a panel (or of a panel's group) as two vectors.
void loadScales16(const void *scales, int64_t index, int64_t scaleBytes,
                  __m256 out[2]) {
  if (scaleBytes == 2) {
    const auto *h = static_cast<const uint16_t *>(scales) + index;
    out[0] =
        _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(h)));
    out[1] = _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(h + 8)));
  } else {
    const float *f = static_cast<const float *>(scales) + index;
    out[0] = _mm256_loadu_ps(f);
    out[1] = _mm256_loadu_ps(f + 8);
  }
}

void storeRows(float *y, int64_t rows, const __m256 v[2]) {
  for (int h = 0; h < 2; ++h) {
    __m256i mask = laneMask(rows - 8 * h);
    _mm256_maskstore_ps(
        y + 8 * h, mask,
        _mm256_add_ps(_mm256_maskload_ps(y + 8 * h, mask), v[h]));
  }
}

/// MR activation rows by one int8 panel.
template <int MR> void int8Tile(const LinearQArgs &a, int64_t m, int64_t p) {
  int64_t chunks = llmc_ceil_div(a.k, 4);
  int64_t stride = a.x.blocks * LLMC_ACT_BLOCK;
  const int8_t *xq = a.x.xq + m * stride;
  const float *xScale = a.x.xScale + m * a.x.blocks;
  const uint8_t *w = a.w + p * chunks * 64;
  const __m256i bias = _mm256_set1_epi8(char(0x80));
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t b = 0; b < a.x.blocks; ++b) {
    __m256i sum[MR][2];
    for (int r = 0; r < MR; ++r)
      sum[r][0] = sum[r][1] = _mm256_setzero_si256();
    int64_t end = std::min<int64_t>(8, chunks - b * 8);
    for (int64_t c = 0; c < end; ++c) {
      __m256i q[2], magnitude[2];
      for (int h = 0; h < 2; ++h) {
        q[h] = _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
                w + (b * 8 + c) * 64 + 32 * h)),
            bias);
        magnitude[h] = _mm256_abs_epi8(q[h]);
      }
      for (int r = 0; r < MR; ++r) {
        __m256i xv = broadcast4(xq + r * stride + b * LLMC_ACT_BLOCK + c * 4);
        for (int h = 0; h < 2; ++h) {
          __m256i products =
              _mm256_maddubs_epi16(magnitude[h], _mm256_sign_epi8(xv, q[h]));
          sum[r][h] =
              _mm256_add_epi32(sum[r][h], _mm256_madd_epi16(products, ones));
        }
      }
    }
    for (int r = 0; r < MR; ++r) {
      __m256 s = _mm256_set1_ps(xScale[r * a.x.blocks + b]);
      for (int h = 0; h < 2; ++h)
        acc[r][h] =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[r][h]), s, acc[r][h]);
    }
  }
  __m256 scale[2];
  loadScales16(a.scales, p * 16, a.scaleBytes, scale);
  for (int r = 0; r < MR; ++r) {
    __m256 v[2] = {_mm256_mul_ps(acc[r][0], scale[0]),
                   _mm256_mul_ps(acc[r][1], scale[1])};
    storeRows(a.y + (m + r) * a.ldy + p * 16, a.n - p * 16, v);
  }
}

/// MR activation rows by one int4 panel.
template <int MR> void int4Tile(const LinearQArgs &a, int64_t m, int64_t p) {
  int64_t groups = llmc_ceil_div(a.k, a.group);
  int64_t chunksPerGroup = a.group / 8;
  int64_t blocksPerGroup = a.group / LLMC_ACT_BLOCK;
  int64_t stride = a.x.blocks * LLMC_ACT_BLOCK;
  const int8_t *xq = a.x.xq + m * stride;
  const float *xScale = a.x.xScale + m * a.x.blocks;
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    __m256 groupAcc[MR][2];
    for (int r = 0; r < MR; ++r)
      groupAcc[r][0] = groupAcc[r][1] = _mm256_setzero_ps();
    int64_t b0 = g * blocksPerGroup;
    int64_t b1 = std::min(a.x.blocks, b0 + blocksPerGroup);
    const uint8_t *w = a.w + (p * groups + g) * chunksPerGroup * 64;
    for (int64_t b = b0; b < b1; ++b) {
      // A block's products summed in 16 bits, widened once: each
      // maddubs pair is at most 2 x 15 x 127 = 3810 in magnitude, a
      // block's 4 chunks x (low + high) at most 30480 < 2^15.
      __m256i sum[MR][2];
      for (int r = 0; r < MR; ++r)
        sum[r][0] = sum[r][1] = _mm256_setzero_si256();
      for (int64_t c = (b - b0) * 4; c < (b - b0) * 4 + 4; ++c) {
        __m256i lo[2], hi[2];
        if (MR == 1)
          _mm_prefetch(reinterpret_cast<const char *>(w + c * 64) +
                           kDecodePrefetchBytes,
                       _MM_HINT_T0);
        for (int h = 0; h < 2; ++h) {
          __m256i v = _mm256_loadu_si256(
              reinterpret_cast<const __m256i *>(w + c * 64 + 32 * h));
          lo[h] = _mm256_and_si256(v, low);
          hi[h] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
        }
        for (int r = 0; r < MR; ++r) {
          const int8_t *x = xq + r * stride + b0 * LLMC_ACT_BLOCK + c * 8;
          __m256i xl = broadcast4(x), xh = broadcast4(x + 4);
          for (int h = 0; h < 2; ++h)
            sum[r][h] = _mm256_add_epi16(
                sum[r][h], _mm256_add_epi16(_mm256_maddubs_epi16(lo[h], xl),
                                            _mm256_maddubs_epi16(hi[h], xh)));
        }
      }
      for (int r = 0; r < MR; ++r)
        for (int h = 0; h < 2; ++h)
          sum[r][h] = _mm256_madd_epi16(sum[r][h], ones);
      for (int r = 0; r < MR; ++r) {
        __m256 s = _mm256_set1_ps(xScale[r * a.x.blocks + b]);
        for (int h = 0; h < 2; ++h)
          groupAcc[r][h] =
              _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[r][h]), s, groupAcc[r][h]);
      }
    }
    int64_t s = (p * groups + g) * 16;
    __m256 scale[2], zero[2];
    loadScales16(a.scales, s, a.scaleBytes, scale);
    for (int h = 0; h < 2; ++h)
      zero[h] =
          a.zeros
              ? _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(
                    reinterpret_cast<const __m128i *>(a.zeros + s + 8 * h))))
              : _mm256_set1_ps(8.0f);
    for (int r = 0; r < MR; ++r) {
      __m256 xs = _mm256_set1_ps(a.xGroupSum[(m + r) * groups + g]);
      for (int h = 0; h < 2; ++h)
        acc[r][h] = _mm256_fmadd_ps(
            _mm256_fnmadd_ps(zero[h], xs, groupAcc[r][h]), scale[h], acc[r][h]);
    }
  }
  for (int r = 0; r < MR; ++r)
    storeRows(a.y + (m + r) * a.ldy + p * 16, a.n - p * 16, acc[r]);
}

void linearInt8(const LinearQArgs &a, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t m = 0;
    for (; m + 2 <= a.m; m += 2)
      int8Tile<2>(a, m, p);
    if (m < a.m)
      int8Tile<1>(a, m, p);
  }
}

void linearInt4(const LinearQArgs &a, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t m = 0;
    for (; m + 2 <= a.m; m += 2)
      int4Tile<2>(a, m, p);
    if (m < a.m)
      int4Tile<1>(a, m, p);
  }
}

/// quantizeRowScalar's bytes, scales and sums, eight inputs per vector:
/// the scalar loop rounds through a libm call per input (nearbyint, in the
/// baseline instruction set), 12-18 % of an AVX2 SmolLM2 prefill. The
/// conversion rounds to nearest even as nearbyint does.
void quantizeRow(const float *x, int64_t k, int8_t *xq, float *scale,
                 int32_t *sum) {
  int64_t blocks = llmc_ceil_div(k, LLMC_ACT_BLOCK);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256i lim = _mm256_set1_epi32(127), negLim = _mm256_set1_epi32(-127);
  // packs_epi32 then packs_epi16 leave the bytes of vector i in dwords i
  // and i + 4; this puts them back in order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t begin = b * LLMC_ACT_BLOCK;
    __m256 v[4];
    for (int i = 0; i < 4; ++i) {
      int64_t at = begin + 8 * i;
      v[i] = at + 8 <= k ? _mm256_loadu_ps(x + at)
                         : _mm256_maskload_ps(x + at, laneMask(k - at));
    }
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]),
                                           _mm256_andnot_ps(sign, v[1])),
                             _mm256_max_ps(_mm256_andnot_ps(sign, v[2]),
                                           _mm256_andnot_ps(sign, v[3])));
    __m128 h =
        _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    float max = _mm_cvtss_f32(h);
    __m256 inverse = _mm256_set1_ps(max > 0 ? 127.0f / max : 0.0f);
    __m256i q[4];
    __m256i total = _mm256_setzero_si256();
    for (int i = 0; i < 4; ++i) {
      q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], inverse));
      q[i] = _mm256_max_epi32(_mm256_min_epi32(q[i], lim), negLim);
      total = _mm256_add_epi32(total, q[i]);
    }
    __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]),
                                       _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(xq + begin),
                        _mm256_permutevar8x32_epi32(bytes, order));
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(total),
                              _mm256_extracti128_si256(total, 1));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
    scale[b] = max / 127.0f;
    sum[b] = _mm_cvtsi128_si32(t);
  }
}

} // namespace

const KernelSet &avx2Kernels() {
  static const KernelSet set{
      "avx2",     LLMC_ISA_AVX2,  linearF32,           linearInt8,
      linearInt4, attentionTasks, pagedAttentionTasks, quantizeRow};
  return set;
}

} // namespace llmc::rt
