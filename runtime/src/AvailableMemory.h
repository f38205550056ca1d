//===- AvailableMemory.h - How much memory this process may take -*- C++
//-*-===//
//
// Whether the weights fit in memory of the process's own: a copy that does
// not fit would be killed by the OOM killer rather than refused.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_AVAILABLEMEMORY_H
#define LLMC_RUNTIME_AVAILABLEMEMORY_H

#include <cstdint>
#include <string_view>

namespace llmc::rt {

/// Bytes this process can still allocate without the kernel reclaiming
/// what others use: the system's MemAvailable, capped by what its cgroup's
/// memory limit leaves (v2 memory.max less memory.current, or v1's
/// limit_in_bytes less usage_in_bytes). UINT64_MAX when nothing says.
uint64_t availableMemory();

/// MemAvailable of /proc/meminfo's text, in bytes; UINT64_MAX when absent
/// or unreadable.
uint64_t memAvailableFromMeminfo(std::string_view meminfo);

/// What a cgroup limit leaves given its usage, both as the files hold them
/// ("max" for no limit); UINT64_MAX for no limit or text it cannot read.
uint64_t cgroupMemoryLeft(std::string_view limit, std::string_view usage);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_AVAILABLEMEMORY_H
