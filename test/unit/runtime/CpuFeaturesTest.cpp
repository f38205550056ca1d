//===- CpuFeaturesTest.cpp - The runtime's CPU feature checks -------------===//

#include "CpuFeatures.h"

#include <cstdlib>
#include <gtest/gtest.h>

using namespace llmc::rt;

namespace {

TEST(CpuFeatures, EveryListedNameIsKnown) {
  const char *names[] = {
#define LLMC_X86_FEATURE(NAME, LEAF, SUBLEAF, REG, BIT, STATE) NAME,
#define LLMC_X86_AVX10(NAME, VERSION) NAME,
#include "llmc/x86_features.def"
  };
  for (const char *name : names)
    EXPECT_TRUE(hostHasFeature(name).has_value()) << name;
}

TEST(CpuFeatures, BaselineIsPresent) {
  for (const char *name : {"64bit", "x87", "sse", "sse2", "cmov", "cx8"})
    EXPECT_TRUE(hostHasFeature(name).value_or(false)) << name;
  EXPECT_EQ(checkCpuFeatures({"64bit", "sse2"}), "");
}

TEST(CpuFeatures, UnknownNamesAreRefusedFirst) {
  EXPECT_FALSE(hostHasFeature("frobnicate").has_value());
  std::string problem = checkCpuFeatures({"sse2", "frobnicate", "sse9.9"});
  EXPECT_NE(problem.find("does not know (frobnicate, sse9.9)"),
            std::string::npos)
      << problem;
}

TEST(CpuFeatures, HiddenFeaturesCountAsMissing) {
  ASSERT_EQ(setenv("LLMC_HIDE_CPU_FEATURES", "sse2,cx8", 1), 0);
  EXPECT_EQ(hostHasFeature("sse2"), false);
  std::string problem = checkCpuFeatures({"cx8", "sse", "sse2"});
  EXPECT_NE(problem.find("lacks (cx8, sse2)"), std::string::npos) << problem;
  unsetenv("LLMC_HIDE_CPU_FEATURES");
  EXPECT_EQ(hostHasFeature("sse2"), true);
}

} // namespace
