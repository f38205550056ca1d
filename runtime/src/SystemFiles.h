//===- SystemFiles.h - Reading /proc and /sys ------------------*- C++ -*-===//
//
// What the runtime learns about its process from the kernel's files: the
// cgroups it belongs to, and one-line values such as a cgroup's limits.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_SYSTEMFILES_H
#define LLMC_RUNTIME_SYSTEMFILES_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::rt {

/// The text of a /proc or /sys file without its trailing newline or
/// spaces, "" when it cannot be read.
std::string readSystemFile(const std::string &path);

/// `text` as a decimal int64 (nothing else in it).
bool parseInt64(std::string_view text, int64_t &value);

/// One line of /proc/self/cgroup: the controllers ("" for cgroup v2) and
/// the path of this process's cgroup under them.
struct CgroupMembership {
  std::string controllers;
  std::string path;
};
std::vector<CgroupMembership> ownCgroups();

} // namespace llmc::rt

#endif // LLMC_RUNTIME_SYSTEMFILES_H
