"""Copies a compiled model's library (and its side file, if any), flipping
one byte in the middle of the weights: in the side file past its header
page, or in the library's .llmc.weights section.

  flip_weight_byte.py IN.so OUT.so"""
import os
import shutil
import struct
import sys

src, dst = sys.argv[1:3]
shutil.copy(src, dst)
if os.path.exists(src + ".weights"):
    data = bytearray(open(src + ".weights", "rb").read())
    data[4096 + (len(data) - 4096) // 2] ^= 0x40
    open(dst + ".weights", "wb").write(data)
    sys.exit(0)
data = bytearray(open(dst, "rb").read())
shoff, = struct.unpack_from("<Q", data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
def section(i):
    return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
names = section(shstrndx)
for i in range(shnum):
    s = section(i)
    start = names[4] + s[0]
    if data[start:data.index(b"\0", start)] == b".llmc.weights":
        data[s[4] + s[5] // 2] ^= 0x40
        open(dst, "wb").write(data)
        sys.exit(0)
sys.exit("no .llmc.weights section")
