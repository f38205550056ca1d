//===- Engine.cpp - Continuous batching over a paged KV pool --------------===//

#include "engine/Engine.h"
#include "PagedForward.h"
#include "Speculative.h"
#include "Status.h"
#include "kernels/ThreadPool.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <sys/mman.h>

llmc_engine::~llmc_engine() {
  // Both pools before the model, which may hold their GPU (a self-draft's
  // pool too: it holds no reference of its own).
  draft.reset();
  pool.reset();
  if (model)
    llmc::rt::releaseModel(model);
}

namespace llmc::rt {

DraftPool::~DraftPool() {
  pool.reset();
  if (ownsReference)
    releaseModel(model);
}

namespace {

using Clock = std::chrono::steady_clock;

/// What a step hands to callbacks once the lock is dropped.
struct TokenEvent {
  std::shared_ptr<Request> request;
  size_t sample;
  int32_t token;
  Sequence *sequence; // valid until the step applies the callbacks' answers
  bool stop = false;
};
struct DoneEvent {
  std::shared_ptr<Request> request;
  size_t sample;
  llmc_request_result result;
};

/// One sample's tokens for a step: `rows` holds the logits of its last
/// known token, then one row per draft.
struct Draw {
  Sequence *sample;
  const float *rows;
  std::vector<int32_t> tokens;
  size_t kept = 0; // drafts accepted
};

/// Each draft in turn: kept with probability p(draft) under the target's
/// distribution, else replaced by a draw without it (greedy: kept when it
/// is the argmax); all kept, the target's next token.
void draw(Draw &d, int64_t vocab) {
  Sequence &s = *d.sample;
  for (; d.kept < s.drafts.size(); ++d.kept) {
    bool accepted;
    double u1 = s.verifier.uniform(), u2 = s.verifier.uniform();
    d.tokens.push_back(verifyDraftToken(
        s.sampler.distribution(d.rows + d.kept * size_t(vocab), vocab),
        s.drafts[d.kept], u1, u2, accepted));
    if (!accepted)
      return;
  }
  d.tokens.push_back(s.sampler.sample(d.rows + d.kept * size_t(vocab), vocab));
}

/// draw() for every sample, on up to `threads` threads when any of them
/// samples: each sample has its own sampler and verifier, so the tokens are
/// those of drawing one after another. Sampling without top-k can walk
/// much of the vocabulary, and on one thread it was a serial share of every
/// step; greedy draws (an argmax, microseconds) stay on this thread.
void drawTokens(std::vector<Draw> &draws, int64_t vocab, int threads) {
  bool sampling = std::any_of(draws.begin(), draws.end(), [](const Draw &d) {
    return d.sample->request->params.temperature > 0.0f;
  });
  parallelFor(sampling ? threads : 1, int64_t(draws.size()),
              [&](int64_t i) { draw(draws[size_t(i)], vocab); });
}

/// One paged call's inputs as the step builds them: each token's id,
/// position and sequence, the sequences' block tables (rows of maxBlocks),
/// and the tokens whose logits come back.
struct CallInputs {
  std::vector<int32_t> ids, sequenceOf, tables;
  std::vector<int64_t> positions, rows;
  int64_t maxBlocks = 1;

  /// Starts the block tables of `sequences` sequences, `blocks` each.
  void setTables(size_t sequences, int64_t blocks) {
    maxBlocks = std::max<int64_t>(1, blocks);
    tables.assign(sequences * size_t(maxBlocks), 0);
  }
  void addTable(size_t sequence, const std::vector<int32_t> &blocks) {
    std::copy(blocks.begin(), blocks.end(),
              tables.begin() + sequence * size_t(maxBlocks));
  }
  void addToken(int32_t id, int64_t position, size_t sequence) {
    ids.push_back(id);
    positions.push_back(position);
    sequenceOf.push_back(int32_t(sequence));
  }

  PagedBatch view(const KVPool &pool) const {
    PagedBatch call;
    call.tokens = ids.data();
    call.positions = positions.data();
    call.sequences = sequenceOf.data();
    call.count = ids.size();
    call.blockTables = tables.data();
    call.numSequences = int64_t(tables.size()) / maxBlocks;
    call.maxBlocks = maxBlocks;
    call.logitRows = rows.data();
    call.numLogitRows = rows.size();
    call.pool = &pool;
    return call;
  }
};

/// The engine's scheduling, under its lock.
class Scheduler {
public:
  explicit Scheduler(llmc_engine &engine)
      : e(engine), blocks(*engine.blocks), size(blocks.blockSize()) {}

