#!/usr/bin/env python3
"""Writes the small ONNX models the frontend tests (test/frontends/onnx) use.

  make_onnx_models.py OUTDIR [--no-sparse]

(--no-sparse skips sparse_3gb/, whose weights.bin has an apparent size of
over 4 GiB, for tests that do not need it.)

Every model is built with onnx.helper; inputs and numpy expectations for the
tests that execute a model are written beside them. All data is seeded, so
the output is the same on every run.

OUTDIR/
  static_shape_chain.onnx   X f32[2,3,8]; Shape -> Gather(0), Gather(1) ->
                            Unsqueeze -> Concat with [4, 2] -> Reshape X to
                            [2,3,4,2]. All shape arithmetic is known at
                            import, so the Reshape must become a static
                            tensor.expand_shape (no tensor.dim/tensor.reshape).
  dynamic_shape_chain.onnx  The same with X ["batch", "seq", 8]: the shape is
                            built from runtime dims (tensor.dim) and the
                            Reshape should be an expand_shape to ?x?x4x2
                            (see shape_folding_dynamic_expand.test).
  initializer_input.onnx    IR version 3, opset 11: Y = MatMul(X, W) + B, with
                            initializers W f32[4,3] and B f32[3] also listed in
                            graph.input (so they are overridable inputs).
  external_data/            model.onnx + weights.bin: W f32[16,16] stored
                            externally (location "weights.bin", offset 0);
                            Y = MatMul(X, W).
  external_escape_dotdot/   as external_data, but location "../outside.bin"
                            (OUTDIR/outside.bin exists and is large enough).
  external_escape_absolute/ location "/etc/hostname".
  external_escape_symlink/  location "link.bin", a symlink to ../outside.bin.
  external_past_eof/        weights.bin is 1024 bytes, offset 4096.
  external_bad_length/      external data "length" 512 for a 1024-byte tensor.
  external_symlink_inside/  location "alias.bin", a symlink to "data/w.bin"
                            inside the folder: allowed.
  sparse_3gb/               model.onnx + weights.bin: W f32[4,4] at offset
                            3 GiB of a sparse weights.bin (64-bit offsets);
                            Y = MatMul(X, W). W is small, so it is read at
                            import and folded into an arith.constant.
  sparse_3gb/model_large.onnx  W f32[16,16] at offset 4 GiB + 64 of the same
                            file (past 32 bits: a truncated offset would read
                            the zeros at 64): a weight (llm.weight), read when
                            the library's weights are written.
  unsupported_op.onnx       a com.microsoft::GroupQueryAttention node named
                            "Attention_3" (opset import com.microsoft 1).
  unknown_input_type.onnx   an input of type UINT8.
  not_topological.onnx      Y = Relu(Add(X, X) * C), with the nodes stored
                            consumers first.
  cycle.onnx                two Relu nodes that read each other's output.
  runtime_broadcast.onnx    C = Add(A["n"], B["m"]) and D = MatMul(P["r",
                            "k"], Q["j", 2]): sizes only the run time knows,
                            which must broadcast (a 1) or agree.
  constant_of_shape.onnx    Y = ConstantOfShape(S) with S an int64[2] input:
                            a buffer whose size comes from run-time values.
  duplicate_output.onnx     two nodes that both write "y".
  negative_dim.onnx         an input declared with a dim of -3.
  reshape_mismatch.onnx     Reshape of X f32[2, 3] to [4] (the fuzzer's:
                            invalid IR; now an import error).
  concat_empty.onnx, concat_no_axis.onnx
                            Concat of X f32[2, 2, 0] with itself, on axis 0
                            and without an axis.
  concat_rows.onnx          Concat on axis 1 of A f32["n", 2], B f32[0, 2].
  transpose_scalar.onnx     Transpose of X f32[] (the identity).
  squeeze_static_not_1.onnx, squeeze_runtime.onnx
                            Squeeze by axes from an input, of X f32[5] and of
                            X f32["a", "b"].
  reshape_runtime.onnx      Reshape of X f32["n", 3] to [2, -1]: only the run
                            time knows whether it fits.
  einsum_mismatch.onnx      Einsum bij,bjk->bik with j of sizes 3 and 37.
  einsum_output_twice.onnx, einsum_output_unknown.onnx
                            Einsum outputs bkk (a label twice) and biz (z in
                            no operand).
  einsum_runtime.onnx       Einsum ij,jk->ik, j dynamic in both operands.
  contrib/                  onnxruntime contrib ops (contrib_ops.test): one
                            model per form, <model>.onnx, and beside it
                            <model>/<case>/ with inputs (<name>.npy) and
                            expected/<output>.npy from the numpy references
                            below (the layout check_onnx_exports.py reads).
                            Models named bad_* are refused at import.
  nbits/                    com.microsoft.MatMulNBits (matmulnbits.test), in
                            contrib/'s layout: random 4-bit codes, scales and
                            zero points, against a numpy dequantization.

Inputs and expectations (.npy):
  x_2x3x8.npy                        input of the shape chains
  expected_shape_chain.npy           X reshaped to [2,3,4,2]
  x_1x5x8.npy, expected_shape_chain_1x5.npy  another shape, for the dynamic one
  x_2x4.npy, w_override.npy          inputs of initializer_input
  f32_1.npy, f32_4.npy, f32_3000.npy arange inputs of runtime_broadcast
  f32_3x4.npy, f32_3x5.npy, f32_4x2.npy  (and their expectations, e.g.
                                     expected_add_4_1.npy)
  shape_*.npy                        int64[2] shapes for constant_of_shape
  w_override.pb                      the same override as a TensorProto
  w_wrong_shape.npy                  f32[3,4]: an override of the wrong shape
  expected_initializer_default.npy   X @ W_stored + B
  expected_initializer_override.npy  X @ w_override + B
  x_2x16.npy, expected_external.npy  external_data
  x_2x4.npy, expected_sparse.npy     sparse_3gb/model.onnx
  expected_sparse_large.npy          sparse_3gb/model_large.onnx (X is x_2x16)
  x_2x4.npy, expected_topological.npy  not_topological (X is [2,4])
  matmul_f16_sum.onnx, matmul_f16_sum_{a,b}.npy, expected_matmul_f16_sum.npy
                                     an f16 MatMul whose sum must not be
                                     rounded at every term
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper  # noqa: F401  (not imported by `import onnx`)
from onnx import TensorProto, helper

OPSET = 17


def save(model, path):
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    onnx.save(model, path)


def save_unchecked(model, path):
    """For models the checker rejects on purpose (external files it would
    open, unknown domains)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def model_of(graph, opset=OPSET, ir_version=8, extra_opsets=()):
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets,
                          producer_name="make_onnx_models.py")
    m.ir_version = ir_version
    return m


def int64_const(name, values, scalar=False):
    arr = np.array(values, dtype=np.int64)
    if scalar:
        arr = arr.reshape(())
    return onnx.numpy_helper.from_array(arr, name)


