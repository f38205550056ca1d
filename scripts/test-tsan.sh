#!/usr/bin/env bash
# The engine's tests under ThreadSanitizer: libllmc_runtime.so built with
# -fsanitize=thread into build-tsan/ (only the runtime: the compiler comes
# from build/), the TSan runtime preloaded into Python, and
# test/runtime/Inputs/engine_identity.py run on a compiled model. Requests
# there are added from a second thread while the first steps the engine,
# and samples are drawn on three threads.
# A data race fails the run (TSAN_OPTIONS=halt_on_error=1).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build-tsan/build.ninja ]; then
  cmake -G Ninja -S . -B build-tsan \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLMC_TSAN=ON
fi
cmake --build build-tsan --target llmc_runtime -j "$(nproc)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build/bin/llmc compile examples/stories260K -o "$work/m.so"
build/bin/llmc compile examples/stories260K --kv-type=f16 --kv-block-size=8 -o "$work/f16.so"
tsan=$(clang++-22 -print-file-name=libclang_rt.tsan-x86_64.so)
for model in "$work/m.so" "$work/f16.so"; do
  LD_PRELOAD="$tsan" TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    LLMC_NUM_THREADS=3 \
    /usr/bin/python3 test/runtime/Inputs/engine_identity.py \
    build-tsan/lib/libllmc_runtime.so "$model"
done
