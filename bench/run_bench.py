#!/usr/bin/env python3
"""llmc against its rooflines and onnxruntime, on random-weight Llama models.

  bench/run_bench.py [--scratch DIR] [--layers N | --tiny] [--no-ort] ...

For each shape (SmolLM2-135M and TinyLlama-1.1B by default) this, in one run:
  1. writes a random-weight checkpoint with a fixed seed (make_checkpoint.py);
  2. compiles it with llmc in f32, int8 and int4 (default policy: f16 scales,
     int4 groups of 32, int8 embedding and LM head);
  3. measures this machine's memory read bandwidth over a buffer as large as
     the f32 weights, and the OpenBLAS f32 GEMM peak (llmc-roofline, with
     OPENBLAS_CORETYPE=SkylakeX);
  4. runs `llmc bench` (prefill of each prompt length, then decode);
  5. exports the same weights to ONNX (export_onnx.py) and times
     onnxruntime-node on it (ort_bench.mjs) with the same thread counts;
and prints one table per shape: each throughput with its fraction of the
roofline (decode: bandwidth / weight bytes per token; prefill: OpenBLAS GEMM
FLOP/s / 2 x linear-layer parameters per token) and its ratio to
onnxruntime's f32, all measured in the same run (the machine is shared and
noisy: compare ratios, not absolute numbers). --json FILE also writes them.

A full run needs about 15 GB of scratch disk (checked first); each shape's
files are deleted once it is measured unless --keep. --tiny runs a very
small model with short prompts: CI uses it to keep the plumbing honest, its
numbers mean nothing. onnxruntime-node is installed with npm into
--node-modules (default SCRATCH/node) from bench/package.json when missing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from make_checkpoint import SHAPES, make_config  # noqa: E402

MODES = {"f32": [], "int8": ["--quantize=int8"], "int4": ["--quantize=int4"]}


def run(cmd, env=None, capture=True):
    result = subprocess.run(cmd, env=env, text=True,
                            stdout=subprocess.PIPE if capture else None,
                            stderr=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        sys.exit(f"run_bench.py: {' '.join(cmd)} failed:\n{result.stderr}")
    return result.stdout


def linear_params(cfg):
    """Weights of every linear layer, LM head included, for one token."""
    h, inter = cfg["hidden_size"], cfg["intermediate_size"]
    hd = cfg["head_dim"]
    q = cfg["num_attention_heads"] * hd
    kv = cfg["num_key_value_heads"] * hd
    per_layer = h * q + 2 * h * kv + q * h + 3 * h * inter
    return cfg["num_hidden_layers"] * per_layer + cfg["vocab_size"] * h


def f32_bytes(cfg):
    h = cfg["hidden_size"]
    embed = cfg["vocab_size"] * h * (1 if cfg["tie_word_embeddings"] else 2)
    norms = (2 * cfg["num_hidden_layers"] + 1) * h
    return 4 * (linear_params(cfg) - cfg["vocab_size"] * h + embed + norms)


def ensure_onnxruntime(node_modules):
    if os.path.isdir(os.path.join(node_modules, "node_modules", "onnxruntime-node")):
        return
    os.makedirs(node_modules, exist_ok=True)
    shutil.copy(os.path.join(HERE, "package.json"), node_modules)
    run(["npm", "install", "--prefix", node_modules, "--no-audit", "--no-fund"])


def measure_shape(name, cfg, args, roofline_env):
    work = os.path.join(args.scratch, name)
    os.makedirs(work, exist_ok=True)
    ckpt = os.path.join(work, "checkpoint")
    gen = ["--tiny"] if name == "tiny" else ["--shape", name]
    if args.layers:
        gen += ["--layers", str(args.layers)]
    print(f"== {name}: {cfg['num_hidden_layers']} layers, "
          f"{f32_bytes(cfg) / 1e9:.2f} GB in f32", flush=True)
    run([sys.executable, os.path.join(HERE, "make_checkpoint.py"), ckpt] + gen)

    results = {"shape": name, "config": cfg, "llmc": {}, "artifact_bytes": {}}
    threads = ",".join(str(t) for t in args.threads)
    prompts = ",".join(str(p) for p in args.prompt_tokens)
    for mode in args.modes:
        out = os.path.join(work, f"{mode}.so")
        run([args.llmc, "compile", ckpt, "-o", out] + MODES[mode])
        size = sum(os.path.getsize(os.path.join(work, f)) for f in os.listdir(work)
                   if f.startswith(f"{mode}.so"))
        results["artifact_bytes"][mode] = size
        # Roofline right before each mode's run: the machine drifts.
        roof = json.loads(run([args.roofline, "--bytes", str(f32_bytes(cfg)),
                               "--threads", threads], env=roofline_env))
        results.setdefault("roofline", []).append(roof)
        bench = json.loads(run([args.llmc, "bench", out, "--prompt-tokens", prompts,
                                "--gen-tokens", str(args.gen_tokens),
                                "--threads", threads, "--json"]))
        results["llmc"][mode] = bench
        print(f"   llmc {mode}: {size / 1e6:.1f} MB", flush=True)
        for f in os.listdir(work):
            if f.startswith(f"{mode}.so") and not args.keep:
                os.remove(os.path.join(work, f))

    if not args.no_ort:
        onnx = os.path.join(work, "model.onnx")
        run([sys.executable, os.path.join(HERE, "export_onnx.py"), ckpt, onnx])
        env = dict(os.environ, LLMC_BENCH_NODE_MODULES=args.node_modules)
        results["onnxruntime"] = json.loads(run(
            ["node", os.path.join(HERE, "ort_bench.mjs"), onnx, "--prompt-tokens",
             prompts, "--gen-tokens", str(args.gen_tokens), "--threads", threads],
            env=env))
        print("   onnxruntime f32 done", flush=True)
    if not args.keep:
        shutil.rmtree(work)
    return results


def best_roofline(results, threads):
    """The best bandwidth and GEMM peak seen for `threads` in this shape's run."""
    bw = peak = 0.0
    for roof in results["roofline"]:
        for entry in roof["threads"]:
            if entry["threads"] == threads:
                bw = max(bw, entry["read_bytes_per_s"])
                peak = max(peak, entry["sgemm_flops_per_s"])
    return bw, peak


