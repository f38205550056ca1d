//===- Status.h - llmc_status_t and how the runtime makes them --*- C++ -*-===//

#ifndef LLMC_RUNTIME_STATUS_H
#define LLMC_RUNTIME_STATUS_H

#include "llmc/llmc.h"

#include <string>

struct llmc_status {
  std::string message;
};

namespace llmc::rt {

/// A failed status with `message`, or NULL (success) when `message` is
/// empty is never used: call ok() for success.
inline llmc_status_t error(std::string message) {
  return new llmc_status{std::move(message)};
}
inline llmc_status_t ok() { return nullptr; }

} // namespace llmc::rt

#endif // LLMC_RUNTIME_STATUS_H
