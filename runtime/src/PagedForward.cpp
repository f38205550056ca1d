//===- PagedForward.cpp - One call of a paged decoder entry point ---------===//

#include "PagedForward.h"
#include "EntryCall.h"
#include "MemRef.h"
#include "Status.h"
#include "cuda/CudaLauncher.h"
#include "kernels/Kernels.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace llmc::rt {

/// Whether decode steps on the GPU run as CUDA graphs (LLMC_CUDA_GRAPHS=0
/// turns them off).
static bool cudaGraphsEnabled() {
  static const bool enabled = [] {
    const char *value = std::getenv("LLMC_CUDA_GRAPHS");
    return !value || std::strcmp(value, "0") != 0;
  }();
  return enabled;
}

/// Decode steps of at most this many sequences are captured as graphs.
constexpr int64_t kMaxGraphTokens = 256;

/// runPagedForward for a CUDA artifact: the batch's arrays copied into the
/// pool's managed staging buffer (the host code reads them to check them;
/// kernels read them too; block tables padded to the context's width, so
/// that a decode step's shapes depend on its token count alone), the pool
/// already on the device, the output rows copied back.
///
/// A decode step (one token per sequence, each with its logits) is
/// captured as a CUDA graph the first time its token count is seen, then
/// replayed: hundreds of launches become one. A replay runs the kernels
/// only, not the host code's checks of the index arrays: the runtime built
/// them (sessions and the engine are this function's only callers), and
/// the capture checked the same code on its first arrays.
static llmc_status_t runOnGPU(llmc_model &model, const DecoderEntry &entry,
                              const PagedBatch &batch, float *outputs) {
  const cuda::ModelDevice &gpu = *model.gpu;
  const KVPool &kvPool = *batch.pool;
  std::string problem;
  if (!gpu.makeCurrent(problem))
    return error(model.path + ": " + problem);
  int64_t n = int64_t(batch.count);
  int64_t width = std::max<int64_t>(
      batch.maxBlocks,
      (entry.contextLength + entry.blockSize - 1) / entry.blockSize);
  uint64_t tableBytes =
      uint64_t(batch.numSequences) * uint64_t(width) * sizeof(int32_t);
  // [positions | logit rows | tokens | sequences | tables], the 8-byte
  // arrays first so that every array is aligned. The buffer grows by
  // doubling (dropping the graphs, which read the old one): rarely.
  uint64_t positionsAt = 0, rowsAt = positionsAt + uint64_t(n) * 8,
           tokensAt = rowsAt + batch.numLogitRows * 8,
           sequencesAt = tokensAt + uint64_t(n) * 4,
           tablesAt = sequencesAt + uint64_t(n) * 4,
           total = tablesAt + tableBytes;
  auto *base = static_cast<uint8_t *>(kvPool.stage(total, problem));
  if (!base)
    return error(model.path + ": " + problem);
  auto stage = [&](uint64_t at, const void *from, uint64_t bytes) {
    if (bytes)
      std::memcpy(base + at, from, bytes);
    return base + at;
  };
  auto *tables = reinterpret_cast<int32_t *>(base + tablesAt);
  for (int64_t s = 0; s < batch.numSequences; ++s) {
    int32_t *row = tables + s * width;
    std::memcpy(row, batch.blockTables + s * batch.maxBlocks,
                size_t(batch.maxBlocks) * sizeof(int32_t));
    std::fill(row + batch.maxBlocks, row + width, 0);
  }
  MemRefDescriptor weights(reinterpret_cast<const void *>(gpu.weights()),
                           {int64_t(model.weightsSize)});
  MemRefDescriptor positions(stage(positionsAt, batch.positions, n * 8), {n});
  MemRefDescriptor rows(stage(rowsAt, batch.logitRows, batch.numLogitRows * 8),
                        {int64_t(batch.numLogitRows)});
  MemRefDescriptor ids(stage(tokensAt, batch.tokens, n * 4), {n});
  MemRefDescriptor sequences(stage(sequencesAt, batch.sequences, n * 4), {n});
  MemRefDescriptor tableRef(tables, {batch.numSequences, width});
  MemRefDescriptor pool(kvPool.data(), kvPool.shape());
  uint64_t logitBytes =
      batch.numLogitRows * uint64_t(entry.outputSize) * sizeof(float);
  // `logits` is a buffer of the generated code (a gpu.alloc: its aligned
  // and allocated pointers are one), freed once copied.
  auto copyOut = [&](cuda::CUdeviceptr logits) -> llmc_status_t {
    bool copied =
        !logitBytes || gpu.copyToHost(outputs, logits, logitBytes, problem);
    gpu.release(logits);
    return copied ? ok() : error(model.path + ": " + problem);
  };

  const void *function = reinterpret_cast<const void *>(entry.function);
  bool decodeStep = cudaGraphsEnabled() && n <= kMaxGraphTokens &&
                    batch.numSequences == n && int64_t(batch.numLogitRows) == n;
  if (decodeStep)
    if (const KVPool::Graph *graph = kvPool.findGraph(function, n, width)) {
      if (!gpu.launchGraph(graph->exec, problem))
        return error(model.path + ": " + problem);
      return copyOut(graph->logits);
    }

  MemRefDescriptor result = MemRefDescriptor::result(2);
  void *args[] = {result.get(),    weights.get(),  ids.get(),  positions.get(),
                  sequences.get(), tableRef.get(), rows.get(), pool.get()};
  // A pool full of graphs runs new sizes eagerly rather than capture a
  // graph per step.
  bool wantGraph = decodeStep && kvPool.roomForGraph();
  bool capture = wantGraph && gpu.beginCapture(problem);
  if (wantGraph && !capture)
    return error(model.path + ": " + problem);
  // Eager, the call ends with its stream synchronized: the host may write
  // the staging buffer again for the next call. Captured, nothing has run
  // yet: the graph runs below.
  std::string failure = invokeEntryPoint(entry.function, args);
  cuda::CUgraphExec exec =
      capture ? gpu.endCapture(failure.empty(), problem) : nullptr;
  if (!failure.empty())
    return error(model.path + ": " + failure);
  if (capture && !exec)
    return error(model.path + ": " + problem);
  auto logits = reinterpret_cast<cuda::CUdeviceptr>(result.aligned());
  if ((!logits && batch.numLogitRows) ||
      result.size(0) != int64_t(batch.numLogitRows) ||
      result.size(1) != entry.outputSize) {
    if (exec)
      gpu.destroyGraph(exec);
    else
      gpu.release(reinterpret_cast<cuda::CUdeviceptr>(result.allocated()));
    return error(model.path + ": the decoder returned logits of an "
                              "unexpected shape");
  }
  if (exec) {
    if (!gpu.launchGraph(exec, problem)) {
      gpu.destroyGraph(exec);
      return error(model.path + ": " + problem);
    }
    kvPool.addGraph(function, n, width, {exec, logits});
  }
  return copyOut(logits);
}

