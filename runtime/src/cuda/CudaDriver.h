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
using CUdeviceptr = uint64_t;

constexpr CUresult CUDA_SUCCESS = 0;
/// cuDeviceGetAttribute: CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR/MINOR.
constexpr int kComputeCapabilityMajor = 75;
constexpr int kComputeCapabilityMinor = 76;
/// cuStreamCreate: CU_STREAM_NON_BLOCKING.
constexpr unsigned kStreamNonBlocking = 1;
/// cuMemAllocManaged: CU_MEM_ATTACH_GLOBAL.
constexpr unsigned kMemAttachGlobal = 1;

struct Driver {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuGetErrorName)(CUresult error, const char **name);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module,
                                  const char *name);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedBytes, CUstream stream,
                             void **params, void **extra);
  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
  CUresult (*cuEventCreate)(CUevent *event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuMemAlloc)(CUdeviceptr *pointer, size_t bytes);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *pointer, size_t bytes,
                                unsigned flags);
  CUresult (*cuMemFree)(CUdeviceptr pointer);
  CUresult (*cuMemGetInfo)(size_t *free, size_t *total);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr destination, const void *source,
                           size_t bytes);
  CUresult (*cuMemcpyDtoH)(void *destination, CUdeviceptr source, size_t bytes);
  CUresult (*cuMemsetD8)(CUdeviceptr destination, unsigned char value,
                         size_t count);
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
