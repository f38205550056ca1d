//===- AvailableCpusTest.cpp - The default thread count -------------------===//

#include "AvailableCpus.h"

#include <gtest/gtest.h>

#include <climits>
#include <sched.h>

using namespace llmc::rt;

namespace {

TEST(AvailableCpus, CgroupV2QuotaRoundsUp) {
  EXPECT_EQ(cpusFromCgroupV2Max("100000 100000"), 1);
  EXPECT_EQ(cpusFromCgroupV2Max("150000 100000"), 2);
  EXPECT_EQ(cpusFromCgroupV2Max("50000 100000"), 1);
  EXPECT_EQ(cpusFromCgroupV2Max("400000 100000"), 4);
}

TEST(AvailableCpus, NoOrUnreadableCgroupV2QuotaIsNoLimit) {
  EXPECT_EQ(cpusFromCgroupV2Max("max 100000"), 0);
  EXPECT_EQ(cpusFromCgroupV2Max(""), 0);
  EXPECT_EQ(cpusFromCgroupV2Max("100000"), 0);
  EXPECT_EQ(cpusFromCgroupV2Max("100000 0"), 0);
  EXPECT_EQ(cpusFromCgroupV2Max("-5 100000"), 0);
  EXPECT_EQ(cpusFromCgroupV2Max("1x 100000"), 0);
  EXPECT_EQ(cpusFromCgroupV2Max("100000 100000 7"), 0);
}

TEST(AvailableCpus, CfsQuota) {
  EXPECT_EQ(cpusFromCfsQuota(-1, 100000), 0);
  EXPECT_EQ(cpusFromCfsQuota(250000, 100000), 3);
  EXPECT_EQ(cpusFromCfsQuota(200000, 100000), 2);
  EXPECT_EQ(cpusFromCfsQuota(INT64_MAX, 1), INT_MAX);
}

TEST(AvailableCpus, FollowsTheAffinityMask) {
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  EXPECT_GE(availableCpus(), 1);
  EXPECT_LE(availableCpus(), CPU_COUNT(&saved));
  // Confined to one CPU (the first it may use), as under `taskset -c N`.
  int first = 0;
  while (!CPU_ISSET(first, &saved))
    ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(availableCpus(), 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof saved, &saved), 0);
}

} // namespace
