#!/usr/bin/env python3
"""Checks compiled models against an independent reference implementation.

For every prompt: the logits of one prefill call must match the reference
within max|diff| / max|ref| <= --tolerance, and `--generate` greedy tokens
(one prefill, then one decode call per token) must equal the reference's
greedy tokens. When several compiled models are given (the same model built
with different options), their logits must also be bitwise identical.

Prints one line per check and exits non-zero on the first failure.

  compare_with_reference.py --runtime libllmc_runtime.so \\
      --llama2c stories260K.bin --prompts "1;1,403,407" a.so b.so
  compare_with_reference.py --runtime ... --hf CKPT --prompts ... a.so
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llmc_runtime import Runtime  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="+")
    ap.add_argument("--runtime", required=True)
    ref = ap.add_mutually_exclusive_group(required=True)
    ref.add_argument("--llama2c", help="llama2.c checkpoint (numpy reference)")
    ref.add_argument("--hf", help="Hugging Face checkpoint (torch reference)")
    ap.add_argument("--prompts", required=True, help="';'-separated id lists")
    ap.add_argument("--generate", type=int, default=64)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()

    if args.llama2c:
        from llama2c_reference import Llama2C
        reference = Llama2C(args.llama2c)
        ref_logits = reference.forward
        ref_greedy = reference.generate_greedy
    else:
        import torch_reference
        ref_model = torch_reference.load(args.hf)

        def ref_logits(ids):
            return torch_reference.forward(ref_model, ids)

        def ref_greedy(prompt, n):
            ids = list(prompt)
            for _ in range(n):
                ids.append(int(np.argmax(ref_logits(ids)[-1])))
            return ids[len(prompt):]

    prompts = [[int(t) for t in p.split(",")] for p in args.prompts.split(";")]
    runtime = Runtime(args.runtime)
    compiled = [runtime.load(path) for path in args.models]
    failed = False
    for index, prompt in enumerate(prompts):
        expected = ref_logits(prompt)
        first = None
        for path, model in zip(args.models, compiled):
            got = model.logits(prompt)
            error = np.abs(got - expected).max() / np.abs(expected).max()
            ok = error <= args.tolerance
            print(f"{'PASS' if ok else 'FAIL'}: prompt {index} ({len(prompt)} tokens) "
                  f"logits of {os.path.basename(path)}: max|diff|/max|ref| = {error:.2e}")
            failed |= not ok
            if first is None:
                first = got
            elif not np.array_equal(first, got):
                print(f"FAIL: prompt {index}: {os.path.basename(path)} differs "
                      f"from {os.path.basename(args.models[0])}")
                failed = True
        if args.generate:
            want = ref_greedy(prompt, args.generate)
            for path, model in zip(args.models, compiled):
                got = model.greedy(prompt, args.generate)
                ok = got == want
                mismatch = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)
                print(f"{'PASS' if ok else 'FAIL'}: prompt {index} greedy {args.generate} "
                      f"tokens of {os.path.basename(path)}"
                      + ("" if ok else f": first difference at token {mismatch}"))
                failed |= not ok
    for model in compiled:
        model.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
