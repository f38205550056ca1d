/* A stand-in for libcuda.so.1 that reports what a broken or unsuitable CUDA
 * installation reports, so that the runtime's refusals are tested where no
 * driver is: -DONLY_INIT exports cuInit alone (an incomplete driver); else
 * every function runtime/src/cuda/CudaDriverFunctions.def names, with
 * cuInit returning INIT (default 0), DEVICES GPUs (default 1) of compute
 * capability MAJOR.MINOR (default 7.5). Nothing runs on it: loading a model
 * stops at the checks. */
#include <string.h>

#ifndef INIT
#define INIT 0
#endif
#ifndef DEVICES
#define DEVICES 1
#endif
#ifndef MAJOR
#define MAJOR 7
#endif
#ifndef MINOR
#define MINOR 5
#endif

int cuInit(unsigned flags) { return INIT; }

#ifndef ONLY_INIT
int cuGetErrorName(int error, const char **name) {
  *name = error == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN";
  return 0;
}
int cuDeviceGetCount(int *count) {
  *count = DEVICES;
  return 0;
}
int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return 0;
}
int cuDeviceGetAttribute(int *value, int attribute, int device) {
  *value = attribute == 75 ? MAJOR : MINOR;
  return 0;
}
int cuDeviceGetName(char *name, int length, int device) {
  strncpy(name, "Fake GPU", (size_t)length);
  return 0;
}
#define UNUSED(NAME)                                                           \
  int NAME() { return 999; }
UNUSED(cuDevicePrimaryCtxRetain)
UNUSED(cuDevicePrimaryCtxRelease_v2)
UNUSED(cuCtxSetCurrent)
UNUSED(cuModuleLoadData)
UNUSED(cuModuleUnload)
UNUSED(cuModuleGetFunction)
UNUSED(cuLaunchKernel)
UNUSED(cuStreamCreate)
UNUSED(cuStreamDestroy_v2)
UNUSED(cuStreamSynchronize)
UNUSED(cuStreamWaitEvent)
UNUSED(cuEventCreate)
UNUSED(cuEventDestroy_v2)
UNUSED(cuEventRecord)
UNUSED(cuEventSynchronize)
UNUSED(cuMemAlloc_v2)
UNUSED(cuMemAllocManaged)
UNUSED(cuMemFree_v2)
UNUSED(cuMemAllocAsync)
UNUSED(cuMemFreeAsync)
UNUSED(cuMemGetInfo_v2)
UNUSED(cuMemcpyHtoD_v2)
UNUSED(cuMemcpyDtoH_v2)
UNUSED(cuMemsetD8_v2)
#endif
