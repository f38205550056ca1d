#!/usr/bin/env python3
"""Batched decode, llmc's engine against llama.cpp's llama-batched-bench, on
the same random weights, round by round.

  engine_vs_llama_cpp.py --llmc build/bin/llmc --model m-int4.so \\
      --llama-cpp /path/to/llama.cpp/build/bin --gguf m-q4_0.gguf \\
      [--batches 1,16] [--prompt 128] [--gen 128] [--threads 2] [--rounds 3]

Each round runs `llmc bench --concurrency B` and `llama-batched-bench -npl B`
(prompts not shared, 128 prompt and 128 generated tokens each by default),
alternating which goes first, on the same threads. Generation speed is
llama.cpp's S_TG (B x TG over the generation time) and llmc's
aggregate_decode_tokens_per_s (tokens after every prompt is in, over that
time): both leave prompt processing out. On these shared machines absolute
speeds drift by tens of percent within minutes; the ratio within a round is
the result, and the table gives its median and range over the rounds.

llama.cpp is built outside this project (bench/llama_cpp.md: commit and
CMake flags); this script only runs it. The GGUF comes from
bench/gguf_writer.py and llama-quantize.
"""
import argparse
import json
import statistics
import subprocess


def llmc_round(args, batch):
    out = subprocess.run(
        [args.llmc, "bench", args.model, "--concurrency", str(batch), "--prompt-tokens",
         str(args.prompt), "--gen-tokens", str(args.gen), "--threads", str(args.threads),
         "--json", "--quiet"], check=True, capture_output=True, text=True).stdout
    row = json.loads(out)[0]
    return row["aggregate_decode_tokens_per_s"], row["prefill_tokens_per_s"]


def llama_round(args, batch):
    context = batch * (args.prompt + args.gen) + 64
    out = subprocess.run(
        [f"{args.llama_cpp}/llama-batched-bench", "-m", args.gguf, "-c", str(context),
         "-b", "2048", "-ub", "512", "-npp", str(args.prompt), "-ntg", str(args.gen),
         "-npl", str(batch), "-t", str(args.threads), "-tb", str(args.threads),
         "--output-format", "jsonl"], check=True, capture_output=True, text=True).stdout
    row = [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]
    return row["speed_tg"], row["speed_pp"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llmc", default="build/bin/llmc")
    ap.add_argument("--model", required=True)
    ap.add_argument("--llama-cpp", required=True, help="llama.cpp's bin directory")
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    results = {b: [] for b in batches}
    for r in range(args.rounds):
        for b in batches:
            if r % 2 == 0:
                ours, theirs = llmc_round(args, b), llama_round(args, b)
            else:
                theirs, ours = llama_round(args, b), llmc_round(args, b)
            results[b].append((ours, theirs))
            print(f"round {r + 1} batch {b:3d}: llmc decode {ours[0]:8.1f} tok/s, "
                  f"llama.cpp S_TG {theirs[0]:8.1f} tok/s, ratio {ours[0] / theirs[0]:.2f}x; "
                  f"prefill {ours[1]:8.1f} vs {theirs[1]:8.1f} tok/s", flush=True)
    print()
    print("| batch | llmc decode tok/s | llama.cpp S_TG tok/s | llmc / llama.cpp (median, range) |"
          " llmc prefill | llama.cpp S_PP |")
    print("|---|---|---|---|---|---|")
    base = statistics.median(o[0] for o, _ in results[batches[0]])
    for b in batches:
        ours = [o for o, _ in results[b]]
        theirs = [t for _, t in results[b]]
        ratios = [o[0] / t[0] for o, t in results[b]]
        print(f"| {b} | {statistics.median(o[0] for o in ours):.1f} | "
              f"{statistics.median(t[0] for t in theirs):.1f} | "
              f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) | "
              f"{statistics.median(o[1] for o in ours):.1f} | "
              f"{statistics.median(t[1] for t in theirs):.1f} |")
    last = statistics.median(o[0] for o, _ in results[batches[-1]])
    print(f"\nllmc: batch {batches[-1]} decodes {last / base:.2f}x batch {batches[0]}")


if __name__ == "__main__":
    main()
