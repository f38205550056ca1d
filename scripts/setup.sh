#!/usr/bin/env bash
# Installs every Debian package llmc's build, tests and benchmarks need.
# Idempotent: safe to run on a machine that already has them.
set -euo pipefail

packages=(
  # Compiler toolchain and MLIR/LLVM 22.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  liblld-22-dev libzstd-dev ninja-build cmake
  # Frontends and the artifact manifest.
  libprotobuf-dev protobuf-compiler libonnx-dev libonnx-testdata
  libflatbuffers-dev flatbuffers-compiler flatbuffers-compiler-dev
  nlohmann-json3-dev
  # Tests: GoogleTest, benchmarks, python references and test-data generators.
  libgtest-dev libgmock-dev libbenchmark-dev libclang-rt-22-dev libopenblas-dev
  python3-numpy python3-onnx
  python3-torch
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The benchmark's onnxruntime side (bench/run_bench.py; a tiny run is a CI
# test): Node.js, and onnxruntime-node pinned by bench/package.json, kept in
# .cache/bench-node.
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
bench_node="$root/.cache/bench-node"
if [ ! -f "$bench_node/node_modules/onnxruntime-node/package.json" ] ||
   [ ! -d "$bench_node/node_modules/onnxruntime-node/bin" ]; then
  mkdir -p "$bench_node"
  cp "$root/bench/package.json" "$bench_node/"
  # The CPU provider ships in the package; skip the CUDA download (nuget).
  npm install --prefix "$bench_node" --no-audit --no-fund --loglevel=error \
    --onnxruntime-node-install=skip
fi
