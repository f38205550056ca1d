//===- ParallelFileWriter.cpp - Write a large file from every core --------===//

#include "compiler/codegen/ParallelFileWriter.h"
#include "compiler/support/FileError.h"

#include "AvailableCpus.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace llvm;

namespace llmc {

/// Pieces smaller than this are not worth a thread.
static constexpr uint64_t kMinPieceBytes = 1ull << 20;

Expected<std::unique_ptr<ParallelFileWriter>>
ParallelFileWriter::create(StringRef path, uint64_t size) {
  int fd;
  do {
    fd = ::open(path.str().c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
                0666);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return fileError(path, Twine("cannot write: ") + std::strerror(errno));
  int err = 0;
  if (size > 0) {
    do {
      err = ::fallocate(fd, 0, 0, off_t(size)) == 0 ? 0 : errno;
    } while (err == EINTR);
  }
  if (err == ENOSPC || err == EDQUOT || err == EFBIG) {
    ::close(fd);
    return fileError(path, Twine("cannot write ") + Twine(size) +
                               " bytes: " + std::strerror(err));
  }
  // Without allocated blocks a store through a mapping could meet a full
  // disk as SIGBUS: such files are written with pwrite(2) instead.
  bool mapped = err == 0;
  if (!mapped && ::ftruncate(fd, off_t(size)) != 0 && errno != EINVAL) {
    int truncateErr = errno;
    ::close(fd);
    return fileError(path,
                     Twine("cannot write: ") + std::strerror(truncateErr));
  }
  return std::unique_ptr<ParallelFileWriter>(
      new ParallelFileWriter(path.str(), fd, size, mapped));
}

ParallelFileWriter::~ParallelFileWriter() {
  if (fd >= 0)
    ::close(fd);
}

Error ParallelFileWriter::writeSerially(uint64_t offset,
                                        ArrayRef<uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), off_t(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fileError(path, Twine("write failed: ") +
                                 std::strerror(n < 0 ? errno : EIO));
    bytes = bytes.drop_front(size_t(n));
    offset += uint64_t(n);
  }
  return Error::success();
}

Error ParallelFileWriter::write(uint64_t offset, ArrayRef<uint8_t> bytes) {
  if (bytes.empty())
    return Error::success();
  if (offset > size || bytes.size() > size - offset)
    return fileError(path, "write past the end of the file (internal error)");
  if (!mapped || bytes.size() < 2 * kMinPieceBytes)
    return writeSerially(offset, bytes);

  uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
  uint64_t begin = alignDown(offset, page);
  uint64_t length = offset + bytes.size() - begin;
  void *map = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                     off_t(begin));
  if (map == MAP_FAILED)
    return writeSerially(offset, bytes);
  uint8_t *dest = static_cast<uint8_t *>(map) + (offset - begin);
  // Each fault then zero-fills its own page: with readahead, one thread's
  // fault fills a large range while the others wait for its pages.
  ::madvise(map, length, MADV_RANDOM);

  uint64_t threads = std::min<uint64_t>(
      {uint64_t(rt::availableCpus()), 16, bytes.size() / kMinPieceBytes});
  uint64_t piece = alignTo(divideCeil(bytes.size(), threads), page);
  auto copy = [&](uint64_t t) {
    uint64_t from = std::min<uint64_t>(t * piece, bytes.size());
    uint64_t to = std::min<uint64_t>(from + piece, bytes.size());
    std::memcpy(dest + from, bytes.data() + from, to - from);
  };
  std::vector<std::thread> helpers;
  for (uint64_t t = 1; t < threads; ++t)
    helpers.emplace_back(copy, t);
  copy(0);
  for (std::thread &helper : helpers)
    helper.join();
  ::munmap(map, length);
  return Error::success();
}

Error ParallelFileWriter::close() {
  int result = ::close(fd);
  fd = -1;
  if (result != 0 && errno != EINTR)
    return fileError(path, Twine("write failed: ") + std::strerror(errno));
  return Error::success();
}

} // namespace llmc
