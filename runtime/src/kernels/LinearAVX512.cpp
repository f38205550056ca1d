//===- LinearAVX512.cpp - AVX-512 kernels (F, BW, VL, DQ, VNNI) -----------===//
//
// f32: a register tile of MR activation rows by one 32-row weight panel
// (2 x MR zmm accumulators), over blocks of KC k so that the panel slice
// stays in L1 while every row tile passes over it.
//
// int8/int4: VNNI vpdpbusd multiplies the unsigned weight bytes (nibbles
// for int4) by the int8 activations, four k at a time, into int32 sums per
// 32-k activation block; each block's sum becomes float with the block's
// scale. The zero point (128 for int8, 8 or stored for int4) is applied
// once per group from precomputed sums of the activations.
//
//===----------------------------------------------------------------------===//

#include "kernels/AttentionImpl.h"
#include "kernels/Kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace llmc::rt {
namespace {

constexpr int64_t kBlockK = 256;

/// How far ahead of its loads the int4 and int8 decode kernels prefetch.
/// Measured on a Zen 5 core (TinyLlama-1.1B int4 decode, one thread): two
/// panels per pass left the hardware prefetchers at 17 GB/s against 39 GB/s for
/// a plain streaming read; one panel, 25 GB/s; one panel and a prefetch 4 KiB
/// ahead, 30 GB/s (1, 2 and 3 KiB gained nothing, 8 KiB less than 4).
constexpr int64_t kDecodePrefetchBytes = 4096;

__mmask16 rowMask(int64_t rows) {
  return rows >= 16 ? __mmask16(0xffff)
                    : __mmask16((1u << std::max<int64_t>(rows, 0)) - 1);
}

/// MR rows of activations packed k-major ([kc][MR]) times one panel slice
/// ([kc][32]), accumulated into `rows` <= MR rows of y.
template <int MR>
void f32Tile(const float *xp, const float *w, int64_t kc, float *y, int64_t ldy,
             int64_t rows, __mmask16 m0, __mmask16 m1) {
  __m512 acc[MR][2];
  for (int r = 0; r < MR; ++r) {
    acc[r][0] =
        r < rows ? _mm512_maskz_loadu_ps(m0, y + r * ldy) : _mm512_setzero_ps();
    acc[r][1] = r < rows ? _mm512_maskz_loadu_ps(m1, y + r * ldy + 16)
                         : _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_loadu_ps(w + k * LLMC_F32_PANEL);
    __m512 b1 = _mm512_loadu_ps(w + k * LLMC_F32_PANEL + 16);
    for (int r = 0; r < MR; ++r) {
      __m512 a = _mm512_set1_ps(xp[k * MR + r]);
      acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    if (r >= rows)
      break;
    _mm512_mask_storeu_ps(y + r * ldy, m0, acc[r][0]);
    _mm512_mask_storeu_ps(y + r * ldy + 16, m1, acc[r][1]);
  }
}

/// M = 1, NP panels at once: their 2 x NP independent FMA chains hide the
/// latency while each output still sums over k in order from its initial
/// value, exactly as f32Tile does, so a row's result does not depend on how
/// many rows its call has (batch invariance: one-token decode, prefill
/// chunks and batched sequences give the same bits).
template <int NP>
void f32Row(const float *x, const float *w, int64_t k, float *y,
            const __mmask16 (*masks)[2]) {
  __m512 acc[NP][2];
  for (int q = 0; q < NP; ++q)
    for (int h = 0; h < 2; ++h)
      acc[q][h] =
          _mm512_maskz_loadu_ps(masks[q][h], y + q * LLMC_F32_PANEL + 16 * h);
  for (int64_t i = 0; i < k; ++i) {
    __m512 a = _mm512_set1_ps(x[i]);
    for (int q = 0; q < NP; ++q) {
      const float *row = w + (q * k + i) * LLMC_F32_PANEL;
      acc[q][0] = _mm512_fmadd_ps(a, _mm512_loadu_ps(row), acc[q][0]);
      acc[q][1] = _mm512_fmadd_ps(a, _mm512_loadu_ps(row + 16), acc[q][1]);
    }
  }
  for (int q = 0; q < NP; ++q)
    for (int h = 0; h < 2; ++h)
      _mm512_mask_storeu_ps(y + q * LLMC_F32_PANEL + 16 * h, masks[q][h],
                            acc[q][h]);
}

/// Rows per register tile: 12 x 2 zmm accumulators, 24 FMAs per two panel
/// loads and 12 broadcasts (8 rows measured 5-10% slower on 512 x 2048).
constexpr int kTileRows = 12;

/// The activations packed once per call: for each k-block of kBlockK and
/// each tile of kTileRows rows, [kc][kTileRows] floats, so the microkernel
/// reads them sequentially (rows ldx apart would alias in L1 when ldx is a
/// multiple of 4 KiB). Rows past m are zero.
void packActivations(const LinearF32Args &a, float *packed) {
  int64_t tiles = llmc_ceil_div(a.m, kTileRows);
  for (int64_t k0 = 0; k0 < a.k; k0 += kBlockK) {
    int64_t kc = std::min(kBlockK, a.k - k0);
    for (int64_t t = 0; t < tiles; ++t) {
      float *tile = packed + k0 * tiles * kTileRows + t * kc * kTileRows;
      for (int r = 0; r < kTileRows; ++r) {
        int64_t row = t * kTileRows + r;
        const float *x = a.x + row * a.ldx + k0;
        for (int64_t k = 0; k < kc; ++k)
          tile[k * kTileRows + r] = row < a.m ? x[k] : 0.0f;
      }
    }
  }
}

void linearF32(const LinearF32Args &a, int64_t p0, int64_t p1) {
  if (a.m == 1) {
    constexpr int kPanels = 4;
    for (int64_t p = p0; p < p1; p += kPanels) {
      __mmask16 masks[kPanels][2];
      int np = int(std::min<int64_t>(kPanels, p1 - p));
      for (int q = 0; q < np; ++q) {
        int64_t rows = a.n - (p + q) * LLMC_F32_PANEL;
        masks[q][0] = rowMask(rows);
        masks[q][1] = rowMask(rows - 16);
      }
      const float *w = a.w + p * a.k * LLMC_F32_PANEL;
      float *y = a.y + p * LLMC_F32_PANEL;
      switch (np) {
      case 4:
        f32Row<4>(a.x, w, a.k, y, masks);
        break;
      case 3:
        f32Row<3>(a.x, w, a.k, y, masks);
        break;
      case 2:
        f32Row<2>(a.x, w, a.k, y, masks);
        break;
      default:
        f32Row<1>(a.x, w, a.k, y, masks);
      }
    }
    return;
  }
  int64_t tiles = llmc_ceil_div(a.m, kTileRows);
  thread_local std::vector<float> packed;
  thread_local uint64_t packedCall = 0;
  if (packedCall != a.call || a.call == 0) {
    packed.resize(size_t(tiles * kTileRows * a.k));
    packActivations(a, packed.data());
    packedCall = a.call;
  }
  // Panels in blocks whose slice of y (about 256 KiB) stays in L2 while
  // every k-block passes over it; within a block, each panel's k-slice
  // stays in L1 while every row tile passes over it.
  int64_t block = std::max<int64_t>(
      1, (256 << 10) / (tiles * kTileRows * LLMC_F32_PANEL * 4));
  for (int64_t b0 = p0; b0 < p1; b0 += block) {
    int64_t b1 = std::min(p1, b0 + block);
    for (int64_t k0 = 0; k0 < a.k; k0 += kBlockK) {
      int64_t kc = std::min(kBlockK, a.k - k0);
      const float *xk = packed.data() + k0 * tiles * kTileRows;
      for (int64_t p = b0; p < b1; ++p) {
        int64_t cols = a.n - p * LLMC_F32_PANEL;
        __mmask16 m0 = rowMask(cols), m1 = rowMask(cols - 16);
        const float *w = a.w + (p * a.k + k0) * LLMC_F32_PANEL;
        for (int64_t t = 0; t < tiles; ++t)
          f32Tile<kTileRows>(xk + t * kc * kTileRows, w, kc,
                             a.y + t * kTileRows * a.ldy + p * LLMC_F32_PANEL,
                             a.ldy, a.m - t * kTileRows, m0, m1);
      }
    }
  }
}

//===----------------------------------------------------------------------===//
// Quantized
//===----------------------------------------------------------------------===//

__m512 loadScales16(const void *scales, int64_t index, int64_t scaleBytes) {
  if (scaleBytes == 2)
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        static_cast<const uint16_t *>(scales) + index)));
  return _mm512_loadu_ps(static_cast<const float *>(scales) + index);
}

