#!/usr/bin/env python3
"""Checks that two compiled models give bitwise identical logits for the
same tokens, fed in one prefill call and one token at a time.

  compare_logits.py RUNTIME_LIB A.so B.so --ids 1,2,3

Prints one PASS/FAIL line per feeding; exits non-zero on a difference.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmc_runtime import Runtime  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runtime")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--ids", required=True)
    args = ap.parse_args()
    ids = [int(t) for t in args.ids.split(",")]
    rt = Runtime(args.runtime)
    failed = False
    with rt.load(args.a) as a, rt.load(args.b) as b:
        for name, chunks in (("prefill", [ids]), ("per token", [[t] for t in ids])):
            got = []
            for model in (a, b):
                model.reset()
                got.append(np.concatenate([model.feed(c) for c in chunks]))
            same = got[0].shape == got[1].shape and np.array_equal(got[0], got[1])
            failed |= not same
            diff = float(np.abs(got[0] - got[1]).max()) if got[0].shape == got[1].shape else -1
            print(f"{'PASS' if same else 'FAIL'}: {name}: {len(ids)} tokens "
                  f"{'bitwise identical' if same else f'differ by up to {diff}'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
