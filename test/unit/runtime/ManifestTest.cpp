//===- ManifestTest.cpp - Hostile manifests, read without a library -------===//

#include "Model.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>

namespace {

/// `manifest` behind a valid section header, as a library would hold it.
std::unique_ptr<llmc_model> withHeader(const std::vector<uint8_t> &manifest) {
  auto model = std::make_unique<llmc_model>();
  model->path = "test.so";
  llmc_manifest_header header{};
  std::memcpy(header.magic, LLMC_MANIFEST_MAGIC, sizeof(header.magic));
  header.abi_version = LLMC_ABI_VERSION;
  header.size = manifest.size();
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint8_t b : manifest)
    hash = (hash ^ b) * 0x100000001b3ull;
  header.checksum = hash;
  model->manifestSection.resize(sizeof(header));
  std::memcpy(model->manifestSection.data(), &header, sizeof(header));
  model->manifestSection.insert(model->manifestSection.end(), manifest.begin(),
                                manifest.end());
  return model;
}

// Found by llmc-fuzz-manifest: FlatBuffers' verifier passes a vector of
// 64-bit stop ids that starts 4 bytes off alignment; reading it was
// undefined behaviour (UBSan: misaligned load).
TEST(Manifest, MisalignedVectorsAreRefused) {
  std::ifstream in(LLMC_FUZZ_CORPUS_DIR "/manifest/misaligned_stop_ids",
                   std::ios::binary);
  ASSERT_TRUE(in.good());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  auto model = withHeader(bytes);
  llmc_status_t status = llmc::rt::readManifest(*model);
  ASSERT_NE(status, nullptr);
  EXPECT_NE(std::string(llmc_status_message(status)).find("misaligned"),
            std::string::npos)
      << llmc_status_message(status);
  llmc_status_free(status);
}

TEST(Manifest, ValidManifestsAreRead) {
  std::ifstream in(LLMC_FUZZ_CORPUS_DIR "/manifest/hf_f32", std::ios::binary);
  ASSERT_TRUE(in.good());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  auto model = withHeader(bytes);
  llmc_status_t status = llmc::rt::readManifest(*model);
  EXPECT_EQ(status, nullptr) << llmc_status_message(status);
  llmc_status_free(status);
  EXPECT_EQ(model->vocabSize, 512);
}

} // namespace
