//===- EvalCommand.cpp - llmc eval ----------------------------------------===//
//
// Perplexity of a text under a compiled model, and with --reference, how
// far the model's next-token distributions are from another model's on the
// same tokens (top-1 agreement, KL(reference || model)). The text is
// tokenized once with the model's tokenizer and cut into windows of
// (context length - 1) tokens, each fed after BOS; every window token is
// scored.
//
//===----------------------------------------------------------------------===//

#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"
#include "tools/llmc/RuntimeHandles.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace llvm;

namespace llmc::cli {
namespace {

/// log softmax of one row of logits, in double.
std::vector<double> logSoftmax(const float *logits, int64_t vocab) {
  double max = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) - max);
  double logSum = max + std::log(sum);
  std::vector<double> out(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i)
    out[i] = double(logits[i]) - logSum;
  return out;
}

/// Logits for every position of `tokens` from a fresh session.
Expected<std::vector<float>> allLogits(llmc_model_t *model,
                                       const std::vector<int32_t> &tokens) {
  if (!llmc_model_has_lm_head(model))
    return createStringError(
        "the model has no LM head (its forward returns hidden states): it "
        "gives no perplexity");
  auto session = createSession(model);
  if (!session)
    return session.takeError();
  std::vector<float> logits(tokens.size() *
                            size_t(llmc_model_vocab_size(model)));
  if (Error err = toError(llmc_session_forward(
          session->get(), tokens.data(), tokens.size(), logits.data(), 1)))
    return std::move(err);
  return logits;
}

} // namespace

Error runEval() {
  auto model = loadModel(evalModel);
  if (!model)
    return model.takeError();
  llmc_model_t *m = model->get();
  const llmc_tokenizer_t *tokenizer = llmc_model_tokenizer(m);
  if (!tokenizer)
    return createStringError(inconvertibleErrorCode(),
                             evalModel + ": has no tokenizer to read --text "
                                         "with (compile it with --tokenizer)");
  ModelHandle reference;
  if (!evalReference.empty()) {
    auto loaded = loadModel(evalReference);
    if (!loaded)
      return loaded.takeError();
    reference = std::move(*loaded);
    if (llmc_model_vocab_size(reference.get()) != llmc_model_vocab_size(m))
      return createStringError(
          inconvertibleErrorCode(),
          evalReference + ": vocabulary of " +
              Twine(llmc_model_vocab_size(reference.get())) +
              " tokens, but the model has " + Twine(llmc_model_vocab_size(m)));
  }

  auto text = MemoryBuffer::getFile(evalText, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false);
  if (!text)
    return createStringError(inconvertibleErrorCode(),
                             evalText +
                                 ": cannot read: " + text.getError().message());
  int32_t *ids = nullptr;
  size_t count = 0;
  if (Error err = toError(llmc_tokenizer_encode(
          tokenizer, (*text)->getBufferStart(), (*text)->getBufferSize(),
          /*add_special_tokens=*/0, &ids, &count)))
    return createStringError(inconvertibleErrorCode(),
                             evalText + ": " + toString(std::move(err)));
  std::vector<int32_t> tokens(ids, ids + count);
  llmc_free(ids);
  if (tokens.empty())
    return createStringError(inconvertibleErrorCode(),
                             evalText + ": no tokens to score");

  int64_t vocab = llmc_model_vocab_size(m);
  int64_t bos = llmc_model_bos_id(m);
  int64_t context = llmc_model_context_length(m);
  if (reference)
    context = std::min(context, llmc_model_context_length(reference.get()));
  // Without BOS a window's first token has nothing before it to be scored
  // from; it is fed but not scored.
  size_t window = size_t(context - (bos >= 0 ? 1 : 0));
  double nll = 0, kl = 0;
  int64_t scored = 0, agree = 0;
  for (size_t begin = 0; begin < tokens.size(); begin += window) {
    size_t end = std::min(tokens.size(), begin + window);
    // Input: BOS, then the window but its last token; position i predicts
    // window token i.
    std::vector<int32_t> input;
    if (bos >= 0)
      input.push_back(int32_t(bos));
    input.insert(input.end(), tokens.begin() + begin, tokens.begin() + end);
    std::vector<int32_t> targets(input.begin() + 1, input.end());
    input.pop_back();
    if (input.empty())
      continue;
    auto logits = allLogits(m, input);
    if (!logits)
      return logits.takeError();
    std::vector<float> refLogits;
    if (reference) {
      auto r = allLogits(reference.get(), input);
      if (!r)
        return r.takeError();
      refLogits = std::move(*r);
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      const float *row = logits->data() + i * size_t(vocab);
      std::vector<double> logp = logSoftmax(row, vocab);
      nll -= logp[size_t(targets[i])];
      ++scored;
      if (!reference)
        continue;
      const float *refRow = refLogits.data() + i * size_t(vocab);
      std::vector<double> logq = logSoftmax(refRow, vocab);
      for (int64_t v = 0; v < vocab; ++v)
        kl += std::exp(logq[v]) * (logq[v] - logp[v]);
      agree += std::max_element(row, row + vocab) - row ==
               std::max_element(refRow, refRow + vocab) - refRow;
    }
  }
  if (scored == 0)
    return createStringError(inconvertibleErrorCode(),
                             evalText + ": no tokens to score");
  double perplexity = std::exp(nll / double(scored));
  double top1 = double(agree) / double(scored);
  double meanKl = kl / double(scored);

  if (evalJson) {
    json::OStream out(outs(), 2);
    out.object([&] {
      out.attribute("scored_tokens", scored);
      out.attribute("perplexity", perplexity);
      if (reference) {
        out.attribute("top1_agreement", top1);
        out.attribute("kl_divergence", meanKl);
      }
    });
    outs() << "\n";
    return Error::success();
  }
  outs() << evalModel << ": " << scored << " tokens, perplexity "
         << format("%.4f", perplexity) << "\n";
  if (reference)
    outs() << "against " << evalReference << ": top-1 agreement "
           << format("%.4f", top1) << ", KL(reference || model) "
           << format("%.6f", meanKl) << "\n";
  return Error::success();
}

} // namespace llmc::cli
