//===- ThreadPool.h - One persistent pool for the kernels ------*- C++ -*-===//
//
// Workers are created once and wait between calls, spinning briefly first:
// a decode step runs a few hundred short parallel regions, and waking a
// sleeping thread for each would cost more than the work.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_KERNELS_THREADPOOL_H
#define LLMC_RUNTIME_KERNELS_THREADPOOL_H

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace llmc::rt {

class ThreadPool {
public:
  using Task = void (*)(void *context, int index, int count);

  /// The process's pool.
  static ThreadPool &global();
  ~ThreadPool();

  /// Runs task(context, i, n) for every i in [0, n), i = 0 on the calling
  /// thread, and returns when all are done. While another thread uses the
  /// pool, runs all n on the caller instead; so it does with the indices of
  /// workers the process could not create.
  void run(int n, Task task, void *context);

private:
  ThreadPool() = default;
  void ensureWorkers(int count);
  void work(int index);

  std::mutex useMutex; // one parallel region at a time
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::thread> workers;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  Task task = nullptr;
  void *context = nullptr;
  int count = 0;
  bool stopping = false;
  bool cannotGrow = false; // creating a worker failed once
};

/// Calls body(i) for every i in [0, count) on up to `threads` threads of
/// the process's pool, each taking the next index when it finishes one:
/// the cores of a shared machine do not run at the same speed, so a static
/// split leaves one waiting.
template <typename Body>
void parallelFor(int threads, int64_t count, Body body) {
  int n = int(std::min<int64_t>(std::max(threads, 1), count));
  if (n <= 1) {
    for (int64_t i = 0; i < count; ++i)
      body(i);
    return;
  }
  struct Shared {
    Body *body;
    int64_t count;
    std::atomic<int64_t> next{0};
  } shared;
  shared.body = &body;
  shared.count = count;
  ThreadPool::global().run(
      n,
      [](void *context, int, int) {
        auto *s = static_cast<Shared *>(context);
        for (int64_t i; (i = s->next.fetch_add(1)) < s->count;)
          (*s->body)(i);
      },
      &shared);
}

} // namespace llmc::rt

#endif // LLMC_RUNTIME_KERNELS_THREADPOOL_H
