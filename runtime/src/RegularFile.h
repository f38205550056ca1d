//===- RegularFile.h - Opening files a model names, safely ------*- C++ -*-===//
//
// A path a model or user names may be a FIFO or a device: opening one for
// reading blocks until a writer appears, and reading it never ends. Files
// are opened without blocking and refused unless they are regular files.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_REGULARFILE_H
#define LLMC_RUNTIME_REGULARFILE_H

#include <cstdint>
#include <string>

namespace llmc::rt {

/// Opens `path` read-only (close-on-exec) into `fd` and its size into
/// `size`: "" on success, else what is wrong ("not a regular file", or the
/// system's reason); `fd` is then -1.
std::string openRegularFile(const std::string &path, int &fd, uint64_t &size);

/// Reads the whole regular file `path` into `out`: "" or what is wrong.
std::string readRegularFile(const std::string &path, std::string &out);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_REGULARFILE_H
