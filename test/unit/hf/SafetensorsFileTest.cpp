//===- SafetensorsFileTest.cpp - The safetensors reader on hostile files --===//

#include "compiler/hf/SafetensorsFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using namespace llmc;

namespace {

/// 8-byte little-endian length, then the header text, then `data`.
std::string makeFile(const std::string &header, const std::string &data = "",
                     std::optional<uint64_t> declaredLength = std::nullopt) {
  uint64_t length = declaredLength.value_or(header.size());
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return bytes + header + data;
}

/// Parses `bytes`; returns the error message, or "" when accepted.
std::string parseError(const std::string &bytes) {
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(bytes, "test");
  auto file = SafetensorsFile::parse(std::move(buffer), "w.safetensors");
  if (file)
    return "";
  return llvm::toString(file.takeError());
}

std::string floats(std::initializer_list<float> values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.begin(), out.size());
  return out;
}

TEST(SafetensorsFile, AcceptsValidFile) {
  std::string header =
      R"({"__metadata__": {"format": "pt"},
          "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]},
          "a": {"dtype": "F32", "shape": [1, 3], "data_offsets": [0, 12]},
          "empty": {"dtype": "BF16", "shape": [0, 4], "data_offsets": [20, 20]}})";
  std::string data = floats({1, 2, 3, 4, 5});
  auto buffer = llvm::MemoryBuffer::getMemBufferCopy(makeFile(header, data));
  auto file = SafetensorsFile::parse(std::move(buffer), "w.safetensors");
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  ASSERT_EQ((*file)->getTensors().size(), 3u);
  // Ordered by offset, whatever the header's order.
  EXPECT_EQ((*file)->getTensors()[0].name, "a");

  const SafetensorsTensor *a = (*file)->lookup("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, SafetensorsDType::F32);
  EXPECT_EQ(a->shape, (llvm::SmallVector<int64_t, 4>{1, 3}));
  ASSERT_EQ(a->data.size(), 12u);
  float third;
  std::memcpy(&third, a->data.data() + 8, 4);
  EXPECT_EQ(third, 3.0f);

  const SafetensorsTensor *b = (*file)->lookup("b");
  ASSERT_NE(b, nullptr);
  float last;
  std::memcpy(&last, b->data.data() + 4, 4);
  EXPECT_EQ(last, 5.0f);
  EXPECT_EQ((*file)->lookup("empty")->getNumElements(), 0u);
  // A tensor the file lacks is absent, not an error at open time.
  EXPECT_EQ((*file)->lookup("model.norm.weight"), nullptr);
}

TEST(SafetensorsFile, OpensFromDisk) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("st", "safetensors", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << makeFile(
        R"({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})",
        floats({7, 8}));
  }
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(bool(file)) << llvm::toString(file.takeError());
  EXPECT_EQ((*file)->lookup("x")->data.size(), 8u);
  llvm::sys::fs::remove(path);

  auto missing = SafetensorsFile::open("/nonexistent/w.safetensors");
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(
      llvm::toString(missing.takeError()),
      "/nonexistent/w.safetensors: cannot open: No such file or directory");
}

TEST(SafetensorsFile, RejectsEmptyFile) {
  EXPECT_EQ(parseError(""), "w.safetensors: truncated: 0 bytes, a safetensors "
                            "file starts with an 8-byte header length");
}

TEST(SafetensorsFile, RejectsTruncatedLength) {
  EXPECT_EQ(parseError(std::string("\x10\x00\x00", 3)),
            "w.safetensors: truncated: 3 bytes, a safetensors file starts "
            "with an 8-byte header length");
}

TEST(SafetensorsFile, RejectsHeaderPastEndOfFile) {
  EXPECT_EQ(parseError(makeFile("{}", "", 4096)),
            "w.safetensors: header length 4096 runs past the end of the file "
            "(10 bytes)");
}

TEST(SafetensorsFile, RejectsAbsurdHeaderLength) {
  EXPECT_EQ(parseError(makeFile("{}", "", ~0ull)),
            "w.safetensors: header length 18446744073709551615 exceeds the "
            "100 MiB limit");
}

TEST(SafetensorsFile, RejectsZeroHeaderLength) {
  EXPECT_EQ(parseError(makeFile("", "abcd")), "w.safetensors: empty header");
}

TEST(SafetensorsFile, RejectsNonJsonHeader) {
  std::string error = parseError(makeFile("{\"a\": [1, 2"));
  EXPECT_EQ(error.rfind("w.safetensors: header is not valid JSON: ", 0), 0u)
      << error;
}

TEST(SafetensorsFile, RejectsNonObjectHeader) {
  EXPECT_EQ(parseError(makeFile("[1, 2, 3]")),
            "w.safetensors: header is not a JSON object");
}

TEST(SafetensorsFile, RejectsOffsetsPastEndOfFile) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})",
          floats({1, 2}))),
      "w.safetensors: tensor 'w': data_offsets [0, 16] run past the end of "
      "the data section (8 bytes)");
}

TEST(SafetensorsFile, RejectsReversedOffsets) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})",
          floats({1, 2, 3}))),
      "w.safetensors: tensor 'w': data_offsets [8, 4] are reversed");
}

TEST(SafetensorsFile, RejectsOverlappingTensors) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
              "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
          floats({1, 2, 3}))),
      "w.safetensors: tensor 'b': data_offsets [4, 12] overlap tensor 'a' at "
      "[0, 8]");
}

TEST(SafetensorsFile, RejectsShapeDtypeMismatch) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 8]}})",
          floats({1, 2}))),
      "w.safetensors: tensor 'w': shape [2, 3] of F16 is 12 bytes, but "
      "data_offsets span 8");
}

TEST(SafetensorsFile, RejectsSizeOverflow) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})")),
      "w.safetensors: tensor 'w': shape [4294967296, 4294967296] overflows a "
      "64-bit byte size");
}

TEST(SafetensorsFile, RejectsNegativeDimension) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 0]}})")),
      "w.safetensors: tensor 'w': shape has a negative dimension -1");
}

TEST(SafetensorsFile, RejectsUnknownDtype) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "Q4_K", "shape": [2], "data_offsets": [0, 2]}})",
          "ab")),
      "w.safetensors: tensor 'w': unknown dtype 'Q4_K'");
}

TEST(SafetensorsFile, RejectsMissingFields) {
  EXPECT_EQ(
      parseError(makeFile(R"({"w": {"shape": [2], "data_offsets": [0, 8]}})",
                          floats({1, 2}))),
      "w.safetensors: tensor 'w': missing string field 'dtype'");
  EXPECT_EQ(
      parseError(makeFile(R"({"w": {"dtype": "F32", "data_offsets": [0, 8]}})",
                          floats({1, 2}))),
      "w.safetensors: tensor 'w': missing array field 'shape'");
  EXPECT_EQ(parseError(makeFile(R"({"w": {"dtype": "F32", "shape": [2]}})",
                                floats({1, 2}))),
            "w.safetensors: tensor 'w': missing field 'data_offsets' = "
            "[begin, end]");
  EXPECT_EQ(parseError(makeFile(R"({"w": 3})")),
            "w.safetensors: tensor 'w': header entry is not a JSON object");
}

TEST(SafetensorsFile, RejectsNonIntegerOffsets) {
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0.5, 8]}})",
          floats({1, 2}))),
      "w.safetensors: tensor 'w': data_offsets must be two non-negative "
      "integers");
  EXPECT_EQ(
      parseError(makeFile(
          R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}})",
          floats({1, 2}))),
      "w.safetensors: tensor 'w': data_offsets must be two non-negative "
      "integers");
}

} // namespace
