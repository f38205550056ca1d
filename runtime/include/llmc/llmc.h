/*===- llmc.h - The llmc runtime's C API -------------------------*- C -*-===*\
 *
 * Load a compiled model (a shared library made by `llmc compile`), create
 * sessions that own their KV cache, feed tokens, read logits, generate.
 *
 * Every fallible call returns an llmc_status_t: NULL on success, otherwise
 * a status carrying a one-line message, which the caller frees with
 * llmc_status_free. Handles are opaque. The runtime keeps no global state
 * beyond one kernel thread pool.
 *
 * Threads: a model may be shared by threads, each with its own sessions; a
 * session, tokenizer handle or detokenizer is used by one thread at a time.
 * llmc_model_set_threads should not race with calls that run the model.
 *
 * Files: loading maps the library and its weights; replace an artifact
 * atomically (write a new file, then rename it over the old one, as for
 * any shared library). Truncating or rewriting a file in place while a
 * process has it loaded makes that process fault (SIGBUS). Loading runs the
 * library's code: load only artifacts you trust. Describing one
 * (LLMC_OPEN_MANIFEST_ONLY, llmc inspect) runs none of it.
 *
\*===----------------------------------------------------------------------===*/

#ifndef LLMC_LLMC_H
#define LLMC_LLMC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/*===-- Status ------------------------------------------------------------===*/

typedef struct llmc_status *llmc_status_t;

/* The message of a failed call ("" for NULL). Valid until freed. */
const char *llmc_status_message(llmc_status_t status);
void llmc_status_free(llmc_status_t status);

/*===-- Models ------------------------------------------------------------===*/

typedef struct llmc_model llmc_model_t;

/* Loads a compiled model. The file is validated before any of it is
 * mapped (ELF structure, ABI version, manifest checksum and schema, and the
 * CPU features its code was compiled for, which this CPU must have);
 * weights are mapped, never copied, from the library or from its side
 * file. Loading runs the library's code: load only artifacts you trust,
 * as with any shared library. */
llmc_status_t llmc_model_load(const char *path, llmc_model_t **model);
/* Drops the caller's reference. Sessions hold a reference of their own, so
 * a model stays loaded (its code, weights and tokenizer valid) until it is
 * freed and its last session is too: freeing a model with live sessions is
 * safe, and those sessions keep working. */
void llmc_model_free(llmc_model_t *model);

/* llmc_model_open's flags. */
enum {
  /* Read and verify the manifest from the file, map no code and no
   * weights: for tools that describe an artifact (even one this CPU cannot
   * run). Sessions and entry-point calls on such a model are refused. */
  LLMC_OPEN_MANIFEST_ONLY = 1u,
  /* Recompute the digest of the weights (a full read of them) and refuse
   * the model unless it is the model id: catches a corrupted byte. With
   * LLMC_OPEN_MANIFEST_ONLY, the weights are mapped for the check only.
   * LLMC_VERIFY_WEIGHTS=1 in the environment sets it for every load. */
  LLMC_OPEN_VERIFY_WEIGHTS = 2u,
  /* Read the weights of a CPU model from the file's pages as mapped (shared
   * with other processes, evictable) instead of copying them into this
   * process's memory at load, which is the default when they fit in half
   * the memory left (the copy decodes faster: docs/user-guide.md).
   * LLMC_MAP_WEIGHTS=1 in the environment sets it for every load. */
  LLMC_OPEN_MAP_WEIGHTS = 4u
};

/* llmc_model_load with `flags` (a combination of LLMC_OPEN_*). */
llmc_status_t llmc_model_open(const char *path, uint32_t flags,
                              llmc_model_t **model);

/* A model linked into the program (CMake's llmc_add_model(NAME ...), or
 * `llmc compile --model-symbol=NAME`): pass what its llmc_model_NAME()
 * returns. The descriptor is checked as a loaded library's is (ABI version,
 * manifest, CPU features); a side weights file is looked up beside the
 * library that holds the model. */
