//===- SystemFiles.cpp - Reading /proc and /sys ---------------------------===//

#include "SystemFiles.h"
#include "RegularFile.h"

#include <charconv>
#include <sstream>

namespace llmc::rt {

std::string readSystemFile(const std::string &path) {
  std::string text;
  if (!readRegularFile(path, text).empty())
    return "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  size_t start = text.find_first_not_of(' ');
  return start == std::string::npos ? "" : text.substr(start);
}

bool parseInt64(std::string_view text, int64_t &value) {
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && error == std::errc() &&
         end == text.data() + text.size();
}

std::vector<CgroupMembership> ownCgroups() {
  std::vector<CgroupMembership> result;
  std::string text;
  if (!readRegularFile("/proc/self/cgroup", text).empty())
    return result;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    // "id:controllers:path"
    size_t first = line.find(':');
    size_t second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos)
      continue;
    result.push_back(
        {line.substr(first + 1, second - first - 1), line.substr(second + 1)});
  }
  return result;
}

} // namespace llmc::rt
