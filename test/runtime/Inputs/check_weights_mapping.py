"""Where a loaded model's weights are: copied into the process's memory (the
default on the CPU), or a mapping of its file (LLMC_OPEN_MAP_WEIGHTS).

Loads each model through the C API with and without the flag, asks where
its weights blob is, and finds that address in /proc/self/maps. Copied: an
anonymous read-only mapping holding the same bytes as the file, and
llmc_model_weights_in_memory says 1. Mapped: a read-only mapping of the
expected file (the library itself when embedded, the side file otherwise)
at a page-aligned address, and it says 0. Prints what it found."""
import ctypes
import os
import sys

sys.path.insert(0, sys.argv[1])
from llmc_runtime import Runtime  # noqa: E402

LLMC_OPEN_MAP_WEIGHTS = 4


def mapping_of(address):
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if lo <= address < hi:
                return fields[1], int(fields[4]), fields[5] if len(fields) > 5 else ""
    return None, None, None


runtime = Runtime(sys.argv[2])
lib = runtime.lib
lib.llmc_model_weights_in_memory.restype = ctypes.c_int
lib.llmc_model_weights_in_memory.argtypes = [ctypes.c_void_p]
lib.llmc_model_open.restype = ctypes.c_void_p
lib.llmc_model_open.argtypes = [ctypes.c_char_p, ctypes.c_uint32,
                                ctypes.POINTER(ctypes.c_void_p)]
blobs = {}
for flags in (0, LLMC_OPEN_MAP_WEIGHTS):
    for path, expected_file in zip(sys.argv[3::2], sys.argv[4::2]):
        handle = ctypes.c_void_p()
        status = lib.llmc_model_open(path.encode(), flags, ctypes.byref(handle))
        assert not status, path
        size = ctypes.c_size_t()
        address = lib.llmc_model_weights(handle, ctypes.byref(size))
        blob = ctypes.string_at(address, size.value)
        perms, inode, file = mapping_of(address)
        assert perms.startswith("r") and "w" not in perms, perms
        assert address % 4096 == 0, hex(address)
        in_memory = lib.llmc_model_weights_in_memory(handle)
        name = os.path.basename(path)
        if flags:
            assert file and os.path.basename(file) == expected_file, (path, file)
            assert in_memory == 0
            assert blob == blobs[name]
            print(f"{name}: {size.value} bytes of weights mapped {perms} "
                  f"from {os.path.basename(file)}")
        else:
            assert inode == 0 and not file.startswith("/"), (path, file)
            assert in_memory == 1
            blobs[name] = blob
            print(f"{name}: {size.value} bytes of weights copied into "
                  f"memory, {perms}")
        lib.llmc_model_free(handle)
