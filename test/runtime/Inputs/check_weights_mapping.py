"""Checks that a loaded model's weights are a mapping of its file, not a copy.

Loads each model through the C API, asks where its weights blob is, and finds
that address in /proc/self/maps: it must lie in a read-only mapping of the
expected file (the library itself when embedded, the side file otherwise),
at a page-aligned address. Prints the file and its resident size."""
import ctypes
import os
import sys

sys.path.insert(0, sys.argv[1])
from llmc_runtime import Runtime  # noqa: E402


def mapping_of(address):
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if lo <= address < hi:
                return fields[1], fields[5] if len(fields) > 5 else ""
    return None, None


runtime = Runtime(sys.argv[2])
for path, expected_file in zip(sys.argv[3::2], sys.argv[4::2]):
    model = runtime.load(path)
    size = ctypes.c_size_t()
    address = runtime.lib.llmc_model_weights(model.handle, ctypes.byref(size))
    perms, file = mapping_of(address)
    assert file and os.path.basename(file) == expected_file, (path, file)
    assert perms.startswith("r") and "w" not in perms, perms
    assert address % 4096 == 0, hex(address)
    print(f"{os.path.basename(path)}: {size.value} bytes of weights mapped "
          f"{perms} from {os.path.basename(file)}")
    model.close()
