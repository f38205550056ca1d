//===- Linker.h - Link objects into a shared library with lld ---*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_LINKER_H
#define LLMC_COMPILER_CODEGEN_LINKER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmc {

/// Links `objects` into the shared library `output` with lld's ELF driver,
/// in process, against libc and libm.
llvm::Error linkSharedLibrary(llvm::ArrayRef<std::string> objects,
                              llvm::StringRef output);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_LINKER_H
