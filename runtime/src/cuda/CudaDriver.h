//===- CudaDriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The runtime reaches NVIDIA GPUs through libcuda.so.1, opened with dlopen
// on first use: the runtime builds and runs on machines without CUDA, and
// links nothing of it. Only the driver API functions the runtime calls are
// declared, with the driver's own (C, stable) signatures.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_CUDA_CUDADRIVER_H
#define LLMC_RUNTIME_CUDA_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace llmc::rt::cuda {

using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
using CUgraph = struct CUgraph_st *;
using CUgraphExec = struct CUgraphExec_st *;
using CUdeviceptr = uint64_t;

constexpr CUresult CUDA_SUCCESS = 0;
/// cuDeviceGetAttribute: CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR/MINOR.
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;
/// cuStreamCreate: CU_STREAM_NON_BLOCKING.
constexpr unsigned kStreamNonBlocking = 1;
/// cuMemAllocManaged: CU_MEM_ATTACH_GLOBAL.
constexpr unsigned kMemAttachGlobal = 1;
/// CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: only this thread's calls are
/// restricted while it captures (sessions on other threads go on).
constexpr int kCaptureModeThreadLocal = 1;
/// CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH.
constexpr unsigned long long kGraphAutoFreeOnLaunch = 1;

struct Driver {
#define LLMC_CUDA_FUNCTION(NAME, SYMBOL, PARAMETERS) CUresult(*NAME) PARAMETERS;
#include "cuda/CudaDriverFunctions.def"
};

/// The driver, loaded and initialized once (cuInit); null with `problem`
/// saying why when this machine has none (no libcuda.so.1, a symbol
/// missing, cuInit failing).
const Driver *getDriver(std::string &problem);

/// "CUDA_ERROR_OUT_OF_MEMORY" and the like.
std::string errorName(const Driver &driver, CUresult result);

/// An image a device of compute capability major.minor can load: a cubin of
/// its major architecture and an equal or lower minor, or PTX of an equal
/// or lower architecture, which the driver compiles.
struct KernelImage {
  int major = 0;
  int minor = 0;
  bool cubin = false;
};
bool canLoad(const KernelImage &image, int major, int minor);

/// The device llmc uses (LLMC_CUDA_DEVICE, default 0), its name and compute
/// capability; false with `problem` set when there is none.
struct Device {
  CUdevice handle = 0;
  int ordinal = 0;
  int major = 0;
  int minor = 0;
  std::string name;
};
bool selectDevice(const Driver &driver, Device &device, std::string &problem);

} // namespace llmc::rt::cuda

#endif // LLMC_RUNTIME_CUDA_CUDADRIVER_H
