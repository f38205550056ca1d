"""Copies a compiled model, flipping one byte in the middle of its manifest.

The manifest section starts with the 32-byte header whose magic is
"LLMCMAN1"; the FlatBuffers manifest follows, and the flipped byte lies
64 bytes into it, inside its tables."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
start = data.find(b"LLMCMAN1")
assert start >= 0, "no manifest found"
data[start + 32 + 64] ^= 0x5A
open(sys.argv[2], "wb").write(data)
