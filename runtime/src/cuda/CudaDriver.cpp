//===- CudaDriver.cpp - The CUDA driver API, loaded at run time -----------===//

#include "cuda/CudaDriver.h"

#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

namespace llmc::rt::cuda {

namespace {

/// Resolves `name` into `slot`; false when the driver lacks it.
template <typename Fn>
bool resolve(void *library, const char *name, Fn &slot, std::string &problem) {
  slot = reinterpret_cast<Fn>(dlsym(library, name));
  if (!slot)
    problem = std::string("the CUDA driver (libcuda.so.1) has no ") + name +
              " (a driver older than CUDA 11.4?)";
  return slot != nullptr;
}

struct LoadedDriver {
  Driver driver{};
  std::string problem;
  bool loaded = false;
};

LoadedDriver load() {
  LoadedDriver result;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    result.problem = std::string("no CUDA driver on this machine (") +
                     (why ? why : "libcuda.so.1 not found") + ")";
    return result;
  }
  Driver &d = result.driver;
  std::string &p = result.problem;
#define LLMC_CUDA_FUNCTION(NAME, SYMBOL, PARAMETERS)                           \
  if (!resolve(library, SYMBOL, d.NAME, p))                                    \
    return result;
#include "cuda/CudaDriverFunctions.def"
  if (CUresult status = d.cuInit(0); status != CUDA_SUCCESS) {
    p = "the CUDA driver does not initialize (" + errorName(d, status) + ")";
    return result;
  }
  result.loaded = true;
  return result;
}

} // namespace

const Driver *getDriver(std::string &problem) {
  // Loaded once, never unloaded: kernels and contexts outlive any model.
  static const LoadedDriver loaded = load();
  problem = loaded.problem;
  return loaded.loaded ? &loaded.driver : nullptr;
}

std::string errorName(const Driver &driver, CUresult result) {
  const char *name = nullptr;
  if (driver.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return "CUDA error " + std::to_string(result);
  return name;
}

bool canLoad(const KernelImage &image, int major, int minor) {
  if (image.cubin)
    return image.major == major && image.minor <= minor;
  return image.major < major || (image.major == major && image.minor <= minor);
}

bool selectDevice(const Driver &driver, Device &device, std::string &problem) {
  int count = 0;
  if (CUresult status = driver.cuDeviceGetCount(&count);
      status != CUDA_SUCCESS) {
    problem = "cannot count CUDA devices (" + errorName(driver, status) + ")";
    return false;
  }
  if (count == 0) {
    problem = "no NVIDIA GPU on this machine (the CUDA driver finds none)";
    return false;
  }
  device.ordinal = 0;
  if (const char *env = std::getenv("LLMC_CUDA_DEVICE")) {
    char *end = nullptr;
    long ordinal = std::strtol(env, &end, 10);
    if (end == env || *end || ordinal < 0 || ordinal >= count) {
      problem = "LLMC_CUDA_DEVICE=" + std::string(env) +
                ": expected a device number below " + std::to_string(count);
      return false;
    }
    device.ordinal = int(ordinal);
  }
  CUresult status = driver.cuDeviceGet(&device.handle, device.ordinal);
  if (status == CUDA_SUCCESS)
    status = driver.cuDeviceGetAttribute(&device.major, kComputeCapabilityMajor,
                                         device.handle);
  if (status == CUDA_SUCCESS)
    status = driver.cuDeviceGetAttribute(&device.minor, kComputeCapabilityMinor,
                                         device.handle);
  char name[256] = {};
  if (status == CUDA_SUCCESS)
    status = driver.cuDeviceGetName(name, sizeof(name) - 1, device.handle);
  if (status != CUDA_SUCCESS) {
    problem = "cannot query CUDA device " + std::to_string(device.ordinal) +
              " (" + errorName(driver, status) + ")";
    return false;
  }
  device.name = name;
  return true;
}

} // namespace llmc::rt::cuda
