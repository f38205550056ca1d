//===- Speculation.h - --speculative, --draft, --draft-tokens ----*- C++
//-*-===//
//
// The speculative-decoding options `llmc run` and `llmc bench` share: which
// draft, checked against the target, and the JSON they report.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_TOOLS_LLMC_SPECULATION_H
#define LLMC_TOOLS_LLMC_SPECULATION_H

#include "tools/llmc/RuntimeHandles.h"

#include "llvm/Support/JSON.h"

#include <optional>
#include <string>

namespace llmc::cli {

/// A chosen draft: "none", "ngram" or "draft" (with its model and session).
struct Speculation {
  std::string kind = "none";
  std::optional<ModelHandle> draftModel;
  std::optional<SessionHandle> draftSession;
  llmc_speculative_params params{};

  bool enabled() const { return kind != "none"; }
};

/// Reads `--speculative=KIND` (`kindGiven`: on the command line), `--draft
/// FILE` and `--draft-tokens N` for the model `target` at `targetPath`;
/// every misuse is a one-line error.
llvm::Expected<Speculation>
setUpSpeculation(const std::string &kind, bool kindGiven,
                 const std::string &draftPath, int32_t draftTokens,
                 llmc_model_t *target, const std::string &targetPath);

/// The `speculative` object of ../shared/CLI.md; `decoded` counts the
/// tokens the target steps produced (each generation's first excluded).
void writeSpeculativeStats(llvm::json::OStream &out, const Speculation &spec,
                           const llmc_speculative_stats &stats,
                           int64_t decoded);

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_SPECULATION_H
