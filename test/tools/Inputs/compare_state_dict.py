"""Compares an .npz state dict (gpu-check-torch.py weights) with a
safetensors checkpoint's bf16/f32 tensors, bit for bit; prints one line."""
import json
import struct
import sys

import numpy as np

npz = np.load(sys.argv[1])
with open(sys.argv[2], "rb") as f:
    (length,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(length))
    base = 8 + length
    blob = np.fromfile(f, dtype=np.uint8)
dtypes = {"BF16": np.uint16, "F32": np.float32}
names = [n for n in header if n != "__metadata__"]
differ = []
for name in names:
    meta = header[name]
    begin, end = meta["data_offsets"]
    expected = blob[begin:end].view(dtypes[meta["dtype"]]).reshape(meta["shape"])
    if name not in npz or npz[name].dtype != expected.dtype or \
            not np.array_equal(npz[name], expected):
        differ.append(name)
extra = sorted(set(npz.files) - set(names))
print(f"{len(names) - len(differ)} of {len(names)} tensors identical; "
      f"differ: {differ}; extra: {extra}")
