//===- PagedForward.h - One call of a paged decoder entry point -*- C++ -*-===//
//
// The entry point llm-page-kv-cache makes serves a ragged batch: tokens of
// several sequences, each with its position and sequence, over one pool of
// KV blocks reached through per-sequence block tables. Sessions (one
// sequence, blocks of their own) and the engine (many sequences, one
// shared pool) both call it through here.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_PAGEDFORWARD_H
#define LLMC_RUNTIME_PAGEDFORWARD_H

#include "KVPool.h"
#include "Model.h"

#include <cstdint>
#include <vector>

namespace llmc::rt {

/// One call's inputs. `blockTables` is [numSequences][maxBlocks].
struct PagedBatch {
  const int32_t *tokens = nullptr;
  const int64_t *positions = nullptr;
  const int32_t *sequences = nullptr;
  size_t count = 0;
  const int32_t *blockTables = nullptr;
  int64_t numSequences = 0, maxBlocks = 0;
  /// The tokens whose outputs to compute, in the order they are written.
  const int64_t *logitRows = nullptr;
  size_t numLogitRows = 0;
  const KVPool *pool = nullptr;
};

/// Runs `entry` (a paged decoder of `model`) on `batch` with the model's
/// kernels and threads, or on its GPU (`pool` then a KVPool's device
/// memory), writing numLogitRows rows of entry.outputSize floats to
/// `outputs`. Token ids are checked against the vocabulary; the attention
/// (kernel or generated code) checks the rest.
llmc_status_t runPagedForward(llmc_model &model, const DecoderEntry &entry,
                              const PagedBatch &batch, float *outputs);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_PAGEDFORWARD_H
