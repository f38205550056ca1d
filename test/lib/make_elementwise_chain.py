#!/usr/bin/env python3
"""Prints a function that runs a value through N elementwise linalg.generic
ops in a row, each doubling it (fuse_elementwise.mlir fuses it).

  make_elementwise_chain.py N

Fusing such a chain one op at a time clones the growing body each time:
before fused bodies were bounded, llmc-fuse-elementwise took 36 s for a
chain of 10,000 and 168 s for 20,000 (over half an hour for 65,536, by
extrapolation).
"""
import sys


def main():
    n = int(sys.argv[1])
    out = sys.stdout
    out.write("#id = affine_map<(d0) -> (d0)>\n"
              "func.func @long_chain(%x: tensor<4xf32>) -> tensor<4xf32> {\n"
              "  %e = tensor.empty() : tensor<4xf32>\n")
    value = "%x"
    for i in range(n):
        out.write(f"  %v{i} = linalg.generic {{indexing_maps = [#id, #id], "
                  f"iterator_types = [\"parallel\"]}} ins({value} : "
                  f"tensor<4xf32>) outs(%e : tensor<4xf32>) {{\n"
                  f"  ^bb0(%a: f32, %o: f32):\n"
                  f"    %r = arith.addf %a, %a : f32\n"
                  f"    linalg.yield %r : f32\n"
                  f"  }} -> tensor<4xf32>\n")
        value = f"%v{i}"
    out.write(f"  return {value} : tensor<4xf32>\n}}\n")


if __name__ == "__main__":
    main()
