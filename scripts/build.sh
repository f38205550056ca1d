#!/usr/bin/env bash
# Configures and builds llmc into build/ (binaries in build/bin/).
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."

# Configured every time (a few seconds): packages installed since the last
# run (scripts/setup.sh --tests adds OpenBLAS, say) are found.
cmake -G Ninja -S . -B build \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 "$@" > /dev/null
cmake --build build -j "$(nproc)"
