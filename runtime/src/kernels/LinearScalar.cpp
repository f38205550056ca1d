//===- LinearScalar.cpp - Portable kernels: the reference for the others --===//
//
// Plain loops over the packed layouts, computing exactly what the vector
// kernels compute: integer dot products per activation block, scaled per
// block, then per weight group. The vector kernels differ only in the order
// of float additions.
//
//===----------------------------------------------------------------------===//

#include "kernels/AttentionImpl.h"
#include "kernels/Kernels.h"

#include <algorithm>
#include <cmath>

namespace llmc::rt {
namespace {

void linearF32(const LinearF32Args &a, int64_t p0, int64_t p1) {
  for (int64_t m = 0; m < a.m; ++m) {
    const float *x = a.x + m * a.ldx;
    float *y = a.y + m * a.ldy;
    for (int64_t p = p0; p < p1; ++p) {
      const float *panel = a.w + p * a.k * LLMC_F32_PANEL;
      float acc[LLMC_F32_PANEL] = {};
      for (int64_t k = 0; k < a.k; ++k)
        for (int r = 0; r < LLMC_F32_PANEL; ++r)
          acc[r] += x[k] * panel[k * LLMC_F32_PANEL + r];
      int64_t rows =
          std::min<int64_t>(LLMC_F32_PANEL, a.n - p * LLMC_F32_PANEL);
      for (int64_t r = 0; r < rows; ++r)
        y[p * LLMC_F32_PANEL + r] += acc[r];
    }
  }
}

void linearInt8(const LinearQArgs &a, int64_t p0, int64_t p1) {
  int64_t chunks = llmc_ceil_div(a.k, 4);
  for (int64_t m = 0; m < a.m; ++m) {
    const int8_t *xq = a.x.xq + m * a.x.blocks * LLMC_ACT_BLOCK;
    const float *xScale = a.x.xScale + m * a.x.blocks;
    float *y = a.y + m * a.ldy;
    for (int64_t p = p0; p < p1; ++p) {
      const uint8_t *panel = a.w + p * chunks * 64;
      int64_t rows = std::min<int64_t>(16, a.n - p * 16);
      for (int64_t r = 0; r < rows; ++r) {
        float acc = 0;
        for (int64_t b = 0; b < a.x.blocks; ++b) {
          int32_t sum = 0;
          int64_t end = std::min(chunks, (b + 1) * 8);
          for (int64_t c = b * 8; c < end; ++c)
            for (int j = 0; j < 4; ++j)
              sum += (int32_t(panel[c * 64 + r * 4 + j]) - 128) *
                     int32_t(xq[c * 4 + j]);
          acc += float(sum) * xScale[b];
        }
        y[p * 16 + r] += acc * loadScale(a.scales, p * 16 + r, a.scaleBytes);
      }
    }
  }
}

void linearInt4(const LinearQArgs &a, int64_t p0, int64_t p1) {
  int64_t groups = llmc_ceil_div(a.k, a.group);
  int64_t chunksPerGroup = a.group / 8;
  int64_t blocksPerGroup = a.group / LLMC_ACT_BLOCK;
  for (int64_t m = 0; m < a.m; ++m) {
    const int8_t *xq = a.x.xq + m * a.x.blocks * LLMC_ACT_BLOCK;
    const float *xScale = a.x.xScale + m * a.x.blocks;
    float *y = a.y + m * a.ldy;
    for (int64_t p = p0; p < p1; ++p) {
      int64_t rows = std::min<int64_t>(16, a.n - p * 16);
      for (int64_t r = 0; r < rows; ++r) {
        float acc = 0;
        for (int64_t g = 0; g < groups; ++g) {
          int64_t s = (p * groups + g) * 16 + r;
          int32_t zero = a.zeros ? a.zeros[s] : 8;
          const uint8_t *chunk = a.w + (p * groups + g) * chunksPerGroup * 64;
          float groupAcc = 0;
          int64_t b0 = g * blocksPerGroup;
          int64_t b1 = std::min(a.x.blocks, b0 + blocksPerGroup);
          for (int64_t b = b0; b < b1; ++b) {
            int32_t sum = 0;
            for (int64_t c = (b - b0) * 4; c < (b - b0) * 4 + 4; ++c) {
              const int8_t *x = xq + b0 * LLMC_ACT_BLOCK + c * 8;
              for (int j = 0; j < 4; ++j) {
                uint8_t byte = chunk[c * 64 + r * 4 + j];
                sum += (int32_t(byte & 15) - zero) * x[j];
                sum += (int32_t(byte >> 4) - zero) * x[4 + j];
              }
            }
            groupAcc += float(sum) * xScale[b];
          }
          acc += groupAcc * loadScale(a.scales, s, a.scaleBytes);
        }
        y[p * 16 + r] += acc;
      }
    }
  }
}

} // namespace

void quantizeRowScalar(const float *x, int64_t k, int8_t *xq, float *scale,
                       int32_t *sum) {
  int64_t blocks = llmc_ceil_div(k, LLMC_ACT_BLOCK);
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t begin = b * LLMC_ACT_BLOCK;
    int64_t end = std::min(k, begin + LLMC_ACT_BLOCK);
    float max = 0;
    for (int64_t i = begin; i < end; ++i)
      max = std::max(max, std::fabs(x[i]));
    float inverse = max > 0 ? 127.0f / max : 0.0f;
    int32_t s = 0;
    for (int64_t i = begin; i < begin + LLMC_ACT_BLOCK; ++i) {
      int32_t q = 0;
      if (i < end)
        q = int32_t(
            std::clamp(std::nearbyint(x[i] * inverse), -127.0f, 127.0f));
      xq[i] = int8_t(q);
      s += q;
    }
    scale[b] = max / 127.0f;
    sum[b] = s;
  }
}

const KernelSet &scalarKernels() {
  static const KernelSet set{
      "scalar",   LLMC_ISA_X86_64, linearF32,           linearInt8,
      linearInt4, attentionTasks,  pagedAttentionTasks, quantizeRowScalar};
  return set;
}

} // namespace llmc::rt
