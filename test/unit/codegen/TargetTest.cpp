//===- TargetTest.cpp - --target parsing and the features it records ------===//

#include "compiler/codegen/Target.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <gtest/gtest.h>

using namespace llmc;

namespace {

llvm::StringSet<> checkedFeatures() {
  llvm::StringSet<> names;
#define LLMC_X86_FEATURE(NAME, LEAF, SUBLEAF, REG, BIT, STATE)                 \
  names.insert(NAME);
#define LLMC_X86_AVX10(NAME, VERSION) names.insert(NAME);
#include "llmc/x86_features.def"
  return names;
}

std::string joined(const std::vector<std::string> &features) {
  std::string out;
  for (const std::string &f : features)
    out += (out.empty() ? "" : " ") + f;
  return out;
}

TEST(Target, EveryLLVMCpuRecordsOnlyCheckableFeatures) {
  llvm::SmallVector<llvm::StringRef, 128> cpus;
  llvm::X86::fillValidCPUArchList(cpus, /*Only64Bit=*/true);
  ASSERT_GT(cpus.size(), 40u);
  llvm::StringSet<> checked = checkedFeatures();
  for (llvm::StringRef cpu : cpus) {
    auto spec = parseTarget(cpu);
    ASSERT_TRUE(bool(spec))
        << cpu.str() << ": " << llvm::toString(spec.takeError());
    EXPECT_EQ(spec->cpu, cpu.str());
    for (const std::string &feature : spec->features)
      EXPECT_TRUE(checked.contains(feature)) << cpu.str() << ": " << feature;
    // Every x86-64 CPU: 64-bit mode and SSE2.
    EXPECT_NE(joined(spec->features).find("64bit"), std::string::npos);
    EXPECT_NE(joined(spec->features).find("sse2"), std::string::npos)
        << cpu.str();
  }
}

TEST(Target, LevelsAndAliases) {
  auto v3 = parseTarget("x86-64-v3");
  ASSERT_TRUE(bool(v3));
  EXPECT_EQ(joined(v3->features),
            "64bit avx avx2 bmi bmi2 cmov crc32 cx16 cx8 f16c fma fxsr lzcnt "
            "mmx movbe popcnt sahf sse sse2 sse3 sse4.1 sse4.2 ssse3 x87");
  auto avx2 = parseTarget("x86-64-avx2");
  ASSERT_TRUE(bool(avx2));
  EXPECT_EQ(avx2->cpu, "x86-64-v3");
  EXPECT_EQ(avx2->features, v3->features);

  auto v4 = parseTarget("x86-64-v4");
  auto avx512 = parseTarget("x86-64-avx512");
  ASSERT_TRUE(v4 && avx512);
  EXPECT_EQ(joined(v4->features).find("avx512vnni"), std::string::npos);
  EXPECT_NE(joined(avx512->features).find("avx512vnni"), std::string::npos);
  EXPECT_EQ(avx512->cpu, "x86-64-v4");
}

TEST(Target, IntrinsicOnlyFeaturesAreOff) {
  auto spr = parseTarget("sapphirerapids");
  ASSERT_TRUE(bool(spr));
  std::string features = joined(spr->features);
  EXPECT_NE(features.find("avx512fp16"), std::string::npos);
  for (const char *off : {"amx-tile", "amx-int8", "serialize", "waitpkg",
                          "xsave", "rdrnd", "sha"})
    EXPECT_EQ((" " + features + " ").find(std::string(" ") + off + " "),
              std::string::npos)
        << off;
  EXPECT_NE(spr->llvmFeatures.find("-amx-tile"), std::string::npos);
}

TEST(Target, HostIsTheMachine) {
  auto host = parseTarget("host");
  ASSERT_TRUE(bool(host));
  EXPECT_FALSE(host->cpu.empty());
  EXPECT_NE(joined(host->features).find("sse2"), std::string::npos);
}

TEST(Target, UnknownTargetsAreRefused) {
  for (const char *name : {"bogus", "pentium4", "i686", "cudaa", ""}) {
    auto spec = parseTarget(name);
    ASSERT_FALSE(bool(spec)) << name;
    EXPECT_NE(llvm::toString(spec.takeError()).find("unknown target"),
              std::string::npos);
  }
}

TEST(Target, CUDAImages) {
  auto plain = parseTarget("cuda");
  ASSERT_TRUE(bool(plain)) << llvm::toString(plain.takeError());
  ASSERT_EQ(plain->gpuImages.size(), 2u);
  EXPECT_EQ(plain->gpuImages[0].arch, "sm_80");
  EXPECT_FALSE(plain->gpuImages[0].cubin);
  EXPECT_EQ(plain->gpuImages[1].arch, "sm_90");
  EXPECT_TRUE(plain->gpuImages[1].cubin);
  // The host code runs on any x86-64-v2 machine.
  EXPECT_EQ(plain->cpu, "x86-64-v2");
  EXPECT_EQ(joined(plain->features).find("avx2"), std::string::npos);

  auto sm86 = parseTarget("cuda:sm_86");
  ASSERT_TRUE(bool(sm86));
  ASSERT_EQ(sm86->gpuImages.size(), 2u);
  EXPECT_EQ(sm86->gpuImages[0].arch, "sm_86");
  EXPECT_EQ(sm86->gpuImages[1].arch, "sm_86");
  EXPECT_TRUE(sm86->isCUDA());
  EXPECT_FALSE(parseTarget("x86-64-v3")->isCUDA());
}

TEST(Target, UnknownCUDAArchitecturesAreRefused) {
  for (const char *name : {"cuda:sm_35", "cuda:sm_70", "cuda:", "cuda:sm_90a",
                           "cuda:compute_90"}) {
    auto spec = parseTarget(name);
    ASSERT_FALSE(bool(spec)) << name;
    std::string message = llvm::toString(spec.takeError());
    EXPECT_NE(message.find("unknown CUDA architecture"), std::string::npos)
        << message;
    EXPECT_NE(message.find("sm_80, sm_86, sm_89, sm_90"), std::string::npos);
  }
}

} // namespace
