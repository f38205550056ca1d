//===- Engine.h - Continuous batching over a paged KV pool ------*- C++ -*-===//
//
// llmc_engine (llmc.h): requests wait in arrival order; each step the
// scheduler gives the running sequences their next token (decode) or the
// next chunk of their prompt, admits waiting requests while the step's
// token budget and the pool allow, runs the batch through the paged
// decoder in one call, and samples. Blocks come from a BlockPool with a
// prefix cache; samples of one request fork from its prompt and copy a
// shared block before writing into it.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_ENGINE_ENGINE_H
#define LLMC_RUNTIME_ENGINE_ENGINE_H

#include "KVPool.h"
#include "Model.h"
#include "Sampler.h"
#include "engine/BlockPool.h"

#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace llmc::rt {

/// A request as added: its prompt, parameters and callbacks.
struct Request {
  uint64_t id = 0;
  std::vector<int32_t> prompt;
  llmc_generate_params params{};
  std::vector<int64_t> stopIds;
  size_t samples = 1;
  llmc_sample_callback onToken = nullptr;
  llmc_done_callback onDone = nullptr;
  void *userData = nullptr;
  /// The most tokens drafted per step; 0 without speculation.
  int32_t draftTokens = 0;
  /// Drafted by the engine's draft model rather than by prompt lookup.
  bool modelDrafts = false;
  std::chrono::steady_clock::time_point added;
  /// Samples not yet finished; the request ends when it reaches 0.
  size_t unfinished = 0;
  bool cancelled = false;
  /// Set once its first sequence has forked into the samples.
  bool forked = false;
};

/// One sample of a request: its tokens and the blocks that hold their KV.
struct Sequence {
  std::shared_ptr<Request> request;
  size_t sample = 0;
  /// Prompt, then generated tokens.
  std::vector<int32_t> tokens;
  /// Tokens whose keys and values are in the pool: positions [0, computed).
  int64_t computed = 0;
  std::vector<int32_t> blocks;
  /// Blocks [0, published) are in the prefix cache; `lastKey` is the chain
  /// key of block published - 1 (0 before the first).
  int64_t published = 0;
  uint64_t lastKey = 0;
  Sampler sampler;
  /// Speculation: the draws that accept or replace drafts, this step's
  /// drafts (positions tokens.size() on), and the next draft length.
  Random verifier;
  std::vector<int32_t> drafts;
  int64_t draftLength = 0;
  /// With a draft model: how many tokens it drafts this step, its blocks,
  /// and the positions whose keys and values it holds.
  int64_t wantDrafts = 0;
  std::vector<int32_t> draftBlocks;
  int64_t draftComputed = 0;
  llmc_request_result result{};
  bool started = false; // has emitted a token

  Sequence(std::shared_ptr<Request> request, size_t sample, Sampler sampler,
           uint64_t verifierSeed)
      : request(std::move(request)), sample(sample), sampler(sampler),
        verifier(verifierSeed) {}
};

/// The draft model's side of an engine: its entry point and a pool of its
/// own (no prefix cache: drafts are never shared).
struct DraftPool {
  llmc_model *model = nullptr;
  bool ownsReference = false; // a model other than the engine's
  const DecoderEntry *entry = nullptr;
  std::unique_ptr<KVPool> pool;
  std::unique_ptr<BlockPool> blocks;
  ~DraftPool();
};

} // namespace llmc::rt

struct llmc_engine {
  llmc_model *model = nullptr;
  const llmc::rt::DecoderEntry *entry = nullptr;
  llmc_engine_options options{};
  std::unique_ptr<llmc::rt::KVPool> pool;

  /// Guards everything below; never held while the model runs or a
  /// callback is called.
  std::mutex mutex;
  std::unique_ptr<llmc::rt::BlockPool> blocks;
  /// Null without a draft model.
  std::unique_ptr<llmc::rt::DraftPool> draft;
  /// Positions of each block that hold a token (for the waste statistic).
  std::vector<int32_t> filled;
  uint64_t nextId = 1;
  std::deque<std::unique_ptr<llmc::rt::Sequence>> waiting;
  /// Oldest first: the last is the first preempted.
  std::list<std::unique_ptr<llmc::rt::Sequence>> running;
  std::map<uint64_t, std::shared_ptr<llmc::rt::Request>> requests;
  llmc_engine_stats stats{};
  /// Set while a thread steps the engine.
  bool stepping = false;

  ~llmc_engine();
};

namespace llmc::rt {

llmc_status_t createEngine(llmc_model *model,
                           const llmc_engine_options &options,
                           llmc_engine **out);
llmc_status_t addRequest(llmc_engine &engine, const llmc_request &request,
                         uint64_t &id);
llmc_status_t cancelRequest(llmc_engine &engine, uint64_t id);
llmc_status_t stepEngine(llmc_engine &engine, size_t &pending);
void engineStats(llmc_engine &engine, llmc_engine_stats &stats);
std::string checkEngine(llmc_engine &engine);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_ENGINE_ENGINE_H
