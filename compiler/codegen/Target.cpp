//===- Target.cpp - The machine a model is compiled for -------------------===//

#include "compiler/codegen/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
}

namespace llmc {

Expected<TargetSpec> parseTarget(StringRef name) {
  TargetSpec spec;
  spec.name = name.str();
  spec.triple = "x86_64-unknown-linux-gnu";
  if (name == "host") {
    spec.cpu = sys::getHostCPUName().str();
    std::string features;
    StringMap<bool> host = sys::getHostCPUFeatures();
    for (const auto &feature : host)
      features += (features.empty() ? "" : ",") +
                  std::string(feature.second ? "+" : "-") +
                  feature.first().str();
    spec.features = features;
    auto has = [&](StringRef f) { return host.lookup(f); };
    if (has("avx512f") && has("avx512bw") && has("avx512vl") &&
        has("avx512dq") && has("avx512vnni"))
      spec.isa = LLMC_ISA_AVX512;
    else if (has("avx2") && has("fma") && has("f16c"))
      spec.isa = LLMC_ISA_AVX2;
    return spec;
  }
  if (name == "x86-64-avx2") {
    spec.cpu = "x86-64-v3";
    spec.isa = LLMC_ISA_AVX2;
    return spec;
  }
  if (name == "x86-64-avx512") {
    spec.cpu = "x86-64-v4";
    spec.features = "+avx512vnni";
    spec.isa = LLMC_ISA_AVX512;
    return spec;
  }
  return createStringError(inconvertibleErrorCode(),
                           "--target=" + name +
                               ": unknown target (expected host, x86-64-avx2 "
                               "or x86-64-avx512)");
}

/// Loop strength reduction can take most of the compile time on the many
/// dynamic-trip-count loop nests of an ONNX graph (16 s of 25 s for the
/// stories260K export) for little run-time gain: it is off unless asked for.
static void disableLoopStrengthReduction() {
  auto &options = cl::getRegisteredOptions();
  auto it = options.find("disable-lsr");
  if (it != options.end() && it->second->getNumOccurrences() == 0)
    static_cast<cl::opt<bool> *>(it->second)->setValue(true);
}

Expected<std::unique_ptr<TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel) {
  disableLoopStrengthReduction();
  static bool initialized = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    return true;
  }();
  (void)initialized;

  Triple triple(spec.triple);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "--target=" + spec.name + ": " + error);
  TargetOptions options;
  CodeGenOptLevel level = optLevel == 0   ? CodeGenOptLevel::None
                          : optLevel == 1 ? CodeGenOptLevel::Less
                          : optLevel == 2 ? CodeGenOptLevel::Default
                                          : CodeGenOptLevel::Aggressive;
  std::unique_ptr<TargetMachine> machine(
      target->createTargetMachine(triple, spec.cpu, spec.features, options,
                                  Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return createStringError(inconvertibleErrorCode(),
                             "--target=" + spec.name +
                                 ": cannot create a target machine");
  return std::move(machine);
}

} // namespace llmc