__m512i broadcast4(const int8_t *p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

/// MR activation rows by NP int8 panels starting at panel p.
template <int MR, int NP>
void int8Tile(const LinearQArgs &a, int64_t m, int64_t p) {
  int64_t chunks = llmc_ceil_div(a.k, 4);
  int64_t stride = a.x.blocks * LLMC_ACT_BLOCK;
  const int8_t *xq = a.x.xq + m * stride;
  const float *xScale = a.x.xScale + m * a.x.blocks;
  const uint8_t *w = a.w + p * chunks * 64;
  __m512 acc[MR][NP];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NP; ++q)
      acc[r][q] = _mm512_setzero_ps();
  for (int64_t b = 0; b < a.x.blocks; ++b) {
    __m512i sum[MR][NP];
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < NP; ++q)
        sum[r][q] = _mm512_setzero_si512();
    int64_t end = std::min<int64_t>(8, chunks - b * 8);
    for (int64_t c = 0; c < end; ++c) {
      __m512i wv[NP];
      for (int q = 0; q < NP; ++q) {
        const uint8_t *src = w + (q * chunks + b * 8 + c) * 64;
        if (MR == 1 && NP == 1)
          _mm_prefetch(reinterpret_cast<const char *>(src) +
                           kDecodePrefetchBytes,
                       _MM_HINT_T0);
        wv[q] = _mm512_loadu_si512(src);
      }
      for (int r = 0; r < MR; ++r) {
        __m512i xv = broadcast4(xq + r * stride + b * LLMC_ACT_BLOCK + c * 4);
        for (int q = 0; q < NP; ++q)
          sum[r][q] = _mm512_dpbusd_epi32(sum[r][q], wv[q], xv);
      }
    }
    for (int r = 0; r < MR; ++r) {
      __m512 s = _mm512_set1_ps(xScale[r * a.x.blocks + b]);
      for (int q = 0; q < NP; ++q)
        acc[r][q] =
            _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[r][q]), s, acc[r][q]);
    }
  }
  // Weights are u = q + 128: subtract 128 * sum(x) (in float, per row).
  const float *xGroup = a.xGroupSum + m;
  for (int q = 0; q < NP; ++q) {
    __m512 scale = loadScales16(a.scales, (p + q) * 16, a.scaleBytes);
    __mmask16 mask = rowMask(a.n - (p + q) * 16);
    for (int r = 0; r < MR; ++r) {
      __m512 v = _mm512_sub_ps(acc[r][q], _mm512_set1_ps(128.0f * xGroup[r]));
      float *y = a.y + (m + r) * a.ldy + (p + q) * 16;
      _mm512_mask_storeu_ps(
          y, mask, _mm512_fmadd_ps(v, scale, _mm512_maskz_loadu_ps(mask, y)));
    }
  }
}

