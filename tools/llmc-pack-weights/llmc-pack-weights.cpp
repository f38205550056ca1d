//===- llmc-pack-weights.cpp - Pack one weight matrix as llmc compile does ===//
//
// Reads W[rows][cols] as little-endian float32 from stdin and writes the
// bytes `llmc compile` stores for it under a manifest scheme (what
// `llmc inspect` prints: int8/f16, int4/g32/f16/zp, ..., or f32-panels).
// It links only the packing code (compiler/quant), so it travels where
// llmc cannot: bench/write_portable_weights.py runs it on the GPU machine to
// rebuild a quantized model's weights file (scripts/gpu-check.sh).
//
//   llmc-pack-weights SCHEME ROWS COLS < rows.f32 > packed.bin
//
//===----------------------------------------------------------------------===//

#include "compiler/quant/WeightPacking.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "llmc-pack-weights: error: %s\n", message.c_str());
  return 1;
}

/// A positive count below 2^31 from `text`, or -1.
int64_t parseCount(const char *text) {
  if (!*text)
    return -1;
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text, &end, 10);
  if (errno || *end || value <= 0 || value >= (1ll << 31))
    return -1;
  return value;
}

/// The format a manifest scheme names, or an error message.
std::string parseScheme(const std::string &scheme, llmc::PackedFormat &out) {
  std::string bad = "unknown scheme '" + scheme +
                    "' (expected f32-panels, int8/f16|f32 or "
                    "int4/gN/f16|f32[/zp])";
  if (scheme == "f32-panels") {
    out.format = LLMC_WEIGHT_F32_PANELS;
    return "";
  }
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t slash; (slash = scheme.find('/', start)) != std::string::npos;
       start = slash + 1)
    parts.push_back(scheme.substr(start, slash - start));
  parts.push_back(scheme.substr(start));
  auto scaleBytes = [&](const std::string &s) {
    return s == "f16" ? 2 : s == "f32" ? 4 : 0;
  };
  if (parts.size() == 2 && parts[0] == "int8" && scaleBytes(parts[1])) {
    out.format = LLMC_WEIGHT_INT8;
    out.scaleBytes = scaleBytes(parts[1]);
    return "";
  }
  if ((parts.size() == 3 || (parts.size() == 4 && parts[3] == "zp")) &&
      parts[0] == "int4" && parts[1].size() > 1 && parts[1][0] == 'g' &&
      scaleBytes(parts[2])) {
    int64_t group = parseCount(parts[1].c_str() + 1);
    if (group != 32 && group != 64 && group != 128)
      return bad;
    out.format = LLMC_WEIGHT_INT4;
    out.group = group;
    out.scaleBytes = scaleBytes(parts[2]);
    out.zeroPoints = parts.size() == 4;
    return "";
  }
  return bad;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4)
    return fail("usage: llmc-pack-weights SCHEME ROWS COLS < rows.f32 > "
                "packed.bin");
  llmc::PackedFormat format;
  if (std::string error = parseScheme(argv[1], format); !error.empty())
    return fail(error);
  int64_t rows = parseCount(argv[2]), cols = parseCount(argv[3]);
  if (rows < 0 || cols < 0)
    return fail(std::string("ROWS and COLS must be positive integers below "
                            "2^31, not '") +
                argv[2] + "' and '" + argv[3] + "'");
  uint64_t elements;
  if (__builtin_mul_overflow(uint64_t(rows), uint64_t(cols), &elements) ||
      elements > (uint64_t(1) << 34))
    return fail("a " + std::to_string(rows) + " x " + std::to_string(cols) +
                " matrix is too large");

  std::vector<float> w(elements);
  size_t got = std::fread(w.data(), sizeof(float), elements, stdin);
  if (got != elements)
    return fail("stdin: expected " + std::to_string(elements) +
                " float32 values (" + std::to_string(rows) + " x " +
                std::to_string(cols) + "), got " + std::to_string(got));
  if (std::fgetc(stdin) != EOF)
    return fail("stdin: more than " + std::to_string(elements) +
                " float32 values (" + std::to_string(rows) + " x " +
                std::to_string(cols) + ")");

  llmc_packed_offsets layout = format.layout(rows, cols);
  std::vector<uint8_t> packed(layout.total, 0);
  if (std::string error =
          llmc::packWeight(w.data(), rows, cols, format, packed.data());
      !error.empty())
    return fail(error);
  if (std::fwrite(packed.data(), 1, packed.size(), stdout) != packed.size() ||
      std::fflush(stdout) != 0)
    return fail("stdout: write failed");
  return 0;
}
