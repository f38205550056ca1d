//===- Target.h - The machine a model is compiled for -----------*- C++ -*-===//

#ifndef LLMC_COMPILER_CODEGEN_TARGET_H
#define LLMC_COMPILER_CODEGEN_TARGET_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace llmc {

/// One image of a CUDA artifact's kernels: PTX (compiled by the driver for
/// the GPU it finds, this architecture or newer) or a cubin (machine code
/// for exactly this architecture).
struct GPUImage {
  /// sm_80, sm_86, sm_89 or sm_90.
  std::string arch;
  bool cubin = false;
};

struct TargetSpec {
  /// As given on the command line: host, x86-64-v3, znver4, cuda:sm_90, ...
  std::string name;
  std::string triple;
  /// The LLVM CPU the code is tuned and compiled for.
  std::string cpu;
  /// Every instruction-set feature the code may use, sorted: what the
  /// manifest records and the runtime checks at load. Names come from
  /// runtime/include/llmc/x86_features.def.
  std::vector<std::string> features;
  /// The LLVM feature string: `features` on, every other known one off.
  std::string llvmFeatures;
  /// For --target=cuda[:sm_NN]: the images of the GPU kernels, in the order
  /// the fatbin holds them. Empty for CPU targets. The host code of a CUDA
  /// artifact (launches, buffer management) is compiled for x86-64-v2.
  std::vector<GPUImage> gpuImages;

  bool isCUDA() const { return !gpuImages.empty(); }
};

/// The CUDA architectures --target=cuda:sm_NN accepts.
llvm::ArrayRef<llvm::StringRef> supportedCUDAArchs();

/// Parses `--target`: host (this machine's CPU and features), an LLVM
/// x86-64 CPU name (x86-64-v3, x86-64-v4, znver4, sapphirerapids, ...), the
/// aliases x86-64-avx2 (x86-64-v3) and x86-64-avx512 (x86-64-v4 with VNNI),
/// or cuda[:sm_NN] (NVIDIA GPUs: plain `cuda` is PTX for sm_80, which newer
/// drivers compile for any later GPU, plus a cubin for sm_90; `cuda:sm_NN`
/// is a cubin for sm_NN plus its PTX).
llvm::Expected<TargetSpec> parseTarget(llvm::StringRef name);

/// An x86-64 TargetMachine for `spec`, position-independent, at `optLevel`
/// (0-3).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetSpec &spec, unsigned optLevel);

} // namespace llmc

#endif // LLMC_COMPILER_CODEGEN_TARGET_H
