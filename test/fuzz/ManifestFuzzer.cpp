//===- ManifestFuzzer.cpp - libFuzzer over an artifact's manifest ---------===//
//
// The input is a FlatBuffers manifest; the fuzzer puts it behind a valid
// manifest-section header (magic, ABI version, size, checksum) so that the
// schema verifier and everything the runtime reads from a manifest before
// it maps code (CPU features, the decoder's signature or an ONNX decoder's
// inputs, generation defaults, the embedded tokenizer) see every input.
//
//===----------------------------------------------------------------------===//

#include "Model.h"

#include <cstdint>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto model = std::make_unique<llmc_model>();
  model->path = "fuzz.so";
  llmc_manifest_header header{};
  std::memcpy(header.magic, LLMC_MANIFEST_MAGIC, sizeof(header.magic));
  header.abi_version = LLMC_ABI_VERSION;
  header.size = size;
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ data[i]) * 0x100000001b3ull;
  header.checksum = hash;
  model->manifestSection.resize(sizeof(header) + size);
  std::memcpy(model->manifestSection.data(), &header, sizeof(header));
  if (size)
    std::memcpy(model->manifestSection.data() + sizeof(header), data, size);
  llmc_status_t status = llmc::rt::readManifest(*model);
  if (!status)
    (void)llmc_model_weight_bytes_per_token(model.get());
  llmc_status_free(status);
  return 0;
}
