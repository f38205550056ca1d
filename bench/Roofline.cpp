//===- Roofline.cpp - This machine's ceilings, measured -------------------===//
//
// llmc-roofline --bytes N --threads 1,2
//
// Prints one JSON object: for each thread count, the memory read bandwidth
// over a buffer of N bytes (the size of a model's weights, so that caches do
// not flatter it) and the f32 GEMM peak of OpenBLAS on prefill-like shapes.
// bench/run_bench.py divides llmc's and onnxruntime's throughput by these.
// Best of several repetitions: the machine is shared and noisy.
//
//===----------------------------------------------------------------------===//

#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <vector>

namespace {

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Sums `count` floats with four independent AVX2 accumulators: a pure
/// streaming read the hardware prefetchers follow.
__attribute__((target("avx2"))) float sum(const float *p, size_t count) {
  __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
  for (size_t i = 0; i + 32 <= count; i += 32) {
    a = _mm256_add_ps(a, _mm256_load_ps(p + i));
    b = _mm256_add_ps(b, _mm256_load_ps(p + i + 8));
    c = _mm256_add_ps(c, _mm256_load_ps(p + i + 16));
    d = _mm256_add_ps(d, _mm256_load_ps(p + i + 24));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

double bandwidth(const float *data, size_t count, int threads, int reps) {
  double best = 0;
  volatile float sink = 0;
  for (int r = 0; r < reps; ++r) {
    std::vector<float> partial(static_cast<size_t>(threads));
    double start = seconds();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        size_t begin = count / size_t(threads) * size_t(t) / 32 * 32;
        size_t end = t + 1 == threads
                         ? count
                         : count / size_t(threads) * size_t(t + 1) / 32 * 32;
        partial[size_t(t)] = sum(data + begin, end - begin);
      });
    for (std::thread &w : workers)
      w.join();
    double elapsed = seconds() - start;
    for (float p : partial)
      sink = sink + p;
    best = std::max(best, double(count) * 4 / elapsed);
  }
  return best;
}

double sgemmPeak(int m, int n, int k, int threads, int reps) {
  std::vector<float> a(size_t(m) * k, 0.5f), b(size_t(n) * k, 0.25f),
      c(size_t(m) * n);
  openblas_set_num_threads(threads);
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    double start = seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
                a.data(), k, b.data(), k, 0.0f, c.data(), n);
    best = std::max(best, 2.0 * m * n * k / (seconds() - start));
  }
  return best;
}

} // namespace

int main(int argc, char **argv) {
  size_t bytes = size_t(1) << 30;
  std::vector<int> threads{1, 2};
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--bytes" && i + 1 < argc) {
      bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--threads" && i + 1 < argc) {
      threads.clear();
      for (char *s = argv[++i]; *s;) {
        threads.push_back(int(std::strtol(s, &s, 10)));
        if (*s == ',')
          ++s;
      }
    } else if (arg == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: llmc-roofline [--bytes N] [--threads 1,2] "
                           "[--reps R]\n");
      return 2;
    }
  }
  // In huge pages where the kernel grants them, as the runtime holds a
  // model's weights (runtime/src/ResidentWeights.h): on these VMs a core
  // read 4 KiB pages ~12 % slower.
  constexpr size_t kHugePage = size_t(2) << 20;
  size_t count = std::max<size_t>(bytes / 4 / 32 * 32, 32);
  size_t allocated = (count * 4 + kHugePage - 1) / kHugePage * kHugePage;
  auto *data = static_cast<float *>(std::aligned_alloc(kHugePage, allocated));
  if (data)
    madvise(data, allocated, MADV_HUGEPAGE);
  if (!data) {
    std::fprintf(stderr, "llmc-roofline: cannot allocate %zu bytes\n",
                 count * 4);
    return 1;
  }
  std::memset(data, 0, count * 4); // touch every page before timing
  std::printf("{\"bytes\": %zu, \"threads\": [", count * 4);
  for (size_t i = 0; i < threads.size(); ++i) {
    int t = threads[i];
    double bw = bandwidth(data, count, t, reps);
    // Prefill-like shapes: a prompt of 128 and of 512 tokens through a
    // 2048 x 2048 projection; the better is the peak.
    double peak = std::max(sgemmPeak(128, 2048, 2048, t, reps),
                           sgemmPeak(512, 2048, 2048, t, reps));
    std::printf("%s{\"threads\": %d, \"read_bytes_per_s\": %.6g, "
                "\"sgemm_flops_per_s\": %.6g}",
                i ? ", " : "", t, bw, peak);
  }
  std::printf("]}\n");
  std::free(data);
  return 0;
}
