//===- Target.cpp - The machine a model is compiled for -------------------===//
//
// The features an artifact's code may use are fixed here, exactly: those of
// the CPU (or of this host), limited to the names the runtime can check at
// load, with every other feature turned off, so that LLVM never emits an
// instruction the manifest does not declare. The manifest lists what the
// code generator itself then has enabled.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/Target.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/TargetParser/X86TargetParser.h"

using namespace llvm;

extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
}

namespace llmc {

/// The feature names the runtime checks
/// (runtime/include/llmc/x86_features.def).
static const char *const kCheckedFeatures[] = {
#define LLMC_X86_FEATURE(NAME, LEAF, SUBLEAF, REG, BIT, STATE) NAME,
#define LLMC_X86_AVX10(NAME, VERSION) NAME,
#include "llmc/x86_features.def"
};

/// Every instruction-set feature LLVM knows.
static const char *const kLLVMFeatures[] = {
#define X86_FEATURE(ENUM, STR) STR,
#include "llvm/TargetParser/X86TargetParser.def"
};

/// Features whose instructions LLVM emits only for intrinsics or inline
/// assembly, which generated code has none of: turned off, so that an
/// artifact does not demand them (virtual machines often hide them).
static const char *const kIntrinsicOnlyFeatures[] = {
    "aes",      "amx-avx512", "amx-bf16",   "amx-complex", "amx-fp16",
    "amx-fp8",  "amx-int8",   "amx-movrs",  "amx-tf32",    "amx-tile",
    "cldemote", "clflushopt", "clwb",       "clzero",      "cmpccxadd",
    "enqcmd",   "fsgsbase",   "hreset",     "invpcid",     "kl",
    "lwp",      "movdir64b",  "movdiri",    "movrs",       "mwaitx",
    "pclmul",   "pconfig",    "pku",        "prefetchi",   "ptwrite",
    "raoint",   "rdpid",      "rdpru",      "rdrnd",       "rdseed",
    "rtm",      "serialize",  "sgx",        "sha",         "sha512",
    "shstk",    "sm3",        "sm4",        "tsxldtrk",    "uintr",
    "usermsr",  "vaes",       "vpclmulqdq", "waitpkg",     "wbnoinvd",
    "widekl",   "xsave",      "xsavec",     "xsaveopt",    "xsaves"};

static void initializeX86() {
  static bool initialized = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    return true;
  }();
  (void)initialized;
}

static Error unknownTarget(StringRef name) {
  return createStringError(
      inconvertibleErrorCode(),
      "--target=" + name +
          ": unknown target (expected host, x86-64-v3, x86-64-v4, an LLVM "
          "x86-64 CPU name such as znver4 or sapphirerapids, the aliases "
          "x86-64-avx2 and x86-64-avx512, or cuda[:sm_NN])");
}

ArrayRef<StringRef> supportedCUDAArchs() {
  static const StringRef archs[] = {"sm_80", "sm_86", "sm_89", "sm_90"};
  return archs;
}

/// The kernel images of --target=cuda[:sm_NN], or an error naming what is
/// supported.
static Expected<std::vector<GPUImage>> parseCUDATarget(StringRef name) {
  StringRef arch = name.drop_front(StringRef("cuda").size());
  if (arch.empty())
    return std::vector<GPUImage>{{"sm_80", /*cubin=*/false},
                                 {"sm_90", /*cubin=*/true}};
  if (arch.consume_front(":") && llvm::is_contained(supportedCUDAArchs(), arch))
    return std::vector<GPUImage>{{arch.str(), /*cubin=*/false},
                                 {arch.str(), /*cubin=*/true}};
  return createStringError(
      inconvertibleErrorCode(),
      "--target=" + name +
          ": unknown CUDA architecture (expected cuda, or cuda:sm_NN with "
          "sm_NN one of " +
          llvm::join(supportedCUDAArchs(), ", ") + ")");
}

Expected<TargetSpec> parseTarget(StringRef name) {
  initializeX86();
  if (name == "cuda" || name.starts_with("cuda:")) {
    // The host side only launches kernels and manages buffers: a baseline
    // every x86-64 machine with a recent NVIDIA GPU has.
    auto images = parseCUDATarget(name);
    if (!images)
      return images.takeError();
    auto spec = parseTarget("x86-64-v2");
    if (!spec)
      return spec.takeError();
    spec->name = name.str();
    spec->gpuImages = std::move(*images);
    return spec;
  }
  TargetSpec spec;
  spec.name = name.str();
  spec.triple = "x86_64-unknown-linux-gnu";

  // The CPU, and features beyond those its name implies.
  std::vector<std::string> features;
  if (name == "host") {
    spec.cpu = sys::getHostCPUName().str();
    // What the host reports, on or off (a virtual machine may hide some of
    // its CPU model's features).
    for (const auto &feature : sys::getHostCPUFeatures())
      features.push_back((feature.second ? "+" : "-") + feature.first().str());
  } else {
    StringRef cpu = name;
    if (name == "x86-64-avx2") {
      cpu = "x86-64-v3";
    } else if (name == "x86-64-avx512") {
      cpu = "x86-64-v4";
      features.push_back("+avx512vnni");
    }
    if (X86::parseArchX86(cpu, /*Only64Bit=*/true) == X86::CK_None)
      return unknownTarget(name);
    spec.cpu = cpu.str();
  }
  Triple triple(spec.triple);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "--target=" + name + ": " + error);

  // Off: what the runtime cannot check, and what only intrinsics use.
  std::unique_ptr<MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(triple, "generic", ""));
  StringSet<> backend;
  for (const SubtargetFeatureKV &feature : generic->getAllProcessorFeatures())
    backend.insert(feature.Key);
  StringSet<> checked;
  for (const char *feature : kCheckedFeatures)
    checked.insert(feature);
  for (const char *feature : kLLVMFeatures)
    if (backend.contains(feature) && !checked.contains(feature))
      features.push_back("-" + std::string(feature));
  for (const char *feature : kIntrinsicOnlyFeatures)
    features.push_back("-" + std::string(feature));
  spec.llvmFeatures = llvm::join(features, ",");

  // What the code generator will then use, implied features included, is
  // what the manifest records.
  std::unique_ptr<MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, spec.cpu, spec.llvmFeatures));
  for (const SubtargetFeatureKV &feature :
       subtarget->getEnabledProcessorFeatures())
    if (checked.contains(feature.Key))
      spec.features.push_back(feature.Key);
  llvm::sort(spec.features);
  return spec;
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
  initializeX86();

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
      target->createTargetMachine(triple, spec.cpu, spec.llvmFeatures, options,
                                  Reloc::PIC_, std::nullopt, level));
  if (!machine)
    return createStringError(inconvertibleErrorCode(),
                             "--target=" + spec.name +
                                 ": cannot create a target machine");
  return std::move(machine);
}

} // namespace llmc
