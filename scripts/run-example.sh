#!/usr/bin/env bash
# The README's main job, from a fresh clone: install the packages, build
# llmc, compile the bundled example model and generate a story.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh >/dev/null
build/bin/llmc compile examples/stories260K -o build/stories260K.so
prompt="Once upon a time"
printf '%s' "$prompt"
build/bin/llmc run build/stories260K.so --prompt "$prompt" --max-tokens 400