  /// Gives `seq` blocks (and a private copy of a shared block it writes
  /// into) for positions [computed, upto); false, changing nothing, when
  /// the pool has too few.
  bool reserve(Sequence &seq, int64_t upto) {
    int64_t needed = (upto + size - 1) / size - int64_t(seq.blocks.size());
    int64_t at = seq.computed / size;
    bool copy = seq.computed % size != 0 && at < int64_t(seq.blocks.size()) &&
                blocks.refCount(seq.blocks[size_t(at)]) > 1;
    if (std::max<int64_t>(needed, 0) + (copy ? 1 : 0) > blocks.available())
      return false;
    if (copy) {
      // Copy-on-write: samples that share the prompt's last, partly filled
      // block diverge here.
      int32_t old = seq.blocks[size_t(at)], fresh = blocks.allocate();
      if (copyFailure.empty())
        e.pool->copyBlock(old, fresh, copyFailure);
      e.filled[size_t(fresh)] = e.filled[size_t(old)];
      blocks.release(old);
      seq.blocks[size_t(at)] = fresh;
    }
    for (int64_t i = 0; i < needed; ++i) {
      int32_t block = blocks.allocate();
      e.filled[size_t(block)] = 0;
      seq.blocks.push_back(block);
    }
    return true;
  }

  /// Returns every block of `seq` and forgets its computed tokens.
  void releaseBlocks(Sequence &seq) {
    for (auto it = seq.blocks.rbegin(); it != seq.blocks.rend(); ++it)
      blocks.release(*it);
    seq.blocks.clear();
    seq.drafts.clear();
    seq.wantDrafts = 0;
    if (e.draft) {
      for (auto it = seq.draftBlocks.rbegin(); it != seq.draftBlocks.rend();
           ++it)
        e.draft->blocks->release(*it);
    }
    seq.draftBlocks.clear();
    seq.draftComputed = 0;
    seq.computed = 0;
    seq.published = 0;
    seq.lastKey = 0;
  }

  /// Reuses cached blocks for the leading full blocks of `seq`'s tokens,
  /// leaving at least its last token to compute (its logits are needed).
  void lookupPrefix(Sequence &seq) {
    if (!e.options.prefix_caching || !seq.blocks.empty())
      return;
    int64_t usable = int64_t(seq.tokens.size()) - 1;
    while ((seq.published + 1) * size <= usable) {
      const int32_t *tokens = seq.tokens.data() + seq.published * size;
      int32_t block = blocks.lookup(seq.lastKey, tokens);
      if (block < 0)
        break;
      seq.blocks.push_back(block);
      seq.lastKey = BlockPool::chainKey(seq.lastKey, tokens, size);
      ++seq.published;
    }
    seq.computed = seq.published * size;
  }

  /// With speculation, when this step's `take` tokens reach the end of what
  /// `seq` knows (decoding, or the last chunk of a recomputation): drafts
  /// proposed by prompt lookup after them, as many as can be emitted and
  /// fit the context and the step's `budget`. Returns how many.
  int64_t proposeDrafts(Sequence &seq, int64_t take, int64_t budget) {
    seq.drafts.clear();
    const Request &request = *seq.request;
    if (request.draftTokens <= 0 || !seq.started ||
        seq.computed + take != int64_t(seq.tokens.size()))
      return 0;
    int64_t count = std::min<int64_t>(
        {seq.draftLength,
         request.params.max_tokens - int64_t(seq.result.num_tokens) - 1,
         e.model->contextLength - int64_t(seq.tokens.size()), budget - take});
    if (count <= 0)
      return 0;
    if (!request.modelDrafts) {
      seq.drafts = proposeFromHistory(seq.tokens, count);
      return int64_t(seq.drafts.size());
    }
    // The draft model runs after scheduling; its blocks are taken now
    // (positions up to the last draft it feeds), or it does not draft.
    int64_t upto = int64_t(seq.tokens.size()) - 1 + count;
    BlockPool &draftBlocks = *e.draft->blocks;
    int64_t size = draftBlocks.blockSize();
    int64_t needed = (upto + size - 1) / size - int64_t(seq.draftBlocks.size());
    if (needed > draftBlocks.available())
      return 0;
    for (int64_t i = 0; i < needed; ++i)
      seq.draftBlocks.push_back(draftBlocks.allocate());
    seq.wantDrafts = count;
    return count;
  }

  /// The key of the first block of `seq`'s tokens, or 0 when it has none
  /// full.
  uint64_t firstKey(const Sequence &seq) const {
    if (int64_t(seq.tokens.size()) < size)
      return 0;
    return BlockPool::chainKey(0, seq.tokens.data(), size);
  }