def report(results):
    cfg = results["config"]
    flops_per_token = 2 * linear_params(cfg)
    ort = {(r["threads"], r["prompt_tokens"]): r for r in results.get("onnxruntime", [])}
    f32_wbpt = results["llmc"].get("f32", [{}])[0].get("weight_bytes_per_token")
    lines = [f"### {results['shape']} ({cfg['num_hidden_layers']} layers)", "",
             "| mode | artifact | weight bytes/token | threads | prompt | prefill tok/s "
             "| % GEMM peak | vs ORT f32 | decode tok/s | % bandwidth roofline | vs ORT f32 |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for mode, rows in results["llmc"].items():
        for r in rows:
            bw, peak = best_roofline(results, r["threads"])
            wbpt = r["weight_bytes_per_token"]
            prefill_frac = r["prefill_tokens_per_s"] * flops_per_token / peak
            decode_frac = r["decode_tokens_per_s"] * wbpt / bw
            o = ort.get((r["threads"], r["prompt_tokens"]))
            vs_prefill = f"{r['prefill_tokens_per_s'] / o['prefill_tokens_per_s']:.2f}x" if o else "-"
            vs_decode = f"{r['decode_tokens_per_s'] / o['decode_tokens_per_s']:.2f}x" if o else "-"
            ratio = f" ({wbpt / f32_wbpt:.3f}x)" if f32_wbpt else ""
            lines.append(
                f"| {mode} | {results['artifact_bytes'][mode] / 1e6:.1f} MB | {wbpt}{ratio} "
                f"| {r['threads']} | {r['prompt_tokens']} | {r['prefill_tokens_per_s']:.1f} "
                f"| {100 * prefill_frac:.0f}% | {vs_prefill} | {r['decode_tokens_per_s']:.2f} "
                f"| {100 * decode_frac:.0f}% | {vs_decode} |")
    for (threads, prompt), o in sorted(ort.items()):
        bw, peak = best_roofline(results, threads)
        decode_frac = o["decode_tokens_per_s"] * f32_wbpt / bw if f32_wbpt else 0
        lines.append(
            f"| ORT f32 | - | - | {threads} | {prompt} | {o['prefill_tokens_per_s']:.1f} "
            f"| {100 * o['prefill_tokens_per_s'] * flops_per_token / peak:.0f}% | 1.00x "
            f"| {o['decode_tokens_per_s']:.2f} | {100 * decode_frac:.0f}% | 1.00x |")
    rooflines = []
    for t in sorted({e["threads"] for roof in results["roofline"] for e in roof["threads"]}):
        bw, peak = best_roofline(results, t)
        rooflines.append(f"{t} thread(s): {bw / 1e9:.1f} GB/s read, "
                         f"{peak / 1e9:.1f} GFLOP/s OpenBLAS sgemm")
    lines += ["", "Rooflines (best seen in this run): " + "; ".join(rooflines) + ".", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scratch", default="/tmp/llmc-bench")
    ap.add_argument("--shapes", default="smollm2-135m,tinyllama-1.1b")
    ap.add_argument("--layers", type=int, help="override every shape's layer count")
    ap.add_argument("--tiny", action="store_true", help="CI plumbing run")
    ap.add_argument("--modes", default="f32,int8,int4")
    ap.add_argument("--prompt-tokens", default="128,512")
    ap.add_argument("--gen-tokens", type=int, default=128)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep scratch files")
    ap.add_argument("--llmc", default=os.path.join(ROOT, "build", "bin", "llmc"))
    ap.add_argument("--roofline", default=os.path.join(ROOT, "build", "bin", "llmc-roofline"))
    ap.add_argument("--node-modules", help="where onnxruntime-node is (or goes)")
    ap.add_argument("--json", help="also write every measurement here")
    args = ap.parse_args()
    args.modes = args.modes.split(",")
    args.threads = [int(t) for t in args.threads.split(",")]
    args.prompt_tokens = [int(p) for p in args.prompt_tokens.split(",")]
    shapes = ["tiny"] if args.tiny else args.shapes.split(",")
    if args.tiny:
        args.prompt_tokens, args.gen_tokens = [16, 32], 8
    for name in shapes:
        if name not in SHAPES:
            sys.exit(f"run_bench.py: unknown shape '{name}' "
                     f"(expected {', '.join(s for s in SHAPES if s != 'tiny')})")
    args.node_modules = args.node_modules or os.path.join(args.scratch, "node")

    # Disk: per shape, the checkpoint and ONNX copy in f32 plus the largest
    # artifact, at the same time.
    os.makedirs(args.scratch, exist_ok=True)
    configs = {name: make_config(name, args.layers) for name in shapes}
    need = max(3.2 * f32_bytes(cfg) for cfg in configs.values())
    free = shutil.disk_usage(args.scratch).free
    if free < need:
        sys.exit(f"run_bench.py: {args.scratch} has {free / 1e9:.1f} GB free, "
                 f"the run needs about {need / 1e9:.1f} GB")
    if not args.no_ort:
        ensure_onnxruntime(args.node_modules)
    roofline_env = dict(os.environ, OPENBLAS_CORETYPE="SkylakeX")

    command = "bench/run_bench.py " + " ".join(sys.argv[1:])
    all_results = []
    for name in shapes:
        all_results.append(measure_shape(name, configs[name], args, roofline_env))
    print()
    print(f"Command: `{command}`")
    print()
    for results in all_results:
        print(report(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_results, f, indent=1)


if __name__ == "__main__":
    main()
