//===- ResidentWeights.cpp - The weights in the process's own memory ------===//

#include "ResidentWeights.h"
#include "SystemFiles.h"
#include "kernels/ThreadPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace llmc::rt {
namespace {

/// Whether [begin, end) lies in read-only mappings of files (inode not 0),
/// per /proc/self/maps: dropping such pages costs a re-read at worst, where
/// dropping private anonymous ones would zero them.
bool inReadOnlyFileMappings(uintptr_t begin, uintptr_t end) {
  std::istringstream maps(readSystemFile("/proc/self/maps"));
  uintptr_t covered = begin;
  for (std::string line; std::getline(maps, line) && covered < end;) {
    // "lo-hi perms offset dev inode path"
    std::istringstream fields(line);
    std::string range, perms, offset, device;
    unsigned long long inode = 0;
    fields >> range >> perms >> offset >> device >> inode;
    size_t dash = range.find('-');
    if (dash == std::string::npos)
      continue;
    uintptr_t lo = std::strtoull(range.substr(0, dash).c_str(), nullptr, 16);
    uintptr_t hi = std::strtoull(range.substr(dash + 1).c_str(), nullptr, 16);
    if (hi <= covered || lo > covered)
      continue;
    if (perms.size() < 2 || perms[1] != '-' || inode == 0)
      return false;
    covered = hi;
  }
  return covered >= end;
}

} // namespace

bool weightsFitInMemory(uint64_t size, uint64_t available) {
  return size <= available / 2;
}

const uint8_t *copyIntoMemory(const uint8_t *source, size_t size, int threads,
                              size_t &mappedSize) {
  uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  constexpr size_t kHugePage = size_t(2) << 20;
  if (size == 0 || size > SIZE_MAX - kHugePage)
    return nullptr;
  mappedSize = (size + kHugePage - 1) / kHugePage * kHugePage;
  void *memory = mmap(nullptr, mappedSize, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (memory == MAP_FAILED)
    return nullptr;
  // Advice only: without transparent huge pages the copy still reads
  // faster than the file's pages.
  madvise(memory, mappedSize, MADV_HUGEPAGE);
  auto *copy = static_cast<uint8_t *>(memory);
  bool release =
      inReadOnlyFileMappings(uintptr_t(source), uintptr_t(source + size));
  // 64 MiB at a time, on the model's threads: each chunk is fresh memory
  // to fault in and the source's pages to map, which on these VMs cost
  // more than the copy itself.
  constexpr size_t kChunk = size_t(64) << 20;
  parallelFor(threads, int64_t((size + kChunk - 1) / kChunk), [&](int64_t c) {
    size_t at = size_t(c) * kChunk, n = std::min(kChunk, size - at);
    std::memcpy(copy + at, source + at, n);
    // The source's pages wholly inside this chunk leave this process (a
    // read-only file mapping: they are still the file's).
    uintptr_t begin = (uintptr_t(source + at) + page - 1) / page * page;
    uintptr_t end = uintptr_t(source + at + n) / page * page;
    if (release && end > begin)
      madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
  });
  mprotect(memory, mappedSize, PROT_READ);
  return copy;
}

} // namespace llmc::rt
