#!/usr/bin/env python3
"""Exports a Llama checkpoint (bench/make_checkpoint.py) as an ONNX decoder.

  export_onnx.py CKPT_DIR OUT.onnx

The graph computes what transformers' LlamaForCausalLM does, in f32, batch 1,
with standard ONNX ops (opset 17), so onnxruntime's CPU provider runs it:

  inputs   input_ids               int64 [1, T]
           position_ids            int64 [1, T]      (P, P+1, ... for a past of P;
                                                      RoPE only: the causal mask
                                                      comes from the past's length)
           past_key_values.{i}.key float [1, kv_heads, P, head_dim]  (and .value)
  outputs  logits                  float [1, T, vocab]
           present.{i}.key         float [1, kv_heads, P+T, head_dim] (and .value)

Per layer: RMSNorm (x / sqrt(mean(x^2) + eps) * w, written as the
Pow/ReduceMean/Add/Sqrt/Div/Mul chain that onnxruntime fuses into one kernel),
q/k/v projections, rotate_half RoPE on q and k, causal GQA attention over
past + new, o_proj and residual, then the SwiGLU MLP down(silu(gate x) * up x)
and residual; then the final norm and lm_head (the embedding when tied).

Linear weights are stored transposed ([in, out]) so each projection is a plain
MatMul with a constant B, which onnxruntime prepacks for its GEMM. GQA does not
copy K and V per query head: the query heads that share a KV head are stacked
as rows ([1, kv, rep*T, head_dim]) and multiply that KV head once.

Weights go to OUT.onnx.data (external data), written one tensor at a time
as it is read from the checkpoint: the 4.4 GB tinyllama-1.1b model is never
held in memory (peak is about two copies of its largest tensor), and the .onnx
file itself stays small.
"""
import argparse
import json
import os
import struct

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
ALIGN = 1 << 16  # external tensors start on 64 KiB (page-aligned, for mmap)


