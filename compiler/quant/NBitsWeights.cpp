//===- NBitsWeights.cpp - onnxruntime's MatMulNBits weights ---------------===//

#include "compiler/quant/NBitsWeights.h"

#include <cmath>
#include <cstring>

namespace llmc {
namespace {

int32_t codeAt(const NBitsShape &s, const uint8_t *codes, int64_t row,
               int64_t col) {
  int64_t index =
      (row * s.blocks() + col / s.block) * (s.block / 2) + (col % s.block) / 2;
  return col % 2 ? codes[index] >> 4 : codes[index] & 15;
}

int32_t zeroAt(const NBitsShape &s, const uint8_t *zeros, int64_t row,
               int64_t block) {
  if (!s.zeroPoints)
    return 8;
  uint8_t byte = zeros[row * ((s.blocks() + 1) / 2) + block / 2];
  return block % 2 ? byte >> 4 : byte & 15;
}

float scaleAt(const NBitsShape &s, const uint8_t *scales, int64_t index) {
  if (s.scaleBytes == 4) {
    float f;
    std::memcpy(&f, scales + 4 * index, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, scales + 2 * index, 2);
  return halfToFloat(h);
}

} // namespace

std::string repackNBits(const NBitsShape &s, const uint8_t *codes,
                        const uint8_t *scales, const uint8_t *zeros,
                        uint8_t *out) {
  PackedFormat f = s.format();
  llmc_packed_offsets o = f.layout(s.n, s.k);
  // Padding rows keep code 8 and scale 0, as packWeight leaves them.
  std::memset(out, 0x88, size_t(o.scales));
  std::memset(out + o.scales, 0, size_t(o.total - o.scales));
  int64_t blocks = s.blocks();
  for (int64_t row = 0; row < s.n; ++row)
    for (int64_t b = 0; b < blocks; ++b) {
      int64_t source = row * blocks + b;
      if (!std::isfinite(scaleAt(s, scales, source)))
        return "the scale of row " + std::to_string(row) + ", block " +
               std::to_string(b) + " is not finite";
      int64_t index = llmc_int4_scale_index(s.k, s.block, row, b * s.block);
      std::memcpy(out + o.scales + index * s.scaleBytes,
                  scales + source * s.scaleBytes, size_t(s.scaleBytes));
      int32_t zero = zeroAt(s, zeros, row, b);
      if (s.zeroPoints)
        out[o.zeros + index] = uint8_t(zero);
      // Columns past k (the last block's padding) decode to zero.
      for (int64_t col = b * s.block; col < (b + 1) * s.block; ++col) {
        int32_t q = col < s.k ? codeAt(s, codes, row, col) : zero;
        int high;
        int64_t byte = llmc_int4_index(s.k, s.block, row, col, &high);
        out[byte] = high ? uint8_t((out[byte] & 0x0f) | q << 4)
                         : uint8_t((out[byte] & 0xf0) | q);
      }
    }
  return "";
}

float dequantizeNBits(const NBitsShape &s, const uint8_t *codes,
                      const uint8_t *scales, const uint8_t *zeros, int64_t row,
                      int64_t col) {
  int64_t b = col / s.block;
  return float(codeAt(s, codes, row, col) - zeroAt(s, zeros, row, b)) *
         scaleAt(s, scales, row * s.blocks() + b);
}

} // namespace llmc
