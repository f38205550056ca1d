/*===- llmc-runner.c - Run or time a compiled model with the runtime only -===*\
 *
 * The `run` and `bench` subset of `llmc`, linked against libllmc_runtime
 * alone (no MLIR, no LLVM): what travels to a machine that runs artifacts
 * compiled elsewhere (the GPU check, scripts/gpu-check.sh).
 *
 *   llmc-runner run MODEL.so [--prompt TEXT] [--max-tokens N]
 *       greedy generation; prints "tokens: <ids>" then the text
 *   llmc-runner bench MODEL.so [--prompt-tokens N] [--gen-tokens N]
 *                    [--concurrency N]
 *       prefill N tokens, then decode N; prints tokens per second. With
 *       --concurrency, that many sessions at once on as many threads (no
 *       batching), their rates summed
 *   llmc-runner engine MODEL.so [--prompt-tokens N] [--gen-tokens N]
 *                     [--concurrency N]
 *       N requests through the engine (continuous batching over one paged
 *       KV pool): prefill rate up to the last first token, then the
 *       decode rate, summed over requests
 *   llmc-runner logits MODEL.so [--prompt-tokens N] --out FILE
 *       feeds the N prompt ids bench feeds, writes the last token's logits
 *       (float32, little-endian) to FILE: to compare two builds
 *
\*===----------------------------------------------------------------------===*/

#include "llmc/llmc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(llmc_status_t status) {
  fprintf(stderr, "llmc-runner: error: %s\n", llmc_status_message(status));
  llmc_status_free(status);
  return 1;
}

static int usage(void) {
  fprintf(stderr, "usage: llmc-runner run MODEL.so [--prompt TEXT] "
                  "[--max-tokens N]\n"
                  "       llmc-runner bench MODEL.so [--prompt-tokens N] "
                  "[--gen-tokens N] [--concurrency N]\n"
                  "       llmc-runner engine MODEL.so [--prompt-tokens N] "
                  "[--gen-tokens N] [--concurrency N]\n"
                  "       llmc-runner logits MODEL.so [--prompt-tokens N] "
                  "--out FILE\n");
  return 2;
}

/* What bench and logits work with: a session, room for one token's
 * logits, and the synthetic prompt (ids spread over the vocabulary, the
 * same in every run). */
typedef struct {
  llmc_session_t *session;
  int64_t vocab;
  float *logits;
  int32_t *prompt;
} prompt_run;

static llmc_status_t prompt_run_open(llmc_model_t *model, long tokens,
                                     prompt_run *run) {
  run->vocab = llmc_model_output_size(model);
  run->logits = malloc(sizeof(float) * (size_t)run->vocab);
  run->prompt = malloc(sizeof(int32_t) * (size_t)tokens);
  for (long i = 0; i < tokens; ++i)
    run->prompt[i] = (int32_t)((i * 7919 + 13) % run->vocab);
  llmc_status_t status = llmc_session_create(model, &run->session);
  if (status) {
    free(run->prompt);
    free(run->logits);
  }
  return status;
}

static void prompt_run_close(prompt_run *run) {
  free(run->prompt);
  free(run->logits);
  llmc_session_free(run->session);
}

