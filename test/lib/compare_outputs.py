#!/usr/bin/env python3
"""Compares every expected output (WANT_DIR/<name>.npy) with what llmc exec
wrote (GOT_DIR/<name>.npy): max|diff| / max|want| <= --tolerance, shapes equal.
Prints one PASS/FAIL line per output; exits non-zero on any failure."""
import argparse
import os
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("got")
    ap.add_argument("want")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    failed = False
    for name in sorted(os.listdir(args.want)):
        want = np.load(os.path.join(args.want, name))
        got = np.load(os.path.join(args.got, name))
        if got.shape != want.shape:
            print(f"FAIL: {name}: shape {got.shape}, expected {want.shape}")
            failed = True
            continue
        scale = max(float(np.abs(want).max()), 1e-30)
        error = float(np.abs(got.astype(np.float64) - want).max()) / scale
        ok = error <= args.tolerance
        print(f"{'PASS' if ok else 'FAIL'}: {name[:-4]}: max|diff|/max|want| = {error:.2e}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
