"""Attention over long contexts, which the paged kernel splits into slices
of 512 positions and combines: a 1,100-token prompt's logits are the same
bits fed whole, in chunks, or the last tokens one at a time, and through
the engine beside a short request.

  long_context.py RUNTIME_LIB MODEL.so
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Engine, Runtime  # noqa: E402

runtime_lib, model_path = sys.argv[1:3]
rng = np.random.default_rng(11)
failed = False
with Runtime(runtime_lib).load(model_path) as model:
    tokens = [1] + [int(t) for t in rng.integers(3, model.vocab_size, 1099)]
    model.reset()
    whole = model.feed(tokens)
    for chunks in ([600, 1, 499], [513, 511, 76], [1097, 1, 1, 1]):
        split = model.feed_chunks(tokens, chunks)
        same = bool((split == whole).all())
        failed |= not same
        print(f"{'PASS' if same else 'FAIL'}: chunks {chunks}: rows bitwise equal to one call"
              f" (max|diff| {float(np.abs(split - whole).max()):.3g})")
    model.reset()
    want = model.generate(tokens, 8)
    with Engine(model) as engine:
        key = engine.add(tokens, 8)
        engine.add([1, 5, 9], 8)
        engine.run()
        same = engine.tokens.get((key, 0)) == want
        failed |= not same
        print(f"{'PASS' if same else 'FAIL'}: through the engine beside a short request: "
              "the same 8 greedy tokens")
sys.exit(1 if failed else 0)
