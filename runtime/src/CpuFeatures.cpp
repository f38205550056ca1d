//===- CpuFeatures.cpp - What this CPU and OS let an artifact use ---------===//

#include "CpuFeatures.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace llmc::rt {
namespace {

/// XCR0 components the OS must save for a feature's registers.
enum StateMask : uint64_t {
  NONE = 0,
  AVX = 0x6,                     // SSE and AVX (YMM) state
  AVX512 = 0xe6,                 // plus opmask, ZMM_Hi256, Hi16_ZMM
  AMX = (1u << 17) | (1u << 18), // XTILECFG, XTILEDATA
  APX = 1u << 19,                // extended general-purpose registers
};

struct Feature {
  const char *name;
  uint32_t leaf, subleaf, reg, bit;
  uint64_t state;
  int avx10Version; // > 0: an AVX10 version, not a CPUID bit
};

constexpr Feature kFeatures[] = {
#define LLMC_X86_FEATURE(NAME, LEAF, SUBLEAF, REG, BIT, STATE)                 \
  {NAME, LEAF, SUBLEAF, REG, BIT, STATE, 0},
#define LLMC_X86_AVX10(NAME, VERSION) {NAME, 0x24, 0, 1, 0, AVX512, VERSION},
#include "llmc/x86_features.def"
};

struct Cpuid {
  bool valid = false;
  uint32_t regs[4] = {0, 0, 0, 0};
};

Cpuid cpuid(uint32_t leaf, uint32_t subleaf) {
  Cpuid out;
#if defined(__x86_64__)
  uint32_t max = __get_cpuid_max(leaf & 0x80000000u, nullptr);
  if (max >= leaf) {
    __cpuid_count(leaf, subleaf, out.regs[0], out.regs[1], out.regs[2],
                  out.regs[3]);
    out.valid = true;
  }
#else
  (void)leaf;
  (void)subleaf;
#endif
  return out;
}

uint64_t enabledState() {
#if defined(__x86_64__)
  Cpuid leaf1 = cpuid(1, 0);
  if (!leaf1.valid || !(leaf1.regs[2] & (1u << 27))) // OSXSAVE
    return 0;
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t(edx) << 32) | eax;
#else
  return 0;
#endif
}

/// Linux hands out the AMX tile state only to processes that ask for it.
bool requestAmxPermission() {
#if defined(__x86_64__) && defined(__linux__)
  constexpr int kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

bool hidden(std::string_view name) {
  const char *env = std::getenv("LLMC_HIDE_CPU_FEATURES");
  if (!env)
    return false;
  std::string_view list(env);
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (list.substr(0, comma) == name)
      return true;
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool supported(const Feature &feature) {
  if ((enabledState() & feature.state) != feature.state)
    return false;
  if (feature.avx10Version > 0) {
    Cpuid leaf7 = cpuid(7, 1);
    Cpuid leaf24 = cpuid(0x24, 0);
    return leaf7.valid && (leaf7.regs[3] & (1u << 19)) && leaf24.valid &&
           int(leaf24.regs[1] & 0xff) >= feature.avx10Version;
  }
  // Subleaf 1 of leaf 7 exists only when subleaf 0 says so.
  if (feature.leaf == 7 && feature.subleaf > 0 &&
      cpuid(7, 0).regs[0] < feature.subleaf)
    return false;
  Cpuid regs = cpuid(feature.leaf, feature.subleaf);
  if (!regs.valid || !(regs.regs[feature.reg] & (1u << feature.bit)))
    return false;
  if (feature.state & AMX) {
    static const bool permitted = requestAmxPermission();
    return permitted;
  }
  return true;
}

const Feature *find(std::string_view name) {
  for (const Feature &feature : kFeatures)
    if (name == feature.name)
      return &feature;
  return nullptr;
}

} // namespace

std::optional<bool> hostHasFeature(std::string_view name) {
  const Feature *feature = find(name);
  if (!feature)
    return std::nullopt;
  return !hidden(name) && supported(*feature);
}

std::string checkCpuFeatures(const std::vector<std::string_view> &features) {
  std::string unknown, missing;
  for (std::string_view name : features) {
    std::optional<bool> has = hostHasFeature(name);
    std::string &list = !has ? unknown : missing;
    if (!has || !*has)
      list += (list.empty() ? "" : ", ") + std::string(name);
  }
  if (!unknown.empty())
    return "needs CPU features this runtime does not know (" + unknown +
           "); use an llmc runtime at least as new as the compiler";
  if (!missing.empty())
    return "needs CPU features this machine lacks (" + missing +
           "); recompile with a --target this CPU supports (x86-64-v3 runs "
           "on any AVX2 machine)";
  return "";
}

} // namespace llmc::rt
