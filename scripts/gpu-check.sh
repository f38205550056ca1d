#!/usr/bin/env bash
# The GPU check of --target=cuda, in two halves (docs/gpu.md).
#
#   scripts/gpu-check.sh prepare [DIR]   here, with llmc built (build/):
#       the runtime, llmc-runner (links the runtime only), stories260K
#       compiled for the CPU and for CUDA, and the CPU build's greedy tokens,
#       into DIR (default build/gpu-check, a few MiB). Unless GPU_CHECK_1B=0,
#       also a TinyLlama-1.1B-shaped bf16 model from portable random weights
#       (bench/make_checkpoint.py --portable --dtype bf16, 2.2 GB in a
#       scratch folder, minutes), compiled for CUDA in bf16, int8 and int4
#       without its weights, with their layouts, llmc-pack-weights, and the
#       CPU builds' logits for a 32-token prompt (the int8/int4 references
#       are --ukernels=false builds: the same dequantize-as-you-read math as
#       the GPU's kernels, without the CPU kernels' int8 activations).
#   scripts/gpu-check.sh run [DIR]       on the GPU machine (NVIDIA driver,
#       PyTorch; no LLVM/MLIR, no network): checks and measures, in under
#       five minutes, and prints its table last.
#
# With the device tool: run(command="scripts/gpu-check.sh run",
# carry=["build/gpu-check"]).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-}"
dir="${2:-$root/build/gpu-check}"

prepare() {
  local build="$root/build"
  for tool in llmc llmc-runner; do
    [ -x "$build/bin/$tool" ] || { echo "gpu-check: build llmc first (scripts/build.sh)" >&2; exit 1; }
  done
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/lib"
  cp -L "$build"/lib/libllmc_runtime.so.0 "$dir/lib/"
  cp "$build/bin/llmc-runner" "$dir/bin/"
  local model="$root/examples/stories260K"
  "$build/bin/llmc" compile "$model" -o "$dir/stories-cpu.so"
  "$build/bin/llmc" compile "$model" --target=cuda -o "$dir/stories-cuda.so"
  # The reference: the CPU build's greedy tokens.
  "$build/bin/llmc-runner" run "$dir/stories-cpu.so" --max-tokens 64 |
    grep '^tokens:' > "$dir/stories-expected.txt"

  if [ "${GPU_CHECK_1B:-1}" != 0 ]; then
    # The weights stay here: the GPU machine rebuilds them from the same
    # portable streams (bench/write_portable_weights.py, llmc-pack-weights).
    local scratch="${GPU_CHECK_SCRATCH:-$root/build/gpu-check-scratch}"
    rm -rf "$scratch" && mkdir -p "$scratch"
    cp "$build/bin/llmc-pack-weights" "$dir/bin/"
    "${PYTHON:-/usr/bin/python3}" "$root/bench/make_checkpoint.py" "$scratch/ckpt" \
      --shape tinyllama-1.1b --portable --dtype bf16
    cp "$scratch/ckpt/config.json" "$dir/tl-config.json"
    local q flags
    for q in bf16 int8 int4; do
      flags=()
      [ "$q" = bf16 ] || flags=(--quantize="$q")
      "$build/bin/llmc" compile "$scratch/ckpt" --target=cuda --weights=external \
        "${flags[@]}" -o "$dir/tl-$q-cuda.so"
      rm -f "$dir/tl-$q-cuda.so.weights"
      "$build/bin/llmc" inspect --json "$dir/tl-$q-cuda.so" > "$dir/tl-$q-layout.json"
      [ "$q" = bf16 ] || flags+=(--ukernels=false)
      "$build/bin/llmc" compile "$scratch/ckpt" --weights=external "${flags[@]}" \
        -o "$scratch/tl-$q-cpu.so"
      "$build/bin/llmc-runner" logits "$scratch/tl-$q-cpu.so" --prompt-tokens 32 \
        --out "$dir/tl-$q-expected.f32"
      rm -f "$scratch/tl-$q-cpu.so" "$scratch/tl-$q-cpu.so.weights"
    done
    rm -rf "$scratch"
  fi
  du -sh "$dir"
}

