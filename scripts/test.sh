#!/usr/bin/env bash
# The one command that sets up a fresh Debian 12 machine and runs every test:
# installs the packages, builds llmc, then runs lit and GoogleTest via ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)"
