//===- CApi.cpp - The runtime's C API over its C++ pieces -----------------===//

#include "Model.h"
#include "Sampler.h"
#include "Session.h"
#include "Speculative.h"
#include "Status.h"
#include "engine/Engine.h"
#include "kernels/Kernels.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

using namespace llmc::rt;

extern "C" {

const char *llmc_status_message(llmc_status_t status) {
  return status ? status->message.c_str() : "";
}
void llmc_status_free(llmc_status_t status) { delete status; }

llmc_status_t llmc_model_load(const char *path, llmc_model_t **model) {
  if (!path || !model)
    return error("llmc_model_load: null argument");
  *model = nullptr;
  return loadModel(path, 0, model);
}
llmc_status_t llmc_model_open(const char *path, uint32_t flags,
                              llmc_model_t **model) {
  if (!path || !model)
    return error("llmc_model_open: null argument");
  *model = nullptr;
  if (flags & ~uint32_t(LLMC_OPEN_MANIFEST_ONLY | LLMC_OPEN_VERIFY_WEIGHTS |
                        LLMC_OPEN_MAP_WEIGHTS))
    return error("llmc_model_open: unknown flags " + std::to_string(flags));
  return loadModel(path, flags, model);
}
llmc_status_t llmc_model_open_linked(const llmc_model_descriptor *descriptor,
                                     llmc_model_t **model) {
  if (!descriptor || !model)
    return error("llmc_model_open_linked: null argument");
  *model = nullptr;
  return openLinkedModel(descriptor, model);
}
const char *llmc_model_cpu_check(const llmc_model_t *model) {
  return model->cpuProblem.c_str();
}
void llmc_model_free(llmc_model_t *model) {
  if (model)
    releaseModel(model);
}

const uint8_t *llmc_model_manifest(const llmc_model_t *model, size_t *size) {
  *size = model->manifestSection.size() - sizeof(llmc_manifest_header);
  return model->manifestSection.data() + sizeof(llmc_manifest_header);
}
const uint8_t *llmc_model_weights(const llmc_model_t *model, size_t *size) {
  *size = model->weightsSize;
  return model->weights;
}
int llmc_model_weights_in_memory(const llmc_model_t *model) {
  return model->residentWeights != nullptr;
}
void llmc_model_set_threads(llmc_model_t *model, int threads) {
  model->threads = threads > 0 ? threads : 1;
}
int llmc_model_threads(const llmc_model_t *model) { return model->threads; }
const char *llmc_model_kernels(const llmc_model_t *model) {
  return model->kernels ? model->kernels->name : "none";
}
uint64_t llmc_model_weight_bytes_per_token(const llmc_model_t *model) {
  uint64_t total = 0;
  if (!model->manifest->tensors())
    return 0;
  for (const llmc::fb::Tensor *t : *model->manifest->tensors()) {
    std::string roles = t->role() ? t->role()->str() : "";
    auto has = [&](const char *role) {
      size_t at = roles.find(role);
      size_t end = at + std::strlen(role);
      return at != std::string::npos && (at == 0 || roles[at - 1] == '+') &&
             (end == roles.size() || roles[end] == '+');
    };
    if (has("linear") || has("lm_head") || has("norm") || has("bias"))
      total += t->bytes();
    if (has("embedding")) {
      uint64_t rows = t->shape() && t->shape()->size() > 0
                          ? uint64_t(std::max<int64_t>(1, t->shape()->Get(0)))
                          : 1;
      total += (t->bytes() + rows - 1) / rows;
    }
  }
  return total;
}
int64_t llmc_model_vocab_size(const llmc_model_t *model) {
  return model->vocabSize;
}
int64_t llmc_model_output_size(const llmc_model_t *model) {
  return model->outputSize;
}
int llmc_model_has_lm_head(const llmc_model_t *model) {
  return model->hasLMHead;
}
int64_t llmc_model_context_length(const llmc_model_t *model) {
  return model->contextLength;
}
int64_t llmc_model_bos_id(const llmc_model_t *model) { return model->bosId; }
size_t llmc_model_stop_ids(const llmc_model_t *model, const int64_t **ids) {
  *ids = model->stopIds.data();
  return model->stopIds.size();
}

llmc_status_t llmc_session_create(llmc_model_t *model,
                                  llmc_session_t **session) {
  if (!model || !session)
    return error("llmc_session_create: null argument");
  *session = nullptr;
  return createSession(model, session);
}
llmc_status_t llmc_session_create_draft(llmc_model_t *model,
                                        llmc_session_t **session) {
  if (!model || !session)
    return error("llmc_session_create_draft: null argument");
  *session = nullptr;
  return createSession(model, session, /*draft=*/true);
}
int llmc_model_has_draft(const llmc_model_t *model) {
  return model->draft.function != nullptr;
}
void llmc_session_free(llmc_session_t *session) { delete session; }
int64_t llmc_session_position(const llmc_session_t *session) {
  return session->position;
}
void llmc_session_reset(llmc_session_t *session) {
  llmc_status_free(truncate(*session, 0));
}

llmc_status_t llmc_session_truncate(llmc_session_t *session, int64_t position) {
  if (!session)
    return error("llmc_session_truncate: null session");
  return truncate(*session, position);
}

llmc_status_t llmc_session_forward(llmc_session_t *session,
                                   const int32_t *tokens, size_t count,
                                   float *logits, int all_logits) {
  return forward(*session, tokens, count, logits, all_logits != 0);
}

void llmc_generate_params_init(const llmc_model_t *model,
                               llmc_generate_params *params) {
  *params = llmc_generate_params{};
  params->max_tokens = 256;
  params->temperature = 0.0f;
  params->top_k = 0;
  params->top_p = 1.0f;
  params->seed = 0;
  params->stop_ids = model->stopIds.data();
  params->num_stop_ids = model->stopIds.size();
}

llmc_status_t llmc_generate_params_check(const llmc_generate_params *params) {
  if (!params)
    return error("llmc_generate_params_check: null argument");
  if (params->max_tokens < 0)
    return error("max_tokens " + std::to_string(params->max_tokens) +
                 ": expected a count >= 0");
  std::string problem =
      checkSamplingParams({params->temperature, params->top_k, params->top_p});
  return problem.empty() ? ok() : error(problem);
}

} // extern "C"