/// The zero points of the 16 rows whose scales start at index s.
inline __m512 int4Zeros(const LinearQArgs &a, int64_t s) {
  if (!a.zeros)
    return _mm512_set1_ps(8.0f);
  return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i *>(a.zeros + s))));
}

/// y[m + r][16 (p + q) ...] += acc[r][q], the last panel masked.
template <int MR, int NP>
inline void addToOutputs(const LinearQArgs &a, int64_t m, int64_t p,
                         const __m512 (&acc)[MR][NP]) {
  for (int q = 0; q < NP; ++q) {
    __mmask16 mask = rowMask(a.n - (p + q) * 16);
    for (int r = 0; r < MR; ++r) {
      float *y = a.y + (m + r) * a.ldy + (p + q) * 16;
      _mm512_mask_storeu_ps(
          y, mask, _mm512_add_ps(acc[r][q], _mm512_maskz_loadu_ps(mask, y)));
    }
  }
}

/// The integer dot products of one 32-k activation block with int4
/// weights: sum[r][q] for MR activation rows (row r at x + r * stride,
/// where x is the weight group's first k) and chunks [c0, c0 + 4) of NP
/// panels' groups (panel q's at w[q]). Rows-of-one tiles (decode) prefetch
/// (see kDecodePrefetchBytes).
template <int MR, int NP>
inline void int4BlockSums(const uint8_t *const (&w)[NP], int64_t c0,
                          const int8_t *x, int64_t stride,
                          __m512i (&sum)[MR][NP]) {
  const __m512i low = _mm512_set1_epi8(0x0f);
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NP; ++q)
      sum[r][q] = _mm512_setzero_si512();
  for (int64_t c = c0; c < c0 + 4; ++c) {
    __m512i lo[NP], hi[NP];
    for (int q = 0; q < NP; ++q) {
      const uint8_t *src = w[q] + c * 64;
      if (MR == 1)
        _mm_prefetch(reinterpret_cast<const char *>(src) + kDecodePrefetchBytes,
                     _MM_HINT_T0);
      __m512i v = _mm512_loadu_si512(src);
      lo[q] = _mm512_and_si512(v, low);
      hi[q] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    }
    for (int r = 0; r < MR; ++r) {
      __m512i xl = broadcast4(x + r * stride + c * 8);
      __m512i xh = broadcast4(x + r * stride + c * 8 + 4);
      for (int q = 0; q < NP; ++q) {
        sum[r][q] = _mm512_dpbusd_epi32(sum[r][q], lo[q], xl);
        sum[r][q] = _mm512_dpbusd_epi32(sum[r][q], hi[q], xh);
      }
    }
  }
}

