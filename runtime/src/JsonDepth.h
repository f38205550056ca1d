//===- JsonDepth.h - A bound on JSON nesting before parsing -----*- C++ -*-===//
//
// The JSON parsers llmc uses (llvm::json in the compiler, nlohmann in the
// runtime) recurse once per nested array or object, so a file of 50,000
// '[' overflows the stack. Every JSON llmc reads from a model folder is
// shallow (a tokenizer.json nests about 5 levels): text nested deeper than
// kMaxJsonDepth is refused before it reaches a parser.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_JSONDEPTH_H
#define LLMC_RUNTIME_JSONDEPTH_H

#include <string_view>

namespace llmc {

constexpr int kMaxJsonDepth = 128;

/// Whether `text` nests arrays and objects deeper than kMaxJsonDepth
/// (brackets inside strings do not count). Malformed text may pass: the
/// parser reports it.
inline bool jsonTooDeep(std::string_view text) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

} // namespace llmc

#endif // LLMC_RUNTIME_JSONDEPTH_H
