//===- Session.h - A sequence being generated, with its KV cache -*- C++
//-*-===//

#ifndef LLMC_RUNTIME_SESSION_H
#define LLMC_RUNTIME_SESSION_H

#include "KVPool.h"
#include "Model.h"
#include "OnnxDecoder.h"

#include <vector>

struct llmc_session {
  llmc_model *model = nullptr;
  /// Runs the model's self-draft (entry point `draft`) instead of forward.
  bool draft = false;
  /// [layers][2][capacity][kv_heads][head_dim] floats, mapped anonymously
  /// so that pages past the sequence cost nothing.
  float *cache = nullptr;
  size_t cacheBytes = 0;
  /// A paged decoder's: the session's own pool of blocks 0, 1, ... enough
  /// for the context (on the GPU for a CUDA artifact), and the block table
  /// that names them in order.
  std::unique_ptr<llmc::rt::KVPool> pool;
  std::vector<int32_t> blockTable;
  std::vector<int32_t> sequenceIds;
  std::vector<int64_t> logitRows;
  int64_t position = 0;
  /// The tokens at positions [0, position): what speculative drafts read.
  /// Kept in step by forward() and truncate(), the only ways to move.
  std::vector<int32_t> tokens;
  std::vector<int64_t> positions;
  /// A CUDA artifact's with a contiguous cache: the cache in device memory,
  /// token ids and positions in managed memory (the host code reads
  /// positions), each sized for the whole context.
  uint64_t gpuCache = 0;
  uint64_t gpuTokens = 0;
  uint64_t gpuPositions = 0;
  /// For ONNX decoder exports: the presents of the last call.
  std::unique_ptr<llmc::rt::OnnxDecoderState> onnx;

  ~llmc_session();
};

namespace llmc::rt {

/// A session of `model`, or (`draft`) of its self-draft.
llmc_status_t createSession(llmc_model *model, llmc_session **out,
                            bool draft = false);

/// Runs the decoder on `count` tokens at the session's position. `logits`
/// receives [count][vocab] when `allLogits`, else the last row.
llmc_status_t forward(llmc_session &session, const int32_t *tokens,
                      size_t count, float *logits, bool allLogits);

/// Keeps the first `position` tokens of the session (llmc_session_truncate).
llmc_status_t truncate(llmc_session &session, int64_t position);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_SESSION_H
