"""Writes the PTX of each NVVM object of the gpu.binary ops in an MLIR file
(as gpu-module-to-binary{format=isa} leaves them) to OUT_DIR/<chip>.ptx, so
that a test can assemble every PTX the compiler emits with ptxas.

usage: extract_ptx.py MODULE.mlir OUT_DIR
"""
import os
import re
import sys


def main():
    text = open(sys.argv[1]).read()
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    objects = re.findall(
        r'#gpu\.object<#nvvm\.target<[^>]*chip = "(sm_\d+)"[^>]*>,'
        r'(?: properties = \{[^}]*\},)? assembly = "((?:[^"\\]|\\.)*)"', text)
    if not objects:
        sys.exit("no NVVM assembly objects in " + sys.argv[1])
    for chip, escaped in objects:
        ptx = re.sub(r"\\([0-9A-Fa-f]{2})",
                     lambda m: chr(int(m.group(1), 16)), escaped)
        with open(os.path.join(out_dir, chip + ".ptx"), "w") as f:
            f.write(ptx)
        print(chip, ptx.count(".entry"), "kernels")


if __name__ == "__main__":
    main()
