//===- ThreadPool.cpp - One persistent pool for the kernels ---------------===//

#include "kernels/ThreadPool.h"

#include <system_error>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace llmc::rt {

/// Spinning before a worker sleeps: ~440 us on a Zen 5 core (a `pause` is
/// ~22 ns there).
constexpr int kSpinIterations = 20000;

/// Spins between yields. A thread spinning for one that shares its CPU (more
/// threads than the process has CPUs, or a busy machine) would otherwise
/// hold the CPU for its whole time slice: two threads under `taskset -c 0`
/// prefilled 128 SmolLM2 tokens at 350 tok/s, one at 2100. With nothing
/// else to run, sched_yield returns at once.
constexpr int kSpinsPerYield = 64;

static void pause() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

/// One step of a spin-wait: a pause, and every kSpinsPerYield-th a yield.
static void spinStep(int iteration) {
  pause();
  if (iteration % kSpinsPerYield == kSpinsPerYield - 1)
    std::this_thread::yield();
}

ThreadPool &ThreadPool::global() {
  // Never destroyed: kernels may run during static destruction of callers.
  static ThreadPool *pool = new ThreadPool();
  return *pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

void ThreadPool::ensureWorkers(int total) {
  while (!cannotGrow && int(workers.size()) + 1 < total) {
    int index = int(workers.size()) + 1;
    try {
      workers.emplace_back([this, index] { work(index); });
    } catch (const std::system_error &) {
      // Out of threads (a pids limit, RLIMIT_NPROC): run() gives the
      // indices no worker holds to its caller. Not retried: each attempt
      // costs a failed clone and an exception.
      cannotGrow = true;
    }
  }
}

void ThreadPool::work(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t now = generation.load(std::memory_order_acquire);
    for (int i = 0; now == seen && i < kSpinIterations; ++i) {
      spinStep(i);
      now = generation.load(std::memory_order_acquire);
    }
    if (now == seen) {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] {
        return stopping || generation.load(std::memory_order_acquire) != seen;
      });
      if (stopping)
        return;
      now = generation.load(std::memory_order_acquire);
    }
    seen = now;
    // Every worker acknowledges every region, even one it has no part in,
    // so that none can still be reading `count` when the next one starts.
    if (index < count)
      task(context, index, count);
    pending.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::run(int n, Task fn, void *ctx) {
  std::unique_lock<std::mutex> use(useMutex, std::try_to_lock);
  if (n <= 1 || !use.owns_lock()) {
    for (int i = 0; i < n; ++i)
      fn(ctx, i, n);
    return;
  }
  ensureWorkers(n);
  {
    std::lock_guard<std::mutex> lock(mutex);
    task = fn;
    context = ctx;
    count = n;
    pending.store(int(workers.size()), std::memory_order_relaxed);
    generation.fetch_add(1, std::memory_order_release);
  }
  wake.notify_all();
  fn(ctx, 0, n);
  for (int i = int(workers.size()) + 1; i < n; ++i)
    fn(ctx, i, n);
  for (int i = 0; pending.load(std::memory_order_acquire) != 0; ++i)
    spinStep(i);
}

} // namespace llmc::rt
