//===- WeightPackingTest.cpp - Vector and portable packing agree ----------===//
//
// The compiler packs with AVX and on several threads when it can; the bytes
// must be those of the portable single-pass code, scale choices included,
// for every format and awkward shape (a partial last group, rows that are
// not a multiple of 16), and an error must name the same problem.
//
//===----------------------------------------------------------------------===//

#include "compiler/quant/WeightPacking.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace llmc;

namespace {

struct Packed {
  std::vector<uint8_t> bytes;
  std::string error;
};

Packed pack(const std::vector<float> &w, int64_t n, int64_t k,
            const PackedFormat &format, bool vector) {
  setPackingUsesVectorUnits(vector);
  Packed p;
  p.bytes.assign(size_t(format.layout(n, k).total), 0xa5);
  p.error = packWeight(w.data(), n, k, format, p.bytes.data());
  setPackingUsesVectorUnits(true);
  return p;
}

std::vector<float> randomWeights(int64_t n, int64_t k, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<float> w(size_t(n * k));
  for (float &x : w)
    x = normal(rng);
  // Outliers and exact zeros, where scale choices and rounding ties differ.
  for (size_t i = 0; i < w.size(); i += 97)
    w[i] *= 12.0f;
  for (size_t i = 5; i < w.size(); i += 131)
    w[i] = 0.0f;
  return w;
}

struct Case {
  llmc_weight_format format;
  int64_t group, scaleBytes;
  bool zeroPoints;
};

class WeightPackingTest : public ::testing::TestWithParam<Case> {};

TEST_P(WeightPackingTest, VectorAndPortableGiveTheSameBytes) {
  Case c = GetParam();
  PackedFormat format{c.format, c.group, c.scaleBytes, c.zeroPoints};
  // 600 x 1000 is large enough to be packed on several threads.
  for (auto [n, k] : {std::pair<int64_t, int64_t>{37, 100}, {600, 1000}}) {
    std::vector<float> w = randomWeights(n, k, uint32_t(n * 31 + k));
    Packed portable = pack(w, n, k, format, false);
    Packed vector = pack(w, n, k, format, true);
    EXPECT_EQ(portable.error, "");
    EXPECT_EQ(vector.error, "");
    EXPECT_EQ(portable.bytes, vector.bytes) << n << " x " << k;
  }
}

TEST_P(WeightPackingTest, AnErrorIsTheSameAndNamesTheProblem) {
  Case c = GetParam();
  if (c.format == LLMC_WEIGHT_F32_PANELS || c.scaleBytes != 2)
    GTEST_SKIP() << "only f16 scales can overflow";
  PackedFormat format{c.format, c.group, c.scaleBytes, c.zeroPoints};
  int64_t n = 600, k = 1000;
  std::vector<float> w = randomWeights(n, k, 7);
  w[size_t(421 * k + 3)] = 1e7f; // its scale does not fit in f16
  Packed portable = pack(w, n, k, format, false);
  Packed vector = pack(w, n, k, format, true);
  EXPECT_NE(portable.error.find("does not fit in f16"), std::string::npos)
      << portable.error;
  EXPECT_EQ(portable.error, vector.error);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, WeightPackingTest,
    ::testing::Values(Case{LLMC_WEIGHT_F32_PANELS, 0, 2, false},
                      Case{LLMC_WEIGHT_INT8, 0, 2, false},
                      Case{LLMC_WEIGHT_INT8, 0, 4, false},
                      Case{LLMC_WEIGHT_INT4, 32, 2, false},
                      Case{LLMC_WEIGHT_INT4, 64, 4, false},
                      Case{LLMC_WEIGHT_INT4, 128, 2, false},
                      Case{LLMC_WEIGHT_INT4, 32, 2, true},
                      Case{LLMC_WEIGHT_INT4, 128, 4, true}));

} // namespace
