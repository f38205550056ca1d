//===- ParallelFileWriterTest.cpp - Weights written from every core -------===//

#include "compiler/codegen/ParallelFileWriter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

using namespace llmc;

namespace {

std::vector<uint8_t> pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = uint8_t(seed + i * 7 + (i >> 12));
  return bytes;
}

struct TempPath {
  llvm::SmallString<128> path;
  TempPath() {
    int fd;
    EXPECT_FALSE(
        llvm::sys::fs::createTemporaryFile("llmc-pfw", "bin", fd, path));
    llvm::sys::fs::closeFile(fd);
  }
  ~TempPath() { llvm::sys::fs::remove(path); }
};

TEST(ParallelFileWriter, BytesLandAtTheirOffsetsAndGapsStayZero) {
  TempPath temp;
  // A small write (pwrite), a large one at an offset that is not
  // page-aligned (split across threads through a mapping), and a tail.
  std::vector<uint8_t> small = pattern(100, 1), large = pattern(5 << 20, 2),
                       tail = pattern(3000, 3);
  const uint64_t largeAt = 4096 + 123, tailAt = largeAt + large.size() + 999;
  const uint64_t size = tailAt + tail.size() + 50;
  auto writer = ParallelFileWriter::create(temp.path, size);
  ASSERT_TRUE(bool(writer)) << llvm::toString(writer.takeError());
  ASSERT_FALSE(bool((*writer)->write(largeAt, large)));
  ASSERT_FALSE(bool((*writer)->write(tailAt, tail)));
  ASSERT_FALSE(bool((*writer)->write(10, small)));
  ASSERT_FALSE(bool((*writer)->close()));

  auto file = llvm::MemoryBuffer::getFile(temp.path);
  ASSERT_TRUE(bool(file));
  llvm::StringRef got = (*file)->getBuffer();
  ASSERT_EQ(got.size(), size);
  std::vector<uint8_t> expected(size, 0);
  std::copy(small.begin(), small.end(), expected.begin() + 10);
  std::copy(large.begin(), large.end(), expected.begin() + largeAt);
  std::copy(tail.begin(), tail.end(), expected.begin() + tailAt);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(),
                         reinterpret_cast<const uint8_t *>(got.data())));
}

TEST(ParallelFileWriter, RefusesAWritePastTheEnd) {
  TempPath temp;
  auto writer = ParallelFileWriter::create(temp.path, 4 << 20);
  ASSERT_TRUE(bool(writer)) << llvm::toString(writer.takeError());
  std::vector<uint8_t> bytes = pattern(3 << 20, 4);
  llvm::Error err = (*writer)->write(2 << 20, bytes);
  ASSERT_TRUE(bool(err));
  EXPECT_NE(llvm::toString(std::move(err)).find("past the end"),
            std::string::npos);
}

TEST(ParallelFileWriter, AFullDeviceIsAnErrorNamingTheFile) {
  // /dev/full has no blocks to allocate: the writer falls back to
  // pwrite(2), which fails with ENOSPC.
  if (!llvm::sys::fs::exists("/dev/full"))
    GTEST_SKIP() << "no /dev/full";
  auto writer = ParallelFileWriter::create("/dev/full", 8 << 20);
  ASSERT_TRUE(bool(writer)) << llvm::toString(writer.takeError());
  std::vector<uint8_t> bytes = pattern(4 << 20, 5);
  llvm::Error err = (*writer)->write(0, bytes);
  ASSERT_TRUE(bool(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "/dev/full: write failed: No space left on device");
}

TEST(ParallelFileWriter, AMissingDirectoryIsAnErrorNamingTheFile) {
  auto writer =
      ParallelFileWriter::create("/nonexistent-llmc-dir/m.so.weights", 1);
  ASSERT_FALSE(bool(writer));
  EXPECT_EQ(llvm::toString(writer.takeError()),
            "/nonexistent-llmc-dir/m.so.weights: cannot write: No such file "
            "or directory");
}

} // namespace
