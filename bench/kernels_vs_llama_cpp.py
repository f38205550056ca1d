#!/usr/bin/env python3
"""Single-stream speed, llmc against llama-bench, format by format, with the
memory bandwidth measured around every decode pair.

  kernels_vs_llama_cpp.py --llama-cpp /path/to/llama.cpp/build/bin \\
      --pair int4=m-int4.so,m-q4_0.gguf --pair int8=m-int8.so,m-q8_0.gguf \\
      [--prompts 128,512] [--gen 64] [--threads 2] [--rounds 3] [--quick]

Each round, for each pair (an llmc artifact and a GGUF of the same weights),
runs `llmc-roofline` (read bandwidth over the weights' size), the two decode
runs in alternating order, the probe again, then prefill at each prompt
length, again alternating. Decode is llmc's `decode_tokens_per_s` after a
16-token prompt and llama-bench's tg (from an empty context); prefill is
`prefill_tokens_per_s` and llama-bench's pp at the same length. The table
gives, over the rounds, the median and range of llmc / llama.cpp within a
round, and each side's decode weight traffic as a share of the bandwidth
probed in that round: on these shared machines read bandwidth moves between
~40 and ~80 GB/s within minutes, so absolute speeds from different rounds do
not compare. `--quick` is one pair, pp128 and decode, 3 rounds. The first
line names the machine (CPU family and model: these VMs often call
themselves only "AMD EPYC") and the kernel set llmc picked.

llama.cpp is built outside this project (bench/llama_cpp.md: commit and
CMake flags); this script only runs it. GGUFs come from bench/gguf_writer.py
and llama-quantize.
"""
import argparse
import json
import os
import statistics
import subprocess


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def probe(args, nbytes):
    out = json.loads(run([args.roofline, "--bytes", str(nbytes), "--threads",
                          str(args.threads), "--reps", "3"]))
    return out["threads"][0]["read_bytes_per_s"]


def llmc(args, model, prompt, gen):
    row = json.loads(run([args.llmc, "bench", model, "--prompt-tokens", str(prompt),
                          "--gen-tokens", str(gen), "--threads", str(args.threads),
                          "--json", "--quiet"]))[0]
    return row


def llama(args, gguf, prompt, gen):
    out = run([f"{args.llama_cpp}/llama-bench", "-m", gguf, "-p", str(prompt), "-n",
               str(gen), "-t", str(args.threads), "-r", "1", "-o", "jsonl"])
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")][-1]


def machine():
    """The CPU as /proc/cpuinfo names it, with its family and model (these
    VMs often say only "AMD EPYC": family 25 model 17 is Zen 4, family 26
    is Zen 5), and how many CPUs this process may use."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return (f"{info.get('model name', '?')} ({info.get('vendor_id', '?')}, family "
            f"{info.get('cpu family', '?')}, model {info.get('model', '?')}), "
            f"{len(os.sched_getaffinity(0))} CPUs")


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--llmc", default="build/bin/llmc")
    ap.add_argument("--roofline", default="build/bin/llmc-roofline")
    ap.add_argument("--llama-cpp", required=True, help="llama.cpp's bin directory")
    ap.add_argument("--pair", action="append", required=True,
                    help="LABEL=LLMC_ARTIFACT,GGUF (repeatable)")
    ap.add_argument("--prompts", default="128,512")
    ap.add_argument("--gen", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="the first pair only, pp128 and decode, 3 rounds")
    args = ap.parse_args()
    pairs = []
    for spec in args.pair:
        label, _, files = spec.partition("=")
        model, _, gguf = files.partition(",")
        if not model or not gguf:
            ap.error(f"--pair {spec}: expected LABEL=ARTIFACT,GGUF")
        pairs.append((label, model, gguf))
    prompts = [int(p) for p in args.prompts.split(",")]
    if args.quick:
        pairs, prompts, args.rounds = pairs[:1], [128], 3

    # Weight bytes a decode step reads: the probe's buffer size.
    first = {model: llmc(args, model, 1, 1) for _, model, _ in pairs}
    sizes = {model: row["weight_bytes_per_token"] for model, row in first.items()}
    print(f"machine: {machine()}; llmc kernels: "
          f"{', '.join(sorted({row['kernels'] for row in first.values()}))}; "
          f"{args.threads} threads, {args.rounds} rounds", flush=True)
    ratios = {}  # (label, measure) -> [llmc / llama.cpp per round]
    shares = {}  # (label, side) -> [decode traffic / probed bandwidth]
    for r in range(args.rounds):
        for label, model, gguf in pairs:
            llmc_first = (r % 2) == 0
            sides = [("llmc", lambda: llmc(args, model, 16, args.gen)),
                     ("llama.cpp", lambda: llama(args, gguf, 0, args.gen))]
            if not llmc_first:
                sides.reverse()
            if r == 0:
                for _, fn in sides:  # warm the page cache for both files
                    fn()
            nbytes = sizes[model]
            before = probe(args, nbytes)
            results = {side: fn() for side, fn in sides}
            after = probe(args, nbytes)
            bandwidth = (before + after) / 2
            mine, theirs = results["llmc"], results["llama.cpp"]
            decode = {}
            decode["llmc"] = mine["decode_tokens_per_s"]
            decode["llama.cpp"] = theirs["avg_ts"]
            ratios.setdefault((label, "decode"), []).append(
                decode["llmc"] / decode["llama.cpp"])
            shares.setdefault((label, "llmc"), []).append(
                decode["llmc"] * nbytes / bandwidth)
            shares.setdefault((label, "llama.cpp"), []).append(
                decode["llama.cpp"] * theirs["model_size"] / bandwidth)
            print(f"round {r + 1} {label}: decode llmc {decode['llmc']:.1f} tok/s, "
                  f"llama.cpp {decode['llama.cpp']:.1f} tok/s, bandwidth "
                  f"{before / 1e9:.1f}..{after / 1e9:.1f} GB/s", flush=True)
            for prompt in prompts:
                pp = {}
                order = ["llmc", "llama.cpp"] if llmc_first else ["llama.cpp", "llmc"]
                for side in order:
                    if side == "llmc":
                        pp[side] = llmc(args, model, prompt, 1)["prefill_tokens_per_s"]
                    else:
                        pp[side] = llama(args, gguf, prompt, 0)["avg_ts"]
                ratios.setdefault((label, f"pp{prompt}"), []).append(
                    pp["llmc"] / pp["llama.cpp"])
                print(f"round {r + 1} {label}: pp{prompt} llmc {pp['llmc']:.1f} tok/s, "
                      f"llama.cpp {pp['llama.cpp']:.1f} tok/s", flush=True)

    print()
    print(f"{'format':10} {'measure':10} {'llmc / llama.cpp':>18} {'range':>14}")
    for (label, measure), values in ratios.items():
        med, lo, hi = summary(values)
        print(f"{label:10} {measure:10} {med:17.2f}x {lo:6.2f}-{hi:.2f}x")
    print()
    print(f"{'format':10} {'side':10} {'decode share of probed bandwidth':>34}")
    for (label, side), values in shares.items():
        med, lo, hi = summary(values)
        print(f"{label:10} {side:10} {med * 100:25.0f} % ({lo * 100:.0f}-{hi * 100:.0f} %)")


if __name__ == "__main__":
    main()
