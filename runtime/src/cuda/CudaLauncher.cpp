//===- CudaLauncher.cpp - Running a CUDA artifact's code ------------------===//

#include "cuda/CudaLauncher.h"
#include "EntryCall.h"

#include <cstring>

namespace llmc::rt::cuda {
namespace {

/// The driver, for the table's functions (loaded before any artifact binds
/// them): looked up once, not on every launch.
const Driver &theDriver() {
  static const Driver *driver = [] {
    std::string problem;
    return getDriver(problem);
  }();
  return *driver;
}

/// Ends the entry-point call when a driver call fails.
void check(CUresult result, const char *what) {
  if (result != CUDA_SUCCESS)
    llmc_rt_fail(("CUDA: " + std::string(what) + " failed (" +
                  errorName(theDriver(), result) + ")")
                     .c_str(),
                 0, 0);
}

/// The generated code creates a stream per stretch of asynchronous work and
/// destroys it after its synchronization: each thread reuses one instead,
/// destroyed when the thread ends (threads that come and go while the model
/// lives would otherwise leak one each), and made anew when the thread's
/// current context is another (a stream belongs to its context: a model
/// freed and another loaded on the same thread must not inherit it).
struct ThreadStream {
  CUstream stream = nullptr;
  CUcontext context = nullptr;
  ~ThreadStream() {
    if (stream)
      theDriver().cuStreamDestroy(stream);
  }
};
thread_local ThreadStream threadOwner;

/// This thread's stream in its current context.
CUresult currentStream(CUstream &stream) {
  const Driver &d = theDriver();
  CUcontext context = nullptr;
  if (CUresult result = d.cuCtxGetCurrent(&context); result != CUDA_SUCCESS)
    return result;
  ThreadStream &owner = threadOwner;
  if (!owner.stream || owner.context != context) {
    CUstream fresh = nullptr;
    if (CUresult result = d.cuStreamCreate(&fresh, kStreamNonBlocking);
        result != CUDA_SUCCESS)
      return result;
    owner.stream = fresh;
    owner.context = context;
  }
  stream = owner.stream;
  return CUDA_SUCCESS;
}

/// currentStream inside an entry-point call, where a failure ends the call.
CUstream threadStream() {
  CUstream stream = nullptr;
  check(currentStream(stream), "cuStreamCreate");
  return stream;
}

/// Whether this thread's stream is being captured into a graph: waiting on
/// it then is an error, and there is nothing to wait for (nothing runs).
thread_local bool capturing = false;

// MLIR's GPU runtime functions (the signatures of its CUDA runtime
// wrappers), as the table's slots.

void *moduleLoad(const void *image, uint64_t) {
  CUmodule module = nullptr;
  check(theDriver().cuModuleLoadData(&module, image), "cuModuleLoadData");
  return module;
}

void moduleUnload(void *module) {
  theDriver().cuModuleUnload(static_cast<CUmodule>(module));
}

void *moduleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  check(theDriver().cuModuleGetFunction(&function,
                                        static_cast<CUmodule>(module), name),
        "cuModuleGetFunction");
  return function;
}

void launchKernel(void *function, intptr_t gridX, intptr_t gridY,
                  intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                  intptr_t blockZ, int32_t sharedBytes, void *stream,
                  void **params, void **extra, uint64_t) {
  // Grid sizes come from run-time shapes: out of the driver's range is a
  // failed call, not a truncated launch.
  for (intptr_t size : {gridX, gridY, gridZ, blockX, blockY, blockZ})
    if (size < 0 || size > intptr_t(0x7fffffff))
      llmc_rt_fail("CUDA: a kernel launch of {0} blocks exceeds the GPU's "
                   "grid",
                   int64_t(size), 0);
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return; // an empty iteration space
  check(theDriver().cuLaunchKernel(
            static_cast<CUfunction>(function), unsigned(gridX), unsigned(gridY),
            unsigned(gridZ), unsigned(blockX), unsigned(blockY),
            unsigned(blockZ), unsigned(sharedBytes),
            static_cast<CUstream>(stream), params, extra),
        "cuLaunchKernel");
}

void *streamCreate() { return threadStream(); }

void streamDestroy(void *) {}

void streamSynchronize(void *stream) {
  if (capturing)
    return;
  check(theDriver().cuStreamSynchronize(static_cast<CUstream>(stream)),
        "cuStreamSynchronize");
}

void streamWaitEvent(void *stream, void *event) {
  check(theDriver().cuStreamWaitEvent(static_cast<CUstream>(stream),
                                      static_cast<CUevent>(event), 0),
        "cuStreamWaitEvent");
}

void *eventCreate() {
  CUevent event = nullptr;
  // CU_EVENT_DISABLE_TIMING: ordering only.
  check(theDriver().cuEventCreate(&event, 2), "cuEventCreate");
  return event;
}

void eventDestroy(void *event) {
  theDriver().cuEventDestroy(static_cast<CUevent>(event));
}

void eventSynchronize(void *event) {
  if (capturing)
    return;
  check(theDriver().cuEventSynchronize(static_cast<CUevent>(event)),
        "cuEventSynchronize");
}

void eventRecord(void *event, void *stream) {
  check(theDriver().cuEventRecord(static_cast<CUevent>(event),
                                  static_cast<CUstream>(stream)),
        "cuEventRecord");
}

void *memAlloc(uint64_t bytes, void *stream, uint8_t hostShared) {
  if (bytes > kMaxAllocationBytes)
    llmc_rt_fail("cannot allocate a GPU buffer of {0} bytes (more than 2^48)",
                 int64_t(bytes), 0);
  CUdeviceptr pointer = 0;
  // Device buffers come from the stream-ordered pool: no synchronization,
  // and freed memory is reused by later allocations on the stream.
  CUresult result =
      hostShared ? theDriver().cuMemAllocManaged(&pointer, bytes ? bytes : 1,
                                                 kMemAttachGlobal)
                 : theDriver().cuMemAllocAsync(&pointer, bytes ? bytes : 1,
                                               static_cast<CUstream>(stream));
  if (result != CUDA_SUCCESS)
    llmc_rt_fail(("out of GPU memory: cannot allocate a buffer of {0} bytes (" +
                  errorName(theDriver(), result) + ")")
                     .c_str(),
                 int64_t(bytes), 0);
  return reinterpret_cast<void *>(pointer);
}

void memFree(void *pointer, void *stream) {
  // After the work queued on the stream, which may still use the buffer.
  check(theDriver().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(pointer),
                                   static_cast<CUstream>(stream)),
        "cuMemFreeAsync");
}