def shape_chain(dims, out_dims):
    """X -> Shape -> Gather 0/1 -> Unsqueeze -> Concat [d0, d1, 4, 2] ->
    Reshape(X)."""
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, dims)
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, out_dims)
    inits = [
        int64_const("idx0", 0, scalar=True),
        int64_const("idx1", 1, scalar=True),
        int64_const("axes0", [0]),
        int64_const("tail", [4, 2]),
    ]
    nodes = [
        helper.make_node("Shape", ["X"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "idx0"], ["d0"], name="gather0",
                         axis=0),
        helper.make_node("Gather", ["shape", "idx1"], ["d1"], name="gather1",
                         axis=0),
        helper.make_node("Unsqueeze", ["d0", "axes0"], ["d0_1"],
                         name="unsqueeze0"),
        helper.make_node("Unsqueeze", ["d1", "axes0"], ["d1_1"],
                         name="unsqueeze1"),
        helper.make_node("Concat", ["d0_1", "d1_1", "tail"], ["new_shape"],
                         name="concat", axis=0),
        helper.make_node("Reshape", ["X", "new_shape"], ["Y"], name="reshape"),
    ]
    return helper.make_graph(nodes, "shape_chain", [x], [y], inits)


def external_tensor(name, shape, location, offset, length=None):
    """A float tensor whose data lives in `location` at `offset`."""
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(shape)
    t.data_location = TensorProto.EXTERNAL
    entries = [("location", location), ("offset", str(offset))]
    if length is not None:
        entries.append(("length", str(length)))
    for k, v in entries:
        e = t.external_data.add()
        e.key = k
        e.value = v
    return t


def matmul_external_model(w_tensor, k, n, batch=2):
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [batch, k])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [batch, n])
    node = helper.make_node("MatMul", ["X", "W"], ["Y"], name="matmul")
    graph = helper.make_graph([node], "external", [x], [y], [w_tensor])
    return model_of(graph)


