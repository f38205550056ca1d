#!/usr/bin/env python3
"""Checks a lifted ONNX decoder (`forward`, through the runtime's C API)
against onnxruntime's outputs recorded by test/models/onnx/make_references.py.

  check_lifted_decoder.py RUNTIME_LIB MODEL.so REFERENCE_DIR [--tolerance T]

Logits: every sequence of the past-free cases (b<B>_p0: each batch row is
its own prompt from position 0) fed to the model, each row's
max|diff| / max|want| <= T. Greedy: the model's continuation of
greedy.json's prompt must be onnxruntime's, step for step, until a step
whose top-2 margin is below T * max|logit| (a near-tie either side may
break differently), which ends the comparison.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmc_runtime import Runtime  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runtime")
    ap.add_argument("model")
    ap.add_argument("reference")
    ap.add_argument("--tolerance", type=float, default=2e-3)
    args = ap.parse_args()
    failed = False
    with Runtime(args.runtime).load(args.model) as model:
        for case in sorted(glob.glob(os.path.join(args.reference, "b*_p0"))):
            ids = np.load(os.path.join(case, "input_ids.npy"))
            want = np.load(os.path.join(case, "expected", "logits.npy")).astype(np.float64)
            for row in range(ids.shape[0]):
                model.reset()
                got = model.logits([int(t) for t in ids[row]])
                error = float(np.abs(got - want[row]).max() / np.abs(want[row]).max())
                ok = error <= args.tolerance
                failed |= not ok
                print(f"{'PASS' if ok else 'FAIL'}: {os.path.basename(case)} row {row}: "
                      f"logits max|diff|/max|want| = {error:.1e}")
        with open(os.path.join(args.reference, "greedy.json")) as f:
            greedy = json.load(f)
        model.reset()
        tokens = model.greedy(greedy["prompt"], len(greedy["tokens"]))
        compared = 0
        for got, want, margin in zip(tokens, greedy["tokens"], greedy["margins"]):
            if got != want:
                break
            compared += 1
        near_tie = (compared < len(greedy["tokens"]) and
                    greedy["margins"][compared] < args.tolerance)
        ok = compared == len(greedy["tokens"]) or near_tie
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'}: greedy: {compared} of {len(greedy['tokens'])} "
              f"tokens as onnxruntime's" + (" (then a near-tie)" if near_tie else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