struct llmc_model_descriptor;
llmc_status_t
llmc_model_open_linked(const struct llmc_model_descriptor *descriptor,
                       llmc_model_t **model);

/* "" when this CPU has every feature the model's code was compiled for,
 * else a one-line description of what it lacks. */
const char *llmc_model_cpu_check(const llmc_model_t *model);

/* The FlatBuffers manifest (runtime/schema/manifest.fbs), verified. */
const uint8_t *llmc_model_manifest(const llmc_model_t *model, size_t *size);
/* Where the weights blob is, and its size in bytes. */
const uint8_t *llmc_model_weights(const llmc_model_t *model, size_t *size);
/* 1 when the weights were copied into this process's memory at load, 0 when
 * they are read from the file's pages (LLMC_OPEN_MAP_WEIGHTS, a GPU model,
 * or weights that did not fit). */
int llmc_model_weights_in_memory(const llmc_model_t *model);

/* Threads the model's kernels use (default: LLMC_NUM_THREADS, else one per
 * core). They come from one persistent pool shared by all models. */
void llmc_model_set_threads(llmc_model_t *model, int threads);
int llmc_model_threads(const llmc_model_t *model);
/* The kernels in use: "avx512", "avx2" or "scalar". */
const char *llmc_model_kernels(const llmc_model_t *model);

/* Bytes of weights one decode step reads (CLI.md): every linear layer and
 * the LM head with their scales and zero points, norm weights, biases, and
 * one row of the embedding table; from the manifest's tensor roles. */
uint64_t llmc_model_weight_bytes_per_token(const llmc_model_t *model);

/* Token ids are below the vocabulary size. */
int64_t llmc_model_vocab_size(const llmc_model_t *model);
/* Whether the model ends in an LM head (nonzero) or in its hidden states,
 * as an ONNX export without one (GPT2Model) does; only a model with an LM
 * head can generate. */
int llmc_model_has_lm_head(const llmc_model_t *model);
/* Floats llmc_session_forward writes per token: the vocabulary size, or
 * the hidden size for a model without an LM head. */
int64_t llmc_model_output_size(const llmc_model_t *model);
int64_t llmc_model_context_length(const llmc_model_t *model);
/* -1 when the model has none. */
int64_t llmc_model_bos_id(const llmc_model_t *model);
/* The default stop ids (eos_token_id of generation_config.json and
 * config.json); *ids stays valid while the model is loaded. */
size_t llmc_model_stop_ids(const llmc_model_t *model, const int64_t **ids);

/*===-- Calling an entry point directly
 * ------------------------------------===*/

/* Element types, numbered as the manifest's DType. */
typedef enum llmc_dtype {
  LLMC_F32 = 0,
  LLMC_F16,
  LLMC_BF16,
  LLMC_F64,
  LLMC_I8,
  LLMC_I16,
  LLMC_I32,
  LLMC_I64,
  LLMC_U8,
  LLMC_BOOL
} llmc_dtype;

/* A dense row-major tensor. */
typedef struct llmc_tensor {
  llmc_dtype dtype;
  int32_t rank;
  int64_t *shape;
  void *data;
} llmc_tensor;

/* Calls entry point `entry` once. `inputs` follow the manifest's inputs,
 * without the implicit weights blob; an input with NULL data takes its
 * default weight (ONNX initializers listed as graph inputs). Types, ranks,
 * static dims and dims sharing a symbolic name are checked first; what
 * only the computation reveals (sizes that do not broadcast, a buffer too
 * large to allocate) fails the call with a message naming the node, and
 * frees what it allocated. Each of the `num_outputs` outputs is allocated;
 * release it with llmc_tensor_free. */
llmc_status_t llmc_model_call(llmc_model_t *model, const char *entry,
                              const llmc_tensor *inputs, size_t num_inputs,
                              llmc_tensor *outputs, size_t num_outputs);