/// Runs the artifact's gpu_load or gpu_unload so that a failing driver call
/// in it is an error, not an abort.
void callInitializer(void **args) {
  reinterpret_cast<llmc_gpu_init_fn>(args[0])();
}

} // namespace

void bindGPUFunctions(void **table) {
  table[LLMC_UKERNEL_GPU_MODULE_LOAD] = reinterpret_cast<void *>(&moduleLoad);
  table[LLMC_UKERNEL_GPU_MODULE_UNLOAD] =
      reinterpret_cast<void *>(&moduleUnload);
  table[LLMC_UKERNEL_GPU_MODULE_GET_FUNCTION] =
      reinterpret_cast<void *>(&moduleGetFunction);
  table[LLMC_UKERNEL_GPU_LAUNCH_KERNEL] =
      reinterpret_cast<void *>(&launchKernel);
  table[LLMC_UKERNEL_GPU_STREAM_CREATE] =
      reinterpret_cast<void *>(&streamCreate);
  table[LLMC_UKERNEL_GPU_STREAM_DESTROY] =
      reinterpret_cast<void *>(&streamDestroy);
  table[LLMC_UKERNEL_GPU_STREAM_SYNCHRONIZE] =
      reinterpret_cast<void *>(&streamSynchronize);
  table[LLMC_UKERNEL_GPU_STREAM_WAIT_EVENT] =
      reinterpret_cast<void *>(&streamWaitEvent);
  table[LLMC_UKERNEL_GPU_EVENT_CREATE] = reinterpret_cast<void *>(&eventCreate);
  table[LLMC_UKERNEL_GPU_EVENT_DESTROY] =
      reinterpret_cast<void *>(&eventDestroy);
  table[LLMC_UKERNEL_GPU_EVENT_SYNCHRONIZE] =
      reinterpret_cast<void *>(&eventSynchronize);
  table[LLMC_UKERNEL_GPU_EVENT_RECORD] = reinterpret_cast<void *>(&eventRecord);
  table[LLMC_UKERNEL_GPU_MEM_ALLOC] = reinterpret_cast<void *>(&memAlloc);
  table[LLMC_UKERNEL_GPU_MEM_FREE] = reinterpret_cast<void *>(&memFree);
}

