//===- SafetensorsFuzzer.cpp - libFuzzer over the safetensors reader ------===//

#include "compiler/hf/SafetensorsFile.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto file = llmc::SafetensorsFile::parse(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size)),
      "fuzz.safetensors");
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  // Every span handed out must lie inside the buffer: touch each byte.
  volatile uint8_t sink = 0;
  for (const llmc::SafetensorsTensor &t : (*file)->getTensors())
    for (uint8_t b : t.data)
      sink ^= b;
  return 0;
}