static int logits(llmc_model_t *model, long prompt_tokens, const char *out) {
  prompt_run run;
  llmc_status_t status = prompt_run_open(model, prompt_tokens, &run);
  if (status)
    return fail(status);
  int rc = 0;
  if ((status = llmc_session_forward(run.session, run.prompt,
                                     (size_t)prompt_tokens, run.logits, 0))) {
    rc = fail(status);
  } else {
    FILE *f = fopen(out, "wb");
    int written = f && fwrite(run.logits, sizeof(float), (size_t)run.vocab,
                              f) == (size_t)run.vocab;
    if ((f && fclose(f)) || !written) {
      fprintf(stderr, "llmc-runner: error: %s: cannot write\n", out);
      rc = 1;
    }
  }
  prompt_run_close(&run);
  return rc;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A positive count, or -1. */
static long count(const char *text) {
  char *end;
  long value = strtol(text, &end, 10);
  return end != text && !*end && value > 0 && value < (1L << 30) ? value : -1;
}

static int print_token(void *user, int32_t token) {
  ((int32_t *)user)[++((int32_t *)user)[0]] = token;
  return 0;
}

static int run(llmc_model_t *model, const char *prompt, long max_tokens) {
  const llmc_tokenizer_t *tokenizer = llmc_model_tokenizer(model);
  if (!tokenizer) {
    fprintf(stderr, "llmc-runner: error: the model has no tokenizer\n");
    return 1;
  }
  int32_t *ids;
  size_t n;
  llmc_status_t status;
  if ((status = llmc_tokenizer_encode(tokenizer, prompt, strlen(prompt), 1,
                                      &ids, &n)))
    return fail(status);
  llmc_session_t *session;
  if ((status = llmc_session_create(model, &session)))
    return fail(status);
  llmc_generate_params params;
  llmc_generate_params_init(model, &params);
  params.max_tokens = max_tokens;
  /* [0]: how many follow. */
  int32_t *generated = calloc((size_t)max_tokens + 1, sizeof(int32_t));
  llmc_generate_result result;
  if ((status = llmc_generate(session, ids, n, &params, print_token, generated,
                              &result)))
    return fail(status);
  printf("tokens:");
  for (int32_t i = 1; i <= generated[0]; ++i)
    printf(" %d", generated[i]);
  printf("\n");
  char *text;
  size_t length;
  if ((status = llmc_tokenizer_decode(tokenizer, generated + 1,
                                      (size_t)generated[0], 1, &text, &length)))
    return fail(status);
  printf("%s%s\n", prompt, text);
  llmc_free(text);
  free(generated);
  llmc_free(ids);
  llmc_session_free(session);
  return 0;
}

/* One stream of `bench`: its own session on its own thread, timed from a
 * common start. */
typedef struct {
  llmc_model_t *model;
  long prompt_tokens, gen_tokens;
  pthread_barrier_t *start;
  double prefill_begin, prefill_end, decode_end;
  llmc_status_t status;
} bench_stream;

static void *bench_stream_main(void *arg) {
  bench_stream *b = arg;
  prompt_run run;
  /* One warm-up pass (kernel loading, first-touch), then the timed runs. */
  int opened = !(b->status = prompt_run_open(b->model, b->prompt_tokens, &run));
  if (opened)
    b->status = llmc_session_forward(run.session, run.prompt, 1, run.logits, 0);
  if (!b->status)
    llmc_session_reset(run.session);
  pthread_barrier_wait(b->start);
  if (!b->status) {
    b->prefill_begin = now();
    b->status = llmc_session_forward(run.session, run.prompt,
                                     (size_t)b->prompt_tokens, run.logits, 0);
    b->prefill_end = now();
  }
  for (long i = 0; i < b->gen_tokens && !b->status; ++i) {
    int32_t token = 0;
    for (int64_t v = 1; v < run.vocab; ++v)
      if (run.logits[v] > run.logits[token])
        token = (int32_t)v;
    b->status = llmc_session_forward(run.session, &token, 1, run.logits, 0);
  }
  b->decode_end = now();
  if (opened)
    prompt_run_close(&run);
  return NULL;
}

/* `concurrency` streams at once, each with its own session (no batching):
 * prefill and decode rates summed over the streams, from the first start
 * to the last end of each phase. */
static int bench(llmc_model_t *model, long prompt_tokens, long gen_tokens,
                 long concurrency) {
  if (prompt_tokens + gen_tokens > llmc_model_context_length(model)) {
    fprintf(stderr,
            "llmc-runner: error: %ld tokens do not fit the context "
            "length %lld\n",
            prompt_tokens + gen_tokens,
            (long long)llmc_model_context_length(model));
    return 1;
  }
  bench_stream *streams = calloc((size_t)concurrency, sizeof(bench_stream));
  pthread_t *threads = calloc((size_t)concurrency, sizeof(pthread_t));
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, (unsigned)concurrency);
  for (long i = 0; i < concurrency; ++i) {
    streams[i] = (bench_stream){.model = model,
                                .prompt_tokens = prompt_tokens,
                                .gen_tokens = gen_tokens,
                                .start = &start};
    if (i &&
        pthread_create(&threads[i], NULL, bench_stream_main, &streams[i])) {
      fprintf(stderr, "llmc-runner: error: cannot start thread %ld\n", i);
      exit(1); /* the barrier cannot be released */
    }
  }
  bench_stream_main(&streams[0]);
  for (long i = 1; i < concurrency; ++i)
    pthread_join(threads[i], NULL);
  pthread_barrier_destroy(&start);
  int rc = 0;
  double first = 0, prefilled = 0, decoded = 0;
  for (long i = 0; i < concurrency; ++i) {
    bench_stream *b = &streams[i];
    if (b->status) {
      if (!rc)
        rc = fail(b->status);
      else
        llmc_status_free(b->status);
      continue;
    }
    if (i == 0 || b->prefill_begin < first)
      first = b->prefill_begin;
    if (b->prefill_end > prefilled)
      prefilled = b->prefill_end;
    if (b->decode_end > decoded)
      decoded = b->decode_end;
  }
  if (!rc) {
    /* Decode starts when the last prefill ends: earlier decode steps of
     * faster streams overlap others' prefill, which only lowers the rate. */
    printf("prompt %ld gen %ld prefill_tok_s %.1f decode_tok_s %.1f "
           "concurrency %ld\n",
           prompt_tokens, gen_tokens,
           (double)(prompt_tokens * concurrency) / (prefilled - first),
           (double)(gen_tokens * concurrency) / (decoded - prefilled),
           concurrency);
  }
  free(threads);
  free(streams);
  return rc;
}

