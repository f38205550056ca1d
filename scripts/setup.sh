#!/usr/bin/env bash
# Installs the Debian packages llmc needs. Without arguments: what building
# llmc and running models need (the README's main job). With --tests: also
# what the test suite and benchmarks need (PyTorch, ONNX test data and
# onnxruntime references, OpenBLAS, Node.js). Idempotent.
# Usage: scripts/setup.sh [--tests]
set -euo pipefail

packages=(
  # Compiler toolchain and MLIR/LLVM 22; compiler-rt's builtins, which
  # compiled models link.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  liblld-22-dev libzstd-dev libclang-rt-22-dev ninja-build cmake
  # Frontends and the artifact manifest.
  libprotobuf-dev protobuf-compiler libonnx-dev
  libflatbuffers-dev flatbuffers-compiler flatbuffers-compiler-dev
  nlohmann-json3-dev
  # GoogleTest (configured with the build; small).
  libgtest-dev libgmock-dev
)
tests=0
if [ "${1:-}" = "--tests" ]; then
  tests=1
  packages+=(
    # References and test-data generators, ONNX conformance data, the
    # benchmark's GEMM peak, the Debian packages' dependency scan.
    python3-numpy python3-onnx python3-torch libonnx-testdata
    libopenblas-dev dpkg-dev pkgconf
    nodejs npm
  )
fi

missing=()
for p in "${packages[@]}"; do
  # NodeSource's nodejs package ships npm and conflicts with Debian's.
  if [ "$p" = npm ] && command -v npm > /dev/null; then
    continue
  fi
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
# --target=cuda needs the CUDA toolkit (ptxas, fatbinary), which Debian 12's
# main archive does not ship: without it, llmc builds and runs the CPU path.
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
if [ ! -x "$cuda_home/bin/ptxas" ] || [ ! -x "$cuda_home/bin/fatbinary" ]; then
  echo "setup: no CUDA toolkit in $cuda_home (ptxas, fatbinary): llmc builds" \
    "the CPU path only; --target=cuda needs NVIDIA's toolkit (set CUDA_HOME)"
fi
[ "$tests" -eq 1 ] || exit 0

# onnxruntime for the benchmark and the recorded ONNX references, pinned by
# bench/package.json, kept in .cache/bench-node.
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
