//===- AvailableCpus.cpp - How many CPUs this process may use -------------===//

#include "AvailableCpus.h"
#include "SystemFiles.h"

#include <algorithm>
#include <climits>
#include <sched.h>
#include <string>
#include <thread>

namespace llmc::rt {
namespace {

int affinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    return CPU_COUNT(&set);
  // More CPUs than a cpu_set_t holds.
  return int(std::thread::hardware_concurrency());
}

/// The CPU quota of this process's own cgroup (v2, or v1's cpu
/// controller), 0 when none is set or none can be read.
int quotaCpus() {
  int cpus = 0;
  auto tighten = [&](int limit) {
    if (limit > 0)
      cpus = cpus == 0 ? limit : std::min(cpus, limit);
  };
  for (const CgroupMembership &cgroup : ownCgroups()) {
    const std::string &path = cgroup.path;
    if (cgroup.controllers.empty()) {
      tighten(cpusFromCgroupV2Max(
          readSystemFile("/sys/fs/cgroup" + path + "/cpu.max")));
      continue;
    }
    std::string list = "," + cgroup.controllers + ",";
    if (list.find(",cpu,") == std::string::npos)
      continue;
    for (std::string root : {"/sys/fs/cgroup/" + cgroup.controllers,
                             std::string("/sys/fs/cgroup/cpu")}) {
      int64_t quota, period;
      if (parseInt64(readSystemFile(root + path + "/cpu.cfs_quota_us"),
                     quota) &&
          parseInt64(readSystemFile(root + path + "/cpu.cfs_period_us"),
                     period)) {
        tighten(cpusFromCfsQuota(quota, period));
        break;
      }
    }
  }
  return cpus;
}

} // namespace

int cpusFromCfsQuota(int64_t quotaUs, int64_t periodUs) {
  if (quotaUs <= 0 || periodUs <= 0)
    return 0;
  int64_t cpus = quotaUs / periodUs + (quotaUs % periodUs != 0);
  return int(std::min<int64_t>(cpus, INT_MAX));
}

int cpusFromCgroupV2Max(std::string_view cpuMax) {
  size_t space = cpuMax.find(' ');
  if (space == std::string_view::npos)
    return 0;
  int64_t quota, period;
  if (!parseInt64(cpuMax.substr(0, space), quota) ||
      !parseInt64(cpuMax.substr(space + 1), period))
    return 0; // "max ..." (no limit) or unreadable
  return cpusFromCfsQuota(quota, period);
}

int availableCpus() {
  int cpus = affinityCpus();
  int quota = quotaCpus();
  if (quota > 0)
    cpus = std::min(cpus, quota);
  return std::max(1, cpus);
}

} // namespace llmc::rt
