//===- Speculation.cpp - --speculative, --draft, --draft-tokens -----------===//

#include "tools/llmc/Speculation.h"

using namespace llvm;

namespace llmc::cli {

static Error usage(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message.str());
}

Expected<Speculation>
setUpSpeculation(const std::string &kindFlag, bool kindGiven,
                 const std::string &draftPath, int32_t draftTokens,
                 llmc_model_t *target, const std::string &targetPath) {
  Speculation spec;
  spec.kind = kindFlag;
  if (!draftPath.empty()) {
    if (kindGiven && spec.kind != "draft")
      return usage("--draft implies --speculative=draft, not --speculative=" +
                   spec.kind);
    spec.kind = "draft";
  }
  const std::string &kind = spec.kind;
  if (kind != "none" && kind != "ngram" && kind != "draft" && kind != "self")
    return usage("--speculative=" + kind +
                 ": expected none, ngram, draft or self");
  if (kind == "self" && !llmc_model_has_draft(target))
    return usage(targetPath + ": --speculative=self needs an artifact that "
                              "carries its own draft (llmc compile "
                              "--draft-quantize), and this one does not");
  if (kind == "draft" && draftPath.empty())
    return usage("--speculative=draft needs --draft FILE");
  if (draftTokens < 1 || draftTokens > 64)
    return usage("--draft-tokens " + Twine(draftTokens) + ": expected 1 to 64");
  spec.params.draft_tokens = draftTokens;
  if (kind == "ngram")
    spec.params.kind = LLMC_SPECULATIVE_NGRAM;
  if (kind == "self") {
    // The artifact's own draft: a second session over the same model.
    llmc_session_t *raw = nullptr;
    if (Error err = toError(llmc_session_create_draft(target, &raw)))
      return std::move(err);
    spec.draftSession.emplace(raw);
    spec.params.kind = LLMC_SPECULATIVE_DRAFT;
    spec.params.draft = spec.draftSession->get();
  }
  if (kind == "draft") {
    auto draft = loadModel(draftPath);
    if (!draft)
      return draft.takeError();
    if (llmc_model_vocab_size(draft->get()) != llmc_model_vocab_size(target))
      return usage("--draft " + draftPath + ": its vocabulary has " +
                   Twine(llmc_model_vocab_size(draft->get())) +
                   " tokens, the model's " +
                   Twine(llmc_model_vocab_size(target)));
    auto session = createSession(draft->get());
    if (!session)
      return session.takeError();
    spec.draftModel = std::move(*draft);
    spec.draftSession = std::move(*session);
    spec.params.kind = LLMC_SPECULATIVE_DRAFT;
    spec.params.draft = spec.draftSession->get();
  }
  return std::move(spec);
}

void writeSpeculativeStats(json::OStream &out, const Speculation &spec,
                           const llmc_speculative_stats &stats,
                           int64_t decoded) {
  out.attributeObject("speculative", [&] {
    out.attribute("kind", spec.kind);
    out.attribute("drafted_tokens", int64_t(stats.drafted_tokens));
    out.attribute("accepted_tokens", int64_t(stats.accepted_tokens));
    out.attribute("acceptance_rate", stats.drafted_tokens
                                         ? double(stats.accepted_tokens) /
                                               double(stats.drafted_tokens)
                                         : 0.0);
    out.attribute("tokens_per_target_step",
                  stats.target_steps
                      ? double(decoded) / double(stats.target_steps)
                      : 0.0);
  });
}

} // namespace llmc::cli
