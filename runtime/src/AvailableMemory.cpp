//===- AvailableMemory.cpp - How much memory this process may take --------===//

#include "AvailableMemory.h"
#include "SystemFiles.h"

#include <algorithm>
#include <string>

namespace llmc::rt {

uint64_t memAvailableFromMeminfo(std::string_view meminfo) {
  // "MemAvailable:   23890700 kB"
  std::string_view key = "MemAvailable:";
  size_t at = meminfo.find(key);
  if (at == std::string_view::npos || (at > 0 && meminfo[at - 1] != '\n'))
    return UINT64_MAX;
  std::string_view rest = meminfo.substr(at + key.size());
  rest = rest.substr(0, rest.find('\n'));
  size_t start = rest.find_first_not_of(' ');
  if (start == std::string_view::npos)
    return UINT64_MAX;
  rest = rest.substr(start);
  size_t space = rest.find(' ');
  int64_t kib;
  if (space == std::string_view::npos || rest.substr(space) != " kB" ||
      !parseInt64(rest.substr(0, space), kib) || kib < 0 ||
      uint64_t(kib) > UINT64_MAX / 1024)
    return UINT64_MAX;
  return uint64_t(kib) * 1024;
}

uint64_t cgroupMemoryLeft(std::string_view limit, std::string_view usage) {
  int64_t max, used;
  if (!parseInt64(limit, max) || !parseInt64(usage, used) || max < 0 ||
      used < 0)
    return UINT64_MAX; // "max", or nothing readable
  return max > used ? uint64_t(max - used) : 0;
}

uint64_t availableMemory() {
  uint64_t available = memAvailableFromMeminfo(readSystemFile("/proc/meminfo"));
  for (const CgroupMembership &cgroup : ownCgroups()) {
    if (cgroup.controllers.empty()) {
      std::string dir = "/sys/fs/cgroup" + cgroup.path;
      available = std::min(
          available, cgroupMemoryLeft(readSystemFile(dir + "/memory.max"),
                                      readSystemFile(dir + "/memory.current")));
      continue;
    }
    std::string list = "," + cgroup.controllers + ",";
    if (list.find(",memory,") == std::string::npos)
      continue;
    std::string dir = "/sys/fs/cgroup/memory" + cgroup.path;
    available = std::min(
        available,
        cgroupMemoryLeft(readSystemFile(dir + "/memory.limit_in_bytes"),
                         readSystemFile(dir + "/memory.usage_in_bytes")));
  }
  return available;
}

} // namespace llmc::rt