/* What `engine` learns from each request's done callback. */
typedef struct {
  double first_token_max;
  size_t generated;
  size_t finished;
} engine_totals;

static void engine_done(void *user, size_t sample,
                        const llmc_request_result *result) {
  (void)sample;
  engine_totals *totals = user;
  if (result->first_token_seconds > totals->first_token_max)
    totals->first_token_max = result->first_token_seconds;
  totals->generated += result->num_tokens;
  ++totals->finished;
}

/* `concurrency` requests through the engine (continuous batching over one
 * paged KV pool), each a prompt of its own: prefill rate up to the last
 * first token, then the decode rate of the rest, summed over requests. */
static int engine_bench(llmc_model_t *model, long prompt_tokens,
                        long gen_tokens, long concurrency) {
  llmc_engine_options options;
  llmc_engine_options_init(&options);
  llmc_engine_t *engine;
  llmc_status_t status = llmc_engine_create(model, &options, &engine);
  if (status)
    return fail(status);
  int64_t vocab = llmc_model_output_size(model);
  int32_t *prompts =
      malloc(sizeof(int32_t) * (size_t)(prompt_tokens * concurrency));
  engine_totals totals = {0, 0, 0};
  double start = now();
  for (long r = 0; r < concurrency && !status; ++r) {
    int32_t *prompt = prompts + r * prompt_tokens;
    for (long i = 0; i < prompt_tokens; ++i)
      prompt[i] = (int32_t)((i * 7919 + r * 104729 + 13) % vocab);
    llmc_request request;
    memset(&request, 0, sizeof(request));
    request.prompt = prompt;
    request.prompt_count = (size_t)prompt_tokens;
    llmc_generate_params_init(model, &request.params);
    request.params.max_tokens = gen_tokens;
    request.params.num_stop_ids = 0; /* every request decodes gen_tokens */
    request.samples = 1;
    request.on_done = engine_done;
    request.user_data = &totals;
    uint64_t id;
    status = llmc_engine_add(engine, &request, &id);
  }
  if (!status)
    status = llmc_engine_run(engine);
  double seconds = now() - start;
  llmc_engine_free(engine);
  free(prompts);
  if (status)
    return fail(status);
  double decode = seconds - totals.first_token_max;
  printf("prompt %ld gen %ld prefill_tok_s %.1f decode_tok_s %.1f "
         "concurrency %ld engine\n",
         prompt_tokens, gen_tokens,
         (double)(prompt_tokens * concurrency) / totals.first_token_max,
         decode > 0 ? (double)(totals.generated - totals.finished) / decode
                    : 0.0,
         concurrency);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return usage();
  const char *command = argv[1];
  const char *path = argv[2];
  const char *prompt = "Once upon a time";
  const char *out = NULL;
  long max_tokens = 32, prompt_tokens = 128, gen_tokens = 32, concurrency = 1;
  for (int i = 3; i < argc; i += 2) {
    if (i + 1 >= argc)
      return usage();
    if (!strcmp(argv[i], "--prompt"))
      prompt = argv[i + 1];
    else if (!strcmp(argv[i], "--max-tokens"))
      max_tokens = count(argv[i + 1]);
    else if (!strcmp(argv[i], "--prompt-tokens"))
      prompt_tokens = count(argv[i + 1]);
    else if (!strcmp(argv[i], "--gen-tokens"))
      gen_tokens = count(argv[i + 1]);
    else if (!strcmp(argv[i], "--concurrency"))
      concurrency = count(argv[i + 1]);
    else if (!strcmp(argv[i], "--out"))
      out = argv[i + 1];
    else
      return usage();
    if (concurrency > 1024)
      concurrency = -1;
    if (max_tokens < 0 || prompt_tokens < 0 || gen_tokens < 0 ||
        concurrency < 0) {
      fprintf(stderr,
              "llmc-runner: error: %s %s: expected a positive count%s\n",
              argv[i], argv[i + 1],
              concurrency < 0 ? " of at most 1024 streams" : "");
      return 2;
    }
  }
  if (strcmp(command, "run") && strcmp(command, "bench") &&
      strcmp(command, "engine") && (strcmp(command, "logits") || !out))
    return usage();
  llmc_model_t *model;
  llmc_status_t status = llmc_model_open(path, 0, &model);
  if (status)
    return fail(status);
  int rc = !strcmp(command, "run") ? run(model, prompt, max_tokens)
           : !strcmp(command, "bench")
               ? bench(model, prompt_tokens, gen_tokens, concurrency)
           : !strcmp(command, "engine")
               ? engine_bench(model, prompt_tokens, gen_tokens, concurrency)
               : logits(model, prompt_tokens, out);
  llmc_model_free(model);
  return rc;
}