/// MR activation rows by NP int4 panels starting at panel p.
template <int MR, int NP>
void int4Tile(const LinearQArgs &a, int64_t m, int64_t p) {
  int64_t groups = llmc_ceil_div(a.k, a.group);
  int64_t chunksPerGroup = a.group / 8;
  int64_t blocksPerGroup = a.group / LLMC_ACT_BLOCK;
  int64_t stride = a.x.blocks * LLMC_ACT_BLOCK;
  const int8_t *xq = a.x.xq + m * stride;
  const float *xScale = a.x.xScale + m * a.x.blocks;
  __m512 acc[MR][NP];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NP; ++q)
      acc[r][q] = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    __m512 groupAcc[MR][NP];
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < NP; ++q)
        groupAcc[r][q] = _mm512_setzero_ps();
    int64_t b0 = g * blocksPerGroup;
    int64_t b1 = std::min(a.x.blocks, b0 + blocksPerGroup);
    const uint8_t *w[NP];
    for (int q = 0; q < NP; ++q)
      w[q] = a.w + ((p + q) * groups + g) * chunksPerGroup * 64;
    for (int64_t b = b0; b < b1; ++b) {
      __m512i sum[MR][NP];
      int4BlockSums<MR, NP>(w, (b - b0) * 4, xq + b0 * LLMC_ACT_BLOCK, stride,
                            sum);
      for (int r = 0; r < MR; ++r) {
        __m512 s = _mm512_set1_ps(xScale[r * a.x.blocks + b]);
        for (int q = 0; q < NP; ++q)
          groupAcc[r][q] =
              _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[r][q]), s, groupAcc[r][q]);
      }
    }
    for (int q = 0; q < NP; ++q) {
      int64_t s = ((p + q) * groups + g) * 16;
      __m512 scale = loadScales16(a.scales, s, a.scaleBytes);
      __m512 zero = int4Zeros(a, s);
      for (int r = 0; r < MR; ++r) {
        __m512 xs = _mm512_set1_ps(a.xGroupSum[(m + r) * groups + g]);
        __m512 v = _mm512_fnmadd_ps(zero, xs, groupAcc[r][q]);
        acc[r][q] = _mm512_fmadd_ps(v, scale, acc[r][q]);
      }
    }
  }
  addToOutputs<MR, NP>(a, m, p, acc);
}