void llmc_tensor_free(llmc_tensor *tensor);

/*===-- Sessions ----------------------------------------------------------===*/

typedef struct llmc_session llmc_session_t;

/* A session owns a KV cache of the model's context length. */
llmc_status_t llmc_session_create(llmc_model_t *model,
                                  llmc_session_t **session);
/* Whether the artifact carries a self-draft (llmc compile --draft-quantize:
 * the model with its linear layers quantized further, maybe fewer layers;
 * same vocabulary and context). */
int llmc_model_has_draft(const llmc_model_t *model);
/* A session that runs the model's self-draft, with its own KV cache: pass
 * it as the draft of llmc_generate_speculative (LLMC_SPECULATIVE_DRAFT).
 * Fails on a model without one. */
llmc_status_t llmc_session_create_draft(llmc_model_t *model,
                                        llmc_session_t **session);
void llmc_session_free(llmc_session_t *session);

/* Tokens fed so far: the position of the next token. */
int64_t llmc_session_position(const llmc_session_t *session);
/* Forgets every token (the cache is reused, not cleared). */
void llmc_session_reset(llmc_session_t *session);
/* Forgets the tokens from `position` on, keeping those before it: the next
 * token goes at `position`, 0 <= position <= llmc_session_position(). The
 * kept tokens are not recomputed, and logits after a truncation are the
 * same bits as after feeding the kept tokens afresh (rolling back drafted
 * tokens a verification rejected, or continuing a prompt differently).
 * Fails without side effects on a position outside that range. */
llmc_status_t llmc_session_truncate(llmc_session_t *session, int64_t position);

/* Appends `count` tokens at the session's position in one call (prefill
 * when count > 1, decode when 1). Writes logits for every token
 * ([count][vocab]) when `all_logits`, else for the last token only
 * ([vocab]); for a model without an LM head, hidden states in their place
 * (llmc_model_output_size floats per token). Fails without side effects on an
 * id outside the vocabulary or when the tokens do not fit in the context. */
llmc_status_t llmc_session_forward(llmc_session_t *session,
                                   const int32_t *tokens, size_t count,
                                   float *logits, int all_logits);

/*===-- Tokenizers --------------------------------------------------------===*/

typedef struct llmc_tokenizer llmc_tokenizer_t;

/* The tokenizer embedded in the model (owned by it), or NULL with success
 * when the model has none. */
const llmc_tokenizer_t *llmc_model_tokenizer(const llmc_model_t *model);

/* A tokenizer from a tokenizer.json file and an optional
 * tokenizer_config.json (NULL to omit). */
llmc_status_t llmc_tokenizer_load(const char *tokenizer_json_path,
                                  const char *tokenizer_config_path,
                                  llmc_tokenizer_t **tokenizer);
void llmc_tokenizer_free(llmc_tokenizer_t *tokenizer);

int64_t llmc_tokenizer_vocab_size(const llmc_tokenizer_t *tokenizer);

/* Token ids of UTF-8 `text`; `add_special_tokens` adds BOS (as the
 * tokenizer's post-processor says). Free *ids with llmc_free. */
llmc_status_t llmc_tokenizer_encode(const llmc_tokenizer_t *tokenizer,
                                    const char *text, size_t length,
                                    int add_special_tokens, int32_t **ids,
                                    size_t *count);

/* UTF-8 text of `ids`, NUL-terminated. Free *text with llmc_free. */
llmc_status_t llmc_tokenizer_decode(const llmc_tokenizer_t *tokenizer,
                                    const int32_t *ids, size_t count,
                                    int skip_special_tokens, char **text,
                                    size_t *length);

void llmc_free(void *pointer);

/* Streaming detokenization: the text each generated token adds after the
 * prompt, never half a UTF-8 character. */
