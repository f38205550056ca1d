#!/usr/bin/env bash
# The sanitizer half of the test suite: llmc built with AddressSanitizer and
# UBSan into build-asan/, its unit and lit suites run there, then every fuzz
# target briefly over its seed corpus. scripts/test.sh runs it last.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build-asan/build.ninja ]; then
  cmake -G Ninja -S . -B build-asan \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLMC_SANITIZE=ON -DLLMC_BUILD_FUZZERS=ON
fi
cmake --build build-asan -j "$(nproc)"
export UBSAN_OPTIONS=print_stacktrace=1
# LLVM's allocators poison memory from inline code only where it is
# instrumented; uninstrumented libMLIR then trips on it (test/lit.cfg.py).
export ASAN_OPTIONS=allow_user_poisoning=0
# Unit tests and the lit suite; the whole-suite reruns (conformance, the
# x86-64-v3 lit pass, the benchmark, the README job) stay in build/.
(cd build-asan && ctest --output-on-failure -j "$(nproc)" \
  -E '^(lit_target_x86_64_v3|onnx_conformance.*|bench_tiny|readme_main_job)$')
scripts/fuzz-smoke.sh build-asan "${LLMC_FUZZ_SECONDS:-30}"
