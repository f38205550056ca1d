#!/usr/bin/env python3
"""Writes an artifact's weights side file from the portable random streams,
without llmc: byte for byte the file `llmc compile --weights=external` wrote
from a `make_checkpoint.py --portable` checkpoint, rebuilt where neither can
travel (scripts/gpu-check.sh carries a 1.1B model's artifact, not its
gigabytes of weights).

  write_portable_weights.py LAYOUT.json CONFIG.json OUT [--seed N] [--jobs N]
                            [--packer PATH]

LAYOUT.json is `llmc inspect --json` of the artifact, CONFIG.json the
checkpoint's config.json (its torch_dtype says whether the checkpoint held
bf16). Tensors stored as they are (f32 or bf16) are written here; packed or
quantized ones (int8, int4, f32 panels) are packed by llmc-pack-weights
(--packer, default: on PATH), which links the compiler's packing code and
nothing else.
"""
import argparse
import json
import multiprocessing
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portable_weights  # noqa: E402
from make_checkpoint import tensor_specs  # noqa: E402

HEADER_SIZE = 4096  # LLMC_WEIGHTS_HEADER_SIZE
ROWS_BYTES = 32 << 20  # per piece of work
ELEMENT_BYTES = {"f32": 4, "bf16": 2}


def pieces(layout, cfg, packer):
    """Work items covering every tensor of the layout, or SystemExit naming
    what cannot be rebuilt. ("rows", offset, name, shape, kind, first, rows,
    dtype) writes rows of a tensor stored as it is; ("pack", offset, parts,
    scheme, rows, cols, bytes) packs a (fused) tensor whole."""
    specs = {name: (shape, kind) for name, shape, kind in tensor_specs(cfg)}
    out = []
    for t in layout["tensors"]:
        name = t["name"]
        offset = HEADER_SIZE + t["offset"]
        parts = []
        for part in name.split("+"):
            if part not in specs:
                sys.exit(f"{part}: not a tensor of this config")
            parts.append((part,) + specs[part])
        if t["packed"] or t["quantization"]:
            if packer is None:
                sys.exit(f"{name}: packed or quantized, and no llmc-pack-weights "
                         "(--packer) to pack it")
            rows = sum(shape[0] for _, shape, _ in parts)
            cols = int(np.prod(parts[0][1][1:], dtype=np.int64))
            if [rows, cols] != t["shape"] or any(
                    int(np.prod(shape[1:], dtype=np.int64)) != cols
                    for _, shape, _ in parts):
                sys.exit(f"{name}: shape {t['shape']} in the layout, "
                         f"[{rows}, {cols}] from the config")
            out.append(("pack", offset, parts, t["quantization"] or "f32-panels",
                        rows, cols, t["bytes"]))
            continue
        if t["dtype"] not in ELEMENT_BYTES:
            sys.exit(f"{name}: stored as {t['dtype']}, which this script "
                     "cannot write")
        element = ELEMENT_BYTES[t["dtype"]]
        total = 0
        for part, shape, kind in parts:
            row_bytes = element * int(np.prod(shape[1:], dtype=np.int64))
            step = max(1, ROWS_BYTES // row_bytes)
            for first in range(0, shape[0], step):
                rows = min(step, shape[0] - first)
                out.append(("rows", offset + total + first * row_bytes, part,
                            shape, kind, first, rows, t["dtype"]))
            total += shape[0] * row_bytes
        if total != t["bytes"]:
            sys.exit(f"{name}: {t['bytes']} bytes in the layout, {total} from "
                     "the config")
    return out


def values(name, shape, kind, first, rows, seed, bf16_source):
    """The float32 values llmc read from the checkpoint: the stream, rounded
    to bf16 when the checkpoint stored bf16."""
    x = portable_weights.rows_of(name, shape, kind, first, rows, seed)
    if bf16_source:
        x = portable_weights.from_bf16(portable_weights.to_bf16(x))
    return x.reshape(rows, -1)


def write_piece(args):
    path, seed, bf16_source, packer, work = args
    if work[0] == "rows":
        _, offset, name, shape, kind, first, rows, dtype = work
        x = values(name, shape, kind, first, rows, seed, bf16_source)
        data = (portable_weights.to_bf16(x).astype("<u2") if dtype == "bf16"
                else x.astype("<f4")).tobytes()
    else:
        _, offset, parts, scheme, rows, cols, size = work
        x = np.concatenate([values(part, shape, kind, 0, shape[0], seed,
                                   bf16_source) for part, shape, kind in parts])
        done = subprocess.run([packer, scheme, str(rows), str(cols)],
                              input=x.astype("<f4").tobytes(),
                              capture_output=True)
        if done.returncode != 0:
            raise SystemExit(done.stderr.decode().strip())
        data = done.stdout
        if len(data) != size:
            raise SystemExit(f"{'+'.join(p[0] for p in parts)}: packed to "
                             f"{len(data)} bytes, the layout has {size}")
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
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
    ap.add_argument("--packer", default=shutil.which("llmc-pack-weights"),
                    help="llmc-pack-weights (default: on PATH)")
    args = ap.parse_args()
    with open(args.layout) as f:
        layout = json.load(f)
    with open(args.config) as f:
        cfg = json.load(f)
    cfg.setdefault("head_dim", cfg["hidden_size"] // cfg["num_attention_heads"])
    work = pieces(layout, cfg, args.packer)
    bf16_source = cfg.get("torch_dtype") == "bfloat16"
    # The largest pieces first, so that a whole-tensor packing does not
    # start last.
    work.sort(key=lambda w: -(w[4] * w[5] if w[0] == "pack" else 0))
    size = layout["weights_bytes"]

    # The header (abi.h's llmc_weights_header), then zeros up to the blob
    # and between its tensors, then every tensor at its offset.
    header = struct.pack("<8sIIQ48s", b"LLMCWTS1", layout["abi_version"], 0,
                         size, layout["model_id"].encode())
    with open(args.out, "wb") as f:
        f.write(header)
        f.truncate(HEADER_SIZE + size)
    with multiprocessing.Pool(max(1, args.jobs)) as pool:
        pool.map(write_piece, [(args.out, args.seed, bf16_source, args.packer, w)
                               for w in work], chunksize=1)
    print(f"{args.out}: {size / 1e9:.2f} GB in {len(layout['tensors'])} "
          f"tensors")


if __name__ == "__main__":
    main()
