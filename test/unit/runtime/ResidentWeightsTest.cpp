//===- ResidentWeightsTest.cpp - Weights copied into memory at load -------===//

#include "ResidentWeights.h"
#include "AvailableMemory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace llmc::rt;

namespace {

TEST(AvailableMemory, ReadsMemAvailableInBytes) {
  EXPECT_EQ(memAvailableFromMeminfo("MemTotal:       24683784 kB\n"
                                    "MemFree:        13994120 kB\n"
                                    "MemAvailable:   23890700 kB\n"
                                    "Buffers:          123456 kB\n"),
            uint64_t(23890700) * 1024);
  EXPECT_EQ(memAvailableFromMeminfo("MemAvailable: 0 kB\n"), 0u);
}

TEST(AvailableMemory, UnreadableMeminfoSaysNothing) {
  EXPECT_EQ(memAvailableFromMeminfo(""), UINT64_MAX);
  EXPECT_EQ(memAvailableFromMeminfo("MemTotal: 100 kB\n"), UINT64_MAX);
  EXPECT_EQ(memAvailableFromMeminfo("MemAvailable: 100 MB\n"), UINT64_MAX);
  EXPECT_EQ(memAvailableFromMeminfo("MemAvailable: -5 kB\n"), UINT64_MAX);
  EXPECT_EQ(memAvailableFromMeminfo("MemAvailable: kB\n"), UINT64_MAX);
  EXPECT_EQ(memAvailableFromMeminfo("XMemAvailable: 100 kB\n"), UINT64_MAX);
  // kB that overflow bytes.
  EXPECT_EQ(memAvailableFromMeminfo("MemAvailable: 9223372036854775807 kB"),
            UINT64_MAX);
}

TEST(AvailableMemory, CgroupLimitLessUsage) {
  EXPECT_EQ(cgroupMemoryLeft("1000", "400"), 600u);
  EXPECT_EQ(cgroupMemoryLeft("1000", "1200"), 0u);
  EXPECT_EQ(cgroupMemoryLeft("max", "400"), UINT64_MAX);
  EXPECT_EQ(cgroupMemoryLeft("", ""), UINT64_MAX);
  EXPECT_EQ(cgroupMemoryLeft("1000", "x"), UINT64_MAX);
}

TEST(AvailableMemory, ThisProcessHasSome) { EXPECT_GT(availableMemory(), 0u); }

TEST(ResidentWeights, CopiesWhenHalfTheMemoryLeftHoldsThem) {
  EXPECT_TRUE(weightsFitInMemory(10, 20));
  EXPECT_FALSE(weightsFitInMemory(11, 20));
  EXPECT_TRUE(weightsFitInMemory(uint64_t(1) << 40, UINT64_MAX));
  EXPECT_FALSE(weightsFitInMemory(1, 0));
}

/// The /proc/self/smaps header line ("lo-hi perms ...") of the mapping
/// that holds `address`, or its line that starts with `key` ("Rss:").
std::string smapsLine(const void *address, const std::string &key) {
  std::ifstream smaps("/proc/self/smaps");
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    std::string first = line.substr(0, line.find(' '));
    size_t dash = first.find('-');
    if (dash != std::string::npos && first.back() != ':') {
      uintptr_t lo = std::strtoull(first.substr(0, dash).c_str(), nullptr, 16);
      uintptr_t hi = std::strtoull(first.substr(dash + 1).c_str(), nullptr, 16);
      inside = uintptr_t(address) >= lo && uintptr_t(address) < hi;
      if (inside && key.empty())
        return line;
      continue;
    }
    if (inside && !key.empty() && line.rfind(key, 0) == 0)
      return line;
  }
  return "";
}

std::vector<uint8_t> pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = uint8_t(i * 131 + i / 4096);
  return bytes;
}

// A file's pages: the copy holds the same bytes, read-only, and the
// source's pages leave this process as they are copied.
TEST(ResidentWeights, CopiesAFileMappingAndReleasesItsPages) {
  size_t size = (size_t(65) << 20) + 123; // two chunks: two threads
  std::vector<uint8_t> bytes = pattern(size);
  char path[] = "/tmp/llmc-resident-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, bytes.data(), size), ssize_t(size));
  void *file = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  unlink(path);
  ASSERT_NE(file, MAP_FAILED);
  volatile uint8_t touch = 0;
  for (size_t i = 0; i < size; i += 4096)
    touch ^= static_cast<const uint8_t *>(file)[i];
  size_t mapped = 0;
  const uint8_t *copy =
      copyIntoMemory(static_cast<const uint8_t *>(file), size, 2, mapped);
  ASSERT_NE(copy, nullptr);
  EXPECT_GE(mapped, size);
  EXPECT_EQ(std::memcmp(copy, bytes.data(), size), 0);
  std::string header = smapsLine(copy, "");
  EXPECT_NE(header.find(" r--p "), std::string::npos) << header;
  // All but the last page, which also holds bytes past the weights (here
  // the end of the file; in a library, whatever follows them).
  std::string rss = smapsLine(file, "Rss:");
  EXPECT_LE(std::strtoull(rss.c_str() + 4, nullptr, 10), 4u) << rss;
  // Still the file's bytes when read again.
  EXPECT_EQ(std::memcmp(file, bytes.data(), size), 0);
  munmap(const_cast<uint8_t *>(copy), mapped);
  munmap(file, size);
}

// Private anonymous memory is copied but never released: dropping its
// pages would zero them.
TEST(ResidentWeights, LeavesAnonymousMemoryAlone) {
  size_t size = size_t(2) << 20;
  std::vector<uint8_t> bytes = pattern(size);
  void *source = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(source, MAP_FAILED);
  std::memcpy(source, bytes.data(), size);
  mprotect(source, size, PROT_READ);
  size_t mapped = 0;
  const uint8_t *copy =
      copyIntoMemory(static_cast<const uint8_t *>(source), size, 2, mapped);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(std::memcmp(copy, bytes.data(), size), 0);
  EXPECT_EQ(std::memcmp(source, bytes.data(), size), 0);
  munmap(const_cast<uint8_t *>(copy), mapped);
  munmap(source, size);
}

TEST(ResidentWeights, NothingToCopyIsNoCopy) {
  size_t mapped = 7;
  uint8_t byte = 1;
  EXPECT_EQ(copyIntoMemory(&byte, 0, 1, mapped), nullptr);
}

} // namespace
