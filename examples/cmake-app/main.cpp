// Generates a story with a model linked into the program (C++ API).
#include "llmc/llmc.hpp"
#include "llmc_model_stories.h"

#include <iostream>

int main() try {
  auto model = llmc::Model::openLinked(llmc_model_stories());
  std::string_view prompt = "Once upon a time";
  std::vector<int32_t> ids = model.encode(prompt);
  llmc::Session session(model);
  llmc::Detokenizer text(model, ids);
  llmc_generate_params params = model.defaultParams();
  params.max_tokens = 60;
  std::cout << prompt;
  session.generate(ids, params, [&](int32_t token) {
    std::cout << text.push(token) << std::flush;
    return true;
  });
  std::cout << text.flush() << "\n";
  return 0;
} catch (const llmc::Error &e) {
  std::cerr << "story_cpp: " << e.what() << "\n";
  return 1;
}
