"""llmc_session_truncate through the C API: after feeding 16 tokens and
truncating to 6, feeding tokens 6.. again gives the logits of the first
pass, and other tokens give what a fresh session fed the kept 6 and them
gives (bitwise with --exact, else within --tolerance of max|logit|); a
position past the session's or negative is refused and changes nothing.

  session_truncate.py RUNTIME_LIB MODEL.so [--exact | --tolerance T]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import LlmcError, Runtime  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("runtime")
ap.add_argument("model")
ap.add_argument("--exact", action="store_true")
ap.add_argument("--tolerance", type=float, default=0.0)
args = ap.parse_args()


def compare(what, got, want):
    if args.exact:
        ok = bool((got == want).all())
    else:
        ok = float(np.abs(got - want).max()) <= args.tolerance * float(np.abs(want).max())
    print(f"{'PASS' if ok else 'FAIL'}: {what}: max|diff| = {float(np.abs(got - want).max()):.3g}")
    return ok


rng = np.random.default_rng(9)
ok = True
with Runtime(args.runtime).load(args.model) as model:
    tokens = [int(t) for t in rng.integers(3, model.vocab_size, 16)]
    other = [int(t) for t in rng.integers(3, model.vocab_size, 5)]
    model.reset()
    first = model.feed(tokens)
    model.truncate(6)
    print(f"position after truncate(6): {model.position()}")
    ok &= compare("the same tokens again", model.feed(tokens[6:]), first[6:])
    model.truncate(6)
    diverged = model.feed(other)
    model.reset()
    fresh = model.feed(tokens[:6] + other)[6:]
    ok &= compare("other tokens after the kept 6", diverged, fresh)
    # Truncating to the current position keeps everything; to 0 is a reset.
    model.truncate(model.position())
    model.truncate(0)
    ok &= compare("after truncate(0)", model.feed(tokens[:4]), first[:4])
    for bad in (5, -1):
        try:
            model.truncate(bad)
            print(f"FAIL: truncate({bad}) at position {model.position()} was accepted")
            ok = False
        except LlmcError as e:
            print(f"refused: {e}; position still {model.position()}")
sys.exit(0 if ok else 1)
