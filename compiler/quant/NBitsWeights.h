//===- NBitsWeights.h - onnxruntime's MatMulNBits weights -------*- C++ -*-===//
//
// com.microsoft::MatMulNBits stores a 4-bit weight as onnxruntime's
// quantizers write it; this moves its codes, scales and zero points into the
// int4 layout of runtime/include/llmc/weight_layout.h unchanged, so the
// kernels multiply by exactly the weights onnxruntime does. Plain C++.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_QUANT_NBITSWEIGHTS_H
#define LLMC_COMPILER_QUANT_NBITSWEIGHTS_H

#include "compiler/quant/WeightPacking.h"

#include <cstdint>
#include <string>

namespace llmc {

/// The shape of a 4-bit MatMulNBits weight W[n][k] (output n, input k):
///   codes  [n][blocks][block / 2] bytes, element 2j in the low nibble;
///   scales [n * blocks], f16 or f32 (scaleBytes);
///   zero points, when stored, [n][ceil(blocks / 2)] bytes, block 2j in the
///   low nibble; else every zero point is 8.
/// W[r][c] = (code - zero point) * scale of (r, c / block).
struct NBitsShape {
  int64_t n = 0, k = 0, block = 0;
  int64_t scaleBytes = 2;
  bool zeroPoints = false;

  int64_t blocks() const { return (k + block - 1) / block; }
  int64_t codeBytes() const { return n * blocks() * (block / 2); }
  int64_t scaleCount() const { return n * blocks(); }
  int64_t zeroBytes() const { return n * ((blocks() + 1) / 2); }
  /// The packed int4 format that holds these weights as they are.
  PackedFormat format() const {
    return PackedFormat{LLMC_WEIGHT_INT4, block, scaleBytes, zeroPoints};
  }
};

/// Writes the weights into `out` (format().layout(n, k).total bytes).
/// Returns an empty string, or what is wrong with them (a scale that is not
/// finite). `zeros` is ignored unless shape.zeroPoints.
std::string repackNBits(const NBitsShape &shape, const uint8_t *codes,
                        const uint8_t *scales, const uint8_t *zeros,
                        uint8_t *out);

/// W[row][col] as onnxruntime dequantizes it (the reference for tests).
float dequantizeNBits(const NBitsShape &shape, const uint8_t *codes,
                      const uint8_t *scales, const uint8_t *zeros, int64_t row,
                      int64_t col);

} // namespace llmc

#endif // LLMC_COMPILER_QUANT_NBITSWEIGHTS_H
