//===- CudaLauncher.h - Running a CUDA artifact's code ----------*- C++ -*-===//
//
// A CUDA artifact's host code calls MLIR's GPU runtime functions (mgpu*)
// through the descriptor's table; this file implements them over the
// driver API and holds what a loaded model keeps on its GPU: the context,
// the loaded kernels and the weights. Buffers the runtime passes to an
// entry point are device memory (weights, KV cache) or managed memory the
// host code may read (token ids, positions); results come back in device
// memory, which the caller copies out and frees.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_CUDA_CUDALAUNCHER_H
#define LLMC_RUNTIME_CUDA_CUDALAUNCHER_H

#include "cuda/CudaDriver.h"
#include "llmc/abi.h"

#include <memory>
#include <string>

namespace llmc::rt::cuda {

/// A loaded CUDA artifact's hold on its GPU.
class ModelDevice {
public:
  /// Retains the device's primary context, fills the table's GPU slots,
  /// loads the kernels (descriptor->gpu_load) and uploads the weights; null
  /// with `problem` set when any of it fails.
  static std::unique_ptr<ModelDevice>
  open(const llmc_model_descriptor &descriptor, const uint8_t *weights,
       uint64_t weightsSize, std::string &problem);
  ~ModelDevice();

  /// Makes the model's context current on this thread (each call does).
  bool makeCurrent(std::string &problem) const;

  CUdeviceptr weights() const { return weights_; }

  /// Where allocate() puts a buffer.
  enum class Memory {
    Device,       // contents undefined: the caller writes them all
    ZeroedDevice, // zero-filled
    Managed,      // host-readable managed memory, contents undefined
  };
  /// `bytes` of `memory`; 0 with `problem` set on failure.
  CUdeviceptr allocate(uint64_t bytes, Memory memory,
                       std::string &problem) const;
  void release(CUdeviceptr pointer) const;
  /// Copies `bytes` from the device to `host`.
  bool copyToHost(void *host, CUdeviceptr source, uint64_t bytes,
                  std::string &problem) const;
  /// Captures what this thread's stream is given until endCapture into a
  /// graph: kernels, stream-ordered allocations and frees. Nothing runs;
  /// the generated code's synchronizations are skipped meanwhile.
  bool beginCapture(std::string &problem) const;
  /// Ends the capture and, with `keep`, instantiates the graph (its
  /// allocations freed at its next launch if the caller has not); null
  /// with `problem` set when either fails, or without `keep`.
  CUgraphExec endCapture(bool keep, std::string &problem) const;
  /// Runs a graph on this thread's stream and waits for it.
  bool launchGraph(CUgraphExec exec, std::string &problem) const;
  void destroyGraph(CUgraphExec exec) const;
  /// Copies `bytes` between two places in device memory.
  bool copyOnDevice(CUdeviceptr destination, CUdeviceptr source, uint64_t bytes,
                    std::string &problem) const;

private:
  ModelDevice() = default;
  const Driver *driver_ = nullptr;
  Device device_;
  CUcontext context_ = nullptr;
  CUdeviceptr weights_ = 0;
  llmc_gpu_init_fn unload_ = nullptr;
};

/// Fills the GPU slots (LLMC_UKERNEL_GPU_*) of a descriptor's table.
void bindGPUFunctions(void **table);

} // namespace llmc::rt::cuda

#endif // LLMC_RUNTIME_CUDA_CUDALAUNCHER_H