std::unique_ptr<ModelDevice>
ModelDevice::open(const llmc_model_descriptor &descriptor,
                  const uint8_t *weights, uint64_t weightsSize,
                  std::string &problem) {
  std::unique_ptr<ModelDevice> model(new ModelDevice);
  model->driver_ = getDriver(problem);
  if (!model->driver_ ||
      !selectDevice(*model->driver_, model->device_, problem))
    return nullptr;
  const Driver &d = *model->driver_;
  if (CUresult result =
          d.cuDevicePrimaryCtxRetain(&model->context_, model->device_.handle);
      result != CUDA_SUCCESS) {
    model->context_ = nullptr;
    problem = "cannot create a CUDA context on GPU " +
              std::to_string(model->device_.ordinal) + " (" +
              errorName(d, result) + ")";
    return nullptr;
  }
  if (!model->makeCurrent(problem))
    return nullptr;
  if (!descriptor.gpu_load || !descriptor.gpu_unload) {
    problem = "the descriptor has no GPU kernel loader";
    return nullptr;
  }
  bindGPUFunctions(descriptor.ukernels);
  void *args[] = {reinterpret_cast<void *>(descriptor.gpu_load)};
  std::string failure = invokeEntryPoint(&callInitializer, args);
  if (!failure.empty()) {
    problem = "loading the GPU kernels: " + failure;
    return nullptr;
  }
  model->unload_ = descriptor.gpu_unload;

  // The weights, once: every call reads them on the device.
  model->weights_ = model->allocate(weightsSize, Memory::Device, problem);
  if (!model->weights_)
    return nullptr;
  // From pageable memory the copy may still be under way when it returns,
  // on the legacy stream, which kernels on our non-blocking streams do not
  // wait for: wait for it here.
  CUresult result = d.cuMemcpyHtoD(model->weights_, weights, weightsSize);
  if (result == CUDA_SUCCESS)
    result = d.cuCtxSynchronize();
  if (result != CUDA_SUCCESS) {
    problem = "cannot copy " + std::to_string(weightsSize) +
              " bytes of weights to the GPU (" + errorName(d, result) + ")";
    return nullptr;
  }
  return model;
}

ModelDevice::~ModelDevice() {
  if (!context_)
    return;
  std::string problem;
  if (makeCurrent(problem)) {
    if (weights_)
      driver_->cuMemFree(weights_);
    if (unload_) {
      void *args[] = {reinterpret_cast<void *>(unload_)};
      invokeEntryPoint(&callInitializer, args);
    }
  }
  driver_->cuDevicePrimaryCtxRelease(device_.handle);
}

bool ModelDevice::makeCurrent(std::string &problem) const {
  if (CUresult result = driver_->cuCtxSetCurrent(context_);
      result != CUDA_SUCCESS) {
    problem = "cannot make the CUDA context current (" +
              errorName(*driver_, result) + ")";
    return false;
  }
  return true;
}

