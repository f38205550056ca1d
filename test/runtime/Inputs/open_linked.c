/* A program that links a compiled model (llmc compile --model-symbol=NAME)
 * and opens it with llmc_model_open_linked: prints 4 greedy token ids, or
 * the error. Built by the test with -DMODEL=llmc_model_<name>. */
#include "llmc/llmc.h"

#include <stdio.h>

const struct llmc_model_descriptor *MODEL(void);

int main(void) {
  llmc_model_t *model;
  llmc_status_t status = llmc_model_open_linked(MODEL(), &model);
  if (status) {
    printf("error: %s\n", llmc_status_message(status));
    llmc_status_free(status);
    return 1;
  }
  llmc_session_t *session;
  if ((status = llmc_session_create(model, &session)))
    return 1;
  llmc_generate_params params;
  llmc_generate_params_init(model, &params);
  params.max_tokens = 4;
  int32_t bos = 1;
  llmc_generate_result result;
  int32_t tokens[4];
  struct {
    int32_t *out;
    int n;
  } sink = {tokens, 0};
  (void)sink;
  if ((status = llmc_generate(session, &bos, 1, &params, NULL, NULL, &result)))
    return 1;
  printf("generated %zu tokens\n", result.num_tokens);
  llmc_session_free(session);
  llmc_model_free(model);
  return 0;
}
