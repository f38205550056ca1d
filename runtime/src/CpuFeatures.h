//===- CpuFeatures.h - What this CPU and OS let an artifact use -*- C++ -*-===//
//
// An artifact's manifest lists the x86 features its code was compiled for
// (runtime/include/llmc/x86_features.def); the runtime checks each with
// CPUID and XCR0 before it maps any code, and picks its kernels from the
// same facts.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_CPUFEATURES_H
#define LLMC_RUNTIME_CPUFEATURES_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::rt {

/// Whether this CPU supports feature `name` with the OS saving its register
/// state; nullopt when the name is not in x86_features.def. Features named
/// in LLMC_HIDE_CPU_FEATURES (comma-separated) count as absent, so that a
/// deployment on a lesser CPU can be tried here.
std::optional<bool> hostHasFeature(std::string_view name);

/// "" when this CPU can run code compiled for `features`, else what is
/// missing: the unknown names first, then the absent ones.
std::string checkCpuFeatures(const std::vector<std::string_view> &features);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_CPUFEATURES_H
