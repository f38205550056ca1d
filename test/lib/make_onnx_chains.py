#!/usr/bin/env python3
"""Writes the long ONNX chains of test/frontends/onnx/long_chains.test:
models whose compile time grew quadratically or worse with their length.

  make_onnx_chains.py OUTDIR

OUTDIR/
  identity_backwards.onnx  Y = X through 500,000 Identity nodes stored last
                           first. Ordering them took one pass over the
                           pending nodes per node: 18 s for 40,000, so about
                           45 minutes for these (a quadratic extrapolation).
  add_relu.onnx            y = Relu(Add(y, C)) 1,000 times (2,000 nodes) on
                           X f32[2,4], with one C f32[4] for every Add: the
                           fused loop nests are bounded in size, and each Add
                           reads its own copy of C when bufferized.
  matmul_relu.onnx         y = Relu(MatMul(y, W)) 100 times on X f32[2,4],
                           W f32[4,4]: nothing fuses, every MatMul has a zero
                           fill of its own, and every buffer its own dealloc
                           after its last use.
  x_2x4.npy                the input of all three
  expected_add_relu.npy, expected_matmul_relu.npy
                           what numpy computes for them
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper  # noqa: F401  (not imported by `import onnx`)
from onnx import TensorProto, helper


def model_of(graph):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="make_onnx_chains.py")
    m.ir_version = 8
    return m


def io(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, [2, 4])


def identity_backwards(n):
    graph = onnx.GraphProto(name="identity_backwards", input=[io("X")],
                            output=[io("Y")])
    # make_node is slow at this size; protobuf's own add() is not.
    names = ["X"] + [f"v{i}" for i in range(1, n)] + ["Y"]
    for i in reversed(range(n)):
        node = graph.node.add()
        node.op_type = "Identity"
        node.input.append(names[i])
        node.output.append(names[i + 1])
    return model_of(graph)


def add_relu(n, c):
    nodes, y = [], "X"
    for i in range(n):
        nodes.append(helper.make_node("Add", [y, "C"], [f"a{i}"], f"add{i}"))
        nodes.append(helper.make_node("Relu", [f"a{i}"], [f"r{i}"],
                                      f"relu{i}"))
        y = f"r{i}"
    nodes.append(helper.make_node("Identity", [y], ["Y"], "out"))
    graph = helper.make_graph(nodes, "add_relu", [io("X")], [io("Y")],
                              [onnx.numpy_helper.from_array(c, "C")])
    return model_of(graph)


def matmul_relu(n, w):
    nodes, y = [], "X"
    for i in range(n):
        nodes.append(helper.make_node("MatMul", [y, "W"], [f"m{i}"],
                                      f"matmul{i}"))
        nodes.append(helper.make_node("Relu", [f"m{i}"], [f"r{i}"],
                                      f"relu{i}"))
        y = f"r{i}"
    nodes.append(helper.make_node("Identity", [y], ["Y"], "out"))
    graph = helper.make_graph(nodes, "matmul_relu", [io("X")], [io("Y")],
                              [onnx.numpy_helper.from_array(w, "W")])
    return model_of(graph)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    # Multiples of 1/4 keep every sum exact in f32.
    x = np.array([[1, -2, 0.5, 3], [-1, 2, -0.25, 0]], dtype=np.float32)
    c = np.array([0.5, -1, 0.25, 2], dtype=np.float32)
    w = (np.eye(4) * 0.5 + 0.125).astype(np.float32)
    np.save(os.path.join(out, "x_2x4.npy"), x)

    onnx.save(identity_backwards(500_000),
              os.path.join(out, "identity_backwards.onnx"))

    onnx.save(add_relu(1000, c), os.path.join(out, "add_relu.onnx"))
    y = x
    for _ in range(1000):
        y = np.maximum(y + c, 0)
    np.save(os.path.join(out, "expected_add_relu.npy"), y)

    onnx.save(matmul_relu(100, w), os.path.join(out, "matmul_relu.onnx"))
    y = x
    for _ in range(100):
        y = np.maximum(y @ w, 0)
    np.save(os.path.join(out, "expected_matmul_relu.npy"), y)


if __name__ == "__main__":
    main()
