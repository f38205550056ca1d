//===- RegularFile.cpp - Opening files a model names, safely --------------===//

#include "RegularFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace llmc::rt {

std::string openRegularFile(const std::string &path, int &fd, uint64_t &size) {
  fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return std::string("cannot open: ") + std::strerror(errno);
  struct stat st;
  std::string problem;
  if (fstat(fd, &st) != 0)
    problem = std::string("cannot stat: ") + std::strerror(errno);
  else if (!S_ISREG(st.st_mode))
    problem = "not a regular file";
  if (!problem.empty()) {
    close(fd);
    fd = -1;
    return problem;
  }
  size = static_cast<uint64_t>(st.st_size);
  return "";
}

std::string readRegularFile(const std::string &path, std::string &out) {
  int fd;
  uint64_t size;
  std::string problem = openRegularFile(path, fd, size);
  if (!problem.empty())
    return problem;
  out.clear();
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      problem = std::string("cannot read: ") + std::strerror(errno);
      break;
    }
    if (n == 0)
      break;
    out.append(buffer, size_t(n));
  }
  close(fd);
  return problem;
}

} // namespace llmc::rt
