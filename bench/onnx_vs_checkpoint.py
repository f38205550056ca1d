#!/usr/bin/env python3
"""The same weights compiled from an ONNX export and from the checkpoint.

  bench/onnx_vs_checkpoint.py [--shape tinyllama-1.1b|smollm2-135m|tiny]
                              [--layers N]
                              [--modes int4] [--rounds 3] [--scratch DIR]

Writes a random-weight checkpoint (make_checkpoint.py), exports it to ONNX
(export_onnx.py: written-out RMSNorm, rope and GQA attention, [in, out]
weights), compiles both with llmc in each mode, and checks that the lifted
ONNX build is the checkpoint's decoder: identical greedy tokens for a fixed
prompt. Then it runs `llmc bench` on the two libraries alternately for
--rounds rounds and prints, per mode, the medians of prefill and decode
throughput and their ratio ONNX / checkpoint, measured in the same run (the
machine is shared: compare the ratio, not the absolute numbers). It exits
non-zero when the greedy tokens differ; --shape tiny is CI's plumbing run.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODES = {"f32": [], "int8": ["--quantize=int8"], "int4": ["--quantize=int4"]}


def run(cmd):
    result = subprocess.run(cmd, text=True, capture_output=True)
    if result.returncode != 0:
        sys.exit(f"onnx_vs_checkpoint.py: {' '.join(cmd)} failed:\n{result.stderr}")
    return result.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", default="tinyllama-1.1b")
    ap.add_argument("--layers", type=int)
    ap.add_argument("--modes", default="int4")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prompt-tokens", type=int, default=128)
    ap.add_argument("--gen-tokens", type=int, default=64)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--context-length", type=int, default=1024)
    ap.add_argument("--scratch", default="/tmp/llmc-onnx-vs-ckpt")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--llmc", default=os.path.join(ROOT, "build", "bin", "llmc"))
    args = ap.parse_args()

    os.makedirs(args.scratch, exist_ok=True)
    ckpt = os.path.join(args.scratch, "checkpoint")
    onnx = os.path.join(args.scratch, "model.onnx")
    gen = ["--tiny"] if args.shape == "tiny" else ["--shape", args.shape]
    gen += ["--layers", str(args.layers)] if args.layers else []
    run([sys.executable, os.path.join(HERE, "make_checkpoint.py"), ckpt] + gen)
    run([sys.executable, os.path.join(HERE, "export_onnx.py"), ckpt, onnx])

    rows = []
    for mode in args.modes.split(","):
        libs = {}
        for source, path in (("checkpoint", ckpt), ("onnx", onnx)):
            libs[source] = os.path.join(args.scratch, f"{source}-{mode}.so")
            run([args.llmc, "compile", path, "-o", libs[source], "--quiet",
                 f"--context-length={args.context_length}"] + MODES[mode])
        tokens = {}
        for source, lib in libs.items():
            out = json.loads(run([args.llmc, "run", lib, "--prompt-ids", "1,2,3,4,5,6,7,8",
                                  "--max-tokens", "16", "--ignore-eos", "--json"]))
            tokens[source] = out["tokens"]
        same = tokens["checkpoint"] == tokens["onnx"]
        prefill = {s: [] for s in libs}
        decode = {s: [] for s in libs}
        for r in range(args.rounds):
            # Alternate which goes first, so drift hits both alike.
            order = list(libs) if r % 2 == 0 else list(reversed(libs))
            for source in order:
                result = json.loads(run([args.llmc, "bench", libs[source], "--quiet", "--json",
                                         "--prompt-tokens", str(args.prompt_tokens),
                                         "--gen-tokens", str(args.gen_tokens),
                                         "--threads", str(args.threads)]))[0]
                prefill[source].append(result["prefill_tokens_per_s"])
                decode[source].append(result["decode_tokens_per_s"])
        med = {k: {s: statistics.median(v[s]) for s in libs}
               for k, v in (("prefill", prefill), ("decode", decode))}
        rows.append((mode, same, med, os.path.getsize(libs["onnx"]),
                     os.path.getsize(libs["checkpoint"])))
        if not args.keep:
            for lib in libs.values():
                for f in os.listdir(args.scratch):
                    if f.startswith(os.path.basename(lib)):
                        os.remove(os.path.join(args.scratch, f))

    layers = f", {args.layers} layers" if args.layers else ""
    print(f"Command: `bench/onnx_vs_checkpoint.py {' '.join(sys.argv[1:])}`")
    print(f"{args.shape}{layers}; prompt {args.prompt_tokens}, decode {args.gen_tokens} "
          f"tokens, {args.threads} thread(s), medians of {args.rounds} alternating rounds")
    print()
    print("| mode | greedy tokens | prefill tok/s ckpt | prefill tok/s ONNX | ratio "
          "| decode tok/s ckpt | decode tok/s ONNX | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for mode, same, med, _, _ in rows:
        p, d = med["prefill"], med["decode"]
        print(f"| {mode} | {'identical' if same else 'DIFFER'} "
              f"| {p['checkpoint']:.1f} | {p['onnx']:.1f} | {p['onnx'] / p['checkpoint']:.3f} "
              f"| {d['checkpoint']:.2f} | {d['onnx']:.2f} | {d['onnx'] / d['checkpoint']:.3f} |")
    if not args.keep:
        shutil.rmtree(args.scratch)
    return 0 if all(row[1] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