  /// Puts the full blocks `seq` has computed into the prefix cache.
  void publish(Sequence &seq) {
    while ((seq.published + 1) * size <= seq.computed) {
      const int32_t *tokens = seq.tokens.data() + seq.published * size;
      if (e.options.prefix_caching)
        blocks.publish(seq.blocks[size_t(seq.published)], seq.lastKey, tokens);
      seq.lastKey = BlockPool::chainKey(seq.lastKey, tokens, size);
      ++seq.published;
    }
  }

  llmc_engine &e;
  /// A copy-on-write the GPU refused: the step fails with it.
  std::string copyFailure;
  BlockPool &blocks;
  int32_t size;
};

/// Ends `seq` with `reason`, queueing its done callback (for every sample
/// of a request that has not forked yet).
void finish(llmc_engine &e, Sequence &seq, llmc_stop_reason reason,
            std::vector<DoneEvent> &done) {
  seq.result.stop_reason = reason;
  Request &request = *seq.request;
  size_t count = request.forked ? 1 : request.samples;
  for (size_t k = 0; k < count; ++k) {
    size_t sample = request.forked ? seq.sample : k;
    done.push_back({seq.request, sample, seq.result});
  }
  request.unfinished -= count;
  if (request.unfinished == 0)
    e.requests.erase(request.id);
}

/// The seed of the draws that verify sample k's drafts.
uint64_t verifierSeed(uint64_t seed, size_t sample) {
  return (seed + sample) ^ 0x5eed5eed5eed5eedull;
}

bool isStopId(const Request &request, int32_t token) {
  return std::find(request.stopIds.begin(), request.stopIds.end(),
                   int64_t(token)) != request.stopIds.end();
}

void callDone(std::vector<DoneEvent> &done) {
  for (DoneEvent &event : done)
    if (event.request->onDone)
      event.request->onDone(event.request->userData, event.sample,
                            &event.result);
}

} // namespace

llmc_status_t createEngine(llmc_model *model,
                           const llmc_engine_options &options,
                           llmc_engine **out) {
  if (model->manifestOnly)
    return error(model->path + ": opened to read its manifest only; load it "
                               "to run it");
  if (!model->decoder.function || !model->decoder.paged)
    return error(model->path + ": the engine needs a decoder compiled with a "
                               "paged KV cache (llmc compile's default)");
  if (!model->hasLMHead)
    return error(model->path + ": the model has no LM head: nothing to "
                               "generate from");
  const DecoderEntry &entry = model->decoder;
  if (options.kv_blocks < 0 || options.max_batch_tokens < 0 ||
      options.max_sequences < 0)
    return error("engine options: kv_blocks, max_batch_tokens and "
                 "max_sequences must not be negative");
  int64_t perSequence =
      (entry.contextLength + entry.blockSize - 1) / entry.blockSize;
  int64_t numBlocks = options.kv_blocks;
  if (numBlocks == 0 && options.kv_bytes > 0)
    numBlocks = int64_t(
        std::min<uint64_t>(options.kv_bytes / entry.blockBytes, INT32_MAX));
  if (numBlocks == 0 && options.kv_bytes == 0)
    numBlocks = std::min<int64_t>(16 * perSequence, INT32_MAX);
  if (numBlocks <= 0 || numBlocks > INT32_MAX)
    return error("engine options: a KV pool of " + std::to_string(numBlocks) +
                 " blocks (of " + std::to_string(entry.blockBytes) +
                 " bytes) cannot hold a sequence");
  auto engine = std::make_unique<llmc_engine>();
  engine->model = model;
  retainModel(model);
  engine->entry = &entry;
  engine->options = options;
  if (engine->options.max_batch_tokens == 0)
    engine->options.max_batch_tokens = 512;
  if (engine->options.max_sequences == 0)
    engine->options.max_sequences = 256;
  std::string problem;
  engine->pool = KVPool::create(*model, entry, numBlocks, problem);
  if (!engine->pool)
    return error(model->path + ": " + problem);
  engine->blocks =
      std::make_unique<BlockPool>(int32_t(numBlocks), int32_t(entry.blockSize));
  engine->filled.assign(size_t(numBlocks), 0);
  engine->stats.block_size = entry.blockSize;
  engine->stats.block_bytes = entry.blockBytes;
  engine->stats.blocks_total = numBlocks;

  // The draft model: the one given, else the model's self-draft.
  llmc_model *draftModel = options.draft ? options.draft : model;
  const DecoderEntry *draftEntry =
      options.draft ? &options.draft->decoder
                    : (model->draft.function ? &model->draft : nullptr);
  if (options.draft) {
    if (options.draft->manifestOnly || !options.draft->decoder.function ||
        !options.draft->decoder.paged || !options.draft->hasLMHead)
      return error(options.draft->path +
                   ": the draft model needs a decoder with an LM head "
                   "compiled with a paged KV cache");
    if (options.draft->vocabSize != model->vocabSize)
      return error("the draft model's vocabulary has " +
                   std::to_string(options.draft->vocabSize) +
                   " tokens, the model's " + std::to_string(model->vocabSize));
  }
  if (draftEntry && draftEntry->paged) {
    auto draft = std::make_unique<DraftPool>();
    draft->model = draftModel;
    if (options.draft) {
      retainModel(draftModel);
      draft->ownsReference = true;
    }
    draft->entry = draftEntry;
    int64_t positions = numBlocks * entry.blockSize;
    int64_t draftBlocks = std::min<int64_t>(
        (positions + draftEntry->blockSize - 1) / draftEntry->blockSize,
        INT32_MAX);
    draft->pool =
        KVPool::create(*draftModel, *draftEntry, draftBlocks, problem);
    if (!draft->pool)
      return error(draftModel->path + ": the draft's " + problem);
    draft->blocks = std::make_unique<BlockPool>(int32_t(draftBlocks),
                                                int32_t(draftEntry->blockSize));
    engine->draft = std::move(draft);
  } else if (options.draft) {
    return error(options.draft->path + ": the draft model's KV cache is not "
                                       "paged");
  }
  *out = engine.release();
  return ok();
}

llmc_status_t addRequest(llmc_engine &e, const llmc_request &request,
                         uint64_t &id) {
  const llmc_model &model = *e.model;
  if (request.prompt_count == 0 || !request.prompt)
    return error("the prompt is empty (it needs at least a BOS token)");
  for (size_t i = 0; i < request.prompt_count; ++i)
    if (request.prompt[i] < 0 || request.prompt[i] >= model.vocabSize)
      return error("prompt token " + std::to_string(i) + " (id " +
                   std::to_string(request.prompt[i]) +
                   ") is outside the vocabulary [0, " +
                   std::to_string(model.vocabSize) + ")");
  if (int64_t(request.prompt_count) > model.contextLength)
    return error("the prompt of " + std::to_string(request.prompt_count) +
                 " tokens does not fit the context length " +
                 std::to_string(model.contextLength));
  if (llmc_status_t status = llmc_generate_params_check(&request.params))
    return status;
  if (request.params.num_stop_ids && !request.params.stop_ids)
    return error("num_stop_ids is " +
                 std::to_string(request.params.num_stop_ids) +
                 " but stop_ids is null");
  if (request.draft_tokens < 0 || request.draft_tokens > 64)
    return error("draft_tokens " + std::to_string(request.draft_tokens) +
                 ": expected 0 (off) to 64");
  if (request.speculative != 0 &&
      request.speculative != LLMC_SPECULATIVE_NGRAM &&
      request.speculative != LLMC_SPECULATIVE_DRAFT)
    return error("unknown speculative kind " +
                 std::to_string(request.speculative));
  if (request.draft_tokens > 0 &&
      request.speculative == LLMC_SPECULATIVE_DRAFT && !e.draft)
    return error("the engine has no draft model (give llmc_engine_options' "
                 "draft, or compile the model with --draft-quantize)");
  if (request.samples == 0 || request.samples > 4096)
    return error("samples " + std::to_string(request.samples) +
                 ": expected 1 to 4096");
  int64_t needed =
      int64_t(request.prompt_count) / e.entry->blockSize + 1; // prompt + 1
  if (needed > e.stats.blocks_total)
    return error("the prompt of " + std::to_string(request.prompt_count) +
                 " tokens needs " + std::to_string(needed) +
                 " KV blocks, more than the pool's " +
                 std::to_string(e.stats.blocks_total));

  auto r = std::make_shared<Request>();
  r->prompt.assign(request.prompt, request.prompt + request.prompt_count);
  r->params = request.params;
  r->stopIds.assign(request.params.stop_ids,
                    request.params.stop_ids + request.params.num_stop_ids);
  r->params.stop_ids = nullptr;
  r->samples = request.samples;
  r->unfinished = request.samples;
  r->onToken = request.on_token;
  r->onDone = request.on_done;
  r->userData = request.user_data;
  r->draftTokens = request.draft_tokens;
  r->modelDrafts = request.speculative == LLMC_SPECULATIVE_DRAFT;
  r->added = Clock::now();
  SamplingParams sampling{r->params.temperature, r->params.top_k,
                          r->params.top_p};
  auto seq = std::make_unique<Sequence>(r, 0, Sampler(sampling, r->params.seed),
                                        verifierSeed(r->params.seed, 0));
  seq->draftLength = request.draft_tokens;
  seq->tokens = r->prompt;
  seq->result.prompt_tokens = r->prompt.size();

  std::lock_guard<std::mutex> lock(e.mutex);
  r->id = e.nextId++;
  e.requests[r->id] = r;
  e.waiting.push_back(std::move(seq));
  id = r->id;
  return ok();
}

llmc_status_t cancelRequest(llmc_engine &e, uint64_t id) {
  std::lock_guard<std::mutex> lock(e.mutex);
  auto it = e.requests.find(id);
  if (it == e.requests.end())
    return error("no request " + std::to_string(id) +
                 " in the engine (unknown, or already finished)");
  it->second->cancelled = true;
  return ok();
}

llmc_status_t stepEngine(llmc_engine &e, size_t &pending) {
  std::vector<DoneEvent> done;
  std::vector<TokenEvent> tokens;
  std::unique_lock<std::mutex> lock(e.mutex);
  if (e.stepping)
    return error("another thread is stepping the engine");
  e.stepping = true;
  Scheduler s(e);

  // Cancelled requests end first, their blocks freed.
  for (auto it = e.running.begin(); it != e.running.end();) {
    if ((*it)->request->cancelled) {
      s.releaseBlocks(**it);
      finish(e, **it, LLMC_STOP_CANCELLED, done);
      it = e.running.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = e.waiting.begin(); it != e.waiting.end();) {
    if ((*it)->request->cancelled) {
      finish(e, **it, LLMC_STOP_CANCELLED, done);
      it = e.waiting.erase(it);
    } else {
      ++it;
    }
  }

  // Running sequences first, oldest first; the newest gives way when
  // blocks run out. Then waiting requests, in arrival order.
  struct Scheduled {
    Sequence *seq;
    int64_t start, count;
  };
  std::vector<Scheduled> batch;
  int64_t budget = e.options.max_batch_tokens;
  for (auto it = e.running.begin(); it != e.running.end() && budget > 0;) {
    Sequence &seq = **it;
    int64_t take =
        std::min<int64_t>(int64_t(seq.tokens.size()) - seq.computed, budget);
    take += s.proposeDrafts(seq, take, budget);
    bool fits = s.reserve(seq, seq.computed + take);
    while (!fits && std::next(it) != e.running.end()) {
      // Preempt the newest: free its blocks, recompute it later.
      std::unique_ptr<Sequence> victim = std::move(e.running.back());
      e.running.pop_back();
      s.releaseBlocks(*victim);
      ++victim->result.preemptions;
      ++e.stats.preemptions;
      e.waiting.push_front(std::move(victim));
      fits = s.reserve(seq, seq.computed + take);
    }
    if (!fits) {
      // The oldest cannot grow: alone, the pool is full for it.
      if (it == e.running.begin() && batch.empty()) {
        s.releaseBlocks(seq);
        finish(e, seq, LLMC_STOP_CONTEXT_FULL, done);
        it = e.running.erase(it);
        continue;
      }
      std::unique_ptr<Sequence> self = std::move(*it);
      it = e.running.erase(it);
      s.releaseBlocks(*self);
      ++self->result.preemptions;
      ++e.stats.preemptions;
      e.waiting.push_front(std::move(self));
      break;
    }
    batch.push_back({&seq, seq.computed, take});
    budget -= take;
    ++it;
  }
  // First blocks this step computes: a request that starts with one waits
  // a step and then finds it in the prefix cache instead of computing it
  // again (16 requests with one system prompt store it about once).
  std::set<uint64_t> computing;
  auto noteComputing = [&](const Sequence &seq, int64_t start) {
    if (e.options.prefix_caching && start < s.size)
      if (uint64_t key = s.firstKey(seq))
        computing.insert(key);
  };
  for (const Scheduled &item : batch)
    noteComputing(*item.seq, item.start);
  while (!e.waiting.empty() && budget > 0 &&
         int64_t(e.running.size()) < e.options.max_sequences) {
    Sequence &seq = *e.waiting.front();
    s.lookupPrefix(seq);
    if (seq.computed == 0 && computing.count(s.firstKey(seq)))
      break;
    int64_t take =
        std::min<int64_t>(int64_t(seq.tokens.size()) - seq.computed, budget);
    take += s.proposeDrafts(seq, take, budget);
    if (!s.reserve(seq, seq.computed + take)) {
      s.releaseBlocks(seq);
      if (e.running.empty() && batch.empty()) {
        // Not even alone: the pool cannot hold what it has generated.
        finish(e, seq, LLMC_STOP_CONTEXT_FULL, done);
        e.waiting.pop_front();
        continue;
      }
      break;
    }
    e.stats.prefix_hit_tokens += uint64_t(seq.computed);
    if (!seq.started)
      seq.result.prefix_hit_tokens = size_t(seq.computed);
    noteComputing(seq, seq.computed);
    batch.push_back({&seq, seq.computed, take});
    budget -= take;
    e.running.push_back(std::move(e.waiting.front()));
    e.waiting.pop_front();
  }

  // The draft model's tokens for the sequences that want them: first each
  // catches up to its last token (its greedy next token is the first
  // draft), then one call per further draft, all sequences batched.
  llmc_status_t failure = nullptr;
  std::vector<Sequence *> drafting;
  for (const Scheduled &item : batch)
    if (item.seq->wantDrafts > 0)
      drafting.push_back(item.seq);
  while (!drafting.empty() && !failure) {
    CallInputs in;
    int64_t blocks = 0;
    for (Sequence *seq : drafting)
      blocks = std::max<int64_t>(blocks, seq->draftBlocks.size());
    in.setTables(drafting.size(), blocks);
    for (size_t i = 0; i < drafting.size(); ++i) {
      Sequence &seq = *drafting[i];
      in.addTable(i, seq.draftBlocks);
      int64_t known = int64_t(seq.tokens.size());
      int64_t end = known + int64_t(seq.drafts.size());
      for (int64_t p = seq.draftComputed; p < end; ++p)
        in.addToken(p < known ? seq.tokens[size_t(p)]
                              : seq.drafts[size_t(p - known)],
                    p, i);
      in.rows.push_back(int64_t(in.ids.size()) - 1);
    }
    PagedBatch call = in.view(*e.draft->pool);
    std::vector<float> logits(in.rows.size() * size_t(e.model->vocabSize));
    lock.unlock();
    failure =
        runPagedForward(*e.draft->model, *e.draft->entry, call, logits.data());
    lock.lock();
    if (failure)
      break;
    std::vector<Sequence *> more;
    for (size_t i = 0; i < drafting.size(); ++i) {
      Sequence &seq = *drafting[i];
      seq.draftComputed = int64_t(seq.tokens.size() + seq.drafts.size());
      seq.drafts.push_back(argmax(
          logits.data() + i * size_t(e.model->vocabSize), e.model->vocabSize));
      if (int64_t(seq.drafts.size()) < seq.wantDrafts)
        more.push_back(&seq);
    }
    drafting = std::move(more);
  }

  // One call for the whole batch.
  CallInputs in;
  int64_t blocks = 0;
  for (const Scheduled &item : batch)
    blocks = std::max<int64_t>(blocks, item.seq->blocks.size());
  in.setTables(batch.size(), blocks);
  std::vector<size_t> rowOf(batch.size(), SIZE_MAX);
  for (size_t i = 0; i < batch.size(); ++i) {
    const Scheduled &item = batch[i];
    in.addTable(i, item.seq->blocks);
    const std::vector<int32_t> &known = item.seq->tokens;
    int64_t end = item.start + item.count;
    for (int64_t p = item.start; p < end; ++p)
      in.addToken(p < int64_t(known.size())
                      ? known[size_t(p)]
                      : item.seq->drafts[size_t(p) - known.size()],
                  p, i);
    // Logits for the last known token, and for each draft to verify it.
    if (end >= int64_t(known.size())) {
      rowOf[i] = in.rows.size();
      for (int64_t p = int64_t(known.size()) - 1; p < end; ++p)
        in.rows.push_back(int64_t(in.ids.size()) - (end - p));
    }
  }
  std::vector<float> logits(in.rows.size() * size_t(e.entry->outputSize));
  if (!s.copyFailure.empty() && !failure)
    failure = error(e.model->path + ": " + s.copyFailure);
  if (!batch.empty() && !failure) {
    PagedBatch call = in.view(*e.pool);
    lock.unlock();
    failure = runPagedForward(*e.model, *e.entry, call, logits.data());
    lock.lock();
  }
  ++e.stats.steps;

  if (failure) {
    // The batch's requests cannot go on: their KV is in doubt.
    for (const Scheduled &item : batch)
      item.seq->request->cancelled = true;
  } else {
    auto now = Clock::now();
    std::vector<Draw> draws;
    for (size_t i = 0; i < batch.size(); ++i) {
      Sequence &seq = *batch[i].seq;
      // Drafts' keys and values count once they are accepted, below.
      seq.computed += batch[i].count - int64_t(seq.drafts.size());
      for (int64_t p = batch[i].start; p < seq.computed; ++p) {
        int32_t block = seq.blocks[size_t(p / s.size)];
        e.filled[size_t(block)] =
            std::max<int32_t>(e.filled[size_t(block)], int32_t(p % s.size) + 1);
      }
      s.publish(seq);
      if (rowOf[i] == SIZE_MAX)
        continue;
      const float *row = logits.data() + rowOf[i] * size_t(e.entry->outputSize);
      Request &request = *seq.request;
      if (request.params.max_tokens == 0)
        continue; // finished below, nothing sampled
      std::vector<Sequence *> samplers{&seq};
      if (!request.forked) {
        request.forked = true;
        // The other samples start from the same prompt and logits, sharing
        // its blocks.
        auto at = std::find_if(e.running.begin(), e.running.end(),
                               [&](auto &p) { return p.get() == &seq; });
        for (size_t k = 1; k < request.samples; ++k) {
          SamplingParams sampling{request.params.temperature,
                                  request.params.top_k, request.params.top_p};
          auto sibling = std::make_unique<Sequence>(
              seq.request, k, Sampler(sampling, request.params.seed + k),
              verifierSeed(request.params.seed, k));
          sibling->draftLength = request.draftTokens;
          sibling->tokens = seq.tokens;
          sibling->computed = seq.computed;
          sibling->blocks = seq.blocks;
          for (int32_t block : sibling->blocks)
            e.blocks->retain(block);
          sibling->published = seq.published;
          sibling->lastKey = seq.lastKey;
          sibling->result = seq.result;
          samplers.push_back(sibling.get());
          at = e.running.insert(std::next(at), std::move(sibling));
        }
      }
      for (Sequence *sample : samplers) {
        if (!sample->started) {
          sample->started = true;
          sample->result.first_token_seconds =
              std::chrono::duration<double>(now - request.added).count();
        } else {
          ++sample->result.target_steps;
        }
        draws.push_back({sample, row, {}, 0});
      }
    }
    drawTokens(draws, e.model->vocabSize, e.model->threads);
    for (Draw &draw : draws) {
      Sequence *sample = draw.sample;
      const Request &request = *sample->request;
      size_t kept = draw.kept;
      for (int32_t token : draw.tokens)
        tokens.push_back({sample->request, sample->sample, token, sample});
      sample->result.drafted_tokens += sample->drafts.size();
      sample->result.accepted_tokens += kept;
      e.stats.drafted_tokens += sample->drafts.size();
      e.stats.accepted_tokens += kept;
      // The accepted drafts' keys and values are in place; the draft
      // model's hold for the positions whose tokens stand.
      sample->computed += int64_t(kept);
      sample->draftComputed = std::min(sample->draftComputed, sample->computed);
      sample->wantDrafts = 0;
      if (!sample->drafts.empty())
        sample->draftLength = kept == sample->drafts.size()
                                  ? std::min<int64_t>(sample->draftLength + 1,
                                                      request.draftTokens)
                                  : int64_t(kept) + 1;
      sample->drafts.clear();
    }
  }

  // Token callbacks, without the lock, in order; a sample's tokens after
  // the one that ends it are dropped (with speculation a step emits
  // several). Then each sample stops or goes on.
  lock.unlock();
  std::set<Sequence *> ended;
  std::map<Sequence *, int64_t> emitted;
  for (TokenEvent &event : tokens) {
    Sequence &seq = *event.sequence;
    if (ended.count(&seq)) {
      event.stop = true;
      continue;
    }
    // Tokens fed before this one: the known ones and this step's earlier.
    int64_t fed = int64_t(seq.tokens.size()) + emitted[&seq]++;
    const Request &request = *seq.request;
    ++seq.result.num_tokens;
    llmc_stop_reason reason = LLMC_STOP_MAX_TOKENS;
    bool ends = true;
    if (request.onToken &&
        request.onToken(request.userData, event.sample, event.token) != 0)
      reason = LLMC_STOP_CALLBACK;
    else if (isStopId(request, event.token))
      reason = LLMC_STOP_TOKEN;
    else if (int64_t(seq.result.num_tokens) >= request.params.max_tokens)
      reason = LLMC_STOP_MAX_TOKENS;
    else if (fed >= e.model->contextLength)
      reason = LLMC_STOP_CONTEXT_FULL;
    else
      ends = false;
    if (ends) {
      seq.result.stop_reason = reason;
      ended.insert(&seq);
    }
  }
  lock.lock();
  for (TokenEvent &event : tokens) {
    Sequence &seq = *event.sequence;
    if (ended.count(&seq))
      seq.computed = -1; // marks it finished for the sweep below
    else
      seq.tokens.push_back(event.token);
  }
  // Blocks past the next position (rejected drafts') go back.
  for (const Scheduled &item : batch) {
    Sequence &seq = *item.seq;
    if (seq.computed < 0)
      continue;
    size_t keep = (seq.tokens.size() + size_t(s.size) - 1) / size_t(s.size);
    while (seq.blocks.size() > keep) {
      e.blocks->release(seq.blocks.back());
      seq.blocks.pop_back();
    }
    if (e.draft) {
      size_t size = size_t(e.draft->blocks->blockSize());
      size_t keepDraft = (seq.tokens.size() + size - 1) / size;
      while (seq.draftBlocks.size() > keepDraft) {
        e.draft->blocks->release(seq.draftBlocks.back());
        seq.draftBlocks.pop_back();
      }
    }
  }
  for (const Scheduled &item : batch)
    if (item.seq->request->params.max_tokens == 0 &&
        item.seq->computed == int64_t(item.seq->tokens.size())) {
      item.seq->result.stop_reason = LLMC_STOP_MAX_TOKENS;
      item.seq->computed = -1;
    }

  // Statistics at this step's peak, before finished samples let go.
  // Of the steps at the peak, the fullest: memory is what the peak holds,
  // waste is what its blocks could have held and did not.
  BlockPool::Counts counts = e.blocks->counts();
  if (counts.used >= e.stats.peak_blocks_used) {
    int64_t slots = 0;
    for (int32_t b = 0; b < e.blocks->numBlocks(); ++b)
      if (e.blocks->refCount(b) > 0)
        slots += e.filled[size_t(b)];
    if (counts.used > e.stats.peak_blocks_used)
      e.stats.peak_used_slots = 0;
    e.stats.peak_blocks_used = counts.used;
    e.stats.peak_used_slots = std::max(e.stats.peak_used_slots, slots);
  }
  for (auto it = e.running.begin(); it != e.running.end();) {
    Sequence &seq = **it;
    if (seq.computed >= 0 && !seq.request->cancelled) {
      ++it;
      continue;
    }
    llmc_stop_reason reason =
        seq.computed >= 0 ? LLMC_STOP_CANCELLED : seq.result.stop_reason;
    seq.computed = 0;
    s.releaseBlocks(seq);
    finish(e, seq, reason, done);
    it = e.running.erase(it);
  }
  pending = e.requests.size();
  e.stepping = false;
  lock.unlock();
  callDone(done);
  return failure;
}

void engineStats(llmc_engine &e, llmc_engine_stats &stats) {
  std::lock_guard<std::mutex> lock(e.mutex);
  BlockPool::Counts counts = e.blocks->counts();
  e.stats.blocks_used = counts.used;
  e.stats.blocks_cached = counts.cached;
  e.stats.blocks_free = counts.free + counts.evictable;
  e.stats.running = int64_t(e.running.size());
  e.stats.waiting = int64_t(e.waiting.size());
  stats = e.stats;
}

std::string checkEngine(llmc_engine &e) {
  std::lock_guard<std::mutex> lock(e.mutex);
  std::string problem = e.blocks->checkInvariants();
  if (!problem.empty())
    return problem;
  // Every reference is a running sequence's block-table entry.
  std::vector<int32_t> references(size_t(e.blocks->numBlocks()), 0);
  for (auto &seq : e.running)
    for (int32_t block : seq->blocks)
      ++references[size_t(block)];
  for (auto &seq : e.waiting)
    if (!seq->blocks.empty())
      return "a waiting sequence holds blocks";
  for (int32_t b = 0; b < e.blocks->numBlocks(); ++b)
    if (references[size_t(b)] != e.blocks->refCount(b))
      return "block " + std::to_string(b) + " has " +
             std::to_string(e.blocks->refCount(b)) + " references but " +
             std::to_string(references[size_t(b)]) + " holders";
  if (!e.draft)
    return "";
  problem = e.draft->blocks->checkInvariants();
  if (!problem.empty())
    return "draft pool: " + problem;
  std::vector<int32_t> draftReferences(size_t(e.draft->blocks->numBlocks()), 0);
  for (auto &seq : e.running)
    for (int32_t block : seq->draftBlocks)
      ++draftReferences[size_t(block)];
  for (int32_t b = 0; b < e.draft->blocks->numBlocks(); ++b)
    if (draftReferences[size_t(b)] != e.draft->blocks->refCount(b))
      return "draft block " + std::to_string(b) + " is held " +
             std::to_string(draftReferences[size_t(b)]) + " times, counted " +
             std::to_string(e.draft->blocks->refCount(b));
  return "";
}

} // namespace llmc::rt
