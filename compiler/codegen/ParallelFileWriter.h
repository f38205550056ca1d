//===- ParallelFileWriter.h - A large file from every core ------*- C++ -*-===//
//
// Compiling a model writes up to gigabytes of weights. On a virtual machine
// whose memory the host backs lazily, what that costs is the first touch of
// each page-cache page (this project's 2-core VMs: 4.4 GB of fresh memory
// first touched in 5.6-9.9 s, touched again in 0.2 s). write(2) into one
// ext4 file copies under the inode's lock, one core at a time; stores
// through a shared mapping fault pages in on every core at once. The file's
// blocks are allocated up front, so a full disk is a one-line error here
// rather than a SIGBUS in the middle of a store.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_CODEGEN_PARALLELFILEWRITER_H
#define LLMC_COMPILER_CODEGEN_PARALLELFILEWRITER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace llmc {

class ParallelFileWriter {
public:
  /// Creates (or truncates) `path` as `size` zero bytes.
  static llvm::Expected<std::unique_ptr<ParallelFileWriter>>
  create(llvm::StringRef path, uint64_t size);
  ~ParallelFileWriter();

  /// Stores `bytes` at `offset`; large writes are split across threads.
  /// Bytes never written stay zero.
  llvm::Error write(uint64_t offset, llvm::ArrayRef<uint8_t> bytes);

  /// Closes the file and reports what closing found.
  llvm::Error close();

private:
  ParallelFileWriter(std::string path, int fd, uint64_t size, bool mapped)
      : path(std::move(path)), fd(fd), size(size), mapped(mapped) {}

  /// write() through pwrite(2), for files whose blocks could not be
  /// allocated ahead (a file system without fallocate).
  llvm::Error writeSerially(uint64_t offset, llvm::ArrayRef<uint8_t> bytes);

  std::string path;
  int fd;
  uint64_t size;
  bool mapped;
};

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_PARALLELFILEWRITER_H
