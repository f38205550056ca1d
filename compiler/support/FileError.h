//===- FileError.h - One-line errors that name the offending file -*- C++
//-*-===//

#ifndef LLMC_COMPILER_SUPPORT_FILEERROR_H
#define LLMC_COMPILER_SUPPORT_FILEERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace llmc {

/// An error whose message reads "<file>: <what>", the form every llmc
/// diagnostic about an input file takes.
inline llvm::Error fileError(const llvm::Twine &file, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (file + ": " + what).str());
}

} // namespace llmc

#endif // LLMC_COMPILER_SUPPORT_FILEERROR_H
