#!/usr/bin/env python3
"""Runs a compiled ONNX export with `llmc exec` on every recorded case of
test/models/onnx/reference/<model>/ (b<B>_p<P>: batch B, past length P) and
compares each output with onnxruntime's (max|diff| / max|want| per batch row
<= --tolerance, shapes equal), so that a wrong row cannot hide behind a
larger one. Prints one PASS/FAIL line per case; exits non-zero on a failure.

  check_onnx_exports.py --llmc LLMC MODEL.so REFERENCE_DIR"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np


def batch_axis(name, array):
    # past/present tensors of the GPT-2 exports are [2, batch, ...].
    return 1 if name.startswith(("present_", "past_")) and array.ndim == 5 else 0


def compare(name, got, want, tolerance):
    if got.shape != want.shape:
        return f"{name}: shape {got.shape}, expected {want.shape}"
    if want.size == 0:
        return None
    axis = batch_axis(name, want)
    for row in range(want.shape[axis]):
        w = np.take(want, row, axis=axis).astype(np.float64)
        g = np.take(got, row, axis=axis).astype(np.float64)
        scale = max(float(np.abs(w).max()), 1e-30)
        error = float(np.abs(g - w).max()) / scale
        if not error <= tolerance:
            return f"{name}: row {row}: max|diff|/max|want| = {error:.2e}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llmc", required=True)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    ap.add_argument("model")
    ap.add_argument("reference")
    args = ap.parse_args()
    failed = False
    for case in sorted(os.listdir(args.reference)):
        directory = os.path.join(args.reference, case)
        # Cases have expected/ (not greedy.json, sequence/ and the like).
        if not os.path.isdir(os.path.join(directory, "expected")):
            continue
        expected = os.path.join(directory, "expected")
        with tempfile.TemporaryDirectory() as out:
            command = [args.llmc, "exec", args.model, "--output-dir", out]
            for f in sorted(os.listdir(directory)):
                if f.endswith(".npy"):
                    command += ["--input", f"{f[:-4]}={os.path.join(directory, f)}"]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                print(f"FAIL: {case}: {done.stderr.strip()}")
                failed = True
                continue
            problems = [p for p in (compare(f[:-4], np.load(os.path.join(out, f)),
                                            np.load(os.path.join(expected, f)),
                                            args.tolerance)
                                    for f in sorted(os.listdir(expected))) if p]
            outputs = len(os.listdir(expected))
        if problems:
            print(f"FAIL: {case}: {problems[0]}")
            failed = True
        else:
            print(f"PASS: {case}: {outputs} outputs")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
