//===- KVPool.cpp - The blocks of a paged decoder's KV cache --------------===//

#include "KVPool.h"
#include "cuda/CudaLauncher.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>

namespace llmc::rt {

std::unique_ptr<KVPool> KVPool::create(const llmc_model &model,
                                       const DecoderEntry &entry,
                                       int64_t blocks, std::string &problem) {
  uint64_t total;
  if (blocks <= 0 ||
      __builtin_mul_overflow(entry.blockBytes, uint64_t(blocks), &total) ||
      total > (uint64_t(1) << 46)) {
    problem = "a KV pool of " + std::to_string(blocks) + " blocks of " +
              std::to_string(entry.blockBytes) + " bytes is too large";
    return nullptr;
  }
  std::unique_ptr<KVPool> pool(new KVPool);
  pool->bytes_ = total;
  pool->blockBytes_ = entry.blockBytes;
  pool->shape_ = {blocks};
  pool->shape_.insert(pool->shape_.end(), entry.kvShape.begin(),
                      entry.kvShape.end());
  if (model.gpu) {
    using Memory = cuda::ModelDevice::Memory;
    cuda::CUdeviceptr device = 0;
    if (!model.gpu->makeCurrent(problem) ||
        !(device = model.gpu->allocate(total, Memory::ZeroedDevice, problem))) {
      problem = "KV pool: " + problem;
      return nullptr;
    }
    pool->gpu_ = model.gpu.get();
    pool->data_ = reinterpret_cast<void *>(device);
    return pool;
  }
  void *data = mmap(nullptr, total, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (data == MAP_FAILED) {
    problem = "cannot allocate a KV pool of " + std::to_string(total) +
              " bytes: " + std::strerror(errno);
    return nullptr;
  }
  pool->data_ = data;
  return pool;
}

KVPool::~KVPool() {
  if (!gpu_) {
    munmap(data_, bytes_);
    return;
  }
  std::string problem;
  if (gpu_->makeCurrent(problem)) {
    dropGraphs();
    gpu_->release(reinterpret_cast<cuda::CUdeviceptr>(data_));
    if (staging_)
      gpu_->release(staging_);
  }
}

void *KVPool::stage(uint64_t bytes, std::string &problem) const {
  if (!gpu_) {
    problem = "a host KV pool stages nothing";
    return nullptr;
  }
  if (bytes > stagingBytes_) {
    // Room to grow: a batch's arrays change size from step to step.
    uint64_t want = std::max<uint64_t>({bytes, 2 * stagingBytes_, 4096});
    dropGraphs();
    if (staging_)
      gpu_->release(staging_);
    staging_ = 0;
    stagingBytes_ = 0;
    staging_ =
        gpu_->allocate(want, cuda::ModelDevice::Memory::Managed, problem);
    if (!staging_)
      return nullptr;
    stagingBytes_ = want;
  }
  return reinterpret_cast<void *>(staging_);
}

const KVPool::Graph *KVPool::findGraph(const void *function, int64_t tokens,
                                       int64_t width) const {
  auto found = graphs_.find({function, tokens, width});
  return found == graphs_.end() ? nullptr : &found->second;
}

void KVPool::addGraph(const void *function, int64_t tokens, int64_t width,
                      Graph graph) const {
  graphs_[{function, tokens, width}] = graph;
}

void KVPool::dropGraphs() const {
  for (auto &[key, graph] : graphs_)
    gpu_->destroyGraph(graph.exec);
  graphs_.clear();
}

bool KVPool::copyBlock(int32_t from, int32_t to, std::string &problem) const {
  uint64_t source = uint64_t(from) * blockBytes_,
           destination = uint64_t(to) * blockBytes_;
  if (!gpu_) {
    std::memcpy(static_cast<uint8_t *>(data_) + destination,
                static_cast<const uint8_t *>(data_) + source, blockBytes_);
    return true;
  }
  auto base = reinterpret_cast<cuda::CUdeviceptr>(data_);
  return gpu_->makeCurrent(problem) &&
         gpu_->copyOnDevice(base + destination, base + source, blockBytes_,
                            problem);
}

} // namespace llmc::rt
