//===- PagedForward.cpp - One call of a paged decoder entry point ---------===//

#include "PagedForward.h"
#include "EntryCall.h"
#include "MemRef.h"
#include "Status.h"
#include "kernels/Kernels.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

namespace llmc::rt {

llmc_status_t runPagedForward(llmc_model &model, const DecoderEntry &entry,
                              const PagedBatch &batch, float *outputs) {
  if (batch.count == 0)
    return error("no tokens to feed");
  for (size_t i = 0; i < batch.count; ++i)
    if (batch.tokens[i] < 0 || batch.tokens[i] >= model.vocabSize)
      return error("token id " + std::to_string(batch.tokens[i]) +
                   " is outside the vocabulary [0, " +
                   std::to_string(model.vocabSize) + ")");
  int64_t n = int64_t(batch.count);
  std::vector<int64_t> poolShape{batch.numBlocks};
  poolShape.insert(poolShape.end(), entry.kvShape.begin(), entry.kvShape.end());
  MemRefDescriptor weights(model.weights, {int64_t(model.weightsSize)});
  MemRefDescriptor ids(batch.tokens, {n});
  MemRefDescriptor positions(batch.positions, {n});
  MemRefDescriptor sequences(batch.sequences, {n});
  MemRefDescriptor tables(batch.blockTables,
                          {batch.numSequences, batch.maxBlocks});
  MemRefDescriptor rows(batch.logitRows, {int64_t(batch.numLogitRows)});
  MemRefDescriptor pool(batch.pool, poolShape);
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

void *mapKVPool(const DecoderEntry &entry, int64_t blocks, size_t &bytes,
                std::string &problem) {
  uint64_t total;
  if (blocks <= 0 ||
      __builtin_mul_overflow(entry.blockBytes, uint64_t(blocks), &total) ||
      total > (uint64_t(1) << 46)) {
    problem = "a KV pool of " + std::to_string(blocks) + " blocks of " +
              std::to_string(entry.blockBytes) + " bytes is too large";
    return nullptr;
  }
  void *pool = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (pool == MAP_FAILED) {
    problem = "cannot allocate a KV pool of " + std::to_string(total) +
              " bytes: " + std::strerror(errno);
    return nullptr;
  }
  bytes = size_t(total);
  return pool;
}

} // namespace llmc::rt
