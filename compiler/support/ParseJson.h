//===- ParseJson.h - JSON from a model file, within bounds ------*- C++ -*-===//

#ifndef LLMC_COMPILER_SUPPORT_PARSEJSON_H
#define LLMC_COMPILER_SUPPORT_PARSEJSON_H

#include "compiler/support/FileError.h"
#include "runtime/src/JsonDepth.h"

#include "llvm/Support/JSON.h"

namespace llmc {

/// Parses `text`, the JSON of `file` (or of its `part`, e.g. "header"):
/// text nested deeper than kMaxJsonDepth is refused before llvm::json's
/// recursive parser could overflow the stack. Errors name the file.
inline llvm::Expected<llvm::json::Value> parseJson(const llvm::Twine &file,
                                                   llvm::StringRef text,
                                                   llvm::StringRef part = "") {
  std::string subject = part.empty() ? "" : (part + " is ").str();
  if (jsonTooDeep(text))
    return fileError(file, subject + "JSON nested deeper than " +
                               llvm::Twine(kMaxJsonDepth) + " levels");
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return fileError(
        file, subject + "not valid JSON: " + llvm::toString(value.takeError()));
  return value;
}

} // namespace llmc

#endif // LLMC_COMPILER_SUPPORT_PARSEJSON_H
