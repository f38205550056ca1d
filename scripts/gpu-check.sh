#!/usr/bin/env bash
# The GPU check of --target=cuda, in two halves (docs/gpu.md).
#
#   scripts/gpu-check.sh prepare [DIR]   here, with llmc built (build/):
#       the runtime, llmc-runner (links the runtime only), stories260K
#       compiled for the CPU and for CUDA, and the CPU build's greedy tokens,
#       into DIR (default build/gpu-check, a few MiB). Unless GPU_CHECK_1B=0,
#       also a TinyLlama-1.1B-shaped model from portable random weights
#       (bench/make_checkpoint.py --portable, 4.4 GB in a scratch folder,
#       minutes): its CUDA artifact without its weights, their layout, and
#       the CPU build's logits for a 32-token prompt.
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
    # portable streams (bench/write_portable_weights.py).
    local scratch="${GPU_CHECK_SCRATCH:-$root/build/gpu-check-scratch}"
    rm -rf "$scratch" && mkdir -p "$scratch"
    "${PYTHON:-/usr/bin/python3}" "$root/bench/make_checkpoint.py" "$scratch/ckpt" \
      --shape tinyllama-1.1b --portable
    "$build/bin/llmc" compile "$scratch/ckpt" --target=cuda --weights=external \
      -o "$scratch/tl-cuda.so"
    cp "$scratch/tl-cuda.so" "$dir/"
    "$build/bin/llmc" inspect --json "$scratch/tl-cuda.so" > "$dir/tl-layout.json"
    cp "$scratch/ckpt/config.json" "$dir/tl-config.json"
    "$build/bin/llmc" compile "$scratch/ckpt" --weights=external -o "$scratch/tl-cpu.so"
    "$build/bin/llmc-runner" logits "$scratch/tl-cpu.so" --prompt-tokens 32 \
      --out "$dir/tl-expected.f32"
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

  # 2. llmc on the GPU: tokens per second (stories260K, batch 1).
  local bench
  if bench="$("$runner" bench "$dir/stories-cuda.so" --prompt-tokens 128 --gen-tokens 128 2>&1)"; then
    row "stories260K prefill 128 (tok/s)" "$(awk '{print $6}' <<< "$bench")"
    row "stories260K decode (tok/s)" "$(awk '{print $8}' <<< "$bench")"
  else
    row "stories260K bench" "FAILED: $(tail -1 <<< "$bench")"
  fi

  # 3. The 1.1B shape in f32: weights rebuilt here, logits against the CPU
  # build's, then tokens per second.
  if [ -f "$dir/tl-cuda.so" ]; then
    local start=$SECONDS
    if python3 "$root/bench/write_portable_weights.py" "$dir/tl-layout.json" \
        "$dir/tl-config.json" "$dir/tl-cuda.so.weights"; then
      row "TinyLlama-shape weights rebuilt (s)" "$((SECONDS - start))"
      if "$runner" logits "$dir/tl-cuda.so" --prompt-tokens 32 --out "$dir/tl-got.f32"; then
        row "TinyLlama-shape f32 logits vs CPU" "$(python3 - "$dir/tl-expected.f32" "$dir/tl-got.f32" <<'PY'
import sys
import numpy as np
a = np.fromfile(sys.argv[1], dtype="<f4")
b = np.fromfile(sys.argv[2], dtype="<f4")
scale = np.abs(a).max()
print(f"max |diff| {np.abs(a - b).max():.3g} (of max |logit| {scale:.3g}), "
      f"argmax {'same' if a.argmax() == b.argmax() else 'DIFFERS'}")
PY
)"
      else
        row "TinyLlama-shape f32 logits" "FAILED"
      fi
      if bench="$("$runner" bench "$dir/tl-cuda.so" --prompt-tokens 128 --gen-tokens 32 2>&1)"; then
        row "TinyLlama-shape f32 prefill 128 (tok/s)" "$(awk '{print $6}' <<< "$bench")"
        row "TinyLlama-shape f32 decode (tok/s)" "$(awk '{print $8}' <<< "$bench")"
      else
        row "TinyLlama-shape f32 bench" "FAILED: $(tail -1 <<< "$bench")"
      fi
      rm -f "$dir/tl-cuda.so.weights"
    else
      row "TinyLlama-shape weights" "FAILED to rebuild"
    fi
  fi

  # 4. The machine: copy bandwidth and bf16 matrix rate (PyTorch), and
  # Hugging Face's eager decode of the 1.1B shape, the peers of later rows.
  timeout 240 python3 - "$results" <<'PY' || row "PyTorch measurements" "FAILED or timed out"
import sys, time
import torch

results = sys.argv[1]
def row(name, value):
    line = f"{name:<44} {value}"
    print(line)
    with open(results, "a") as f:
        f.write(line + "\n")

dev = torch.device("cuda")
n = 1 << 30  # bytes per buffer
a = torch.empty(n, dtype=torch.uint8, device=dev)
b = torch.empty_like(a)
b.copy_(a); torch.cuda.synchronize()
reps = 20
t = time.perf_counter()
for _ in range(reps):
    b.copy_(a)
torch.cuda.synchronize()
seconds = time.perf_counter() - t
row("copy bandwidth, read+written (GB/s)", f"{2 * n * reps / seconds / 1e9:.0f}")
del a, b

m = 8192
x = torch.randn(m, m, dtype=torch.bfloat16, device=dev)
y = torch.randn(m, m, dtype=torch.bfloat16, device=dev)
torch.matmul(x, y); torch.cuda.synchronize()
reps = 20
t = time.perf_counter()
for _ in range(reps):
    torch.matmul(x, y)
torch.cuda.synchronize()
seconds = time.perf_counter() - t
row("bf16 matmul 8192^3 (TFLOP/s)", f"{2 * m**3 * reps / seconds / 1e12:.0f}")
del x, y

try:
    from transformers import LlamaConfig, LlamaForCausalLM
except ImportError:
    row("HF LlamaForCausalLM", "transformers missing")
    sys.exit(0)
config = LlamaConfig(vocab_size=32000, hidden_size=2048, intermediate_size=5632,
                     num_hidden_layers=22, num_attention_heads=32,
                     num_key_value_heads=4, max_position_embeddings=2048)
torch.manual_seed(0)
model = LlamaForCausalLM(config).to(dev, torch.bfloat16).eval()
prompt = torch.randint(0, 32000, (1, 128), device=dev)
with torch.no_grad():
    model.generate(prompt, max_new_tokens=8, do_sample=False, min_new_tokens=8)
    torch.cuda.synchronize()
    t = time.perf_counter()
    model.generate(prompt, max_new_tokens=128, do_sample=False, min_new_tokens=128)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - t
row("HF eager 1.1B bf16 decode batch 1 (tok/s)", f"{128 / seconds:.0f}")
PY

  echo
  echo "== gpu-check results =="
  cat "$results"
}

case "$mode" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-check.sh prepare|run [DIR]" >&2; exit 2 ;;
esac
