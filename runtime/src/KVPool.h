//===- KVPool.h - The blocks of a paged decoder's KV cache ------*- C++ -*-===//
//
// A paged decoder's keys and values live in one pool of fixed-size blocks
// (llm-page-kv-cache): host memory, mapped as it is touched, for a CPU
// artifact; device memory for a CUDA one, whose kernels read it there.
// Sessions and the engine hold one each; only the pool knows where it is.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_KVPOOL_H
#define LLMC_RUNTIME_KVPOOL_H

#include "Model.h"
#include "cuda/CudaDriver.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace llmc::rt {

class KVPool {
public:
  /// A zeroed pool of `blocks` blocks of `entry` (a decoder of `model`);
  /// null with `problem` set when it cannot be had.
  static std::unique_ptr<KVPool> create(const llmc_model &model,
                                        const DecoderEntry &entry,
                                        int64_t blocks, std::string &problem);
  ~KVPool();
  KVPool(const KVPool &) = delete;
  KVPool &operator=(const KVPool &) = delete;

  /// What the entry point gets: a host address, or a device one, of
  /// [blocks] + the entry's block shape.
  void *data() const { return data_; }
  const std::vector<int64_t> &shape() const { return shape_; }

  /// Copies block `from` over block `to` (copy-on-write).
  bool copyBlock(int32_t from, int32_t to, std::string &problem) const;

  /// A GPU pool's: `bytes` of managed memory for a call's index arrays,
  /// kept from call to call (so that its pages are not faulted in anew
  /// each step) and grown as needed; null with `problem` set on failure.
  /// The pool's user calls one at a time, as it runs one call at a time.
  /// Growing it drops the graphs, whose kernels read the old address.
  void *stage(uint64_t bytes, std::string &problem) const;

  /// A GPU pool's decode step captured as a CUDA graph: `tokens` tokens of
  /// as many sequences, each with its logits, through `function`, with
  /// block tables `width` wide. Its kernels read the staging buffer and the
  /// pool where they were; the logits are the graph's own allocation, at
  /// the same address each run.
  struct Graph {
    cuda::CUgraphExec exec = nullptr;
    uint64_t logits = 0;
  };
  /// The most graphs a pool keeps (one per decode batch size).
  static constexpr size_t kMaxGraphs = 64;
  const Graph *findGraph(const void *function, int64_t tokens,
                         int64_t width) const;
  /// Whether another graph may be kept (fewer than kMaxGraphs are).
  bool roomForGraph() const { return graphs_.size() < kMaxGraphs; }
  /// Keeps `graph`, which the pool destroys (check roomForGraph first).
  void addGraph(const void *function, int64_t tokens, int64_t width,
                Graph graph) const;

private:
  KVPool() = default;
  const cuda::ModelDevice *gpu_ = nullptr;
  void *data_ = nullptr;
  uint64_t bytes_ = 0, blockBytes_ = 0;
  std::vector<int64_t> shape_;
  mutable uint64_t staging_ = 0, stagingBytes_ = 0;
  mutable std::map<std::tuple<const void *, int64_t, int64_t>, Graph> graphs_;
  void dropGraphs() const;
};

} // namespace llmc::rt

#endif // LLMC_RUNTIME_KVPOOL_H
