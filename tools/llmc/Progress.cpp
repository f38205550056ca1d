//===- Progress.cpp - A one-line progress display on a terminal -----------===//

#include "tools/llmc/Progress.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

using namespace llvm;

namespace llmc::cli {

Progress::Progress(bool enabled)
    : active(enabled && isatty(STDERR_FILENO)),
      start(std::chrono::steady_clock::now()) {}

Progress::~Progress() { clear(); }

void Progress::update(StringRef name, uint64_t done, uint64_t total) {
  if (!active)
    return;
  auto now = std::chrono::steady_clock::now();
  // A new stage is drawn at once; counters at most ten times a second.
  if (name == stage && now - lastDraw < std::chrono::milliseconds(100) &&
      done < total)
    return;
  stage = name.str();
  lastDraw = now;
  double elapsed = std::chrono::duration<double>(now - start).count();
  std::string line;
  raw_string_ostream os(line);
  os << "llmc: " << stage;
  if (total > 0)
    os << format(" %5.1f%% (%.0f / %.0f MB)", 100.0 * double(done) / total,
                 done / 1e6, total / 1e6);
  os << format("  %.1f s", elapsed);
  os.flush();
  errs() << "\r" << line;
  if (line.size() < width)
    errs().indent(width - line.size());
  width = line.size();
  errs().flush();
}

void Progress::clear() {
  if (!active || width == 0)
    return;
  errs() << "\r";
  errs().indent(width);
  errs() << "\r";
  errs().flush();
  width = 0;
}

} // namespace llmc::cli