run() {
  local runner="$dir/bin/llmc-runner"
  local results="$dir/results.txt"
  : > "$results"
  row() { printf '%-44s %s\n' "$1" "$2" | tee -a "$results"; }
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

  # 1. Correctness: stories260K greedy tokens, GPU against the CPU build.
  local got
  if got="$("$runner" run "$dir/stories-cuda.so" --max-tokens 64 2>&1)"; then
    if [ "$(grep '^tokens:' <<< "$got")" = "$(cat "$dir/stories-expected.txt")" ]; then
      row "stories260K f32 greedy tokens vs CPU" "identical (64 tokens)"
    else
      row "stories260K f32 greedy tokens vs CPU" "DIFFER"
      echo "expected: $(cat "$dir/stories-expected.txt")"
      echo "got:      $(grep '^tokens:' <<< "$got")"
    fi
  else
    row "stories260K f32 on the GPU" "FAILED: $(tail -1 <<< "$got")"
  fi
  echo "$got" | tail -1

  # The same without CUDA graphs (every decode step launched kernel by
  # kernel): if the graphs are what breaks, this row says so.
  if got="$(LLMC_CUDA_GRAPHS=0 "$runner" run "$dir/stories-cuda.so" --max-tokens 64 2>&1)" &&
      [ "$(grep '^tokens:' <<< "$got")" = "$(cat "$dir/stories-expected.txt")" ]; then
    row "stories260K, no CUDA graphs, vs CPU" "identical (64 tokens)"
  else
    row "stories260K, no CUDA graphs, vs CPU" "DIFFER or FAILED: $(tail -1 <<< "$got")"
  fi

  # 2. llmc on the GPU: tokens per second (stories260K, batch 1).
  local bench
  if bench="$("$runner" bench "$dir/stories-cuda.so" --prompt-tokens 128 --gen-tokens 128 2>&1)"; then
    row "stories260K prefill 128 (tok/s)" "$(awk '/^prompt/ {print $6}' <<< "$bench")"
    row "stories260K decode (tok/s)" "$(awk '/^prompt/ {print $8}' <<< "$bench")"
  else
    row "stories260K bench" "FAILED: $(tail -1 <<< "$bench")"
  fi

  # 3. The 1.1B shape in bf16, int8 and int4: weights rebuilt here (the
  # artifacts travel without them), logits against the CPU builds', then
  # prefill and decode of one session, and the engine's decode at
  # concurrency 1 and 16.
  local q
  for q in bf16 int8 int4; do
    local so="$dir/tl-$q-cuda.so"
    [ -f "$so" ] || continue
    local start=$SECONDS
    if ! python3 "$root/bench/write_portable_weights.py" "$dir/tl-$q-layout.json" \
        "$dir/tl-config.json" "$so.weights" --packer "$dir/bin/llmc-pack-weights"; then
      row "TinyLlama-shape $q weights" "FAILED to rebuild"
      continue
    fi
    row "TinyLlama-shape $q weights rebuilt (s)" "$((SECONDS - start))"
    if "$runner" logits "$so" --prompt-tokens 32 --out "$dir/tl-$q-got.f32"; then
      row "TinyLlama-shape $q logits vs CPU" "$(python3 "$root/scripts/gpu-check-torch.py" compare "$dir/tl-$q-expected.f32" "$dir/tl-$q-got.f32")"
    else
      row "TinyLlama-shape $q logits" "FAILED"
    fi
    if bench="$(timeout 120 "$runner" bench "$so" --prompt-tokens 512 --gen-tokens 64 2>&1)"; then
      row "TinyLlama-shape $q prefill 512 (tok/s)" "$(awk '/^prompt/ {print $6}' <<< "$bench")"
      row "TinyLlama-shape $q decode c=1 (tok/s)" "$(awk '/^prompt/ {print $8}' <<< "$bench")"
    else
      row "TinyLlama-shape $q bench c=1" "FAILED: $(tail -1 <<< "$bench")"
    fi
    if [ "$q" = bf16 ] &&
        bench="$(LLMC_CUDA_GRAPHS=0 timeout 120 "$runner" bench "$so" --prompt-tokens 128 --gen-tokens 64 2>&1)"; then
      row "TinyLlama-shape $q decode c=1, no graphs (tok/s)" "$(awk '/^prompt/ {print $8}' <<< "$bench")"
    fi
    # The engine: continuous batching over the paged KV pool on the GPU.
    local c
    for c in 1 16; do
      if bench="$(timeout 120 "$runner" engine "$so" --prompt-tokens 128 --gen-tokens 64 --concurrency "$c" 2>&1)"; then
        row "TinyLlama-shape $q engine decode c=$c (tok/s)" "$(awk '/^prompt/ {print $8}' <<< "$bench")"
      else
        row "TinyLlama-shape $q engine c=$c" "FAILED: $(tail -1 <<< "$bench")"
      fi
    done
    # Hugging Face runs the bf16 weights themselves, read from this file.
    [ "$q" = bf16 ] || rm -f "$so.weights"
  done

  # 4. The machine (copy bandwidth, bf16 matrix rate) and Hugging Face's
  # LlamaForCausalLM on the same bf16 weights: its logits against llmc's,
  # eager and torch.compile decode, eager prefill.
  timeout 300 python3 "$root/scripts/gpu-check-torch.py" measure "$results" "$dir" ||
    row "PyTorch measurements" "FAILED or timed out"
  rm -f "$dir/tl-bf16-cuda.so.weights"
  python3 "$root/scripts/gpu-check-torch.py" summary "$results" "$dir" || true

  echo
  echo "== gpu-check results =="
  cat "$results"
}

case "$mode" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh prepare|run [DIR]" >&2; exit 2 ;;
esac
