"""Copies a Hugging Face model folder, setting one element of one tensor of
its model.safetensors to NaN or infinity: for the quantizer's bad-input test.

  poison_weight.py SRC DST TENSOR INDEX nan|inf
"""
import json
import shutil
import struct
import sys

src, dst, tensor, index, value = sys.argv[1:6]
shutil.copytree(src, dst)
path = dst + "/model.safetensors"
data = bytearray(open(path, "rb").read())
(length,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + length])
info = header[tensor]
assert info["dtype"] == "F32", info
offset = 8 + length + info["data_offsets"][0] + 4 * int(index)
data[offset:offset + 4] = struct.pack("<f", float(value))
open(path, "wb").write(data)
