//===- CudaDriverTest.cpp - Which GPU can load which kernel image ---------===//

#include "cuda/CudaDriver.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

using namespace llmc::rt::cuda;

namespace {

TEST(CudaDriver, CubinsRunOnTheirMajorArchitecture) {
  KernelImage sm80{8, 0, /*cubin=*/true};
  EXPECT_TRUE(canLoad(sm80, 8, 0));
  EXPECT_TRUE(canLoad(sm80, 8, 6)); // A100 cubin on an RTX 30x0
  EXPECT_TRUE(canLoad(sm80, 8, 9));
  EXPECT_FALSE(canLoad(sm80, 9, 0)); // machine code of another generation
  EXPECT_FALSE(canLoad(sm80, 7, 5));
  KernelImage sm86{8, 6, /*cubin=*/true};
  EXPECT_FALSE(canLoad(sm86, 8, 0));
  EXPECT_TRUE(canLoad(sm86, 8, 9));
}

TEST(CudaDriver, PTXRunsOnItsArchitectureAndNewer) {
  KernelImage ptx80{8, 0, /*cubin=*/false};
  EXPECT_TRUE(canLoad(ptx80, 8, 0));
  EXPECT_TRUE(canLoad(ptx80, 9, 0)); // the driver compiles it for an H100
  EXPECT_TRUE(canLoad(ptx80, 12, 0));
  EXPECT_FALSE(canLoad(ptx80, 7, 5));
  KernelImage ptx90{9, 0, /*cubin=*/false};
  EXPECT_FALSE(canLoad(ptx90, 8, 9));
}

TEST(CudaDriver, AMissingDriverIsAProblemNotACrash) {
  std::string problem;
  const Driver *driver = getDriver(problem);
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library) {
    dlclose(library);
    GTEST_SKIP() << "this machine has a CUDA driver";
  }
  EXPECT_EQ(driver, nullptr);
  EXPECT_NE(problem.find("no CUDA driver on this machine (libcuda.so.1"),
            std::string::npos)
      << problem;
  // Asked again, the same answer (loaded once).
  std::string again;
  EXPECT_EQ(getDriver(again), nullptr);
  EXPECT_EQ(again, problem);
}

} // namespace