/// int4Tile for groups of one activation block (32 k, the default), which
/// every call with such groups uses (decode, prefill and batches alike, so
/// their bits agree). A group's sum needs no accumulator of its own, which
/// frees registers for more rows per pass (each weight line is unpacked
/// once for MR rows); without stored zero points, the zero point 8 comes
/// off in integers (8 times the block's activation sum: exact), one float
/// operation per output and group fewer, on the ports vpdpbusd needs.
template <int MR, int NP>
void int4Group32Tile(const LinearQArgs &a, int64_t m, int64_t p) {
  int64_t groups = llmc_ceil_div(a.k, a.group);
  int64_t stride = a.x.blocks * LLMC_ACT_BLOCK;
  const int8_t *xq = a.x.xq + m * stride;
  const float *xScale = a.x.xScale + m * a.x.blocks;
  const int32_t *xSum = a.x.xSum + m * a.x.blocks;
  __m512 acc[MR][NP];
  for (int r = 0; r < MR; ++r)
    for (int q = 0; q < NP; ++q)
      acc[r][q] = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    const uint8_t *w[NP];
    for (int q = 0; q < NP; ++q)
      w[q] = a.w + ((p + q) * groups + g) * 4 * 64;
    __m512i sum[MR][NP];
    int4BlockSums<MR, NP>(w, 0, xq + g * LLMC_ACT_BLOCK, stride, sum);
    for (int q = 0; q < NP; ++q) {
      int64_t s = ((p + q) * groups + g) * 16;
      __m512 scale = loadScales16(a.scales, s, a.scaleBytes);
      __m512 zero = int4Zeros(a, s);
      for (int r = 0; r < MR; ++r) {
        __m512 xs = _mm512_set1_ps(xScale[r * a.x.blocks + g]);
        if (!a.zeros) {
          __m512i exact = _mm512_sub_epi32(
              sum[r][q], _mm512_set1_epi32(8 * xSum[r * a.x.blocks + g]));
          acc[r][q] = _mm512_fmadd_ps(
              _mm512_mul_ps(_mm512_cvtepi32_ps(exact), xs), scale, acc[r][q]);
          continue;
        }
        __m512 groupSum = _mm512_mul_ps(_mm512_cvtepi32_ps(sum[r][q]), xs);
        __m512 v = _mm512_fnmadd_ps(
            zero, _mm512_set1_ps(a.xGroupSum[(m + r) * groups + g]), groupSum);
        acc[r][q] = _mm512_fmadd_ps(v, scale, acc[r][q]);
      }
    }
  }
  addToOutputs<MR, NP>(a, m, p, acc);
}

