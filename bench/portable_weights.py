"""Random weights whose values the project defines, bit for bit.

numpy's Generator streams may change between numpy versions; these do not.
Each tensor draws from its own stream, keyed by its name and a seed: element
i of tensor `name` is a function of (name, seed, i) alone, so that any part
of any tensor can be regenerated anywhere, in any order (the GPU check
rebuilds a model's weights file on a machine the weights cannot travel to).

  value(i) = float32(S - 131070) * UNIT * std  (+ 1 for norm weights)

S is the sum of the four 16-bit lanes of splitmix64(key + i): an Irwin-Hall
approximation of a normal variable, computed in integers and scaled with two
float32 multiplications, which IEEE arithmetic rounds the same everywhere.
"""
import numpy as np

_MASK = (1 << 64) - 1
# 1 / std(S) for S the sum of four uniform 16-bit integers:
# std = sqrt(4 * (65536**2 - 1) / 12).
_UNIT = np.float32(1.0 / np.sqrt(4 * (65536.0 ** 2 - 1) / 12))


def _fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & _MASK
    return h


def _splitmix64(x):
    """splitmix64's output function over a uint64 array (wrapping)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def normal(name, seed, start, count):
    """Elements [start, start + count) of the stream of `name`: float32 with
    mean 0 and std 1 (approximately normal)."""
    key = np.uint64((_fnv1a64(name) ^ (seed * 0x9E3779B97F4A7C15)) & _MASK)
    with np.errstate(over="ignore"):
        counters = key + np.arange(start, start + count, dtype=np.uint64)
    z = _splitmix64(counters)
    lanes = np.uint64(0xFFFF)
    s = ((z & lanes) + ((z >> np.uint64(16)) & lanes) +
         ((z >> np.uint64(32)) & lanes) + (z >> np.uint64(48)))
    centered = s.astype(np.int64) - 131070  # 4 * 65535 / 2, exactly
    return centered.astype(np.float32) * _UNIT


def rows_of(name, shape, kind, first, count, seed=0, std=0.02):
    """Rows [first, first + count) of tensor `name` of `shape`, as
    transformers initializes Llama: std 0.02, norms 1 + 0.02 * normal."""
    row = int(np.prod(shape[1:], dtype=np.int64))
    x = normal(name, seed, first * row, count * row) * np.float32(std)
    if kind == "norm":
        x += np.float32(1.0)
    return x.reshape((count,) + tuple(shape[1:]))


def to_bf16(x):
    """float32 -> bfloat16 bits (uint16), rounding to nearest even, as
    PyTorch and llmc round (finite inputs)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    with np.errstate(over="ignore"):
        rounded = u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))
    return (rounded >> np.uint32(16)).astype(np.uint16)


def from_bf16(bits):
    """bfloat16 bits (uint16) -> float32, exactly."""
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)
