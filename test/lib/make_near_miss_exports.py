#!/usr/bin/env python3
"""Decoder exports that look like attention but compute something else.

  make_near_miss_exports.py OUT_DIR

Writes a tiny random checkpoint (bench/make_checkpoint.py --tiny), exports
it (bench/export_onnx.py) as OUT_DIR/exact.onnx, and edits copies of the
export so that one layer's attention is not the causal attention the
decoder recognizer lifts:

  anti_causal  the mask's comparison reversed: key j visible to query i
               when j >= i
  window2      a sliding window of two: j <= i and j > i - 2
  softmax_rows layer 0's softmax over the query rows instead of the keys
  scale_input  layer 0 scales its queries by a graph input, not a constant

For each (and exact.onnx) it writes the inputs of one 5-token prompt from
position 0 and the logits a torch implementation of that model computes,
as <name>_*.npy; OUT_DIR/prompt.txt holds the `llmc exec` flags. The
recognizer must leave the edited graphs generic, and `llmc exec` must still
match the reference: a near miss stays unfused and computes the right
answer.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import torch_reference as ref  # noqa: E402

TOKENS = [3, 17, 42, 7, 99]
SCALE = 0.3


def edit(model, name):
    """A copy of the export with `name`'s change."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    nodes = m.graph.node
    if name == "anti_causal":
        node = next(n for n in nodes if n.op_type == "LessOrEqual")
        node.input[0], node.input[1] = node.input[1], node.input[0]
    elif name == "window2":
        index, node = next((i, n) for i, n in enumerate(nodes) if n.op_type == "LessOrEqual")
        k_pos, q_pos = node.input
        visible = node.output[0]
        node.output[0] = "causal_only"
        extra = [
            helper.make_node("Constant", [], ["window"],
                             value=helper.make_tensor("w", TensorProto.INT64, [], [2])),
            helper.make_node("Sub", [q_pos, "window"], ["window_start"]),
            helper.make_node("Greater", [k_pos, "window_start"], ["in_window"]),
            helper.make_node("And", ["causal_only", "in_window"], [visible]),
        ]
        for offset, n in enumerate(extra):
            nodes.insert(index + 1 + offset, n)
    elif name == "softmax_rows":
        node = next(n for n in nodes if n.op_type == "Softmax")
        for a in node.attribute:
            if a.name == "axis":
                a.i = -2
    elif name == "scale_input":
        node = next(n for n in nodes if n.op_type == "Mul" and "scale" in n.input)
        node.input[list(node.input).index("scale")] = "attn_scale"
        m.graph.input.append(helper.make_tensor_value_info("attn_scale", TensorProto.FLOAT, []))
    return m


@torch.no_grad()
def reference(model, name, token_ids):
    """torch_reference.forward with `name`'s change."""
    config, w = model["config"], model["weights"]
    hidden = config["hidden_size"]
    n_heads = config["num_attention_heads"]
    n_kv = config.get("num_key_value_heads") or n_heads
    head_dim = config.get("head_dim") or hidden // n_heads
    rep = n_heads // n_kv
    eps = config.get("rms_norm_eps", 1e-6)
    ids = torch.tensor(token_ids, dtype=torch.int64)
    n = len(token_ids)
    x = w["model.embed_tokens.weight"][ids]
    cos, sin = ref.rope_cos_sin(n, head_dim, config.get("rope_theta", 10000.0))
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    visible = {"anti_causal": j >= i, "window2": (j <= i) & (j > i - 2)}.get(name, j <= i)
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = ref.rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = ref.linear(h, w, p + "self_attn.q_proj").view(n, n_heads, head_dim).transpose(0, 1)
        k = ref.linear(h, w, p + "self_attn.k_proj").view(n, n_kv, head_dim).transpose(0, 1)
        v = ref.linear(h, w, p + "self_attn.v_proj").view(n, n_kv, head_dim).transpose(0, 1)
        q = q * cos + ref.rotate_half(q) * sin
        k = k * cos + ref.rotate_half(k) * sin
        k, v = ref.repeat_kv(k, rep), ref.repeat_kv(v, rep)
        scale = SCALE if name == "scale_input" and layer == 0 else head_dim ** -0.5
        scores = (q * scale) @ k.transpose(1, 2)
        scores = scores.masked_fill(~visible, float("-inf"))
        if name == "softmax_rows" and layer == 0:
            # The export stacks a group's query heads as rows per KV head.
            stacked = scores.reshape(n_kv, rep * n, n)
            probs = torch.softmax(stacked, dim=-2).reshape(n_heads, n, n)
        else:
            probs = torch.softmax(scores, dim=-1)
        attn = (probs @ v).transpose(0, 1).reshape(n, n_heads * head_dim)
        x = x + ref.linear(attn, w, p + "self_attn.o_proj")
        h = ref.rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = ref.linear(h, w, p + "mlp.gate_proj")
        up = ref.linear(h, w, p + "mlp.up_proj")
        x = x + ref.linear(torch.nn.functional.silu(gate) * up, w, p + "mlp.down_proj")
    x = ref.rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight" if config.get("tie_word_embeddings") else "lm_head.weight"]
    return (x @ head.T).numpy().astype(np.float32)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ckpt = os.path.join(out, "checkpoint")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_checkpoint.py"), ckpt,
                    "--tiny"], check=True, capture_output=True)
    exact = os.path.join(out, "exact.onnx")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "export_onnx.py"), ckpt, exact],
                   check=True, capture_output=True)
    model = onnx.load(exact)  # with its external data, saved inline below
    checkpoint = ref.load(ckpt)
    config = checkpoint["config"]
    n_kv = config.get("num_key_value_heads") or config["num_attention_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]
    n = len(TOKENS)
    inputs = {"input_ids": np.array([TOKENS], np.int64),
              "position_ids": np.arange(n, dtype=np.int64)[None]}
    for layer in range(config["num_hidden_layers"]):
        for kind in ("key", "value"):
            inputs[f"past_key_values.{layer}.{kind}"] = np.zeros((1, n_kv, 0, head_dim), np.float32)
    for name, value in inputs.items():
        np.save(os.path.join(out, name + ".npy"), value)
    np.save(os.path.join(out, "attn_scale.npy"), np.array(SCALE, np.float32))
    with open(os.path.join(out, "prompt.txt"), "w") as f:
        f.write(" ".join(f"--input {k}={os.path.join(out, k + '.npy')}" for k in inputs))
    for name in ("exact", "anti_causal", "window2", "softmax_rows", "scale_input"):
        if name != "exact":
            onnx.save(edit(model, name), os.path.join(out, name + ".onnx"))
        np.save(os.path.join(out, f"expected_{name}.npy"), reference(checkpoint, name, TOKENS)[None])


if __name__ == "__main__":
    main()
