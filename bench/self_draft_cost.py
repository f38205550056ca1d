#!/usr/bin/env python3
"""What a self-draft costs against its model, measured in the same process:
one decode step of the artifact's `draft` entry point over one of
`forward`, alternating round by round (ratios, not absolute times, are the
result: these machines' memory bandwidth moves within minutes).

  self_draft_cost.py RUNTIME_LIB MODEL.so [MORE.so ...] [--rounds 5]
                     [--prompt 32] [--steps 32] [--threads 2]

Each MODEL.so is compiled with --draft-quantize (and maybe --draft-layers).
For each: the median over rounds of the per-step time of forward and of the
draft, their ratio c, the cost v of verifying k + 1 = 5 tokens in one
forward call over one decode step, and the break-even acceptance rate: with
k = 4 drafts per step and acceptance a (each draft kept with probability a,
the first rejection ending the step), a step yields (1 - a^(k+1)) / (1 - a)
tokens for k * c + v decode steps; speculation pays when that ratio
exceeds 1. Then the speed-ups those costs predict at a = 0.6, 0.8 and 0.9,
for the self-draft and for prompt lookup (c = 0).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "test", "lib"))
from llmc_runtime import Runtime  # noqa: E402


K = 4


def step_time(rt, session, prompt, steps, width=1):
    """Seconds per decode call of `width` tokens after `prompt`, on
    `session` (each call's tokens truncated away again, as a rejected
    verification is)."""
    rt.lib.llmc_session_reset(session)
    feed = rt.lib.llmc_session_forward
    out = np.empty(1 << 22, dtype=np.float32)
    ids = np.ascontiguousarray(prompt, dtype=np.int32)
    rt.check(feed(session, ids.ctypes.data, len(ids), out.ctypes.data, 0))
    tokens = np.ascontiguousarray(prompt[-width:], dtype=np.int32)
    start = time.perf_counter()
    for _ in range(steps):
        rt.check(feed(session, tokens.ctypes.data, width, out.ctypes.data, 1))
        rt.check(rt.lib.llmc_session_truncate(session, len(prompt)))
    return (time.perf_counter() - start) / steps


def tokens_per_step(a, k=K):
    return k + 1 if a == 1 else (1 - a ** (k + 1)) / (1 - a)


def break_even(c, v, k=K):
    """The smallest acceptance rate at which speculation pays."""
    for i in range(1001):
        a = i / 1000
        if tokens_per_step(a, k) / (k * c + v) > 1:
            return a
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runtime")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--prompt", type=int, default=32)
    ap.add_argument("--steps", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    rt = Runtime(args.runtime)
    print(f"{'model':24} {'forward ms':>10} {'draft ms':>9} {'c':>6} {'v':>6} "
          f"{'break-even a':>12} {'a=0.6':>6} {'a=0.8':>6} {'a=0.9':>6} "
          f"{'ngram@0.6/0.8/0.9':>18}")
    for path in args.models:
        model = rt.load(path)
        if not model.has_draft:
            sys.exit(f"{path}: no self-draft (compile it with --draft-quantize)")
        rt.lib.llmc_model_set_threads(model.handle, args.threads)
        draft = model.self_draft()
        rng = np.random.default_rng(0)
        prompt = [int(t) for t in rng.integers(0, model.vocab_size, args.prompt)]
        full, small, verify = [], [], []
        for _ in range(args.rounds):
            full.append(step_time(rt, model.session, prompt, args.steps))
            small.append(step_time(rt, draft, prompt, args.steps))
            verify.append(step_time(rt, model.session, prompt, args.steps, K + 1))
        f, d = statistics.median(full), statistics.median(small)
        c = statistics.median(s / t for s, t in zip(small, full))
        v = statistics.median(s / t for s, t in zip(verify, full))
        a = break_even(c, v)
        predicted = [tokens_per_step(x) / (K * c + v) for x in (0.6, 0.8, 0.9)]
        lookup = "/".join(f"{tokens_per_step(x) / v:.2f}" for x in (0.6, 0.8, 0.9))
        print(f"{os.path.basename(path):24} {f * 1e3:10.2f} {d * 1e3:9.2f} {c:6.3f} "
              f"{v:6.3f} {'never' if a is None else f'{a:.2f}':>12} "
              + " ".join(f"{p:6.2f}" for p in predicted) + f" {lookup:>18}")
        model.close()


if __name__ == "__main__":
    main()