def main():
    args = sys.argv[1:]
    sparse = "--no-sparse" not in args
    args = [a for a in args if a != "--no-sparse"]
    if len(args) != 1 or args[0].startswith("-"):
        sys.exit(__doc__)
    out = args[0]
    os.makedirs(out, exist_ok=True)
    p = lambda *parts: os.path.join(out, *parts)  # noqa: E731
    rng = np.random.default_rng(0)

    # a/b: shape chains.
    save(model_of(shape_chain([2, 3, 8], [2, 3, 4, 2])),
         p("static_shape_chain.onnx"))
    save(model_of(shape_chain(["batch", "seq", 8], ["batch", "seq", 4, 2])),
         p("dynamic_shape_chain.onnx"))
    x238 = rng.standard_normal((2, 3, 8)).astype(np.float32)
    np.save(p("x_2x3x8.npy"), x238)
    np.save(p("expected_shape_chain.npy"), x238.reshape(2, 3, 4, 2))
    x158 = rng.standard_normal((1, 5, 8)).astype(np.float32)
    np.save(p("x_1x5x8.npy"), x158)
    np.save(p("expected_shape_chain_1x5.npy"), x158.reshape(1, 5, 4, 2))

    # c: initializers listed as graph inputs (IR version 3 style).
    x24 = rng.standard_normal((2, 4)).astype(np.float32)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    b = rng.standard_normal((3,)).astype(np.float32)
    w_other = rng.standard_normal((4, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["XW"], name="matmul"),
         helper.make_node("Add", ["XW", "B"], ["Y"], name="add")],
        "initializer_input",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 4]),
         helper.make_tensor_value_info("W", TensorProto.FLOAT, [4, 3]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])],
        [onnx.numpy_helper.from_array(w, "W"),
         onnx.numpy_helper.from_array(b, "B")])
    save(model_of(graph, opset=11, ir_version=3), p("initializer_input.onnx"))
    np.save(p("x_2x4.npy"), x24)
    np.save(p("w_override.npy"), w_other)
    with open(p("w_override.pb"), "wb") as f:
        f.write(onnx.numpy_helper.from_array(w_other, "W").SerializeToString())
    np.save(p("w_wrong_shape.npy"), np.ones((3, 4), dtype=np.float32))
    np.save(p("expected_initializer_default.npy"), x24 @ w + b)
    np.save(p("expected_initializer_override.npy"), x24 @ w_other + b)

    # d: external data beside the model.
    w16 = rng.standard_normal((16, 16)).astype(np.float32)
    x216 = rng.standard_normal((2, 16)).astype(np.float32)
    os.makedirs(p("external_data"), exist_ok=True)
    with open(p("external_data", "weights.bin"), "wb") as f:
        f.write(w16.tobytes())
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "weights.bin", 0), 16, 16),
        p("external_data", "model.onnx"))
    np.save(p("x_2x16.npy"), x216)
    np.save(p("expected_external.npy"), x216 @ w16)

    # e: locations that leave the model's folder, and a span past the end.
    # outside.bin holds real data, so only the location check can refuse it.
    with open(p("outside.bin"), "wb") as f:
        f.write(w16.tobytes())
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "../outside.bin", 0), 16, 16),
        p("external_escape_dotdot", "model.onnx"))
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "/etc/hostname", 0), 16, 16),
        p("external_escape_absolute", "model.onnx"))
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "link.bin", 0), 16, 16),
        p("external_escape_symlink", "model.onnx"))
    link = p("external_escape_symlink", "link.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.join("..", "outside.bin"), link)
    os.makedirs(p("external_past_eof"), exist_ok=True)
    with open(p("external_past_eof", "weights.bin"), "wb") as f:
        f.write(w16.tobytes())  # 1024 bytes
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "weights.bin", 4096), 16, 16),
        p("external_past_eof", "model.onnx"))
    os.makedirs(p("external_bad_length"), exist_ok=True)
    with open(p("external_bad_length", "weights.bin"), "wb") as f:
        f.write(w16.tobytes())
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "weights.bin", 0, length=512), 16, 16),
        p("external_bad_length", "model.onnx"))
    os.makedirs(p("external_symlink_inside", "data"), exist_ok=True)
    with open(p("external_symlink_inside", "data", "w.bin"), "wb") as f:
        f.write(w16.tobytes())
    alias = p("external_symlink_inside", "alias.bin")
    if os.path.lexists(alias):
        os.remove(alias)
    os.symlink(os.path.join("data", "w.bin"), alias)
    save_unchecked(matmul_external_model(
        external_tensor("W", [16, 16], "alias.bin", 0), 16, 16),
        p("external_symlink_inside", "model.onnx"))

    # f: a 64-bit offset into a sparse file (3 GiB of holes, then 64 bytes).
    w44 = (np.arange(16, dtype=np.float32).reshape(4, 4) - 7.5) / 4
    # The same file also holds a weight-sized tensor past 4 GiB.
    w16b = rng.standard_normal((16, 16)).astype(np.float32)
    offset = 3 * 2**30
    offset_large = 2**32 + 64
    if sparse:
        os.makedirs(p("sparse_3gb"), exist_ok=True)
        with open(p("sparse_3gb", "weights.bin"), "wb") as f:
            f.seek(offset)
            f.write(w44.tobytes())
            f.seek(offset_large)
            f.write(w16b.tobytes())
        save_unchecked(matmul_external_model(
            external_tensor("W", [4, 4], "weights.bin", offset), 4, 4),
            p("sparse_3gb", "model.onnx"))
        save_unchecked(matmul_external_model(
            external_tensor("W", [16, 16], "weights.bin", offset_large),
            16, 16), p("sparse_3gb", "model_large.onnx"))
        np.save(p("expected_sparse.npy"), x24 @ w44)
        np.save(p("expected_sparse_large.npy"), x216 @ w16b)

    # g: an op from another domain that the importer does not know.
    graph = helper.make_graph(
        [helper.make_node("GroupQueryAttention",
                          ["query", "key", "value"], ["out"],
                          name="Attention_3", domain="com.microsoft",
                          num_heads=2, kv_num_heads=1)],
        "unsupported_op",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 4, 8])
         for n in ("query", "key", "value")],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 8])])
    save_unchecked(model_of(graph, extra_opsets=[("com.microsoft", 1)]),
                   p("unsupported_op.onnx"))

    # h: an input type the importer has no MLIR type for.
    graph = helper.make_graph(
        [helper.make_node("Identity", ["ids"], ["out"], name="identity")],
        "unknown_input_type",
        [helper.make_tensor_value_info("ids", TensorProto.UINT8, [4])],
        [helper.make_tensor_value_info("out", TensorProto.UINT8, [4])])
    save(model_of(graph), p("unknown_input_type.onnx"))

    # i: nodes stored consumers first (the checker would refuse this).
    c = np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Relu", ["scaled"], ["Y"], name="relu"),
         helper.make_node("Mul", ["sum", "C"], ["scaled"], name="mul"),
         helper.make_node("Add", ["X", "X"], ["sum"], name="add")],
        "not_topological",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 4])],
        [onnx.numpy_helper.from_array(c, "C")])
    save_unchecked(model_of(graph), p("not_topological.onnx"))
    np.save(p("expected_topological.npy"), np.maximum((x24 + x24) * c, 0))

    graph = helper.make_graph(
        [helper.make_node("Relu", ["b"], ["a"], name="relu_a"),
         helper.make_node("Relu", ["a"], ["b"], name="relu_b"),
         helper.make_node("Add", ["X", "a"], ["Y"], name="add")],
        "cycle",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 4])])
    save_unchecked(model_of(graph), p("cycle.onnx"))

    # j: a Transpose whose perm repeats an axis and names one past the rank
    # (found by the fuzzer: it used to index the input's sizes with it).
    graph = helper.make_graph(
        [helper.make_node("Transpose", ["X"], ["Y"], name="transpose",
                          perm=[0, 33, 0])],
        "bad_perm",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3, 4])])
    save_unchecked(model_of(graph), p("bad_perm.onnx"))

    # Split into parts the axis does not hold (the fuzzer found the first:
    # 2 elements into 3 equal parts sliced past the end, invalid IR): the
    # last part may be empty; more parts than elements, or sizes that do not
    # add up, are refused.
    for name, dim, outputs, sizes in [("split_uneven", 2, 3, None),
                                      ("split_too_many", 2, 4, None),
                                      ("split_bad_sizes", 4, 2, [1, 5])]:
        inputs, inits = ["X"], []
        if sizes:
            inits.append(int64_const("sizes", sizes))
            inputs.append("sizes")
        outs = [f"Y{i}" for i in range(outputs)]
        graph = helper.make_graph(
            [helper.make_node("Split", inputs, outs, name="split")], name,
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, [dim])],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
            initializer=inits)
        save_unchecked(model_of(graph, opset=13), p(name + ".onnx"))

    # The same with sizes only the run time knows: a dynamic axis split into
    # equal parts, and sizes given as a graph input.
    for name, outputs, sizes in [("split_dynamic", 3, False),
                                 ("split_runtime_sizes", 2, True)]:
        inputs = ["X", "sizes"] if sizes else ["X"]
        outs = [f"Y{i}" for i in range(outputs)]
        graph_inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N"])]
        if sizes:
            graph_inputs.append(helper.make_tensor_value_info("sizes", TensorProto.INT64, [2]))
        graph = helper.make_graph(
            [helper.make_node("Split", inputs, outs, name="split")], name, graph_inputs,
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs])
        save_unchecked(model_of(graph, opset=13), p(name + ".onnx"))

    # k: nodes with fewer inputs than their operator takes, or a required
    # input left unnamed (the fuzzer made the first from a Reduce node).
    for name, inputs in [("missing_input", ["X"]), ("unnamed_input", ["X", ""])]:
        graph = helper.make_graph(
            [helper.make_node("Add", inputs, ["Y"], name="add")], name,
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
        save_unchecked(model_of(graph), p(name + ".onnx"))

    # l: input element types outside the operator's type constraints: Gather
    # indices in f64 (found by the fuzzer: it used to emit invalid IR), and
    # an Add of f32 and f64.
    graph = helper.make_graph(
        [helper.make_node("Gather", ["X", "I"], ["Y"], name="gather")],
        "float_indices",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4, 2]),
         helper.make_tensor_value_info("I", TensorProto.DOUBLE, [3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [3, 2])])
    save_unchecked(model_of(graph), p("float_indices.onnx"))
    graph = helper.make_graph(
        [helper.make_node("Add", ["X", "Z"], ["Y"], name="add")],
        "mixed_types",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2]),
         helper.make_tensor_value_info("Z", TensorProto.DOUBLE, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])])
    save_unchecked(model_of(graph), p("mixed_types.onnx"))

    # m: a Concat whose inputs disagree off the axis (the fuzzer changed a
    # reshape target in a GPT-2 export to get one; it used to give invalid IR).
    graph = helper.make_graph(
        [helper.make_node("Concat", ["A", "B"], ["Y"], name="concat", axis=0)],
        "concat_mismatch",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["n", 4]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, ["m", 9])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["k", 4])])
    save_unchecked(model_of(graph), p("concat_mismatch.onnx"))

    # n: a Slice with run-time starts, ends, axes and steps of different
    # lengths (from the fuzzer: it read past the end of the shorter list).
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"],
                          ["y"], name="slice")],
        "slice_lengths",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [20, 10, 5])] +
        [helper.make_tensor_value_info(name, TensorProto.INT64, [n])
         for name, n in [("starts", 3), ("ends", 3), ("axes", 2), ("steps", 3)]],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    save_unchecked(model_of(graph), p("slice_lengths.onnx"))

    # o: a Reshape to an absurd dimension (the fuzzer's overflowed the size
    # arithmetic).
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
        "absurd_dim",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [onnx.numpy_helper.from_array(
            np.array([-1, 7956016859884839277], dtype=np.int64), "shape")])
    save_unchecked(model_of(graph), p("absurd_dim.onnx"))
    # ... and to dims each below 2^40 whose product overflows int64 (the
    # fuzzer's: UBSan caught the multiplication).
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
        "absurd_product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [onnx.numpy_helper.from_array(
            np.array([0, 268435455, 68719476735], dtype=np.int64), "shape")])
    save_unchecked(model_of(graph), p("absurd_product.onnx"))
    # ... and a Flatten of declared dims whose product overflows int64
    # (folding it was undefined behavior; now the generated code computes
    # it and its size checks refuse it).
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["x"], ["y"], name="flatten", axis=2)],
        "huge_dims_flatten",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [1 << 32, 1 << 32, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    save_unchecked(model_of(graph), p("huge_dims_flatten.onnx"))

    # p: a reshape whose source ends in a unit dim after the last block
    # ([n, 3, 4, 1] -> [n, 12]; the fuzzer found it dropped from the
    # collapse, which gave invalid IR).
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["a"], ["b"], name="flatten", axis=1)],
        "flatten_unit",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", 3, 4, 1])],
        [helper.make_tensor_value_info("b", TensorProto.FLOAT, ["n", 12])])
    save(model_of(graph), p("flatten_unit.onnx"))
    a = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4, 1)
    np.save(p("a_2x3x4x1.npy"), a)
    np.save(p("expected_flatten_unit.npy"), a.reshape(2, 12))

    # q: a Slice of an input with a static 0 dim (the fuzzer's: the slice
    # verifier refused offset 0 into it, so the importer built invalid IR).
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "starts", "ends"], ["y"],
                          name="slice")],
        "slice_empty",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 0]),
         helper.make_tensor_value_info("starts", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("ends", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["k", 0])])
    save(model_of(graph), p("slice_empty.onnx"))

    # r: broadcasts and contractions between sizes only the run time knows.
    graph = helper.make_graph(
        [helper.make_node("Add", ["A", "B"], ["C"], name="add"),
         helper.make_node("MatMul", ["P", "Q"], ["D"], name="matmul")],
        "runtime_broadcast",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["n"]),
         helper.make_tensor_value_info("B", TensorProto.FLOAT, ["m"]),
         helper.make_tensor_value_info("P", TensorProto.FLOAT, ["r", "k"]),
         helper.make_tensor_value_info("Q", TensorProto.FLOAT, ["j", 2])],
        [helper.make_tensor_value_info("C", TensorProto.FLOAT, ["c"]),
         helper.make_tensor_value_info("D", TensorProto.FLOAT, ["r", 2])])
    save(model_of(graph), p("runtime_broadcast.onnx"))
    for n in (1, 4, 3000):
        np.save(p(f"f32_{n}.npy"), np.arange(n, dtype=np.float32))
    a4 = np.arange(4, dtype=np.float32)
    np.save(p("expected_add_4_1.npy"), a4 + np.float32(0))
    np.save(p("expected_add_4_4.npy"), a4 + a4)
    for shape in ((3, 4), (3, 5), (4, 2)):
        np.save(p("f32_%dx%d.npy" % shape),
                np.arange(np.prod(shape), dtype=np.float32).reshape(shape))
    np.save(p("expected_matmul_3x4_4x2.npy"),
            np.arange(12, dtype=np.float32).reshape(3, 4)
            @ np.arange(8, dtype=np.float32).reshape(4, 2))

    # MatMul with vector operands (numpy: a 1-D operand gains a unit dim
    # that the result drops), static and dynamic; found by llmc-fuzz-onnx.
    rng = np.random.default_rng(7)
    for name, a_shape, b_shape, a_dims, b_dims in (
            ("v_3d", (4,), (2, 4, 3), [4], [2, 4, 3]),
            ("m_v", (3, 4), (4,), [3, 4], [4]),
            ("v_v", (5,), (5,), [5], [5]),
            ("vdyn_3d", (4,), (2, 4, 3), ["k"], ["b", "k", 3]),
            ("3d_vdyn", (2, 3, 4), (4,), ["b", 3, "k"], ["k"])):
        out_shape = list(np.matmul(np.zeros(a_shape), np.zeros(b_shape)).shape)
        out_dims = [f"y{i}" for i in range(len(out_shape))]
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul")],
            "matmul_" + name,
            [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_dims),
             helper.make_tensor_value_info("b", TensorProto.FLOAT, b_dims)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims)])
        save(model_of(graph), p(f"matmul_{name}.onnx"))
        a = rng.standard_normal(a_shape).astype(np.float32)
        b = rng.standard_normal(b_shape).astype(np.float32)
        np.save(p(f"matmul_{name}_a.npy"), a)
        np.save(p(f"matmul_{name}_b.npy"), b)
        expected = np.matmul(a, b)
        assert list(expected.shape) == out_shape
        np.save(p(f"expected_matmul_{name}.npy"), np.asarray(expected, np.float32))

    # f16 MatMul over 257 terms: 1 and 256 products of 2^-11. Summed in f16
    # the total stays 1 (each 1 + 2^-11 rounds back to 1); in f32, 1.125.
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul")],
        "matmul_f16_sum",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT16, [2, 257]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT16, [257, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT16, [2, 1])])
    save(model_of(graph), p("matmul_f16_sum.onnx"))
    a = np.ones((2, 257), np.float16)
    a[1] = -1
    b = np.full((257, 1), 2.0 ** -11, np.float16)
    b[0] = 1
    np.save(p("matmul_f16_sum_a.npy"), a)
    np.save(p("matmul_f16_sum_b.npy"), b)
    np.save(p("expected_matmul_f16_sum.npy"),
            np.array([[1.125], [-1.125]], np.float16))

    # s: a buffer sized by run-time values.
    graph = helper.make_graph(
        [helper.make_node("ConstantOfShape", ["S"], ["Y"], name="fill",
                          value=helper.make_tensor("v", TensorProto.FLOAT,
                                                   [1], [1.5]))],
        "constant_of_shape",
        [helper.make_tensor_value_info("S", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["a", "b"])])
    save(model_of(graph), p("constant_of_shape.onnx"))
    for name, shape in (("2x3", [2, 3]), ("huge", [1 << 40, 1]),
                        ("overflow", [1 << 32, 1 << 32]),
                        ("negative", [-1, 4])):
        np.save(p(f"shape_{name}.npy"), np.array(shape, dtype=np.int64))

    # t: two nodes writing one output name.
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="first"),
         helper.make_node("Neg", ["x"], ["y"], name="second")],
        "duplicate_output",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    save_unchecked(model_of(graph), p("duplicate_output.onnx"))

    # u: a negative static dim.
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        "negative_dim",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, -3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, -3])])
    save_unchecked(model_of(graph), p("negative_dim.onnx"))

    # v: reshapes whose element counts disagree, statically or at run time.
    for name, dims, shape in (("reshape_mismatch", [2, 3], [4]),
                              ("reshape_runtime", ["n", 3], [2, -1])):
        graph = helper.make_graph(
            [helper.make_node("Reshape", ["X", "S"], ["Y"], name="reshape")],
            name,
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, dims)],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
            [int64_const("S", shape)])
        save_unchecked(model_of(graph), p(name + ".onnx"))
    np.save(p("f32_3x3.npy"), np.arange(9, dtype=np.float32).reshape(3, 3))
    np.save(p("f32_4x3.npy"), np.arange(12, dtype=np.float32).reshape(4, 3))

    # w: Squeeze with axes from an input (opset 13): of X f32[5], which
    # has no dim of 1 (the fuzzer's: an invalid tensor.reshape), and of
    # X f32["a", "b"], whose squeezed dim must be 1 at run time.
    for name, dims in (("squeeze_static_not_1", [5]),
                       ("squeeze_runtime", ["a", "b"])):
        graph = helper.make_graph(
            [helper.make_node("Squeeze", ["X", "axes"], ["Y"], name="squeeze")],
            name,
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, dims),
             helper.make_tensor_value_info("axes", TensorProto.INT64, [1])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
        save_unchecked(model_of(graph, opset=13), p(name + ".onnx"))
    np.save(p("f32_1x3.npy"), np.arange(3, dtype=np.float32).reshape(1, 3))
    np.save(p("axis_0.npy"), np.array([0], np.int64))

    # x: Concat of inputs with a dim of size 0 (axis 0), and a Concat with
    # no axis attribute (required; the fuzzer's: it defaulted to 0).
    for name, attrs in (("concat_empty", {"axis": 0}), ("concat_no_axis", {})):
        graph = helper.make_graph(
            [helper.make_node("Concat", ["X", "X"], ["Y"], name="concat", **attrs)],
            name,
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 2, 0])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
        save_unchecked(model_of(graph, opset=13), p(name + ".onnx"))
    np.save(p("f32_2x2x0.npy"), np.zeros((2, 2, 0), np.float32))
    # Concat on axis 1 of A f32["n", 2] and B f32[0, 2] (the fuzzer's: the
    # result has no rows whatever n is, and n must be 0 at run time).
    graph = helper.make_graph(
        [helper.make_node("Concat", ["A", "B"], ["Y"], name="concat", axis=1)],
        "concat_rows", [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["n", 2]),
                        helper.make_tensor_value_info("B", TensorProto.FLOAT, [0, 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    save_unchecked(model_of(graph, opset=13), p("concat_rows.onnx"))
    np.save(p("f32_0x2.npy"), np.zeros((0, 2), np.float32))
    # y: Transpose of a scalar (the fuzzer's: an empty permutation built a
    # linalg.transpose that crashed MLIR's verifier).
    graph = helper.make_graph(
        [helper.make_node("Transpose", ["X"], ["Y"], name="transpose")],
        "transpose_scalar", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [])])
    save_unchecked(model_of(graph, opset=13), p("transpose_scalar.onnx"))
    np.save(p("f32_scalar.npy"), np.array(2.5, np.float32))

    # Einsum whose label j has two sizes: statically (the fuzzer's: invalid
    # IR) and at run time only.
    equations = {"einsum_mismatch": "bij,bjk->bik", "einsum_runtime": "ij,jk->ik",
                 "einsum_output_twice": "bij, bjk -> bkk",
                 "einsum_output_unknown": "bij,bjk->biz"}
    for name, x_dims, y_dims in (("einsum_mismatch", [5, 2, 3], [5, 37, 4]),
                                 ("einsum_runtime", [2, "j"], ["k", 4]),
                                 ("einsum_output_twice", [5, 2, 3], [5, 3, 4]),
                                 ("einsum_output_unknown", [5, 2, 3], [5, 3, 4])):
        equation = equations[name]
        graph = helper.make_graph(
            [helper.make_node("Einsum", ["X", "Y"], ["Z"], name="einsum",
                              equation=equation)],
            name,
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, x_dims),
             helper.make_tensor_value_info("Y", TensorProto.FLOAT, y_dims)],
            [helper.make_tensor_value_info("Z", TensorProto.FLOAT, None)])
        save_unchecked(model_of(graph, opset=12), p(name + ".onnx"))
    np.save(p("f32_2x3.npy"), np.arange(6, dtype=np.float32).reshape(2, 3))
    np.save(p("f32_5x4.npy"), np.arange(20, dtype=np.float32).reshape(5, 4))
    np.save(p("expected_einsum_2x3_3x4.npy"),
            np.arange(6, dtype=np.float32).reshape(2, 3)
            @ np.arange(12, dtype=np.float32).reshape(3, 4))

    # CumSum whose axis is an input (as the node tests pass it), exclusive
    # and reversed, on i64 [2, 3, 4] (position ids from a mask are i64).
    graph = helper.make_graph(
        [helper.make_node("CumSum", ["X", "axis"], ["Y"], name="cumsum",
                          exclusive=1, reverse=1)],
        "cumsum_runtime_axis",
        [helper.make_tensor_value_info("X", TensorProto.INT64, [2, 3, "n"]),
         helper.make_tensor_value_info("axis", TensorProto.INT32, [])],
        [helper.make_tensor_value_info("Y", TensorProto.INT64, [2, 3, "n"])])
    save(model_of(graph, opset=14), p("cumsum_runtime_axis.onnx"))
    x = np.arange(24, dtype=np.int64).reshape(2, 3, 4) * 7 % 11
    np.save(p("i64_2x3x4.npy"), x)
    for axis in (0, 1, -1, 3):
        np.save(p(f"i32_axis_{axis}.npy".replace("-", "m")), np.array(axis, np.int32))
    for axis in (0, 1, -1):
        # exclusive, reversed: y[i] = sum of x[j] for j > i along the axis.
        flipped = np.flip(x, axis)
        inclusive = np.flip(np.cumsum(flipped, axis=axis), axis)
        np.save(p(f"expected_cumsum_{axis}.npy".replace("-", "m")), inclusive - x)

    write_contrib(out, np.random.default_rng(11))
    write_matmulnbits(out, np.random.default_rng(12))