class SafeTensors:
    """Reads one f32 tensor at a time from a .safetensors file: ckpt[name]."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            (header_len,) = struct.unpack("<Q", f.read(8))
            self.header = json.loads(f.read(header_len))
        self.base = 8 + header_len

    def __getitem__(self, name):
        info = self.header[name]
        if info["dtype"] != "F32":
            raise ValueError(f"{self.path}: {name} is {info['dtype']}; only F32 is supported")
        start, end = info["data_offsets"]
        array = np.fromfile(self.path, dtype="<f4", count=(end - start) // 4,
                            offset=self.base + start)
        return array.reshape(info["shape"])


class Builder:
    """Accumulates nodes and initializers; external ones are written as added."""

    def __init__(self, data_path):
        self.nodes, self.inits = [], []
        self.data_file = open(data_path, "wb")
        self.location = os.path.basename(data_path)
        self.count = 0

    def op(self, op_type, *inputs, name=None, **attrs):
        """Adds one node and returns the name of its (single) output."""
        self.count += 1
        out = name or f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out],
                                           name=f"{op_type}_{self.count}", **attrs))
        return out

    def const(self, name, array):
        """A small initializer stored in the .onnx file."""
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, name, array):
        """An f32 initializer written now to the external data file."""
        array = np.ascontiguousarray(array, dtype="<f4")
        pad = -self.data_file.tell() % ALIGN
        self.data_file.write(b"\0" * pad)
        offset = self.data_file.tell()
        array.tofile(self.data_file)
        tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=array.shape)
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.location), ("offset", offset),
                           ("length", array.nbytes)):
            tensor.external_data.add(key=key, value=str(value))
        self.inits.append(tensor)
        return name


def export(ckpt_dir, out_path):
    with open(os.path.join(ckpt_dir, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("rope_scaling"):
        raise NotImplementedError("rope_scaling is not supported")
    w = SafeTensors(os.path.join(ckpt_dir, "model.safetensors"))
    hidden, vocab = cfg["hidden_size"], cfg["vocab_size"]
    n_heads = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads") or n_heads
    hd = cfg.get("head_dim") or hidden // n_heads
    rep = n_heads // n_kv
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    layers = cfg["num_hidden_layers"]

    b = Builder(out_path + ".data")
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    f32 = lambda v: np.array(v, dtype=np.float32)  # noqa: E731
    b.const("two", f32(2.0))
    b.const("eps", f32(eps))
    b.const("zero_f", f32(0.0))
    b.const("neg_inf", f32(-np.inf))
    b.const("scale", f32(1.0 / np.sqrt(hd)))
    b.const("axis0", i64(0))
    b.const("axis1", i64(1))
    b.const("axis2", i64(2))
    b.const("half_start", i64(0))
    b.const("half_mid", i64(hd // 2))
    b.const("half_end", i64(hd))
    b.const("axis3", i64(3))
    b.const("shape_q", i64(1, -1, n_heads, hd))
    b.const("shape_kv", i64(1, -1, n_kv, hd))
    b.const("shape_grouped", i64(1, n_kv, -1, hd))
    b.const("shape_heads", i64(1, n_heads, -1, hd))
    b.const("shape_merged", i64(0, 0, n_heads * hd))
    b.const("mask_repeats", i64(rep, 1))

    def rms_norm(x, weight_name):
        w_name = b.const(weight_name, np.asarray(w[weight_name], dtype=np.float32))
        mean = b.op("ReduceMean", b.op("Pow", x, "two"), axes=[-1], keepdims=1)
        return b.op("Mul", b.op("Div", x, b.op("Sqrt", b.op("Add", mean, "eps"))), w_name)

    def linear(x, weight_name):
        y = b.op("MatMul", x, b.weight(weight_name, w[weight_name].T))
        bias_name = weight_name[:-len("weight")] + "bias"
        if bias_name in w.header:  # Qwen2's q/k/v biases
            y = b.op("Add", y, b.const(bias_name, np.asarray(w[bias_name], np.float32)))
        return y

    def rope(x):  # x: [1, heads, T, hd]
        x1 = b.op("Slice", x, "half_start", "half_mid", "axis3")
        x2 = b.op("Slice", x, "half_mid", "half_end", "axis3")
        rotated = b.op("Concat", b.op("Neg", x2), x1, axis=-1)
        return b.op("Add", b.op("Mul", x, "cos"), b.op("Mul", rotated, "sin"))

    # cos/sin [1, 1, T, hd] from position_ids, as LlamaRotaryEmbedding does in f32.
    inv_freq = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.int64).astype(np.float32) / hd))
    b.const("inv_freq", inv_freq.astype(np.float32))
    pos = b.op("Unsqueeze", b.op("Cast", "position_ids", to=TensorProto.FLOAT), "axis2")
    freqs = b.op("Mul", pos, "inv_freq")  # [1, T, hd/2]
    emb = b.op("Unsqueeze", b.op("Concat", freqs, freqs, axis=-1), "axis1")
    b.op("Cos", emb, name="cos")
    b.op("Sin", emb, name="sin")

    # Causal mask [rep*T, P+T]: query t (absolute position P+t) sees keys
    # 0..P+t. Rows repeat per query head of a group (see shape_grouped).
    t_len = b.op("Squeeze", b.op("Shape", "input_ids", start=1, end=2))
    p_len = b.op("Squeeze", b.op("Shape", "past_key_values.0.key", start=2, end=3))
    s_len = b.op("Add", p_len, t_len)
    one = b.const("one", i64(1)[0])
    q_pos = b.op("Unsqueeze", b.op("Range", p_len, s_len, one), "axis1")  # [T, 1]
    k_pos = b.op("Unsqueeze", b.op("Range", b.const("zero", i64(0)[0]), s_len, one), "axis0")
    visible = b.op("LessOrEqual", k_pos, q_pos)
    mask = b.op("Tile", b.op("Where", visible, "zero_f", "neg_inf"), "mask_repeats")

    x = b.op("Gather", b.weight("model.embed_tokens.weight", w["model.embed_tokens.weight"]),
             "input_ids", axis=0)
    for i in range(layers):
        p = f"model.layers.{i}."
        h = rms_norm(x, p + "input_layernorm.weight")
        q = b.op("Transpose", b.op("Reshape", linear(h, p + "self_attn.q_proj.weight"),
                                   "shape_q"), perm=[0, 2, 1, 3])
        k = b.op("Transpose", b.op("Reshape", linear(h, p + "self_attn.k_proj.weight"),
                                   "shape_kv"), perm=[0, 2, 1, 3])
        v = b.op("Transpose", b.op("Reshape", linear(h, p + "self_attn.v_proj.weight"),
                                   "shape_kv"), perm=[0, 2, 1, 3])
        q = b.op("Mul", rope(q), "scale")
        k = b.op("Concat", f"past_key_values.{i}.key", rope(k), axis=2,
                 name=f"present.{i}.key")
        v = b.op("Concat", f"past_key_values.{i}.value", v, axis=2, name=f"present.{i}.value")
        q = b.op("Reshape", q, "shape_grouped")  # [1, kv, rep*T, hd]
        scores = b.op("MatMul", q, b.op("Transpose", k, perm=[0, 1, 3, 2]))
        probs = b.op("Softmax", b.op("Add", scores, mask), axis=-1)
        attn = b.op("Reshape", b.op("MatMul", probs, v), "shape_heads")  # [1, heads, T, hd]
        attn = b.op("Reshape", b.op("Transpose", attn, perm=[0, 2, 1, 3]), "shape_merged")
        x = b.op("Add", x, linear(attn, p + "self_attn.o_proj.weight"))

        h = rms_norm(x, p + "post_attention_layernorm.weight")
        gate = linear(h, p + "mlp.gate_proj.weight")
        up = linear(h, p + "mlp.up_proj.weight")
        silu = b.op("Mul", gate, b.op("Sigmoid", gate))
        x = b.op("Add", x, linear(b.op("Mul", silu, up), p + "mlp.down_proj.weight"))

    x = rms_norm(x, "model.norm.weight")
    if cfg.get("tie_word_embeddings", False):
        # Gemm with transB multiplies by the [vocab, hidden] embedding itself.
        x2d = b.op("Reshape", x, b.const("shape_rows", i64(-1, hidden)))
        logits = b.op("Gemm", x2d, "model.embed_tokens.weight", transB=1)
        b.op("Reshape", logits, b.const("shape_logits", i64(1, -1, vocab)), name="logits")
    else:
        b.op("MatMul", x, b.weight("lm_head.weight", w["lm_head.weight"].T), name="logits")
    b.data_file.close()

    kv_shape = lambda length: [1, n_kv, length, hd]  # noqa: E731
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "sequence"]),
              helper.make_tensor_value_info("position_ids", TensorProto.INT64, [1, "sequence"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, "sequence", vocab])]
    for i in range(layers):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(
                f"past_key_values.{i}.{kind}", TensorProto.FLOAT, kv_shape("past_sequence")))
            outputs.append(helper.make_tensor_value_info(
                f"present.{i}.{kind}", TensorProto.FLOAT, kv_shape("total_sequence")))
    graph = helper.make_graph(b.nodes, "llama_decoder", inputs, outputs, b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="llmc-bench")
    onnx.save_model(model, out_path)
    onnx.checker.check_model(out_path)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    args = ap.parse_args()
    model = export(args.checkpoint, args.out)
    print(f"{args.out}: {len(model.graph.node)} nodes, weights in {args.out}.data")


if __name__ == "__main__":
    main()
