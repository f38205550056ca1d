"""Copies a compiled model, flipping one byte in the middle of its manifest.

The manifest is the FlatBuffers buffer whose file identifier "LLMC" sits at
byte 4; the flipped byte is past the identifier, inside the tables."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
start = data.find(b"LLMC") - 4
assert start >= 0, "no manifest found"
data[start + 64] ^= 0x5A
open(sys.argv[2], "wb").write(data)
