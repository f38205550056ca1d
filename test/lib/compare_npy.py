#!/usr/bin/env python3
"""Compares two .npy files: shape, then values within tolerance.

  compare_npy.py GOT.npy WANT.npy [--rtol 1e-5] [--atol 1e-6]

Prints one line, PASS or FAIL with the reason, and exits non-zero on a
mismatch (shape, dtype kind, or any |got - want| > atol + rtol * |want|).
"""
import argparse
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("got")
    ap.add_argument("want")
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--atol", type=float, default=1e-6)
    args = ap.parse_args()
    got = np.load(args.got)
    want = np.load(args.want)
    name = f"{args.got} vs {args.want}"
    if got.shape != want.shape:
        print(f"FAIL {name}: shape {list(got.shape)} != {list(want.shape)}")
        return 1
    if got.dtype.kind != want.dtype.kind:
        print(f"FAIL {name}: dtype {got.dtype} != {want.dtype}")
        return 1
    if got.dtype.kind in "fc":
        bad = ~np.isclose(got, want, rtol=args.rtol, atol=args.atol)
        bad |= np.isnan(got) != np.isnan(want)
    else:
        bad = got != want
    if bad.any():
        i = tuple(int(k) for k in np.argwhere(bad)[0])
        print(f"FAIL {name}: {int(bad.sum())} of {got.size} elements differ; "
              f"first at {list(i)}: got {got[i]!r}, want {want[i]!r}")
        return 1
    diff = float(np.max(np.abs(got - want))) if got.size and got.dtype.kind in "fc" else 0.0
    print(f"PASS {name}: shape {list(got.shape)}, max|diff| {diff:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
