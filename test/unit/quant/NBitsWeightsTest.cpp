//===- NBitsWeightsTest.cpp - MatMulNBits weights in the int4 layout ------===//
//
// Weights repacked from onnxruntime's MatMulNBits storage decode, element
// for element and bit for bit, to what onnxruntime's dequantization gives
// (codes, zero points and scales moved, never requantized), the padding of
// a partial last block decodes to zero, and the int4 kernels multiply by
// them.
//
//===----------------------------------------------------------------------===//

#include "compiler/quant/NBitsWeights.h"
#include "kernels/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace llmc;
using namespace llmc::rt;

namespace {

struct NBitsTensors {
  NBitsShape shape;
  std::vector<uint8_t> codes, scales, zeros;
};

NBitsTensors randomNBits(NBitsShape shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> scale(0.0f, 0.02f);
  NBitsTensors t{shape, {}, {}, {}};
  t.codes.resize(size_t(shape.codeBytes()));
  for (uint8_t &b : t.codes)
    b = uint8_t(byte(rng));
  t.scales.resize(size_t(shape.scaleCount() * shape.scaleBytes));
  for (int64_t i = 0; i < shape.scaleCount(); ++i) {
    float s = scale(rng);
    if (shape.scaleBytes == 4) {
      std::memcpy(t.scales.data() + 4 * i, &s, 4);
    } else {
      uint16_t h = floatToHalf(s);
      std::memcpy(t.scales.data() + 2 * i, &h, 2);
    }
  }
  if (shape.zeroPoints) {
    t.zeros.resize(size_t(shape.zeroBytes()));
    for (uint8_t &b : t.zeros)
      b = uint8_t(byte(rng));
  }
  return t;
}

std::vector<uint8_t> repack(const NBitsTensors &t, std::string &error) {
  std::vector<uint8_t> out(
      size_t(t.shape.format().layout(t.shape.n, t.shape.k).total), 0xEE);
  error = repackNBits(t.shape, t.codes.data(), t.scales.data(), t.zeros.data(),
                      out.data());
  return out;
}

const NBitsShape kShapes[] = {
    {17, 100, 32, 2, true}, {16, 64, 64, 4, false}, {33, 257, 128, 2, true},
    {1, 16, 32, 2, false},  {40, 96, 32, 4, true},  {5, 300, 64, 2, false},
};

TEST(NBitsWeights, RepackedWeightsAreOnnxruntimes) {
  for (const NBitsShape &shape : kShapes) {
    SCOPED_TRACE("n=" + std::to_string(shape.n) +
                 " k=" + std::to_string(shape.k) +
                 " block=" + std::to_string(shape.block));
    NBitsTensors t = randomNBits(shape, uint32_t(shape.n * 1000 + shape.k));
    std::string error;
    std::vector<uint8_t> packed = repack(t, error);
    ASSERT_EQ(error, "");
    PackedFormat format = shape.format();
    for (int64_t row = 0; row < shape.n; ++row) {
      for (int64_t col = 0; col < shape.k; ++col)
        ASSERT_EQ(
            unpackWeight(packed.data(), shape.n, shape.k, format, row, col),
            dequantizeNBits(shape, t.codes.data(), t.scales.data(),
                            t.zeros.data(), row, col))
            << "at row " << row << ", column " << col;
      for (int64_t col = shape.k; col < shape.blocks() * shape.block; ++col)
        ASSERT_EQ(
            unpackWeight(packed.data(), shape.n, shape.k, format, row, col),
            0.0f)
            << "padding at row " << row << ", column " << col;
    }
  }
}

TEST(NBitsWeights, KernelsMultiplyByRepackedWeights) {
  const int64_t m = 3;
  for (const NBitsShape &shape : kShapes) {
    NBitsTensors t = randomNBits(shape, 7);
    std::string error;
    std::vector<uint8_t> packed = repack(t, error);
    ASSERT_EQ(error, "");
    llmc_packed_offsets o = shape.format().layout(shape.n, shape.k);
    std::mt19937 rng(11);
    std::normal_distribution<float> dist;
    std::vector<float> x(size_t(m * shape.k)), y(size_t(m * shape.n), 0.0f);
    for (float &v : x)
      v = dist(rng);
    ScopedKernelContext context(&scalarKernels(), 1);
    llmc_rt_linear_int4(
        x.data(), shape.k, packed.data(), packed.data() + o.scales,
        shape.zeroPoints ? packed.data() + o.zeros : nullptr, y.data(), shape.n,
        m, shape.n, shape.k, shape.block, shape.scaleBytes);
    for (int64_t r = 0; r < m; ++r)
      for (int64_t n = 0; n < shape.n; ++n) {
        // Activations are rounded to int8 per block of 32: half a block
        // scale per element bounds the difference.
        double exact = 0, bound = 1e-5;
        for (int64_t k = 0; k < shape.k; ++k) {
          double w = dequantizeNBits(shape, t.codes.data(), t.scales.data(),
                                     t.zeros.data(), n, k);
          exact += w * x[r * shape.k + k];
          float block = 0;
          int64_t begin = k / 32 * 32;
          for (int64_t i = begin; i < std::min(shape.k, begin + 32); ++i)
            block = std::max(block, std::fabs(x[r * shape.k + i]));
          bound += std::fabs(w) * block / 127.0 / 2 * 1.0001;
        }
        ASSERT_NEAR(y[r * shape.n + n], exact, bound)
            << "at row " << r << ", output " << n;
      }
  }
}

TEST(NBitsWeights, RefusesScalesThatAreNotFinite) {
  NBitsShape shape{4, 64, 32, 2, false};
  NBitsTensors t = randomNBits(shape, 3);
  uint16_t nan = 0x7e00;
  std::memcpy(t.scales.data() + 2 * 3, &nan, 2); // row 1, block 1
  std::string error;
  repack(t, error);
  EXPECT_EQ(error, "the scale of row 1, block 1 is not finite");
}

} // namespace
