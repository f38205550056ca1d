//===- RuntimeHandles.h - RAII over the runtime's C API ---------*- C++ -*-===//

#ifndef LLMC_TOOLS_LLMC_RUNTIMEHANDLES_H
#define LLMC_TOOLS_LLMC_RUNTIMEHANDLES_H

#include "llmc/llmc.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace llmc::cli {

struct ModelDeleter {
  void operator()(llmc_model_t *m) const { llmc_model_free(m); }
};
struct SessionDeleter {
  void operator()(llmc_session_t *s) const { llmc_session_free(s); }
};
using ModelHandle = std::unique_ptr<llmc_model_t, ModelDeleter>;
using SessionHandle = std::unique_ptr<llmc_session_t, SessionDeleter>;

/// Turns a runtime status into an llvm::Error (success for NULL).
inline llvm::Error toError(llmc_status_t status) {
  if (!status)
    return llvm::Error::success();
  std::string message = llmc_status_message(status);
  llmc_status_free(status);
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// llmc_model_open with `flags` (LLMC_OPEN_*).
inline llvm::Expected<ModelHandle> loadModel(const std::string &path,
                                             uint32_t flags = 0) {
  llmc_model_t *model = nullptr;
  if (llvm::Error err = toError(llmc_model_open(path.c_str(), flags, &model)))
    return std::move(err);
  return ModelHandle(model);
}

inline llvm::Expected<SessionHandle> createSession(llmc_model_t *model) {
  llmc_session_t *session = nullptr;
  if (llvm::Error err = toError(llmc_session_create(model, &session)))
    return std::move(err);
  return SessionHandle(session);
}

/// Parses "1,2,3" for option `--name`.
inline llvm::Expected<llvm::SmallVector<int64_t>>
parseIdList(llvm::StringRef text, llvm::StringRef name) {
  llvm::SmallVector<int64_t> ids;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    int64_t id;
    if (part.trim().getAsInteger(10, id))
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "--" + name + ": '" + part +
                                         "' is not a token id");
    ids.push_back(id);
  }
  return ids;
}

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_RUNTIMEHANDLES_H
