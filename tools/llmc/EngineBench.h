//===- EngineBench.h - llmc bench --concurrency ----------------*- C++ -*-===//

#ifndef LLMC_TOOLS_LLMC_ENGINEBENCH_H
#define LLMC_TOOLS_LLMC_ENGINEBENCH_H

#include "llmc/llmc.h"

#include "llvm/Support/Error.h"

#include <cstdint>

namespace llmc::cli {

/// One run of `concurrency` requests through the engine (CLI.md's fields).
struct EngineMeasurement {
  int64_t concurrency = 0, sharedPrefix = 0;
  double prefillTokensPerS = 0, aggregateDecodeTokensPerS = 0;
  double ttftMsP50 = 0, ttftMsP95 = 0;
  double tokenLatencyMsP50 = 0, tokenLatencyMsP95 = 0;
  /// Bytes of KV blocks in use at the peak, of the pool, and of the
  /// positions the requests hold (the shared prefix once).
  uint64_t kvBytesPeak = 0, kvBytesReserved = 0, kvBytesNeeded = 0;
  /// Of the positions of the blocks in use at the peak, the share holding
  /// no token.
  double kvWaste = 0;
  uint64_t prefixHitTokens = 0, preemptions = 0;
  /// With drafts (prompt lookup): what was drafted and kept, and the steps
  /// after each request's first token, over all requests; and the tokens
  /// those steps produced.
  llmc_speculative_stats speculative{};
  int64_t decodedTokens = 0;
};

/// Runs `concurrency` greedy requests, each `sharedPrefix` common ids then
/// `promptTokens` of its own (pseudo-random from `seed`), `genTokens`
/// generated without stop ids, all added at once, on `threads` threads;
/// with `draftTokens`, speculating (`speculative`: LLMC_SPECULATIVE_NGRAM,
/// or LLMC_SPECULATIVE_DRAFT with `draftModel`, or the model's self-draft
/// when it is null).
llvm::Expected<EngineMeasurement>
measureEngine(llmc_model_t *model, int64_t threads, int64_t promptTokens,
              int64_t genTokens, int64_t concurrency, int64_t sharedPrefix,
              uint64_t seed, int32_t draftTokens = 0, int32_t speculative = 0,
              llmc_model_t *draftModel = nullptr);

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_ENGINEBENCH_H