/// Runs Tile<MR, NP> over rows [0, m) and panels [p0, p1).
template <template <int, int> class Tile, int MR>
void quantizedPanels(const LinearQArgs &a, int64_t p0, int64_t p1) {
  int64_t p = p0;
  for (; p + 2 <= p1; p += 2) {
    int64_t m = 0;
    for (; m + MR <= a.m; m += MR)
      Tile<MR, 2>::run(a, m, p);
    for (; m < a.m; ++m)
      Tile<1, 2>::run(a, m, p);
  }
  for (; p < p1; ++p) {
    int64_t m = 0;
    for (; m + MR <= a.m; m += MR)
      Tile<MR, 1>::run(a, m, p);
    for (; m < a.m; ++m)
      Tile<1, 1>::run(a, m, p);
  }
}

template <int MR, int NP> struct Int8Tile {
  static void run(const LinearQArgs &a, int64_t m, int64_t p) {
    int8Tile<MR, NP>(a, m, p);
  }
};
template <int MR, int NP> struct Int4Tile {
  static void run(const LinearQArgs &a, int64_t m, int64_t p) {
    int4Tile<MR, NP>(a, m, p);
  }
};
template <int MR, int NP> struct Int4Group32Tile {
  static void run(const LinearQArgs &a, int64_t m, int64_t p) {
    int4Group32Tile<MR, NP>(a, m, p);
  }
};

void linearInt8(const LinearQArgs &a, int64_t p0, int64_t p1) {
  // Decode: one panel at a time and a prefetch, as for int4 (see
  // kDecodePrefetchBytes). Same bits: the tiles differ only in how many
  // panels share a pass.
  if (a.m == 1) {
    for (int64_t p = p0; p < p1; ++p)
      int8Tile<1, 1>(a, 0, p);
    return;
  }
  quantizedPanels<Int8Tile, 4>(a, p0, p1);
}

void linearInt4(const LinearQArgs &a, int64_t p0, int64_t p1) {
  // One token (decode) reads the weights once: one panel at a time keeps
  // that a single sequential stream (see kDecodePrefetchBytes). The result
  // is the same bits: tiles differ only in how many rows and panels share
  // a pass, never in the order each output sums.
  bool group32 = a.group == LLMC_ACT_BLOCK;
  if (a.m == 1) {
    for (int64_t p = p0; p < p1; ++p)
      group32 ? int4Group32Tile<1, 1>(a, 0, p) : int4Tile<1, 1>(a, 0, p);
    return;
  }
  if (group32)
    quantizedPanels<Int4Group32Tile, 6>(a, p0, p1);
  else
    quantizedPanels<Int4Tile, 4>(a, p0, p1);
}

void quantizeRow(const float *x, int64_t k, int8_t *xq, float *scale,
                 int32_t *sum) {
  int64_t blocks = llmc_ceil_div(k, LLMC_ACT_BLOCK);
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t begin = b * LLMC_ACT_BLOCK;
    __mmask16 m0 = rowMask(k - begin), m1 = rowMask(k - begin - 16);
    __m512 v0 = _mm512_maskz_loadu_ps(m0, x + begin);
    __m512 v1 = _mm512_maskz_loadu_ps(m1, x + begin + 16);
    float max = _mm512_reduce_max_ps(
        _mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
    __m512 inverse = _mm512_set1_ps(max > 0 ? 127.0f / max : 0.0f);
    __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(v0, inverse));
    __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(v1, inverse));
    __m512i lim = _mm512_set1_epi32(127);
    q0 = _mm512_max_epi32(_mm512_min_epi32(q0, lim), _mm512_set1_epi32(-127));
    q1 = _mm512_max_epi32(_mm512_min_epi32(q1, lim), _mm512_set1_epi32(-127));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(xq + begin),
                     _mm512_cvtepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(xq + begin + 16),
                     _mm512_cvtepi32_epi8(q1));
    scale[b] = max / 127.0f;
    sum[b] = _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
  }
}

} // namespace

const KernelSet &avx512Kernels() {
  static const KernelSet set{
      "avx512",   LLMC_ISA_AVX512, linearF32,           linearInt8,
      linearInt4, attentionTasks,  pagedAttentionTasks, quantizeRow};
  return set;
}

} // namespace llmc::rt
