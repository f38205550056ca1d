//===- Linker.cpp - Link objects into a shared library with lld -----------===//

#include "compiler/codegen/Linker.h"
#include "compiler/support/FileError.h"

#include "lld/Common/Driver.h"
#include "llvm/Support/raw_ostream.h"

LLD_HAS_DRIVER(elf)

using namespace llvm;

namespace llmc {

Error linkSharedLibrary(ArrayRef<std::string> objects, StringRef output) {
  std::string out = output.str();
  std::vector<const char *> args = {"ld.lld",
                                    "-shared",
                                    "--no-undefined",
                                    "-z",
                                    "noexecstack",
                                    "-z",
                                    "relro",
                                    "-z",
                                    "now",
                                    "--hash-style=gnu",
                                    "--as-needed",
                                    "-o",
                                    out.c_str()};
  for (const std::string &object : objects)
    args.push_back(object.c_str());
  // The generated code calls malloc/free and libm (sin, cos, pow).
  for (const char *arg :
       {"-L/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu", "-lm", "-lc"})
    args.push_back(arg);

  std::string diagnostics;
  raw_string_ostream errs(diagnostics);
  lld::Result result =
      lld::lldMain(args, outs(), errs, {{lld::Gnu, &lld::elf::link}});
  if (result.retCode != 0) {
    StringRef first = StringRef(diagnostics).split('\n').first;
    return fileError(output, "linking failed: " + first);
  }
  return Error::success();
}

} // namespace llmc
