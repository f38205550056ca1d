//===- Progress.h - A one-line progress display on a terminal ---*- C++ -*-===//
//
// Compiles and benchmarks that take more than a moment show what they are
// doing on stderr: the stage, how far it got, the elapsed time, redrawn in
// place. Nothing is shown when stderr is not a terminal or with --quiet, so
// scripts and tests see only results and one-line errors.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_TOOLS_LLMC_PROGRESS_H
#define LLMC_TOOLS_LLMC_PROGRESS_H

#include "llvm/ADT/StringRef.h"

#include <chrono>
#include <cstdint>
#include <string>

namespace llmc::cli {

class Progress {
public:
  /// Shown only when `enabled` (not --quiet) and stderr is a terminal.
  explicit Progress(bool enabled);
  ~Progress();

  /// Reports `stage`, with `done` of `total` (bytes) when `total` > 0.
  void update(llvm::StringRef stage, uint64_t done = 0, uint64_t total = 0);
  /// Erases the line (before a result or an error is printed).
  void clear();

private:
  bool active;
  std::chrono::steady_clock::time_point start, lastDraw;
  std::string stage;
  size_t width = 0;
};

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_PROGRESS_H
