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

#include <algorithm>
#include <cmath>
#include <mutex>
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
  const char *name;
  llmc_weight_format format;
  int64_t group, scaleBytes;
  bool zeroPoints;
};

class VectorPacking : public ::testing::TestWithParam<Case> {};
class ScaleOverflow : public ::testing::TestWithParam<Case> {};

TEST_P(VectorPacking, GivesThePortableBytes) {
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

TEST_P(ScaleOverflow, IsTheSameErrorAndNamesTheProblem) {
  Case c = GetParam();
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

// Rows are checked chunk by chunk as they are packed, yet a NaN anywhere
// still wins over a packing error in an earlier row, as when the whole
// matrix was checked first.
TEST(WeightPackingErrors, ANonFiniteWeightWinsOverAnEarlierOverflow) {
  int64_t n = 600, k = 1000;
  std::vector<float> w = randomWeights(n, k, 9);
  w[size_t(3 * k + 1)] = 1e7f;  // row 3: an f16 scale overflows
  w[size_t(590 * k + 7)] = NAN; // row 590: not a number
  PackedFormat format{LLMC_WEIGHT_INT4, 32, 2, false};
  for (bool vector : {false, true}) {
    Packed p = pack(w, n, k, format, vector);
    EXPECT_EQ(p.error,
              "element [590, 7] is NaN: quantization needs finite weights");
  }
}

// Every row is reported packed exactly once (callers drop the pages of a
// mapped source as rows are done).
TEST(WeightPackingErrors, EveryRowIsReportedPackedOnce) {
  int64_t n = 600, k = 1000;
  std::vector<float> w = randomWeights(n, k, 10);
  PackedFormat format{LLMC_WEIGHT_INT8, 0, 2, false};
  std::vector<uint8_t> out(size_t(format.layout(n, k).total));
  std::mutex mutex;
  std::vector<int> seen(size_t(n), 0);
  std::string error = packWeight(w.data(), n, k, format, out.data(),
                                 [&](int64_t begin, int64_t end) {
                                   std::lock_guard<std::mutex> lock(mutex);
                                   for (int64_t r = begin; r < end; ++r)
                                     ++seen[size_t(r)];
                                 });
  EXPECT_EQ(error, "");
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), n);
}

std::string caseName(const ::testing::TestParamInfo<Case> &info) {
  return info.param.name;
}

// Formats with f16 scales, which a large weight can overflow.
const Case kF16Scaled[] = {
    {"int8", LLMC_WEIGHT_INT8, 0, 2, false},
    {"int4_g32", LLMC_WEIGHT_INT4, 32, 2, false},
    {"int4_g128", LLMC_WEIGHT_INT4, 128, 2, false},
    {"int4_g32_zero_points", LLMC_WEIGHT_INT4, 32, 2, true}};

INSTANTIATE_TEST_SUITE_P(F16Scales, VectorPacking,
                         ::testing::ValuesIn(kF16Scaled), caseName);
INSTANTIATE_TEST_SUITE_P(
    Others, VectorPacking,
    ::testing::Values(Case{"f32", LLMC_WEIGHT_F32_PANELS, 0, 4, false},
                      Case{"int8_f32_scales", LLMC_WEIGHT_INT8, 0, 4, false},
                      Case{"int4_g64_f32_scales", LLMC_WEIGHT_INT4, 64, 4,
                           false},
                      Case{"int4_g128_f32_scales_zero_points", LLMC_WEIGHT_INT4,
                           128, 4, true}),
    caseName);
INSTANTIATE_TEST_SUITE_P(F16Scales, ScaleOverflow,
                         ::testing::ValuesIn(kF16Scaled), caseName);

} // namespace
