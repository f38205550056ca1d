//===- AvailableCpus.h - How many CPUs this process may use -----*- C++ -*-===//
//
// The default thread count. std::thread::hardware_concurrency() counts the
// machine's CPUs; a process confined to fewer (taskset, numactl, a
// container's cpuset or CPU quota) that starts one busy thread per CPU
// anyway runs them in turns on the CPUs it has: SmolLM2 int4 decode under
// `taskset -c 0` ran at 7 tok/s with two threads against ~300 with one.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_AVAILABLECPUS_H
#define LLMC_RUNTIME_AVAILABLECPUS_H

#include <cstdint>
#include <string_view>

namespace llmc::rt {

/// The CPUs in this process's affinity mask, fewer when its cgroup's CPU
/// quota allows fewer (rounded up); at least 1.
int availableCpus();

/// CPUs a cgroup v2 `cpu.max` ("max 100000", "150000 100000") allows,
/// rounded up; 0 for no limit or text it cannot read.
int cpusFromCgroupV2Max(std::string_view cpuMax);

/// CPUs a cgroup v1 CFS quota allows (cpu.cfs_quota_us over
/// cpu.cfs_period_us), rounded up; 0 for no limit (-1) or bad values.
int cpusFromCfsQuota(int64_t quotaUs, int64_t periodUs);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_AVAILABLECPUS_H
