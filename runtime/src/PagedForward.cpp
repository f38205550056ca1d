//===- PagedForward.cpp - One call of a paged decoder entry point ---------===//

#include "PagedForward.h"
#include "EntryCall.h"
#include "MemRef.h"
#include "Status.h"
#include "cuda/CudaLauncher.h"
#include "kernels/Kernels.h"

#include <cstdlib>
#include <cstring>

namespace llmc::rt {

/// runPagedForward for a CUDA artifact: the batch's arrays copied into the
/// pool's managed staging buffer (the host code reads them to check them;
/// kernels read them too), the pool already on the device, the output rows
/// copied back.
static llmc_status_t runOnGPU(llmc_model &model, const DecoderEntry &entry,
                              const PagedBatch &batch, float *outputs) {
  const cuda::ModelDevice &gpu = *model.gpu;
  std::string problem;
  if (!gpu.makeCurrent(problem))
    return error(model.path + ": " + problem);
  int64_t n = int64_t(batch.count);
  uint64_t tableBytes = uint64_t(batch.numSequences) *
                        uint64_t(batch.maxBlocks) * sizeof(int32_t);
  // [positions | logit rows | tokens | sequences | tables], the 8-byte
  // arrays first so that every array is aligned.
  uint64_t positionsAt = 0, rowsAt = positionsAt + uint64_t(n) * 8,
           tokensAt = rowsAt + batch.numLogitRows * 8,
           sequencesAt = tokensAt + uint64_t(n) * 4,
           tablesAt = sequencesAt + uint64_t(n) * 4,
           total = tablesAt + tableBytes;
  auto *base = static_cast<uint8_t *>(batch.pool->stage(total, problem));
  if (!base)
    return error(model.path + ": " + problem);
  auto stage = [&](uint64_t at, const void *from, uint64_t bytes) {
    if (bytes)
      std::memcpy(base + at, from, bytes);
    return base + at;
  };
  std::vector<int64_t> poolShape{batch.pool->blocks()};
  poolShape.insert(poolShape.end(), entry.kvShape.begin(), entry.kvShape.end());
  MemRefDescriptor weights(reinterpret_cast<const void *>(gpu.weights()),
                           {int64_t(model.weightsSize)});
  MemRefDescriptor positions(stage(positionsAt, batch.positions, n * 8), {n});
  MemRefDescriptor rows(stage(rowsAt, batch.logitRows, batch.numLogitRows * 8),
                        {int64_t(batch.numLogitRows)});
  MemRefDescriptor ids(stage(tokensAt, batch.tokens, n * 4), {n});
  MemRefDescriptor sequences(stage(sequencesAt, batch.sequences, n * 4), {n});
  MemRefDescriptor tables(stage(tablesAt, batch.blockTables, tableBytes),
                          {batch.numSequences, batch.maxBlocks});
  MemRefDescriptor pool(batch.pool->data(), poolShape);
  MemRefDescriptor result = MemRefDescriptor::result(2);
  void *args[] = {result.get(),    weights.get(), ids.get(),  positions.get(),
                  sequences.get(), tables.get(),  rows.get(), pool.get()};
  // The call ends with its stream synchronized: the host may write the
  // staging buffer again for the next call.
  std::string failure = invokeEntryPoint(entry.function, args);
  if (!failure.empty())
    return error(model.path + ": " + failure);
  auto out = reinterpret_cast<cuda::CUdeviceptr>(result.aligned());
  bool shaped = (out || !batch.numLogitRows) &&
                result.size(0) == int64_t(batch.numLogitRows) &&
                result.size(1) == entry.outputSize;
  bool copied =
      shaped && (!batch.numLogitRows ||
                 gpu.copyToHost(outputs, out,
                                batch.numLogitRows *
                                    uint64_t(entry.outputSize) * sizeof(float),
                                problem));
  gpu.release(reinterpret_cast<cuda::CUdeviceptr>(result.allocated()));
  if (!shaped)
    return error(model.path + ": the decoder returned logits of an "
                              "unexpected shape");
  if (!copied)
    return error(model.path + ": " + problem);
  return ok();
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
  std::vector<int64_t> poolShape{batch.pool->blocks()};
  poolShape.insert(poolShape.end(), entry.kvShape.begin(), entry.kvShape.end());
  MemRefDescriptor weights(model.weights, {int64_t(model.weightsSize)});
  MemRefDescriptor ids(batch.tokens, {n});
  MemRefDescriptor positions(batch.positions, {n});
  MemRefDescriptor sequences(batch.sequences, {n});
  MemRefDescriptor tables(batch.blockTables,
                          {batch.numSequences, batch.maxBlocks});
  MemRefDescriptor rows(batch.logitRows, {int64_t(batch.numLogitRows)});
  MemRefDescriptor pool(batch.pool->data(), poolShape);
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
