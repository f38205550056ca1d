/* Generates a story with a model linked into the program (C API). */
#include "llmc/llmc.h"
#include "llmc_model_stories.h"

#include <stdio.h>
#include <string.h>

static int fail(llmc_status_t status) {
  fprintf(stderr, "story: %s\n", llmc_status_message(status));
  llmc_status_free(status);
  return 1;
}

static int print_token(void *user, int32_t token) {
  const char *text;
  size_t length;
  llmc_status_t status = llmc_detokenizer_push(user, token, &text, &length);
  if (status) {
    llmc_status_free(status);
    return 1;
  }
  fwrite(text, 1, length, stdout);
  return 0;
}

int main(void) {
  llmc_model_t *model;
  llmc_status_t status = llmc_model_open_linked(llmc_model_stories(), &model);
  if (status)
    return fail(status);
  const char *prompt = "Once upon a time";
  const llmc_tokenizer_t *tokenizer = llmc_model_tokenizer(model);
  int32_t *ids;
  size_t count;
  if ((status = llmc_tokenizer_encode(tokenizer, prompt, strlen(prompt), 1,
                                      &ids, &count)))
    return fail(status);
  llmc_session_t *session;
  if ((status = llmc_session_create(model, &session)))
    return fail(status);
  llmc_detokenizer_t *detokenizer;
  if ((status = llmc_detokenizer_create(tokenizer, ids, count, &detokenizer)))
    return fail(status);

  llmc_generate_params params;
  llmc_generate_params_init(model, &params);
  params.max_tokens = 60;
  llmc_generate_result result;
  printf("%s", prompt);
  if ((status = llmc_generate(session, ids, count, &params, print_token,
                              detokenizer, &result)))
    return fail(status);
  printf("\n");

  llmc_detokenizer_free(detokenizer);
  llmc_free(ids);
  llmc_session_free(session);
  llmc_model_free(model);
  return 0;
}
