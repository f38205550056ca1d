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
#include <pthread.h>
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
UNUSED(cuMemcpyDtoDAsync_v2)
UNUSED(cuMemsetD8Async)
UNUSED(cuCtxSynchronize)
UNUSED(cuCtxGetCurrent)
UNUSED(cuStreamBeginCapture_v2)
UNUSED(cuStreamEndCapture)
UNUSED(cuGraphInstantiateWithFlags)
UNUSED(cuGraphLaunch)
UNUSED(cuGraphExecDestroy)
UNUSED(cuGraphDestroy)
#else
/* Counted atomically: sessions on several threads share the driver. */
static long modules, unloads, lookups, launches, live, contexts, streams;
static long graphs, graphLaunches;

__attribute__((destructor)) static void report(void) {
  fprintf(stderr,
          "fake-cuda: modules %ld unloaded %ld, functions %ld, launches %ld, "
          "buffers live %ld, contexts retained %ld, streams live %ld, "
          "graphs live %ld, graph launches %ld\n",
          modules, unloads, lookups, launches, live, contexts, streams, graphs,
          graphLaunches);
}

/* A captured graph: its launches (counted again at each graph launch) and
 * its allocations, which stay the graph's until it is destroyed (a real
 * graph allocates them at the same addresses each launch). */
struct graph {
  long launches;
  uint64_t allocations[4096];
  int count;
  int instantiated;
};
static __thread struct graph *capture;
static struct graph *instantiated[256];
static pthread_mutex_t graphLock = PTHREAD_MUTEX_INITIALIZER;

/* Whether `pointer` is an instantiated graph's allocation. */
static int graphOwned(uint64_t pointer) {
  int owned = 0;
  pthread_mutex_lock(&graphLock);
  for (int i = 0; i < 256 && !owned; ++i)
    for (int j = 0; instantiated[i] && j < instantiated[i]->count; ++j)
      owned |= instantiated[i]->allocations[j] == pointer;
  pthread_mutex_unlock(&graphLock);
  return owned;
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
static __thread void *current; /* the thread's current context */
/* A released primary context is gone: CUDA_ERROR_CONTEXT_IS_DESTROYED. */
int cuCtxSetCurrent(void *context) {
  if (context && __atomic_load_n(&contexts, __ATOMIC_RELAXED) == 0)
    return 709;
  current = context;
  return context ? 0 : 999;
}
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
  if (capture)
    ++capture->launches;
  else
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
/* CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED while capturing, as the driver. */
int cuStreamSynchronize(void *stream) { return capture ? 900 : 0; }
int cuStreamWaitEvent(void *stream, void *event, unsigned flags) { return 0; }
int cuEventCreate(void **event, unsigned flags) {
  *event = (void *)0x50;
  return 0;
}
int cuEventDestroy_v2(void *event) { return 0; }
int cuEventRecord(void *event, void *stream) { return 0; }
int cuEventSynchronize(void *event) { return capture ? 900 : 0; }
static int allocate(uint64_t *pointer, size_t bytes) {
#ifdef OOM
  return 2;
#endif
#ifdef OOM_ABOVE /* room for the weights, not for a large KV pool */
  if (bytes > OOM_ABOVE)
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
  int result = allocate(pointer, bytes);
  if (!result && capture && capture->count < 4096)
    capture->allocations[capture->count++] = *pointer;
  return result;
}
static void release(uint64_t pointer) {
  __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
  free((void *)(uintptr_t)pointer);
}
int cuMemFree_v2(uint64_t pointer) {
  if (!graphOwned(pointer)) /* a graph's stays reserved for its launches */
    release(pointer);
  return 0;
}
int cuMemFreeAsync(uint64_t pointer, void *stream) {
  if (capture) { /* a free node: the graph keeps it */
    for (int j = 0; j < capture->count; ++j)
      if (capture->allocations[j] == pointer)
        return 0;
  }
  return cuMemFree_v2(pointer);
}
int cuStreamBeginCapture_v2(void *stream, int mode) {
  if (capture || mode != 1) /* llmc captures thread-locally */
    return 1;
  capture = calloc(1, sizeof(struct graph));
  return capture ? 0 : 2;
}
int cuStreamEndCapture(void *stream, void **graph) {
  if (!capture)
    return 1;
  *graph = capture;
  capture = NULL;
  return 0;
}
int cuGraphInstantiateWithFlags(void **exec, void *graph,
                                unsigned long long f) {
  struct graph *g = graph;
  pthread_mutex_lock(&graphLock);
  int slot = 0;
  while (slot < 256 && instantiated[slot])
    ++slot;
  if (slot < 256)
    instantiated[slot] = g;
  pthread_mutex_unlock(&graphLock);
  if (slot == 256)
    return 2;
  g->instantiated = 1;
  __atomic_add_fetch(&graphs, 1, __ATOMIC_RELAXED);
  *exec = g;
  return 0;
}
int cuGraphLaunch(void *exec, void *stream) {
  __atomic_add_fetch(&launches, ((struct graph *)exec)->launches,
                     __ATOMIC_RELAXED);
  __atomic_add_fetch(&graphLaunches, 1, __ATOMIC_RELAXED);
  return 0;
}
static void destroy(struct graph *g) {
  for (int j = 0; j < g->count; ++j)
    release(g->allocations[j]);
  free(g);
}
int cuGraphExecDestroy(void *exec) {
  struct graph *g = exec;
  pthread_mutex_lock(&graphLock);
  for (int i = 0; i < 256; ++i)
    if (instantiated[i] == g)
      instantiated[i] = NULL;
  pthread_mutex_unlock(&graphLock);
  __atomic_sub_fetch(&graphs, 1, __ATOMIC_RELAXED);
  destroy(g);
  return 0;
}
/* The exec shares the graph's record: only a graph never instantiated
 * goes with it. */
int cuGraphDestroy(void *graph) {
  struct graph *g = graph;
  if (!g->instantiated)
    destroy(g);
  return 0;
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
int cuMemcpyDtoDAsync_v2(uint64_t destination, uint64_t source, size_t bytes,
                         void *stream) {
  memcpy((void *)(uintptr_t)destination, (const void *)(uintptr_t)source,
         bytes);
  return 0;
}
int cuMemsetD8Async(uint64_t destination, unsigned char value, size_t count,
                    void *stream) {
  memset((void *)(uintptr_t)destination, value, count);
  return 0;
}
int cuCtxSynchronize(void) { return capture ? 900 : 0; }
int cuCtxGetCurrent(void **context) {
  *context = current;
  return 0;
}
#endif
#endif
