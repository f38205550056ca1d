"""Batch invariance of a compiled model through the C API: the logits of a
prompt are the same bits whether it is fed in one call, one token per call
(decode steps) or in chunks (prefill chunks, verification steps).

  batch_invariance.py RUNTIME_LIB MODEL.so [TOKENS]

TOKENS (default 24) is the prompt's length: past 32, whole pairs of
16-position blocks take their own score kernel.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Runtime  # noqa: E402

runtime, model_path = sys.argv[1:3]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 24
rng = np.random.default_rng(5)
with Runtime(runtime).load(model_path) as model:
    tokens = [int(t) for t in rng.integers(3, model.vocab_size, n)]
    model.reset()
    whole = model.feed(tokens)
    failed = False
    # One token per call, calls of 3 (a prefill's tiles of 4 tokens start
    # elsewhere than in one call), and uneven splits.
    for chunks in ([1] * n, [3] * (n // 3) + [n % 3] * (n % 3 > 0), [7, 10, n - 17],
                   [5, 1, n - 6]):
        split = model.feed_chunks(tokens, chunks)
        same = [bool((split[i] == whole[i]).all()) for i in range(len(tokens))]
        ok = all(same)
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'}: chunks {chunks[:4]}{'...' if len(chunks) > 4 else ''}: "
              f"{same.count(True)} of {len(tokens)} rows bitwise equal, "
              f"max|diff| = {float(np.abs(split - whole).max()):.3g}")
sys.exit(1 if failed else 0)