/// What llmc_generate and llmc_generate_speculative refuse before feeding
/// anything: an empty prompt, one that does not fit, bad parameters.
static llmc_status_t checkGenerate(const llmc_session &session,
                                   size_t promptCount,
                                   const llmc_generate_params *params,
                                   const char *caller) {
  const llmc_model &model = *session.model;
  if (!model.hasLMHead)
    return error(model.path + ": the model has no LM head (its forward "
                              "returns hidden states): nothing to generate "
                              "from");
  if (promptCount == 0)
    return error("the prompt is empty (it needs at least a BOS token)");
  if (session.position + int64_t(promptCount) > model.contextLength)
    return error("the prompt of " + std::to_string(promptCount) +
                 " tokens does not fit the context length " +
                 std::to_string(model.contextLength));
  if (llmc_status_t status = llmc_generate_params_check(params)) {
    status->message = std::string(caller) + ": " + status->message;
    return status;
  }
  return ok();
}

extern "C" {

llmc_status_t llmc_generate(llmc_session_t *session, const int32_t *prompt,
                            size_t prompt_count,
                            const llmc_generate_params *params,
                            llmc_token_callback callback, void *user_data,
                            llmc_generate_result *result) {
  using Clock = std::chrono::steady_clock;
  llmc_model &model = *session->model;
  *result = llmc_generate_result{};
  result->prompt_tokens = prompt_count;
  if (llmc_status_t status =
          checkGenerate(*session, prompt_count, params, "llmc_generate"))
    return status;

  std::vector<float> logits(model.vocabSize);
  auto start = Clock::now();
  if (llmc_status_t status = forward(*session, prompt, prompt_count,
                                     logits.data(), /*allLogits=*/false))
    return status;
  result->prefill_seconds =
      std::chrono::duration<double>(Clock::now() - start).count();

  Sampler sampler({params->temperature, params->top_k, params->top_p},
                  params->seed);
  auto isStop = [&](int32_t token) {
    return std::find(params->stop_ids, params->stop_ids + params->num_stop_ids,
                     int64_t(token)) != params->stop_ids + params->num_stop_ids;
  };
  result->stop_reason = LLMC_STOP_MAX_TOKENS;
  while (int64_t(result->num_tokens) < params->max_tokens) {
    int32_t token = sampler.sample(logits.data(), model.vocabSize);
    ++result->num_tokens;
    if (callback && callback(user_data, token)) {
      result->stop_reason = LLMC_STOP_CALLBACK;
      break;
    }
    if (isStop(token)) {
      result->stop_reason = LLMC_STOP_TOKEN;
      break;
    }
    if (int64_t(result->num_tokens) >= params->max_tokens)
      break;
    if (session->position >= model.contextLength) {
      result->stop_reason = LLMC_STOP_CONTEXT_FULL;
      break;
    }
    auto step = Clock::now();
    if (llmc_status_t status =
            forward(*session, &token, 1, logits.data(), false))
      return status;
    result->decode_seconds +=
        std::chrono::duration<double>(Clock::now() - step).count();
    ++result->decode_steps;
  }
  return ok();
}

llmc_status_t llmc_generate_speculative(
    llmc_session_t *session, const int32_t *prompt, size_t prompt_count,
    const llmc_generate_params *params,
    const llmc_speculative_params *speculative, llmc_token_callback callback,
    void *user_data, llmc_generate_result *result,
    llmc_speculative_stats *stats) {
  if (!session || !params || !speculative || !result || !stats ||
      (prompt_count && !prompt))
    return error("llmc_generate_speculative: null argument");
  *result = llmc_generate_result{};
  *stats = llmc_speculative_stats{};
  result->prompt_tokens = prompt_count;
  llmc_model &model = *session->model;
  if (llmc_status_t status = checkGenerate(*session, prompt_count, params,
                                           "llmc_generate_speculative"))
    return status;
  if (speculative->draft_tokens < 1 || speculative->draft_tokens > 64)
    return error("draft_tokens " + std::to_string(speculative->draft_tokens) +
                 ": expected 1 to 64");
  if (speculative->kind == LLMC_SPECULATIVE_DRAFT) {
    if (!speculative->draft)
      return error("a draft speculation needs a draft session");
    if (speculative->draft == session)
      return error("the draft session is the target session");
    const llmc_model &draft = *speculative->draft->model;
    if (!draft.hasLMHead)
      return error(draft.path + ": the draft model has no LM head");
    if (draft.vocabSize != model.vocabSize)
      return error("the draft model's vocabulary has " +
                   std::to_string(draft.vocabSize) + " tokens, the target's " +
                   std::to_string(model.vocabSize));
  } else if (speculative->kind != LLMC_SPECULATIVE_NGRAM) {
    return error("unknown speculative kind " +
                 std::to_string(int(speculative->kind)));
  }
  return generateSpeculative(*session, prompt, prompt_count, *params,
                             *speculative, callback, user_data, *result,
                             *stats);
}

} // extern "C"