# ---------------------------------------------------------------------------
# onnxruntime contrib ops. The references follow ContribOperators.md, written
# independently of the importer: float64 math, rounded to the output type.

def ref_rms_norm(x, scale, axis, eps):
    """x / sqrt(mean(x^2 over dims axis..) + eps) * scale; also inv_std_var."""
    x64 = x.astype(np.float64)
    axes = tuple(range(axis, x.ndim))
    rms = np.sqrt(np.mean(x64 * x64, axis=axes, keepdims=True) + eps)
    return x64 / rms * scale.astype(np.float64), 1.0 / rms


def ref_rotary(x, pos, cos, sin, interleaved, num_heads, rotary_dim):
    """RotaryEmbedding on [B, S, N*H] or [B, N, S, H] with cos/sin caches
    [max_pos, rotary_dim / 2]; pos [B, S] or one offset."""
    x64 = x.astype(np.float64)
    if x.ndim == 3:
        b, s, hidden = x.shape
        heads = x64.reshape(b, s, num_heads, hidden // num_heads)
    else:
        heads = x64.transpose(0, 2, 1, 3)  # [B, S, N, H]
        b, s = heads.shape[:2]
    if pos.size == 1:
        pos = np.broadcast_to(pos.reshape(()) + np.arange(s), (b, s))
    c = cos.astype(np.float64)[pos][:, :, None, :]  # [B, S, 1, half]
    n = sin.astype(np.float64)[pos][:, :, None, :]
    half = rotary_dim // 2
    out = heads.copy()
    if interleaved:
        even, odd = heads[..., 0:rotary_dim:2], heads[..., 1:rotary_dim:2]
        out[..., 0:rotary_dim:2] = even * c - odd * n
        out[..., 1:rotary_dim:2] = odd * c + even * n
    else:
        first, second = heads[..., :half], heads[..., half:rotary_dim]
        out[..., :half] = first * c - second * n
        out[..., half:rotary_dim] = second * c + first * n
    if x.ndim == 3:
        return out.reshape(x.shape)
    return out.transpose(0, 2, 1, 3)


def ref_mha(q, k, v, num_heads, bias=None, past_k=None, past_v=None,
            scale=None, unidirectional=False, mask_filter=-10000.0):
    """MultiHeadAttention on [B, S, N*H] query/key/value with [B, N, P, H]
    past: returns output [B, S, N*Hv] and present key/value [B, N, P+L, H]."""
    def split(t):
        b, s, d = t.shape
        return t.reshape(b, s, num_heads, d // num_heads).transpose(0, 2, 1, 3)
    qh, kh, vh = split(q), split(k), split(v)
    if past_k is not None:
        kh = np.concatenate([past_k, kh], axis=2)
        vh = np.concatenate([past_v, vh], axis=2)
    head = qh.shape[-1]
    scale = 1 / np.sqrt(head) if scale is None else scale
    scores = qh.astype(np.float64) @ kh.astype(np.float64).transpose(0, 1, 3, 2)
    scores = scores * scale
    if bias is not None:
        scores = scores + bias.astype(np.float64)
    s, t = scores.shape[2:]
    past = t - k.shape[1]
    if unidirectional and s > 1:
        future = np.arange(t)[None, :] > past + np.arange(s)[:, None]
        scores = scores + np.where(future, mask_filter, 0.0)
    scores = scores - scores.max(axis=-1, keepdims=True)
    probs = np.exp(scores)
    probs = probs / probs.sum(axis=-1, keepdims=True)
    out = probs @ vh.astype(np.float64)  # [B, N, S, Hv]
    b = q.shape[0]
    return out.transpose(0, 2, 1, 3).reshape(b, s, -1), kh, vh


def rope_caches(max_pos, half, dtype, theta=10000.0):
    inv = 1.0 / theta ** (np.arange(half, dtype=np.float64) * 2 / (2 * half))
    angles = np.arange(max_pos, dtype=np.float64)[:, None] * inv[None, :]
    return np.cos(angles).astype(dtype), np.sin(angles).astype(dtype)


ONNX_TYPE = {np.float32: TensorProto.FLOAT, np.float16: TensorProto.FLOAT16,
             np.int64: TensorProto.INT64, np.int32: TensorProto.INT32}


def write_contrib(out, rng):
    """OUTDIR/contrib/: models, inputs and expectations (see the docstring)."""
    root = os.path.join(out, "contrib")
    os.makedirs(root, exist_ok=True)

    def model(name, nodes, inputs, outputs, inits=()):
        """inputs/outputs: (name, dtype, dims); inits: numpy arrays by name."""
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(n, ONNX_TYPE[t], d) for n, t, d in inputs],
            [helper.make_tensor_value_info(n, ONNX_TYPE[t], d) for n, t, d in outputs],
            [onnx.numpy_helper.from_array(a, n) for n, a in inits])
        save_unchecked(model_of(graph, extra_opsets=[("com.microsoft", 1)]),
                       os.path.join(root, name + ".onnx"))

    def case(name, label, inputs, expected):
        d = os.path.join(root, name, label)
        os.makedirs(os.path.join(d, "expected"), exist_ok=True)
        for k, a in inputs.items():
            np.save(os.path.join(d, k + ".npy"), a)
        for k, a in expected.items():
            np.save(os.path.join(d, "expected", k + ".npy"), a)

    def normal(shape, dtype):
        return rng.standard_normal(shape).astype(dtype)

    ms = "com.microsoft"

    # SimplifiedLayerNormalization: f32 with dynamic dims and inv_std_var;
    # f16 over the last two dims (axis 2).
    scale = normal((16,), np.float32)
    model("sln_f32",
          [helper.make_node("SimplifiedLayerNormalization", ["x", "scale"],
                            ["y", "inv_std_var"], name="norm", epsilon=1e-5)],
          [("x", np.float32, ["b", "s", 16])],
          [("y", np.float32, ["b", "s", 16]),
           ("inv_std_var", np.float32, ["b", "s", 1])],
          [("scale", scale)])
    for label, shape in (("b2_s3", (2, 3, 16)), ("b1_s5", (1, 5, 16))):
        x = normal(shape, np.float32)
        y, inv = ref_rms_norm(x, scale, 2, 1e-5)
        case("sln_f32", label, {"x": x},
             {"y": y.astype(np.float32), "inv_std_var": inv.astype(np.float32)})
    scale16 = normal((4, 8), np.float16)
    model("sln_f16_axis2",
          [helper.make_node("SimplifiedLayerNormalization", ["x", "scale"],
                            ["y"], name="norm", axis=2, epsilon=1e-6,
                            stash_type=1)],
          [("x", np.float16, [2, 3, 4, 8])], [("y", np.float16, [2, 3, 4, 8])],
          [("scale", scale16)])
    x = normal((2, 3, 4, 8), np.float16)
    case("sln_f16_axis2", "static", {"x": x},
         {"y": ref_rms_norm(x, scale16, 2, 1e-6)[0].astype(np.float16)})

    # SkipSimplifiedLayerNormalization: f16 with bias and every output but
    # mean; f32 with a [S, D] skip and only the sum besides the output.
    gamma16, bias16 = normal((16,), np.float16), normal((16,), np.float16)
    model("skip_sln_f16",
          [helper.make_node("SkipSimplifiedLayerNormalization",
                            ["input", "skip", "gamma", "bias"],
                            ["out", "", "inv_std_var", "sum"], name="skip_norm",
                            domain=ms, epsilon=1e-6)],
          [("input", np.float16, ["b", "s", 16]),
           ("skip", np.float16, ["b", "s", 16])],
          [("out", np.float16, ["b", "s", 16]),
           ("inv_std_var", np.float32, ["b", "s", 1]),
           ("sum", np.float16, ["b", "s", 16])],
          [("gamma", gamma16), ("bias", bias16)])
    for label, shape in (("b2_s3", (2, 3, 16)), ("b3_s1", (3, 1, 16))):
        a, b = normal(shape, np.float16), normal(shape, np.float16)
        total = a.astype(np.float64) + b + bias16
        y, inv = ref_rms_norm(total, gamma16, 2, 1e-6)
        case("skip_sln_f16", label, {"input": a, "skip": b},
             {"out": y.astype(np.float16), "inv_std_var": inv.astype(np.float32),
              "sum": total.astype(np.float16)})
    gamma = normal((16,), np.float32)
    model("skip_sln_f32",
          [helper.make_node("SkipSimplifiedLayerNormalization",
                            ["input", "skip", "gamma"], ["out", "", "", "sum"],
                            name="skip_norm", domain=ms, epsilon=1e-5)],
          [("input", np.float32, [2, 3, 16]), ("skip", np.float32, [3, 16])],
          [("out", np.float32, [2, 3, 16]), ("sum", np.float32, [2, 3, 16])],
          [("gamma", gamma)])
    a, b = normal((2, 3, 16), np.float32), normal((3, 16), np.float32)
    case("skip_sln_f32", "static", {"input": a, "skip": b},
         {"out": ref_rms_norm(a + b, gamma, 2, 1e-5)[0].astype(np.float32),
          "sum": a + b})

    # RotaryEmbedding, caches of 32 positions (weights, not folded).
    def rope(name, dtype, dims, pos_dims, half, attrs, cases):
        cos, sin = rope_caches(32, half, dtype)
        model(name,
              [helper.make_node("RotaryEmbedding",
                                ["x", "position_ids", "cos_cache", "sin_cache"],
                                ["y"], name="rotary", domain=ms, **attrs)],
              [("x", dtype, dims), ("position_ids", np.int64, pos_dims)],
              [("y", dtype, dims)], [("cos_cache", cos), ("sin_cache", sin)])
        for label, shape, pos, heads in cases:
            x = normal(shape, dtype)
            want = ref_rotary(x, pos, cos, sin, attrs.get("interleaved", 0),
                              heads, attrs.get("rotary_embedding_dim") or 2 * half)
            case(name, label, {"x": x, "position_ids": pos},
                 {"y": want.astype(dtype)})

    positions = np.array([[0, 1, 2], [7, 8, 9]], np.int64)
    # Heads inferred from the caches (head size 8: 4 heads of 32).
    rope("rope_f32", np.float32, ["b", "s", 32], ["b", "s"], 4, {},
         [("b2_s3", (2, 3, 32), positions, 4),
          ("b1_s2", (1, 2, 32), np.array([[30, 31]], np.int64), 4)])
    rope("rope_f16_interleaved", np.float16, ["b", "s", 32], ["b", "s"], 4,
         {"interleaved": 1}, [("b2_s3", (2, 3, 32), positions, 4)])
    # A rotary dim of 8 in heads of 12; positions from one offset.
    rope("rope_partial_offset", np.float32, [1, 4, 24], [1], 4,
         {"num_heads": 2, "rotary_embedding_dim": 8},
         [("offset3", (1, 4, 24), np.array([3], np.int64), 2)])
    rope("rope_4d", np.float32, [2, 2, 3, 8], [2, 3], 4, {"interleaved": 0},
         [("b2_s3", (2, 2, 3, 8), positions, 2)])
    np.save(os.path.join(root, "positions_out_of_range.npy"),
            np.array([[0, 1, 2], [30, 31, 32]], np.int64))
    np.save(os.path.join(root, "positions_negative.npy"),
            np.array([[0, -1, 2], [3, 4, 5]], np.int64))

    # MultiHeadAttention.
    def mha(name, dtype, dims, num_heads, attrs, bias_dims=None, past_dims=None,
            cases=()):
        names = ["query", "key", "value", "", "",
                 "attention_bias" if bias_dims else "",
                 "past_key" if past_dims else "", "past_value" if past_dims else ""]
        while names[-1] == "":
            names.pop()
        outs = ["out"] + (["present_key", "present_value"] if past_dims else [])
        inputs = [(n, dtype, dims) for n in ("query", "key", "value")]
        if bias_dims:
            inputs.append(("attention_bias", dtype, bias_dims))
        if past_dims:
            inputs += [("past_key", dtype, past_dims), ("past_value", dtype, past_dims)]
        outputs = [("out", dtype, None)] + [(n, dtype, None) for n in outs[1:]]
        model(name,
              [helper.make_node("MultiHeadAttention", names, outs, name="attention",
                                domain=ms, num_heads=num_heads, **attrs)],
              inputs, outputs)
        for label, b, s, p in cases:
            d = dims[2]
            ins = {n: normal((b, s, d), dtype) for n in ("query", "key", "value")}
            t = s + (p or 0)
            if bias_dims:
                shape = [b if bias_dims[0] != 1 else 1,
                         num_heads if bias_dims[1] != 1 else 1, s, t]
                bias = normal(shape, dtype)
                bias[..., 0] = -65504.0 if dtype == np.float16 else -1e30
                ins["attention_bias"] = bias
            if past_dims:
                ins["past_key"] = normal((b, num_heads, p, d // num_heads), dtype)
                ins["past_value"] = normal((b, num_heads, p, d // num_heads), dtype)
            out, pk, pv = ref_mha(ins["query"], ins["key"], ins["value"], num_heads,
                                  ins.get("attention_bias"), ins.get("past_key"),
                                  ins.get("past_value"), attrs.get("scale"),
                                  attrs.get("unidirectional", 0) == 1,
                                  attrs.get("mask_filter_value", -10000.0))
            want = {"out": out.astype(dtype)}
            if past_dims:
                want["present_key"] = pk.astype(dtype)
                want["present_value"] = pv.astype(dtype)
            case(name, label, ins, want)

    # Causal self-attention, dynamic batch and sequence, no past.
    mha("mha_f32_causal", np.float32, ["b", "s", 16], 2, {"unidirectional": 1},
        cases=[("b2_s4", 2, 4, None), ("b1_s1", 1, 1, None)])
    # The builder's form: f16, attention_bias [B, 1, S, T], past of any
    # length (0 included), present outputs.
    mha("mha_f16_past_bias", np.float16, ["b", "s", 16], 2, {"scale": 0.25},
        bias_dims=["b", 1, "s", "t"], past_dims=["b", 2, "p", 8],
        cases=[("b2_s3_p4", 2, 3, 4), ("b1_s4_p0", 1, 4, 0),
               ("b3_s1_p5", 3, 1, 5)])
    # f32, a bias per head shared by the batch, past and a causal mask that
    # must start after it, a mask_filter_value of its own.
    mha("mha_f32_past_causal", np.float32, [2, 3, 24], 3,
        {"unidirectional": 1, "mask_filter_value": -300.0},
        bias_dims=[1, 3, 3, 5], past_dims=[2, 3, 2, 8],
        cases=[("b2_s3_p2", 2, 3, 2)])
    # A past one position longer than the attention_bias of b2_s3_p4 covers.
    np.save(os.path.join(root, "past_b2_p5.npy"), normal((2, 2, 5, 8), np.float16))

    # Refused forms: one error line naming the node.
    model("bad_rope_interleaved",
          [helper.make_node("RotaryEmbedding",
                            ["x", "position_ids", "cos_cache", "sin_cache"],
                            ["y"], name="rotary", domain=ms, interleaved=2)],
          [("x", np.float32, [1, 2, 8]), ("position_ids", np.int64, [1, 2]),
           ("cos_cache", np.float32, [4, 4]), ("sin_cache", np.float32, [4, 4])],
          [("y", np.float32, [1, 2, 8])])
    model("bad_rope_scale",
          [helper.make_node("RotaryEmbedding",
                            ["x", "position_ids", "cos_cache", "sin_cache"],
                            ["y"], name="rotary", domain=ms, scale=2.0)],
          [("x", np.float32, [1, 2, 8]), ("position_ids", np.int64, [1, 2]),
           ("cos_cache", np.float32, [4, 4]), ("sin_cache", np.float32, [4, 4])],
          [("y", np.float32, [1, 2, 8])])
    model("bad_mha_padding_mask",
          [helper.make_node("MultiHeadAttention",
                            ["q", "k", "v", "", "mask"], ["out"], name="attention",
                            domain=ms, num_heads=2)],
          [("q", np.float32, [1, 2, 8]), ("k", np.float32, [1, 2, 8]),
           ("v", np.float32, [1, 2, 8]), ("mask", np.int32, [1, 2])],
          [("out", np.float32, [1, 2, 8])])
    model("bad_mha_unidirectional",
          [helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["out"],
                            name="attention", domain=ms, num_heads=2,
                            unidirectional=2)],
          [(n, np.float32, [1, 2, 8]) for n in ("q", "k", "v")],
          [("out", np.float32, [1, 2, 8])])
    model("bad_sln_stash",
          [helper.make_node("SimplifiedLayerNormalization", ["x", "scale"], ["y"],
                            name="norm", stash_type=11)],
          [("x", np.float32, [2, 8]), ("scale", np.float32, [8])],
          [("y", np.float32, [2, 8])])


# ---------------------------------------------------------------------------
# com.microsoft.MatMulNBits, 4 bits: B [N, blocks, block/2] uint8 with
# element 2j of a block in the low nibble of byte j; scales [N * blocks];
# zero points [N, ceil(blocks / 2)] uint8, block 2j in the low nibble, or 8.
# Y = A @ W^T (+ bias), W[n, k] = (code - zero point) * scale.

def ref_nbits_weight(codes, scales, zeros, n, k, block):
    blocks = -(-k // block)
    w = np.zeros((n, k), np.float64)
    for row in range(n):
        for col in range(k):
            b, i = divmod(col, block)
            byte = int(codes[row, b, i // 2])
            q = byte >> 4 if i % 2 else byte & 15
            z = 8
            if zeros is not None:
                zbyte = int(zeros[row * ((blocks + 1) // 2) + b // 2])
                z = zbyte >> 4 if b % 2 else zbyte & 15
            w[row, col] = (q - z) * float(scales[row * blocks + b])
    return w


def write_matmulnbits(out, rng):
    """OUTDIR/nbits/: models, inputs and expectations (see the docstring)."""
    root = os.path.join(out, "nbits")
    os.makedirs(root, exist_ok=True)
    ms = "com.microsoft"

    def nbits(n, k, block, dtype, zero_points):
        blocks = -(-k // block)
        codes = rng.integers(0, 256, (n, blocks, block // 2)).astype(np.uint8)
        scales = (rng.standard_normal(n * blocks) * 0.05).astype(dtype)
        zeros = (rng.integers(0, 256, n * ((blocks + 1) // 2)).astype(np.uint8)
                 if zero_points else None)
        return codes, scales, zeros

    def model(name, n, k, block, dtype, zero_points, bias=False, attrs=None,
              a_dims=None, extra=None):
        codes, scales, zeros = nbits(n, k, block, dtype, zero_points)
        inits = [("B", codes), ("scales", scales)]
        inputs = ["A", "B", "scales"]
        if zeros is not None:
            inits.append(("zero_points", zeros))
            inputs.append("zero_points")
        b = None
        if bias:
            b = rng.standard_normal(n).astype(dtype)
            inputs += [""] * (5 - len(inputs)) + ["bias"]
            inits.append(("bias", b))
        node_attrs = dict(K=k, N=n, bits=4, block_size=block)
        node_attrs.update(attrs or {})
        if extra:
            extra(inputs, inits)
        node = helper.make_node("MatMulNBits", inputs, ["Y"], name="mm4",
                                domain=ms, **node_attrs)
        graph = helper.make_graph(
            [node], name,
            [helper.make_tensor_value_info("A", ONNX_TYPE[dtype], a_dims or ["b", "s", k])],
            [helper.make_tensor_value_info("Y", ONNX_TYPE[dtype], ["b", "s", n])],
            [onnx.numpy_helper.from_array(a, nm) for nm, a in inits])
        save_unchecked(model_of(graph, extra_opsets=[(ms, 1)]),
                       os.path.join(root, name + ".onnx"))
        return ref_nbits_weight(codes, scales, zeros, n, k, block), b

    def cases(name, w, b, k, dtype):
        for label, shape in (("b1_s1", (1, 1, k)), ("b2_s3", (2, 3, k))):
            a = rng.standard_normal(shape).astype(dtype)
            y = a.astype(np.float64) @ w.T
            if b is not None:
                y = y + b.astype(np.float64)
            d = os.path.join(root, name, label)
            os.makedirs(os.path.join(d, "expected"), exist_ok=True)
            np.save(os.path.join(d, "A.npy"), a)
            np.save(os.path.join(d, "expected", "Y.npy"), y.astype(dtype))

    # f32, K = 100 (a partial last block), zero points, 4 blocks per row.
    w, b = model("nbits_f32_zp", 17, 100, 32, np.float32, True)
    cases("nbits_f32_zp", w, b, 100, np.float32)
    # f32, block 128 over K = 300: 3 blocks, so each row's zero points end
    # in an unused high nibble.
    w, b = model("nbits_f32_b128", 40, 300, 128, np.float32, True)
    cases("nbits_f32_b128", w, b, 300, np.float32)
    # f16 activations and scales, symmetric (no zero points), with a bias.
    w, b = model("nbits_f16_bias", 24, 64, 64, np.float16, False, bias=True)
    cases("nbits_f16_bias", w, b, 64, np.float16)

    # Refused, each naming the node and what is wrong.
    model("bad_block16", 8, 64, 16, np.float32, False)
    model("bad_bits8", 8, 64, 32, np.float32, False, attrs=dict(bits=8))
    model("bad_b_shape", 8, 64, 32, np.float32, False, attrs=dict(N=9))
    model("bad_a_type", 8, 64, 32, np.float32, False, a_dims=None,
          extra=lambda inputs, inits: inits.__setitem__(
              1, ("scales", inits[1][1].astype(np.float16))))

    def g_idx(inputs, inits):
        inputs += [""] * (4 - len(inputs)) + ["g_idx"]
        inits.append(("g_idx", np.arange(64, dtype=np.int32) // 32))
    model("bad_g_idx", 8, 64, 32, np.float32, False, extra=g_idx)

    def float_zeros(inputs, inits):
        inputs.append("zero_points")
        inits.append(("zero_points", np.full(16, 8, np.float32)))
    model("bad_float_zeros", 8, 64, 32, np.float32, False, extra=float_zeros)


if __name__ == "__main__":
    main()