typedef struct llmc_detokenizer llmc_detokenizer_t;
llmc_status_t llmc_detokenizer_create(const llmc_tokenizer_t *tokenizer,
                                      const int32_t *prompt, size_t count,
                                      llmc_detokenizer_t **detokenizer);
/* *text stays valid until the next call on `detokenizer`. An id past the
 * tokenizer's vocabulary (a model's padded rows) adds no text. */
llmc_status_t llmc_detokenizer_push(llmc_detokenizer_t *detokenizer,
                                    int32_t token, const char **text,
                                    size_t *length);
/* What is still held back, at the end of generation. */
llmc_status_t llmc_detokenizer_flush(llmc_detokenizer_t *detokenizer,
                                     const char **text, size_t *length);
void llmc_detokenizer_free(llmc_detokenizer_t *detokenizer);

/*===-- Generation --------------------------------------------------------===*/

typedef enum llmc_stop_reason {
  LLMC_STOP_TOKEN = 0,        /* generated a stop id */
  LLMC_STOP_MAX_TOKENS = 1,   /* generated max_tokens */
  LLMC_STOP_CONTEXT_FULL = 2, /* no position left for the next token */
  LLMC_STOP_CALLBACK = 3,     /* the token callback asked to stop */
  LLMC_STOP_CANCELLED = 4     /* llmc_engine_cancel (engine requests only) */
} llmc_stop_reason;

typedef struct llmc_generate_params {
  int64_t max_tokens; /* counting a stop token */
  float temperature;  /* 0 = greedy */
  int32_t top_k;      /* 0 = off */
  float top_p;        /* 1 = off */
  uint64_t seed;
  const int64_t *stop_ids; /* generation stops after emitting one */
  size_t num_stop_ids;
} llmc_generate_params;

/* Greedy decoding with the model's stop ids and 256 tokens. */
void llmc_generate_params_init(const llmc_model_t *model,
                               llmc_generate_params *params);

/* NULL when `params` are valid: max_tokens >= 0, temperature finite and
 * >= 0, top_k >= 0, 0 < top_p <= 1. The message names the parameter
 * ("temperature nan: expected a finite number >= 0"). llmc_generate checks
 * the same. */
llmc_status_t llmc_generate_params_check(const llmc_generate_params *params);

typedef struct llmc_generate_result {
  size_t num_tokens;
  llmc_stop_reason stop_reason;
  size_t prompt_tokens;
  double prefill_seconds;
  double decode_seconds;
  size_t decode_steps;
} llmc_generate_result;

/* Called with each generated token as soon as it is chosen; return nonzero
 * to stop. */
typedef int (*llmc_token_callback)(void *user_data, int32_t token);

/* Feeds `prompt` (on top of what the session holds), then generates. */
llmc_status_t llmc_generate(llmc_session_t *session, const int32_t *prompt,
                            size_t prompt_count,
                            const llmc_generate_params *params,
                            llmc_token_callback callback, void *user_data,
                            llmc_generate_result *result);

/*===-- Speculative decoding ----------------------------------------------===*/

typedef enum llmc_speculative_kind {
  LLMC_SPECULATIVE_NGRAM = 1, /* prompt lookup: what followed the last
                                 tokens earlier in the sequence */
  LLMC_SPECULATIVE_DRAFT = 2  /* another model's greedy tokens */
} llmc_speculative_kind;

typedef struct llmc_speculative_params {
  llmc_speculative_kind kind;
  int32_t draft_tokens;  /* the most drafted per step, in [1, 64] */
  llmc_session_t *draft; /* LLMC_SPECULATIVE_DRAFT: a session of the draft
                            model (same vocabulary), reset and used by the
                            call; another thread must not use it meanwhile */
} llmc_speculative_params;

typedef struct llmc_speculative_stats {
  size_t drafted_tokens;  /* proposed by the draft */
  size_t accepted_tokens; /* of those, emitted as they were */
  size_t target_steps;    /* target forwards after the prompt */
} llmc_speculative_stats;