llmc_status_t runPagedForward(llmc_model &model, const DecoderEntry &entry,
                              const PagedBatch &batch, float *outputs) {
  if (batch.count == 0)
    return error("no tokens to feed");
  for (size_t i = 0; i < batch.count; ++i)
    if (batch.tokens[i] < 0 || batch.tokens[i] >= model.vocabSize)
      return error("token id " + std::to_string(batch.tokens[i]) +
                   " is outside the vocabulary [0, " +
                   std::to_string(model.vocabSize) + ")");
  if (model.gpu)
    return runOnGPU(model, entry, batch, outputs);
  int64_t n = int64_t(batch.count);
  MemRefDescriptor weights(model.weights, {int64_t(model.weightsSize)});
  MemRefDescriptor ids(batch.tokens, {n});
  MemRefDescriptor positions(batch.positions, {n});
  MemRefDescriptor sequences(batch.sequences, {n});
  MemRefDescriptor tables(batch.blockTables,
                          {batch.numSequences, batch.maxBlocks});
  MemRefDescriptor rows(batch.logitRows, {int64_t(batch.numLogitRows)});
  MemRefDescriptor pool(batch.pool->data(), batch.pool->shape());
  MemRefDescriptor result = MemRefDescriptor::result(2);
  void *args[] = {result.get(),    weights.get(), ids.get(),  positions.get(),
                  sequences.get(), tables.get(),  rows.get(), pool.get()};
  {
    ScopedKernelContext kernels(model.kernels, model.threads);
    std::string failure = invokeEntryPoint(entry.function, args);
    if (!failure.empty())
      return error(model.path + ": " + failure);
  }
  // A step of prompt chunks alone asks for no rows: an empty result.
  const float *out = static_cast<const float *>(result.aligned());
  if ((!out && batch.numLogitRows) ||
      result.size(0) != int64_t(batch.numLogitRows) ||
      result.size(1) != entry.outputSize) {
    std::free(result.allocated());
    return error(model.path + ": the decoder returned logits of an "
                              "unexpected shape");
  }
  if (batch.numLogitRows)
    std::memcpy(outputs, out,
                batch.numLogitRows * size_t(entry.outputSize) * sizeof(float));
  std::free(result.allocated());
  return ok();
}

} // namespace llmc::rt
