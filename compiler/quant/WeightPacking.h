//===- WeightPacking.h - Quantize and pack linear weights ------*- C++ -*-===//
//
// Turns a row-major f32 weight matrix into the layouts of
// runtime/include/llmc/weight_layout.h. Plain C++ (no LLVM), so that kernel
// tests can pack weights exactly as the compiler does.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_QUANT_WEIGHTPACKING_H
#define LLMC_COMPILER_QUANT_WEIGHTPACKING_H

#include "runtime/include/llmc/weight_layout.h"

#include <cstdint>
#include <functional>
#include <string>

namespace llmc {

struct PackedFormat {
  llmc_weight_format format = LLMC_WEIGHT_F32_PANELS;
  int64_t group = 0;      // int4: 32, 64 or 128
  int64_t scaleBytes = 2; // 2 (f16) or 4 (f32)
  bool zeroPoints = false;

  llmc_packed_offsets layout(int64_t n, int64_t k) const {
    return llmc_packed_layout(format, n, k, group, scaleBytes, zeroPoints);
  }
};

/// What packWeight would refuse in W[n][k]: its first NaN or infinity
/// ("element [r, c] is NaN: ..."), or an empty string.
std::string findNonFinite(const float *w, int64_t n, int64_t k,
                          const PackedFormat &format);

/// Told rows [begin, end) of W have been packed, from whichever packing
/// thread packed them: a caller streaming W from a file mapping can drop
/// their pages.
using RowsPacked = std::function<void(int64_t begin, int64_t end)>;

/// Packs W[n][k] (row-major) into `out`, which holds layout(n, k).total
/// bytes. Returns an empty string, or what was wrong with the weights (a
/// NaN or infinity, a scale f16 cannot hold).
std::string packWeight(const float *w, int64_t n, int64_t k,
                       const PackedFormat &format, uint8_t *out,
                       const RowsPacked &rowsPacked = nullptr);

/// Whether packing may use the host's vector instructions (the default).
/// Either way the bytes are the same; tests turn them off to compare.
void setPackingUsesVectorUnits(bool enabled);

/// W[row][col] as the kernels see it, read back from packed bytes.
float unpackWeight(const uint8_t *packed, int64_t n, int64_t k,
                   const PackedFormat &format, int64_t row, int64_t col);

/// IEEE binary16 conversions, round to nearest even.
uint16_t floatToHalf(float f);
float halfToFloat(uint16_t h);

} // namespace llmc

#endif // LLMC_COMPILER_QUANT_WEIGHTPACKING_H
