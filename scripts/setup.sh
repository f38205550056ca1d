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