//===-- The engine --------------------------------------------------------===//

namespace {

/// The engines alive, so that a call on a freed one is refused rather than
/// reading freed memory.
std::mutex liveEnginesMutex;
std::set<const llmc_engine *> liveEngines;

bool isLive(const llmc_engine *engine) {
  std::lock_guard<std::mutex> lock(liveEnginesMutex);
  return liveEngines.count(engine) != 0;
}

llmc_status_t notLive(const char *caller) {
  return error(std::string(caller) +
               ": not an engine (null, or already freed)");
}

} // namespace

extern "C" {

void llmc_engine_options_init(llmc_engine_options *options) {
  *options = llmc_engine_options{};
  options->max_batch_tokens = 512;
  options->max_sequences = 256;
  options->prefix_caching = 1;
}

llmc_status_t llmc_engine_create(llmc_model_t *model,
                                 const llmc_engine_options *options,
                                 llmc_engine_t **engine) {
  if (!model || !engine)
    return error("llmc_engine_create: null argument");
  llmc_engine_options defaults;
  llmc_engine_options_init(&defaults);
  if (llmc_status_t status =
          createEngine(model, options ? *options : defaults, engine))
    return status;
  std::lock_guard<std::mutex> lock(liveEnginesMutex);
  liveEngines.insert(*engine);
  return ok();
}

void llmc_engine_free(llmc_engine_t *engine) {
  {
    std::lock_guard<std::mutex> lock(liveEnginesMutex);
    if (!liveEngines.erase(engine))
      return;
  }
  // Every request ends as cancelled, its done callbacks called.
  {
    std::lock_guard<std::mutex> lock(engine->mutex);
    for (auto &entry : engine->requests)
      entry.second->cancelled = true;
  }
  size_t pending = 1;
  while (pending > 0) {
    if (llmc_status_t status = stepEngine(*engine, pending)) {
      llmc_status_free(status);
      break;
    }
  }
  delete engine;
}

llmc_status_t llmc_engine_add(llmc_engine_t *engine,
                              const llmc_request *request, uint64_t *id) {
  if (!isLive(engine))
    return notLive("llmc_engine_add");
  if (!request || !id)
    return error("llmc_engine_add: null argument");
  return addRequest(*engine, *request, *id);
}

llmc_status_t llmc_engine_cancel(llmc_engine_t *engine, uint64_t id) {
  if (!isLive(engine))
    return notLive("llmc_engine_cancel");
  return cancelRequest(*engine, id);
}

llmc_status_t llmc_engine_step(llmc_engine_t *engine, size_t *pending) {
  if (!isLive(engine))
    return notLive("llmc_engine_step");
  size_t left = 0;
  llmc_status_t status = stepEngine(*engine, left);
  if (pending)
    *pending = left;
  return status;
}

llmc_status_t llmc_engine_run(llmc_engine_t *engine) {
  if (!isLive(engine))
    return notLive("llmc_engine_run");
  size_t pending = 1;
  while (pending > 0)
    if (llmc_status_t status = stepEngine(*engine, pending))
      return status;
  return ok();
}

llmc_status_t llmc_engine_stats_get(llmc_engine_t *engine,
                                    llmc_engine_stats *stats) {
  if (!isLive(engine))
    return notLive("llmc_engine_stats_get");
  if (!stats)
    return error("llmc_engine_stats_get: null argument");
  engineStats(*engine, *stats);
  return ok();
}

const char *llmc_engine_check(llmc_engine_t *engine) {
  thread_local std::string problem;
  problem = isLive(engine) ? checkEngine(*engine)
                           : "not an engine (null, or already freed)";
  return problem.c_str();
}

} // extern "C"
