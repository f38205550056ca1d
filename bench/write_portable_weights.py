#!/usr/bin/env python3
"""Writes an artifact's weights side file from the portable random streams,
without llmc: byte for byte the file `llmc compile --weights=external` wrote
from a `make_checkpoint.py --portable` checkpoint, rebuilt where neither can
travel (scripts/gpu-check.sh carries a 1.1B model's artifact, not its 4.4 GB
of weights).

  write_portable_weights.py LAYOUT.json CONFIG.json OUT [--seed N] [--jobs N]

LAYOUT.json is `llmc inspect --json` of the artifact, CONFIG.json the
checkpoint's config.json. Only weights stored as they are (f32, unpacked:
what --target=cuda keeps) can be rebuilt; a packed or quantized tensor is
refused, naming it.
"""
import argparse
import json
import multiprocessing
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portable_weights  # noqa: E402
from make_checkpoint import tensor_specs  # noqa: E402

HEADER_SIZE = 4096  # LLMC_WEIGHTS_HEADER_SIZE
ROWS_BYTES = 32 << 20  # per piece of work


def pieces(layout, cfg):
    """(file offset, name, shape, kind, first row, rows) covering every
    tensor of the layout, or SystemExit naming what cannot be rebuilt."""
    specs = {name: (shape, kind) for name, shape, kind in tensor_specs(cfg)}
    out = []
    for t in layout["tensors"]:
        name = t["name"]
        if t["packed"] or t["quantization"] or t["dtype"] != "f32":
            sys.exit(f"{name}: packed or quantized; only f32 weights stored as "
                     "they are can be rebuilt")
        offset = HEADER_SIZE + t["offset"]
        total = 0
        for part in name.split("+"):
            if part not in specs:
                sys.exit(f"{part}: not a tensor of this config")
            shape, kind = specs[part]
            row_bytes = 4 * int(np.prod(shape[1:], dtype=np.int64))
            step = max(1, ROWS_BYTES // row_bytes)
            for first in range(0, shape[0], step):
                rows = min(step, shape[0] - first)
                out.append((offset + total + first * row_bytes, part, shape,
                            kind, first, rows))
            total += shape[0] * row_bytes
        if total != t["bytes"]:
            sys.exit(f"{name}: {t['bytes']} bytes in the layout, {total} from "
                     "the config")
    return out


def write_piece(args):
    path, seed, (offset, name, shape, kind, first, rows) = args
    data = portable_weights.rows_of(name, shape, kind, first, rows, seed)
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data.astype("<f4").tobytes(), offset)
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layout")
    ap.add_argument("config")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    with open(args.layout) as f:
        layout = json.load(f)
    with open(args.config) as f:
        cfg = json.load(f)
    cfg.setdefault("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    work = pieces(layout, cfg)
    size = layout["weights_bytes"]

    # The header (abi.h's llmc_weights_header), then zeros up to the blob
    # and between its tensors, then every tensor at its offset.
    header = struct.pack("<8sIIQ48s", b"LLMCWTS1", layout["abi_version"], 0,
                         size, layout["model_id"].encode())
    with open(args.out, "wb") as f:
        f.write(header)
        f.truncate(HEADER_SIZE + size)
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        pool.map(write_piece, [(args.out, args.seed, w) for w in work],
                 chunksize=1)
    print(f"{args.out}: {size / 1e9:.2f} GB in {len(layout['tensors'])} "
          f"tensors")


if __name__ == "__main__":
    main()
