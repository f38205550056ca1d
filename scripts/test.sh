#!/usr/bin/env bash
# The one command that sets up a fresh Debian 12 machine and runs every test:
# installs the packages, builds llmc, runs lit and GoogleTest via ctest, then
# the same unit and lit suites under ASan + UBSan and a short fuzzing run of
# every parser (scripts/test-sanitizers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --tests
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)")
scripts/test-sanitizers.sh
