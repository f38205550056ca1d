//===- ConfigFuzzer.cpp - libFuzzer over a checkpoint's JSON files --------===//
//
// The input is config.json, then optionally a NUL and generation_config.json,
// then a NUL and tokenizer_config.json. Both readers must end in a value or
// an error, never a crash, a hang or a sanitizer report.
//
//===----------------------------------------------------------------------===//

#include "compiler/GenerationDefaults.h"
#include "compiler/hf/HFConfig.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef input(reinterpret_cast<const char *>(data), size);
  llvm::SmallVector<llvm::StringRef, 3> parts;
  input.split(parts, '\0', /*MaxSplit=*/2);
  auto part = [&](size_t i) -> std::optional<std::string> {
    if (i >= parts.size())
      return std::nullopt;
    return parts[i].str();
  };
  auto config = llmc::parseHFConfigText("fuzz/config.json", parts[0]);
  if (!config)
    llvm::consumeError(config.takeError());
  auto defaults =
      llmc::parseGenerationDefaults("fuzz", part(0), part(1), part(2));
  if (!defaults)
    llvm::consumeError(defaults.takeError());
  return 0;
}
