//===- FileError.h - One-line errors that name the offending file -*- C++ -*-//

#ifndef LLMC_COMPILER_SUPPORT_FILEERROR_H
#define LLMC_COMPILER_SUPPORT_FILEERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"

namespace llmc {

/// An error whose message reads "<file>: <what>", the form every llmc
/// diagnostic about an input file takes.
inline llvm::Error fileError(const llvm::Twine &file, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (file + ": " + what).str());
}

/// Refuses `path` when it exists and is not a regular file: a FIFO named
/// where a model file should be blocks the open and never ends. (A missing
/// file is left to the caller's open, which says so.)
inline llvm::Error checkRegularFile(const llvm::Twine &path) {
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(path, status))
    return llvm::Error::success();
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return fileError(path, "not a regular file");
  return llvm::Error::success();
}

} // namespace llmc

#endif // LLMC_COMPILER_SUPPORT_FILEERROR_H