CUdeviceptr ModelDevice::allocate(uint64_t bytes, Memory memory,
                                  std::string &problem) const {
  CUdeviceptr pointer = 0;
  size_t size = bytes ? bytes : 1;
  CUresult result =
      memory == Memory::Managed
          ? driver_->cuMemAllocManaged(&pointer, size, kMemAttachGlobal)
          : driver_->cuMemAlloc(&pointer, size);
  CUstream stream = nullptr;
  if (result == CUDA_SUCCESS && memory == Memory::ZeroedDevice &&
      (result = currentStream(stream)) == CUDA_SUCCESS &&
      (result = driver_->cuMemsetD8Async(pointer, 0, size, stream)) ==
          CUDA_SUCCESS)
    result = driver_->cuStreamSynchronize(stream);
  if (result != CUDA_SUCCESS) {
    if (pointer)
      driver_->cuMemFree(pointer);
    size_t free = 0, total = 0;
    driver_->cuMemGetInfo(&free, &total);
    problem = "GPU " + std::to_string(device_.ordinal) + " (" + device_.name +
              ") cannot allocate " + std::to_string(bytes) + " bytes (" +
              errorName(*driver_, result) + "; " + std::to_string(free) +
              " of " + std::to_string(total) + " bytes free)";
    return 0;
  }
  return pointer;
}

void ModelDevice::release(CUdeviceptr pointer) const {
  if (pointer)
    driver_->cuMemFree(pointer);
}

bool ModelDevice::copyToHost(void *host, CUdeviceptr source, uint64_t bytes,
                             std::string &problem) const {
  if (CUresult result = driver_->cuMemcpyDtoH(host, source, bytes);
      result != CUDA_SUCCESS) {
    problem = "cannot copy results from the GPU (" +
              errorName(*driver_, result) + ")";
    return false;
  }
  return true;
}

bool ModelDevice::beginCapture(std::string &problem) const {
  CUstream stream = nullptr;
  CUresult result = currentStream(stream);
  if (result == CUDA_SUCCESS)
    result = driver_->cuStreamBeginCapture(stream, kCaptureModeThreadLocal);
  if (result != CUDA_SUCCESS) {
    problem =
        "cannot capture a CUDA graph (" + errorName(*driver_, result) + ")";
    return false;
  }
  capturing = true;
  return true;
}

CUgraphExec ModelDevice::endCapture(bool keep, std::string &problem) const {
  capturing = false;
  CUgraph graph = nullptr;
  CUstream stream = nullptr;
  CUresult result = currentStream(stream);
  if (result == CUDA_SUCCESS)
    result = driver_->cuStreamEndCapture(stream, &graph);
  CUgraphExec exec = nullptr;
  if (result == CUDA_SUCCESS && keep)
    result = driver_->cuGraphInstantiateWithFlags(&exec, graph,
                                                  kGraphAutoFreeOnLaunch);
  if (graph)
    driver_->cuGraphDestroy(graph);
  if (result != CUDA_SUCCESS) {
    problem =
        "cannot capture a CUDA graph (" + errorName(*driver_, result) + ")";
    return nullptr;
  }
  return exec;
}

bool ModelDevice::launchGraph(CUgraphExec exec, std::string &problem) const {
  CUstream stream = nullptr;
  CUresult result = currentStream(stream);
  if (result == CUDA_SUCCESS)
    result = driver_->cuGraphLaunch(exec, stream);
  if (result == CUDA_SUCCESS)
    result = driver_->cuStreamSynchronize(stream);
  if (result != CUDA_SUCCESS) {
    problem = "a CUDA graph failed (" + errorName(*driver_, result) + ")";
    return false;
  }
  return true;
}

void ModelDevice::destroyGraph(CUgraphExec exec) const {
  driver_->cuGraphExecDestroy(exec);
}

bool ModelDevice::copyOnDevice(CUdeviceptr destination, CUdeviceptr source,
                               uint64_t bytes, std::string &problem) const {
  // On the thread's stream, ordered with the kernels that read the block
  // next; waited for, as the caller may be about to use another thread.
  CUstream stream = nullptr;
  CUresult result = currentStream(stream);
  if (result == CUDA_SUCCESS)
    result = driver_->cuMemcpyDtoDAsync(destination, source, bytes, stream);
  if (result == CUDA_SUCCESS)
    result = driver_->cuStreamSynchronize(stream);
  if (result != CUDA_SUCCESS) {
    problem = "cannot copy on the GPU (" + errorName(*driver_, result) + ")";
    return false;
  }
  return true;
}

} // namespace llmc::rt::cuda
