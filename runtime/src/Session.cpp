//===- Session.cpp - A sequence being generated, with its KV cache --------===//

#include "Session.h"
#include "EntryCall.h"
#include "MemRef.h"
#include "PagedForward.h"
#include "Status.h"
#include "cuda/CudaLauncher.h"
#include "kernels/Kernels.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

llmc_session::~llmc_session() {
  if (cache)
    munmap(cache, cacheBytes);
  pool.reset(); // before the model, which may hold its GPU
  if (model && model->gpu) {
    std::string problem;
    if (model->gpu->makeCurrent(problem))
      for (uint64_t buffer : {gpuCache, gpuTokens, gpuPositions})
        model->gpu->release(buffer);
  }
  onnx.reset();
  if (model)
    llmc::rt::releaseModel(model);
}

namespace llmc::rt {

llmc_status_t createSession(llmc_model *model, llmc_session **out, bool draft) {
  if (model->manifestOnly)
    return error(model->path + ": opened to read its manifest only; load it "
                               "to run it");
  auto session = std::make_unique<llmc_session>();
  session->model = model;
  retainModel(model);
  if (model->onnxDecoder) {
    if (model->contextLength <= 0)
      return error(model->path + ": the graph fixes no context length "
                                 "(compile it with --context-length)");
    session->onnx = std::make_unique<OnnxDecoderState>();
    *out = session.release();
    return ok();
  }
  if (!model->decoder.function)
    return error(
        model->path + ": not a decoder llmc can run" +
        (model->notDecoder.empty() ? "" : " (" + model->notDecoder + ")") +
        "; use llmc exec");
  if (draft && !model->draft.function)
    return error(model->path + ": the model carries no self-draft (compile "
                               "it with --draft-quantize)");
  session->draft = draft;
  const DecoderEntry &entry = draft ? model->draft : model->decoder;
  if (entry.paged) {
    // One sequence: its own pool, blocks in order.
    int64_t blocks =
        (entry.contextLength + entry.blockSize - 1) / entry.blockSize;
    std::string problem;
    session->pool = KVPool::create(*model, entry, blocks, problem);
    if (!session->pool)
      return error(model->path + ": " + problem);
    session->blockTable.resize(size_t(blocks));
    for (int64_t i = 0; i < blocks; ++i)
      session->blockTable[size_t(i)] = int32_t(i);
    *out = session.release();
    return ok();
  }
  // The geometry comes from the artifact: checked, not trusted.
  uint64_t bytes = sizeof(float);
  for (int64_t d : entry.kvShape)
    if (d <= 0 || __builtin_mul_overflow(bytes, uint64_t(d), &bytes))
      return error(model->path + ": the KV cache geometry overflows 64 bits");
  session->cacheBytes = bytes;
  if (model->gpu) {
    using Memory = cuda::ModelDevice::Memory;
    std::string problem;
    if (!model->gpu->makeCurrent(problem) ||
        !(session->gpuCache =
              model->gpu->allocate(bytes, Memory::ZeroedDevice, problem)) ||
        !(session->gpuTokens = model->gpu->allocate(
              sizeof(int32_t) * uint64_t(model->contextLength), Memory::Managed,
              problem)) ||
        !(session->gpuPositions = model->gpu->allocate(
              sizeof(int64_t) * uint64_t(model->contextLength), Memory::Managed,
              problem)))
      return error(model->path + ": KV cache: " + problem);
    *out = session.release();
    return ok();
  }
  void *cache = mmap(nullptr, session->cacheBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (cache == MAP_FAILED)
    return error(model->path + ": cannot allocate a KV cache of " +
                 std::to_string(session->cacheBytes) +
                 " bytes: " + std::strerror(errno));
  session->cache = static_cast<float *>(cache);
  *out = session.release();
  return ok();
}

/// Records `count` tokens fed at the session's position.
static void advance(llmc_session &session, const int32_t *tokens,
                    size_t count) {
  session.position += int64_t(count);
  session.tokens.insert(session.tokens.end(), tokens, tokens + count);
}

llmc_status_t truncate(llmc_session &session, int64_t position) {
  if (position < 0 || position > session.position)
    return error("cannot truncate the session to position " +
                 std::to_string(position) + ": it holds " +
                 std::to_string(session.position) + " tokens");
  // The KV cache past `position` is overwritten by the next tokens; an ONNX
  // decoder's presents are cut to `position`.
  if (session.onnx && position > 0)
    truncateOnnxDecoderState(*session.model, *session.onnx, position);
  session.position = position;
  session.tokens.resize(size_t(position));
  return ok();
}

/// forward() of a CUDA artifact: its inputs where the GPU reads them, its
/// logits copied back from device memory.
static llmc_status_t forwardOnGPU(llmc_session &session, const int32_t *tokens,
                                  size_t count, float *logits, bool allLogits) {
  llmc_model &model = *session.model;
  const cuda::ModelDevice &gpu = *model.gpu;
  std::string problem;
  if (!gpu.makeCurrent(problem))
    return error(model.path + ": " + problem);
  // Every call ends with its stream synchronized: the GPU is idle, and the
  // host may write managed memory.
  int64_t n = static_cast<int64_t>(count);
  auto *ids = reinterpret_cast<int32_t *>(session.gpuTokens);
  auto *positions = reinterpret_cast<int64_t *>(session.gpuPositions);
  std::memcpy(ids, tokens, count * sizeof(int32_t));
  for (int64_t i = 0; i < n; ++i)
    positions[i] = session.position + i;
  MemRefDescriptor weights(reinterpret_cast<const void *>(gpu.weights()),
                           {int64_t(model.weightsSize)});
  MemRefDescriptor idsRef(ids, {n});
  MemRefDescriptor positionsRef(positions, {n});
  MemRefDescriptor cache(reinterpret_cast<const void *>(session.gpuCache),
                         model.decoder.kvShape);
  MemRefDescriptor result = MemRefDescriptor::result(2);
  void *args[] = {result.get(), weights.get(), idsRef.get(), positionsRef.get(),
                  cache.get()};
  std::string failure = invokeEntryPoint(model.decoder.function, args);
  if (!failure.empty())
    return error(model.path + ": " + failure);
  auto out = reinterpret_cast<uint64_t>(result.aligned());
  auto release = [&] {
    gpu.release(reinterpret_cast<uint64_t>(result.allocated()));
  };
  if (!out || result.size(0) != n || result.size(1) != model.outputSize) {
    release();
    return error(model.path + ": the decoder returned logits of an "
                              "unexpected shape");
  }
  size_t row = static_cast<size_t>(model.outputSize) * sizeof(float);
  bool copied =
      allLogits ? gpu.copyToHost(logits, out, count * row, problem)
                : gpu.copyToHost(logits, out + (count - 1) * row, row, problem);
  release();
  if (!copied)
    return error(model.path + ": " + problem);
  advance(session, tokens, count);
  return ok();
}

llmc_status_t forward(llmc_session &session, const int32_t *tokens,
                      size_t count, float *logits, bool allLogits) {
  llmc_model &model = *session.model;
  if (count == 0)
    return error("no tokens to feed");
  for (size_t i = 0; i < count; ++i)
    if (tokens[i] < 0 || tokens[i] >= model.vocabSize)
      return error("token id " + std::to_string(tokens[i]) +
                   " is outside the vocabulary [0, " +
                   std::to_string(model.vocabSize) + ")");
  if (session.position + int64_t(count) > model.contextLength)
    return error(std::to_string(count) + " tokens at position " +
                 std::to_string(session.position) +
                 " do not fit the context length " +
                 std::to_string(model.contextLength));

  if (session.onnx) {
    if (session.position == 0)
      session.onnx = std::make_unique<OnnxDecoderState>();
    if (llmc_status_t status =
            onnxDecoderForward(model, *session.onnx, session.position, tokens,
                               count, logits, allLogits))
      return status;
    advance(session, tokens, count);
    return ok();
  }

  session.positions.resize(count);
  for (size_t i = 0; i < count; ++i)
    session.positions[i] = session.position + int64_t(i);
  const DecoderEntry &entry = session.draft ? model.draft : model.decoder;
  if (entry.paged) {
    session.sequenceIds.assign(count, 0);
    session.logitRows.clear();
    for (size_t i = allLogits ? 0 : count - 1; i < count; ++i)
      session.logitRows.push_back(int64_t(i));
    PagedBatch batch;
    batch.tokens = tokens;
    batch.positions = session.positions.data();
    batch.sequences = session.sequenceIds.data();
    batch.count = count;
    batch.blockTables = session.blockTable.data();
    batch.numSequences = 1;
    batch.maxBlocks = int64_t(session.blockTable.size());
    batch.logitRows = session.logitRows.data();
    batch.numLogitRows = session.logitRows.size();
    batch.pool = session.pool.get();
    if (llmc_status_t status = runPagedForward(model, entry, batch, logits))
      return status;
    advance(session, tokens, count);
    return ok();
  }
  int64_t n = static_cast<int64_t>(count);
  if (model.gpu)
    return forwardOnGPU(session, tokens, count, logits, allLogits);
  MemRefDescriptor weights(model.weights, {int64_t(model.weightsSize)});
  MemRefDescriptor ids(tokens, {n});
  MemRefDescriptor positions(session.positions.data(), {n});
  MemRefDescriptor cache(session.cache, entry.kvShape);
  MemRefDescriptor result = MemRefDescriptor::result(2);
  void *args[] = {result.get(), weights.get(), ids.get(), positions.get(),
                  cache.get()};
  {
    ScopedKernelContext kernels(model.kernels, model.threads);
    std::string failure = invokeEntryPoint(entry.function, args);
    if (!failure.empty())
      return error(model.path + ": " + failure);
  }

  const float *out = static_cast<const float *>(result.aligned());
  if (!out || result.size(0) != n || result.size(1) != model.outputSize) {
    std::free(result.allocated());
    return error(model.path + ": the decoder returned logits of an "
                              "unexpected shape");
  }
  size_t row = static_cast<size_t>(model.outputSize);
  if (allLogits)
    std::memcpy(logits, out, count * row * sizeof(float));
  else
    std::memcpy(logits, out + (count - 1) * row, row * sizeof(float));
  std::free(result.allocated());
  advance(session, tokens, count);
  return ok();
}

} // namespace llmc::rt
