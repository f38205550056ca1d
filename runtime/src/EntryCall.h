//===- EntryCall.h - Calling generated code so that it can fail -*- C++ -*-===//
//
// Generated code checks what the compiler could not prove (llm.assert) and
// takes every heap buffer from the runtime. A failed check, or a buffer the
// runtime cannot allocate, ends the call: llmc_rt_fail unwinds (longjmp)
// to invokeEntryPoint, which frees what the call allocated and returns the
// message. Generated code has no destructors to skip, and runtime kernels
// never fail, so nothing else is on the stack between the two.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_ENTRYCALL_H
#define LLMC_RUNTIME_ENTRYCALL_H

#include "llmc/abi.h"

#include <cstdint>
#include <string>

namespace llmc::rt {

/// Calls `fn(args)`: "" when it returns, else why it failed. Buffers the
/// call allocated and did not free stay allocated on success (they hold its
/// results, which the caller frees with std::free).
std::string invokeEntryPoint(llmc_packed_fn fn, void **args);

/// Buffers above this many bytes are refused (2^48, as the compiler's
/// llmc-check-allocations).
constexpr uint64_t kMaxAllocationBytes = uint64_t(1) << 48;

} // namespace llmc::rt

extern "C" {
/// The descriptor table's LLMC_UKERNEL_FAIL, ALLOC and FREE (abi.h).
[[noreturn]] void llmc_rt_fail(const char *message, int64_t v0, int64_t v1);
void *llmc_rt_alloc(uint64_t bytes);
void llmc_rt_free(void *pointer);
}

#endif // LLMC_RUNTIME_ENTRYCALL_H
