//===- EntryCall.cpp - Calling generated code so that it can fail ---------===//

#include "EntryCall.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace llmc::rt {
namespace {

/// The entry-point call running on this thread.
struct CallState {
  std::jmp_buf unwind;
  std::string message;
  /// Buffers allocated by the call and not freed yet.
  std::unordered_set<void *> live;
};

thread_local CallState *current = nullptr;

[[noreturn]] void raise(std::string message) {
  if (!current) {
    std::fprintf(stderr, "llmc: generated code failed outside a call: %s\n",
                 message.c_str());
    std::abort();
  }
  current->message = std::move(message);
  std::longjmp(current->unwind, 1);
}

/// `message` with {0} and {1} replaced by `v0` and `v1`.
std::string format(const char *message, int64_t v0, int64_t v1) {
  std::string out;
  for (const char *c = message; *c; ++c) {
    if (c[0] == '{' && (c[1] == '0' || c[1] == '1') && c[2] == '}') {
      out += std::to_string(c[1] == '0' ? v0 : v1);
      c += 2;
      continue;
    }
    out += *c;
  }
  return out;
}

} // namespace

std::string invokeEntryPoint(llmc_packed_fn fn, void **args) {
  CallState state;
  CallState *outer = current;
  current = &state;
  if (setjmp(state.unwind) == 0) {
    fn(args);
    current = outer;
    return "";
  }
  current = outer;
  for (void *pointer : state.live)
    std::free(pointer);
  return state.message;
}

} // namespace llmc::rt

using namespace llmc::rt;

extern "C" {

void llmc_rt_fail(const char *message, int64_t v0, int64_t v1) {
  raise(format(message ? message : "a run-time check failed", v0, v1));
}

void *llmc_rt_alloc(uint64_t bytes) {
  if (bytes > kMaxAllocationBytes)
    raise("cannot allocate a buffer of " + std::to_string(bytes) +
          " bytes (more than 2^48)");
  void *pointer = std::malloc(bytes ? bytes : 1);
  if (!pointer)
    raise("out of memory: cannot allocate a buffer of " +
          std::to_string(bytes) + " bytes");
  if (current)
    current->live.insert(pointer);
  return pointer;
}

void llmc_rt_free(void *pointer) {
  if (current)
    current->live.erase(pointer);
  std::free(pointer);
}

} // extern "C"