/* llmc_generate with speculative decoding: each target step scores the last
 * token and up to draft_tokens drafted ones in one forward, and keeps the
 * drafts the target agrees with. Greedy output is exactly llmc_generate's;
 * sampled tokens follow the same distribution (not the same draws for a
 * seed). The session ends as llmc_generate leaves it (the prompt and every
 * generated token but the last). `result->decode_steps` counts target
 * steps. */
llmc_status_t llmc_generate_speculative(
    llmc_session_t *session, const int32_t *prompt, size_t prompt_count,
    const llmc_generate_params *params,
    const llmc_speculative_params *speculative, llmc_token_callback callback,
    void *user_data, llmc_generate_result *result,
    llmc_speculative_stats *stats);

/*===-- The engine: many requests over one paged KV pool ------------------===*/

/* An engine serves many requests at once from one model whose decoder was
 * compiled with a paged KV cache (llmc compile's default): each step runs
 * one batch that mixes the running requests' decode tokens with chunks of
 * new prompts (continuous batching), over a pool of KV blocks shared by all
 * of them. Full blocks of prompts and generated text are kept in a prefix
 * cache, so that a request starting with tokens another has computed
 * reuses their keys and values; samples of one request share its prompt's
 * blocks and copy a block only when they write into it. When blocks run
 * out, the newest running request is preempted: its blocks are freed and
 * its tokens recomputed later, its output unchanged.
 *
 * A request's tokens are the same bits whatever runs beside it: greedy
 * output equals llmc_generate's on a session, and sampling, seeded per
 * request (sample k of a request uses seed + k), does not depend on batch
 * mates or on preemption.
 *
 * Threads: llmc_engine_add, llmc_engine_cancel and llmc_engine_stats may be
 * called from any thread at any time, also from callbacks and while another
 * thread steps the engine. llmc_engine_step and llmc_engine_run are called
 * by one thread at a time (a second concurrent caller gets an error).
 * Callbacks run on the stepping thread, with no engine lock held. Calls on
 * a freed engine are refused with an error, as long as no new engine was
 * created at the same address in between. */
typedef struct llmc_engine llmc_engine_t;

typedef struct llmc_engine_options {
  /* The KV pool: kv_blocks blocks, else as many as kv_bytes hold, else (both
   * 0) enough for 16 sequences of the full context. */
  int64_t kv_blocks;
  uint64_t kv_bytes;
  /* Tokens one step runs at most, decode and prompt chunks together
   * (default 512); and sequences running at once (default 256). */
  int64_t max_batch_tokens;
  int64_t max_sequences;
  /* Reuse cached blocks of earlier requests (default 1). */
  int prefix_caching;
  /* The draft model of requests that speculate with one
   * (LLMC_SPECULATIVE_DRAFT): another loaded model with the same vocabulary
   * (the engine holds a reference), or NULL for the model's self-draft
   * (llmc compile --draft-quantize), when it has one. Its KV cache gets a
   * pool of its own covering as many positions as the model's. */
  llmc_model_t *draft;
} llmc_engine_options;

void llmc_engine_options_init(llmc_engine_options *options);

/* Fails on a model whose decoder is not paged, on options out of range, or
 * when the pool cannot be mapped. */
llmc_status_t llmc_engine_create(llmc_model_t *model,
                                 const llmc_engine_options *options,
                                 llmc_engine_t **engine);
/* Finishes every request as cancelled (their done callbacks run), then
 * frees the engine and its pool. */
void llmc_engine_free(llmc_engine_t *engine);

typedef struct llmc_request_result {
  llmc_stop_reason stop_reason;
  size_t num_tokens; /* generated, counting a stop token */
  size_t prompt_tokens;
  size_t prefix_hit_tokens;   /* prompt tokens found in the prefix cache */
  size_t preemptions;         /* times this sample was preempted */
  double first_token_seconds; /* from llmc_engine_add to the first token */
  size_t drafted_tokens;      /* speculation: proposed by prompt lookup */
  size_t accepted_tokens;     /* of those, emitted as they were */
  size_t target_steps;        /* steps after the first token */
} llmc_request_result;

