"""Writes .npy inputs for a paged `forward` (stories260K: 5 layers, 4 KV
heads, head_dim 8, 16-position blocks) into DIR/CASE/, for llmc exec.

  paged_inputs.py DIR

Cases: good (two sequences, ragged), and one bad index of each kind the
paged attention kernel or llm.select_rows must refuse.
"""
import os
import sys

import numpy as np

root = sys.argv[1]
good = dict(tokens=np.array([5, 6, 7], np.int32), positions=np.array([0, 1, 0], np.int64),
            sequences=np.array([0, 0, 1], np.int32),
            block_tables=np.array([[0], [1]], np.int32),
            logit_rows=np.array([1, 2], np.int64),
            kv_pool=np.zeros((2, 5, 2, 16, 4, 8), np.float32))
cases = {
    "good": {},
    "block": dict(block_tables=np.array([[0], [7]], np.int32)),
    "negative_block": dict(block_tables=np.array([[-1], [1]], np.int32)),
    "sequence": dict(sequences=np.array([0, 0, 3], np.int32)),
    "position": dict(positions=np.array([0, 40, 0], np.int64)),
    "negative_position": dict(positions=np.array([0, -2, 0], np.int64)),
    "row": dict(logit_rows=np.array([1, 5], np.int64)),
    "negative_row": dict(logit_rows=np.array([-1], np.int64)),
    "mismatch": dict(sequences=np.array([0, 0], np.int32)),
}
for name, changes in cases.items():
    os.makedirs(os.path.join(root, name), exist_ok=True)
    for key, value in {**good, **changes}.items():
        np.save(os.path.join(root, name, key + ".npy"), value)
