//===- EntryCallTest.cpp - Generated code that fails, and its buffers -----===//

#include "EntryCall.h"

#include <cstring>
#include <gtest/gtest.h>

using namespace llmc::rt;

namespace {

// Stand-ins for generated entry points: args[0] is an int64 flag.
void allocateThenMaybeFail(void **args) {
  int64_t mode = *static_cast<int64_t *>(args[0]);
  void *kept = llmc_rt_alloc(64);
  void *freed = llmc_rt_alloc(32);
  llmc_rt_free(freed);
  std::memset(kept, 0, 64);
  if (mode == 1)
    llmc_rt_fail("node 'add': sizes {0} and {1} differ", 4, 3000);
  if (mode == 2)
    llmc_rt_alloc(uint64_t(1) << 60);
  *static_cast<void **>(args[1]) = kept;
}

TEST(EntryCall, SuccessKeepsResultBuffers) {
  int64_t mode = 0;
  void *result = nullptr;
  void *args[] = {&mode, &result};
  EXPECT_EQ(invokeEntryPoint(allocateThenMaybeFail, args), "");
  ASSERT_NE(result, nullptr);
  std::free(result); // the caller owns results
}

TEST(EntryCall, FailedCheckBecomesTheMessage) {
  int64_t mode = 1;
  void *result = nullptr;
  void *args[] = {&mode, &result};
  EXPECT_EQ(invokeEntryPoint(allocateThenMaybeFail, args),
            "node 'add': sizes 4 and 3000 differ");
  EXPECT_EQ(result, nullptr); // nothing after the check ran
}

TEST(EntryCall, RefusedAllocationFailsTheCall) {
  int64_t mode = 2;
  void *result = nullptr;
  void *args[] = {&mode, &result};
  std::string message = invokeEntryPoint(allocateThenMaybeFail, args);
  EXPECT_NE(message.find("cannot allocate a buffer of 1152921504606846976 "
                         "bytes (more than 2^48)"),
            std::string::npos)
      << message;
}

TEST(EntryCall, CallsAfterAFailureWork) {
  for (int round = 0; round < 3; ++round) {
    int64_t fail = 1, ok = 0;
    void *result = nullptr;
    void *failing[] = {&fail, &result};
    EXPECT_FALSE(invokeEntryPoint(allocateThenMaybeFail, failing).empty());
    void *passing[] = {&ok, &result};
    EXPECT_EQ(invokeEntryPoint(allocateThenMaybeFail, passing), "");
    std::free(result);
  }
}

} // namespace