/* Called with each token of sample `sample` as it is chosen; nonzero stops
 * that sample (LLMC_STOP_CALLBACK). */
typedef int (*llmc_sample_callback)(void *user_data, size_t sample,
                                    int32_t token);
/* Called once per sample when it finishes, whatever the reason. */
typedef void (*llmc_done_callback)(void *user_data, size_t sample,
                                   const llmc_request_result *result);

typedef struct llmc_request {
  const int32_t *prompt; /* copied by llmc_engine_add */
  size_t prompt_count;
  llmc_generate_params params; /* stop ids copied too */
  size_t samples; /* continuations of the prompt, sharing its KV (>= 1) */
  llmc_sample_callback on_token; /* may be NULL */
  llmc_done_callback on_done;    /* may be NULL */
  void *user_data;
  /* Speculative decoding: each step scores the last token and up to
   * draft_tokens drafted tokens, and keeps those the target agrees with
   * (greedy output unchanged, sampling distribution-preserving). 0: off. */
  int32_t draft_tokens;
  /* Who drafts: LLMC_SPECULATIVE_NGRAM (or 0), prompt lookup over the
   * sequence so far; LLMC_SPECULATIVE_DRAFT, the engine's draft model's
   * greedy tokens, all requests' drafts batched into one call per token. */
  int32_t speculative;
} llmc_request;

/* Queues a request and returns its id (never 0). Refused at once, leaving
 * the engine as it was: an empty prompt, an id outside the vocabulary, a
 * prompt that does not fit the context, invalid parameters, zero samples,
 * or a request whose prompt and first token need more blocks than the
 * whole pool. */
llmc_status_t llmc_engine_add(llmc_engine_t *engine,
                              const llmc_request *request, uint64_t *id);
/* Finishes request `id` (all its samples) as cancelled at the start of the
 * next step, freeing its blocks. An unknown or finished id is an error. */
llmc_status_t llmc_engine_cancel(llmc_engine_t *engine, uint64_t id);

/* Runs one step (one batch through the model, then sampling and
 * callbacks). *pending receives the number of unfinished requests. A
 * failed model call fails the requests of that batch (their done
 * callbacks see LLMC_STOP_CANCELLED) and returns the error. */
llmc_status_t llmc_engine_step(llmc_engine_t *engine, size_t *pending);
/* Steps until no request is left (requests added meanwhile included). */
llmc_status_t llmc_engine_run(llmc_engine_t *engine);

typedef struct llmc_engine_stats {
  int64_t block_size;   /* positions per block */
  uint64_t block_bytes; /* bytes of one block */
  int64_t blocks_total;
  int64_t blocks_used;   /* held by running requests */
  int64_t blocks_cached; /* in the prefix cache (used or not) */
  int64_t blocks_free;   /* free or evictable */
  int64_t peak_blocks_used;
  /* Positions of the used blocks that hold a token, at the fullest step of
   * those with peak_blocks_used blocks in use (the rest is waste). */
  int64_t peak_used_slots;
  uint64_t prefix_hit_tokens;
  uint64_t preemptions;
  uint64_t steps;
  uint64_t drafted_tokens;
  uint64_t accepted_tokens;
  int64_t running;
  int64_t waiting;
} llmc_engine_stats;

llmc_status_t llmc_engine_stats_get(llmc_engine_t *engine,
                                    llmc_engine_stats *stats);
/* Whether the allocator's invariants hold, every block is accounted for by
 * the running requests and the cache ("" when they do; for tests). */
const char *llmc_engine_check(llmc_engine_t *engine);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* LLMC_LLMC_H */
