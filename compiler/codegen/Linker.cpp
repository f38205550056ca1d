//===- Linker.cpp - Link objects into a shared library with lld -----------===//

#include "compiler/codegen/Linker.h"
#include "compiler/support/FileError.h"

#include "lld/Common/Driver.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

LLD_HAS_DRIVER(elf)

using namespace llvm;

namespace llmc {

Error linkSharedLibrary(ArrayRef<std::string> objects, StringRef output) {
  std::string out = output.str();
  // The file name is the soname: a program linked against the library
  // finds it by name (and rpath), wherever it was built.
  std::string soname = sys::path::filename(output).str();
  std::vector<const char *> args = {
      "ld.lld",         "-shared", "-soname",     soname.c_str(),
      "--no-undefined", "-z",      "noexecstack", "-z",
      "relro",          "-z",      "now",         "--hash-style=gnu",
      "--as-needed",    "-o",      out.c_str()};
  for (const std::string &object : objects)
    args.push_back(object.c_str());
  // LLVM lowers some conversions (f64 -> f16, f32 -> bf16, ...) to calls
  // into compiler-rt's builtins when the target CPU has no instruction for
  // them; they are linked in and stay hidden.
  if (!sys::fs::exists(LLMC_BUILTINS_ARCHIVE))
    return fileError(output, "cannot link: compiler-rt's builtins archive " +
                                 Twine(LLMC_BUILTINS_ARCHIVE) +
                                 " is missing (install libclang-rt-22-dev)");
  args.push_back("--exclude-libs=ALL");
  args.push_back(LLMC_BUILTINS_ARCHIVE);
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
