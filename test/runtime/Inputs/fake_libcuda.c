/* A stand-in for libcuda.so.1, so that the runtime's CUDA path is tested
 * where no GPU is. Nothing runs on it: kernels are not executed.
 *
 * -DONLY_INIT: exports cuInit alone (an incomplete driver).
 * Otherwise every function runtime/src/cuda/CudaDriverFunctions.def names:
 * cuInit returns INIT (default 0), with DEVICES GPUs (default 1) of
 * compute capability MAJOR.MINOR (default 7.5). Beyond the device queries,
 * calls fail (999) unless -DHOST_MEMORY: then "device" memory is host
 * memory (calloc), launches are counted (not run), a module must be a
 * fatbin (its magic checked), and at exit the library reports what the
 * runtime did on stderr, buffers still allocated included. -DOOM makes
 * device allocations fail with CUDA_ERROR_OUT_OF_MEMORY. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
  *name = error == 100   ? "CUDA_ERROR_NO_DEVICE"
          : error == 2   ? "CUDA_ERROR_OUT_OF_MEMORY"
          : error == 200 ? "CUDA_ERROR_INVALID_IMAGE"
                         : "CUDA_ERROR_UNKNOWN";
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

#ifndef HOST_MEMORY
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
UNUSED(cuMemcpyDtoD_v2)
UNUSED(cuMemsetD8_v2)
#else
/* Counted atomically: sessions on several threads share the driver. */
static long modules, unloads, lookups, launches, live, contexts, streams;

__attribute__((destructor)) static void report(void) {
  fprintf(stderr,
          "fake-cuda: modules %ld unloaded %ld, functions %ld, launches %ld, "
          "buffers live %ld, contexts retained %ld, streams live %ld\n",
          modules, unloads, lookups, launches, live, contexts, streams);
}

int cuDevicePrimaryCtxRetain(void **context, int device) {
  __atomic_add_fetch(&contexts, 1, __ATOMIC_RELAXED);
  *context = (void *)0x10;
  return 0;
}
int cuDevicePrimaryCtxRelease_v2(int device) {
  __atomic_sub_fetch(&contexts, 1, __ATOMIC_RELAXED);
  return 0;
}
int cuCtxSetCurrent(void *context) { return context ? 0 : 999; }
int cuModuleLoadData(void **module, const void *image) {
  uint32_t magic;
  memcpy(&magic, image, 4);
  if (magic != 0xBA55ED50u) /* a fatbin's */
    return 200;
  __atomic_add_fetch(&modules, 1, __ATOMIC_RELAXED);
  *module = (void *)0x20;
  return 0;
}
int cuModuleUnload(void *module) {
  __atomic_add_fetch(&unloads, 1, __ATOMIC_RELAXED);
  return 0;
}
int cuModuleGetFunction(void **function, void *module, const char *name) {
  __atomic_add_fetch(&lookups, 1, __ATOMIC_RELAXED);
  *function = (void *)0x30;
  return name && *name ? 0 : 500;
}
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                   unsigned by, unsigned bz, unsigned shared, void *stream,
                   void **params, void **extra) {
  if (!gx || !gy || !gz || !bx || !by || !bz || !params)
    return 1; /* CUDA_ERROR_INVALID_VALUE */
  __atomic_add_fetch(&launches, 1, __ATOMIC_RELAXED);
  return 0;
}
int cuStreamCreate(void **stream, unsigned flags) {
  *stream = (void *)0x40;
  __atomic_add_fetch(&streams, 1, __ATOMIC_RELAXED);
  return 0;
}
int cuStreamDestroy_v2(void *stream) {
  __atomic_sub_fetch(&streams, 1, __ATOMIC_RELAXED);
  return 0;
}
int cuStreamSynchronize(void *stream) { return 0; }
int cuStreamWaitEvent(void *stream, void *event, unsigned flags) { return 0; }
int cuEventCreate(void **event, unsigned flags) {
  *event = (void *)0x50;
  return 0;
}
int cuEventDestroy_v2(void *event) { return 0; }
int cuEventRecord(void *event, void *stream) { return 0; }
int cuEventSynchronize(void *event) { return 0; }
static int allocate(uint64_t *pointer, size_t bytes) {
#ifdef OOM
  return 2;
#endif
  void *p = calloc(1, bytes);
  if (!p)
    return 2;
  __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
  *pointer = (uint64_t)(uintptr_t)p;
  return 0;
}
int cuMemAlloc_v2(uint64_t *pointer, size_t bytes) {
  return allocate(pointer, bytes);
}
int cuMemAllocManaged(uint64_t *pointer, size_t bytes, unsigned flags) {
  return allocate(pointer, bytes);
}
int cuMemAllocAsync(uint64_t *pointer, size_t bytes, void *stream) {
  return allocate(pointer, bytes);
}
int cuMemFree_v2(uint64_t pointer) {
  __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
  free((void *)(uintptr_t)pointer);
  return 0;
}
int cuMemFreeAsync(uint64_t pointer, void *stream) {
  return cuMemFree_v2(pointer);
}
int cuMemGetInfo_v2(size_t *free, size_t *total) {
  *free = 1000;
  *total = 4000;
  return 0;
}
int cuMemcpyHtoD_v2(uint64_t destination, const void *source, size_t bytes) {
  memcpy((void *)(uintptr_t)destination, source, bytes);
  return 0;
}
int cuMemcpyDtoH_v2(void *destination, uint64_t source, size_t bytes) {
  memcpy(destination, (const void *)(uintptr_t)source, bytes);
  return 0;
}
int cuMemcpyDtoD_v2(uint64_t destination, uint64_t source, size_t bytes) {
  memcpy((void *)(uintptr_t)destination, (const void *)(uintptr_t)source,
         bytes);
  return 0;
}
int cuMemsetD8_v2(uint64_t destination, unsigned char value, size_t count) {
  memset((void *)(uintptr_t)destination, value, count);
  return 0;
}
#endif
#endif
