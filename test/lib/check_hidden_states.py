#!/usr/bin/env python3
"""Checks the hidden states a lifted decoder without an LM head returns
(`forward` through the runtime's C API) against onnxruntime's recorded
ones (test/models/onnx/make_references.py: one token at a time through
past/present).

  check_hidden_states.py RUNTIME_LIB MODEL.so SEQUENCE_DIR [--tolerance T]

SEQUENCE_DIR holds input_ids.npy [n] and last_state.npy [n, hidden]. The
model is fed the n ids in one call, then one at a time, then in two
chunks; each time every row's max|diff| / max|want| must be <= T.
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
    ap.add_argument("model")
    ap.add_argument("sequence")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    ids = [int(t) for t in np.load(os.path.join(args.sequence, "input_ids.npy"))]
    want = np.load(os.path.join(args.sequence, "last_state.npy")).astype(np.float64)
    failed = False
    with Runtime(args.runtime).load(args.model) as model:
        print(f"has_lm_head {model.has_lm_head}, output_size {model.output_size}, "
              f"vocab_size {model.vocab_size}")
        half = len(ids) // 2
        for name, chunks in (("whole", [ids]), ("per token", [[t] for t in ids]),
                             ("two chunks", [ids[:half], ids[half:]])):
            model.reset()
            got = np.concatenate([model.feed(c, all_logits=True) for c in chunks])
            error = float(np.abs(got - want).max() / np.abs(want).max())
            ok = got.shape == want.shape and error <= args.tolerance
            failed |= not ok
            print(f"{'PASS' if ok else 'FAIL'}: {name}: {got.shape[0]} rows, "
                  f"max|diff|/max|want| = {error:.1e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
