#!/usr/bin/env bash
# The GPU check of --target=cuda, in two halves (docs/gpu.md).
#
#   scripts/gpu-check.sh prepare [DIR]   here, with llmc built (build/):
#       the runtime, llmc-runner (links the runtime only), stories260K
#       compiled for the CPU and for CUDA, and the CPU build's greedy tokens,
#       into DIR (default build/gpu-check, a few MiB).
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

  # 3. The machine: copy bandwidth and bf16 matrix rate (PyTorch), and
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
