"""Copies a compiled model, renaming one CPU feature of its manifest to a
name of the same length (e.g. sse4.2 -> sse9.9) and updating the manifest's
checksum where the section header and the descriptor hold it, so that the
artifact is consistent but asks for a feature the runtime does not know.

  rename_feature.py IN.so OUT.so OLD NEW"""
import struct
import sys


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


src, dst, old, new = sys.argv[1:5]
assert len(old) == len(new)
data = bytearray(open(src, "rb").read())
start = data.find(b"LLMCMAN1")
assert start >= 0, "no manifest section"
size, checksum = struct.unpack_from("<QQ", data, start + 16)
body = start + 32
manifest = bytes(data[body:body + size])
# A FlatBuffers string: its length (u32), then its bytes and a NUL.
needle = struct.pack("<I", len(old)) + old.encode() + b"\0"
at = manifest.find(needle)
assert at >= 0, f"no feature {old} in the manifest"
data[body + at + 4:body + at + 4 + len(old)] = new.encode()
renamed = fnv1a64(data[body:body + size])
old_bytes, new_bytes = struct.pack("<Q", checksum), struct.pack("<Q", renamed)
assert data.count(old_bytes) == 2, "expected the checksum in the header and the descriptor"
data = data.replace(old_bytes, new_bytes)
open(dst, "wb").write(data)
