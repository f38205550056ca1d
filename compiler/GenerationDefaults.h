//===- GenerationDefaults.h - BOS, stop ids and sampling defaults -*- C++
//-*-===//
//
// What a model folder says about generation, gathered from config.json,
// generation_config.json and tokenizer_config.json, with command-line
// overrides applied by the caller. Stop ids follow the CLI contract: the
// union of eos_token_id in generation_config.json and config.json.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_GENERATIONDEFAULTS_H
#define LLMC_COMPILER_GENERATIONDEFAULTS_H

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace llmc {

struct GenerationDefaults {
  std::optional<int64_t> bosId;
  bool addBos = true;
  std::vector<int64_t> stopIds;
  bool doSample = false;
  float temperature = 1.0f;
  int32_t topK = 50; // GenerationConfig's default
  float topP = 1.0f;
  /// config.json's max_position_embeddings (0 when absent).
  int64_t maxPositionEmbeddings = 0;
};

/// Reads whichever of the folder's files exist; a file that exists but is
/// malformed is an error naming it.
llvm::Expected<GenerationDefaults> readGenerationDefaults(llvm::StringRef dir);

/// The same from the texts of config.json, generation_config.json and
/// tokenizer_config.json (nullopt for a file that is absent); errors name
/// the files as if they were in `dir`.
llvm::Expected<GenerationDefaults>
parseGenerationDefaults(llvm::StringRef dir,
                        const std::optional<std::string> &configJson,
                        const std::optional<std::string> &generationConfigJson,
                        const std::optional<std::string> &tokenizerConfigJson);

} // namespace llmc

#endif // LLMC_COMPILER_GENERATIONDEFAULTS_H
