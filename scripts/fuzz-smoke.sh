#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzzer build for a short while over its
# checked-in seed corpus (test/fuzz/corpus/<name>/; the ONNX importer also
# over libonnx-testdata's node models). A crash, a sanitizer report, a leak
# or a hang (-timeout) fails it. New corpus entries go to a scratch folder.
# Usage: scripts/fuzz-smoke.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/fuzz-smoke.sh BUILD_DIR [SECONDS]}
seconds=${2:-30}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for name in safetensors config tokenizer manifest onnx; do
  corpus="$scratch/$name"
  mkdir -p "$corpus"
  if [ -d "test/fuzz/corpus/$name" ]; then
    cp test/fuzz/corpus/"$name"/* "$corpus"/
  fi
  if [ "$name" = onnx ]; then
    for d in /usr/share/libonnx-testdata/data/node/*/; do
      cp "$d/model.onnx" "$corpus/$(basename "$d").onnx"
    done
  fi
  echo "fuzzing $name for ${seconds}s"
  (cd "$scratch" && "$OLDPWD/$build/bin/llmc-fuzz-$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 "$corpus" 2>&1 | tail -n 12)
done
