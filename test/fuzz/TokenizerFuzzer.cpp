//===- TokenizerFuzzer.cpp - libFuzzer over tokenizer.json ----------------===//
//
// The input is a tokenizer.json, then optionally a NUL and text to encode.
// A tokenizer that loads must encode the text, decode every id it returns
// and stream-decode them without a crash, a hang or a sanitizer report.
//
//===----------------------------------------------------------------------===//

#include "tokenizer/Tokenizer.h"

#include <cstdint>
#include <string_view>

using namespace llmc::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  size_t split = input.find('\0');
  std::string_view json = input.substr(0, split);
  std::string_view text = split == std::string_view::npos
                              ? std::string_view("Hello, world! 123 é 😀")
                              : input.substr(split + 1);
  std::string error;
  std::unique_ptr<Tokenizer> tokenizer = Tokenizer::create(json, "", error);
  if (!tokenizer)
    return 0;
  std::vector<int32_t> ids = tokenizer->encode(text, /*addSpecial=*/true);
  for (int32_t id : ids)
    if (id < 0 || id >= tokenizer->vocabSize())
      __builtin_trap(); // encode returned an id outside the vocabulary
  (void)tokenizer->decode(ids, /*skipSpecial=*/false);
  StreamDecoder stream(*tokenizer, {});
  for (int32_t id : ids)
    (void)stream.push(id);
  (void)stream.flush();
  return 0;
}
