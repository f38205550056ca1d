#!/usr/bin/env python3
"""Makes the MatMulNBits test models and records onnxruntime's outputs, once.

No shared model holds com.microsoft.MatMulNBits, so this quantizes the
projections of two checked-in exports the way onnxruntime's 4-bit quantizer
stores them (B [N, blocks, block/2] uint8, low nibble first; scales
[N * blocks] in the model's float type; optional packed uint8 zero points
[N, ceil(blocks/2)], else 8), with a mix of block sizes and with and without
zero points:

  stories260K-nbits  the stories260K export (f32, opset 17): attention
                     projections block 32 with zero points, o_proj block 32
                     symmetric, gate/up block 64 symmetric, down (K = 172,
                     a partial last block) block 128 with zero points; the
                     LM head stays the tied embedding.
  tiny-random-LlamaForCausalLM-fp16-nbits
                     onnxruntime-genai's fp16 export (contrib ops): every
                     projection and the LM head block 32 (K = 16: one
                     partial block), f16 scales, zero points on attention
                     and the LM head.

  random-llama-genai-int4
                     a random Llama (2 layers, hidden 64, 4 query heads and
                     2 KV heads of 16 -- onnxruntime's CPU GroupQueryAttention
                     wants head sizes in multiples of 16 --, intermediate
                     128, vocabulary 512), written as onnxruntime-genai's
                     builder writes an int4 CPU model: SimplifiedLayerNorm
                     and SkipSimplifiedLayerNormalization, every projection
                     and the (untied) LM head as MatMulNBits (block 32, zero
                     points), com.microsoft.GroupQueryAttention (8 query and
                     4 KV heads, do_rotary with cos/sin caches, seqlens_k and
                     total_sequence_length from attention_mask), no
                     position_ids input.

For each, reference/<model>/ gets onnxruntime's outputs at batch 1, 2, 3 x
past 0, 1, 5 (as make_references.py does) and greedy.json, its greedy
continuation of a prompt with each step's top-2 margin.

Regenerate (needs Node.js and onnxruntime-node, see make_references.py):
  cd test/models/onnx
  ln -s ../../../.cache/bench-node/node_modules node_modules
  /usr/bin/python3 make_nbits_models.py && rm node_modules
"""
import json
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import make_references as ref

HERE = os.path.dirname(os.path.abspath(__file__))


def quantize(w, block, zero_points, dtype):
    """W [N, K] as MatMulNBits stores it: codes, scales, packed zero points."""
    n, k = w.shape
    blocks = (k + block - 1) // block
    padded = np.zeros((n, blocks * block), np.float32)
    padded[:, :k] = w
    groups = padded.reshape(n, blocks, block)
    real = np.zeros((n, blocks, block), bool)
    real.reshape(n, -1)[:, :k] = True
    lo = np.where(real, groups, 0).min(axis=2).clip(max=0)
    hi = np.where(real, groups, 0).max(axis=2).clip(min=0)
    if zero_points:
        scale = ((hi - lo) / 15).astype(dtype).astype(np.float32)
        scale[scale == 0] = 1
        zero = np.clip(np.rint(-lo / scale), 0, 15).astype(np.int32)
    else:
        scale = (np.maximum(-lo, hi) / 7).astype(dtype).astype(np.float32)
        scale[scale == 0] = 1
        zero = np.full((n, blocks), 8, np.int32)
    q = np.clip(np.rint(groups / scale[..., None]) + zero[..., None], 0, 15)
    q = np.where(real, q, zero[..., None]).astype(np.uint8)
    codes = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    zeros = None
    if zero_points:
        z = np.full((n, (blocks + 1) // 2 * 2), 8, np.uint8)
        z[:, :blocks] = zero
        zeros = (z[:, 0::2] | (z[:, 1::2] << 4)).astype(np.uint8).reshape(-1)
    return codes, scale.astype(dtype).reshape(-1), zeros


def convert(source, target, choose):
    """Replaces each MatMul by a 2-D initializer [K, N] with MatMulNBits;
    choose(weight name) gives (block, zero points) or None to keep it."""
    model = onnx.load(source)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes, dropped = [], set()
    for node in graph.node:
        b = node.input[1] if node.op_type == "MatMul" else None
        choice = choose(b) if b in inits and len(inits[b].dims) == 2 else None
        if choice is None:
            nodes.append(node)
            continue
        block, zero_points = choice
        w = numpy_helper.to_array(inits[b])  # [K, N]: x @ w
        dtype = w.dtype
        codes, scales, zeros = quantize(w.T.astype(np.float32), block,
                                        zero_points, dtype)
        base = b + ".q4"
        graph.initializer.extend([numpy_helper.from_array(codes, base),
                                  numpy_helper.from_array(scales, base + ".scales")])
        inputs = [node.input[0], base, base + ".scales"]
        if zeros is not None:
            graph.initializer.append(numpy_helper.from_array(zeros, base + ".zp"))
            inputs.append(base + ".zp")
        nodes.append(helper.make_node(
            "MatMulNBits", inputs, list(node.output), name=node.name + "_Q4",
            domain="com.microsoft", K=w.shape[0], N=w.shape[1], bits=4,
            block_size=block))
        dropped.add(b)
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [t for t in graph.initializer if t.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    onnx.save(model, target)  # every tensor inline
    print(f"{target}: {len(dropped)} MatMuls as MatMulNBits")


def stories_choice(name):
    if ".self_attn.o_proj." in name:
        return 32, False
    if ".self_attn." in name:
        return 32, True
    if ".mlp.down_proj." in name:
        return 128, True
    if ".mlp." in name:
        return 64, False
    return None


def genai_choice(name):
    return 32, (".attn." in name or name.startswith("lm_head"))


def greedy(path, kv, vocab_check, rng, steps=12, positions=True):
    """Greedy continuation of a random prompt; kv = (layers, heads, dim,
    dtype) of the past/present tensors."""
    layers, heads, dim, dtype = kv
    prompt = [int(t) for t in rng.integers(3, vocab_check, 6)]
    tokens, margins, ids, past = [], [], list(prompt), 0
    cache = {f"past_key_values.{l}.{k}": np.zeros((1, heads, 0, dim), dtype)
             for l in range(layers) for k in ("key", "value")}
    for _ in range(steps):
        inputs = {"input_ids": np.array([ids], np.int64),
                  "attention_mask": np.ones((1, past + len(ids)), np.int64),
                  "position_ids": np.arange(past, past + len(ids), dtype=np.int64)[None],
                  **cache}
        if not positions:
            del inputs["position_ids"]
        outputs = ref.run_onnxruntime(path, inputs)
        logits = ref.as_array(outputs["logits"])[0, -1].astype(np.float64)
        top = np.argsort(logits)[::-1][:2]
        tokens.append(int(top[0]))
        margins.append(float(logits[top[0]] - logits[top[1]]))
        past += len(ids)
        ids = [int(top[0])]
        cache = {name.replace("present", "past_key_values"): ref.as_array(value)
                 for name, value in outputs.items() if name.startswith("present")}
    return {"prompt": prompt, "tokens": tokens, "margins": margins}


def references(name, path, kind, kv, vocab, rng):
    root = os.path.join(HERE, "reference", name)
    ref.record_cases(root, path, kind, rng)
    with open(os.path.join(root, "greedy.json"), "w") as f:
        json.dump(greedy(path, kv, vocab, rng,
                         positions=kind != "random-llama-genai-int4"), f, indent=1)
    print(f"{name}: {len(ref.BATCHES) * len(ref.PASTS)} cases and greedy.json")


def random_llama(rng, layers=2, hidden=64, heads=4, kv_heads=2, head_dim=16,
                 intermediate=128, vocab=512):
    """A config and weights whose logits are far apart (unit-scale
    embeddings, projections scaled by 1/sqrt(in))."""
    config = dict(num_hidden_layers=layers, hidden_size=hidden,
                  num_attention_heads=heads, num_key_value_heads=kv_heads,
                  head_dim=head_dim, intermediate_size=intermediate,
                  vocab_size=vocab, rms_norm_eps=1e-5)
    def proj(out, inp):
        return (rng.standard_normal((out, inp)) / np.sqrt(inp)).astype(np.float32)
    def norm(n):
        return (1 + 0.1 * rng.standard_normal(n)).astype(np.float32)
    w = {"model.embed_tokens.weight":
         rng.standard_normal((vocab, hidden)).astype(np.float32),
         "model.norm.weight": norm(hidden)}
    for l in range(layers):
        p = f"model.layers.{l}"
        w[p + ".input_layernorm.weight"] = norm(hidden)
        w[p + ".post_attention_layernorm.weight"] = norm(hidden)
        w[p + ".self_attn.q_proj.weight"] = proj(heads * head_dim, hidden)
        w[p + ".self_attn.k_proj.weight"] = proj(kv_heads * head_dim, hidden)
        w[p + ".self_attn.v_proj.weight"] = proj(kv_heads * head_dim, hidden)
        w[p + ".self_attn.o_proj.weight"] = proj(hidden, heads * head_dim)
        w[p + ".mlp.gate_proj.weight"] = proj(intermediate, hidden)
        w[p + ".mlp.up_proj.weight"] = proj(intermediate, hidden)
        w[p + ".mlp.down_proj.weight"] = proj(hidden, intermediate)
    return config, w


def genai_int4(config, w, target, theta=10000.0, max_positions=128):
    """The decoder of `config` and weights `w` as onnxruntime-genai's
    builder writes an int4 model for the CPU (see the docstring)."""
    layers, heads = config["num_hidden_layers"], config["num_attention_heads"]
    kv_heads, head_dim = config["num_key_value_heads"], config["head_dim"]
    hidden, eps = config["hidden_size"], config["rms_norm_eps"]
    vocab = config["vocab_size"]
    ms = "com.microsoft"
    nodes, inits = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(array, name))
        return name

    def node(op, inputs, outputs, name, domain="", **attrs):
        nodes.append(helper.make_node(op, inputs, outputs, name=name,
                                      domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def skip_norm(x, residual, gamma, name):
        """RMSNorm of x + residual: (normed, the sum)."""
        normed, _, _, total = node(
            "SkipSimplifiedLayerNormalization", [x, residual, gamma],
            [name + "/output_0", "", "", name + "/output_3"], name + "/SkipLayerNorm",
            ms, epsilon=eps)
        return normed, total

    def linear(x, weight, name):  # weight [out, in]
        codes, scales, zeros = quantize(weight, 32, True, np.float32)
        base = name + ".MatMul.weight_Q4"
        init(base, codes)
        init(base + ".scales", scales)
        init(base + ".zp", zeros)
        return node("MatMulNBits", [x, base, base + ".scales", base + ".zp"],
                    [f"/{name}/MatMul/output_0"], f"/{name}/MatMulNBits", ms,
                    K=weight.shape[1], N=weight.shape[0], bits=4, block_size=32,
                    accuracy_level=4)

    # attention_mask -> seqlens_k (int32 [B], total - 1) and
    # total_sequence_length (int32 scalar).
    one = init("/model/constants/INT64/1", np.array(1, np.int64))
    axes = init("/model/constants/INT64/[1]", np.array([1], np.int64))
    sums = node("ReduceSum", ["attention_mask", axes], ["/mask/ReduceSum/output_0"],
                "/mask/ReduceSum", keepdims=0)
    sub = node("Sub", [sums, one], ["/mask/Sub/output_0"], "/mask/Sub")
    seqlens = node("Cast", [sub], ["/mask/seqlens_k"], "/mask/Cast", to=TensorProto.INT32)
    shape = node("Shape", ["attention_mask"], ["/mask/Shape/output_0"], "/mask/Shape")
    total = node("Gather", [shape, one], ["/mask/Gather/output_0"], "/mask/Gather", axis=0)
    total = node("Cast", [total], ["/mask/total_seq_len"], "/mask/Cast_1", to=TensorProto.INT32)

    inv = theta ** (-np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    angles = np.arange(max_positions, dtype=np.float64)[:, None] * inv[None]
    cos = init("cos_cache", np.cos(angles).astype(np.float32))
    sin = init("sin_cache", np.sin(angles).astype(np.float32))

    embed = w["model.embed_tokens.weight"]
    table = init("model.embed_tokens.weight", embed)
    hidden_states = node("Gather", [table, "input_ids"],
                         ["/model/embed_tokens/Gather/output_0"], "/model/embed_tokens/Gather")
    residual, down = hidden_states, None
    for l in range(layers):
        p = f"model.layers.{l}"
        gamma = init(p + ".input_layernorm.weight", w[p + ".input_layernorm.weight"])
        if down is None:
            normed = node("SimplifiedLayerNormalization", [residual, gamma],
                          [f"/model/layers.{l}/input_layernorm/output_0"],
                          f"/model/layers.{l}/input_layernorm/LayerNorm", axis=-1,
                          epsilon=eps, stash_type=1)
        else:
            normed, residual = skip_norm(down, residual, gamma,
                                         f"/model/layers.{l}/input_layernorm")
        q = linear(normed, w[p + ".self_attn.q_proj.weight"], f"model/layers.{l}/attn/q_proj")
        k = linear(normed, w[p + ".self_attn.k_proj.weight"], f"model/layers.{l}/attn/k_proj")
        v = linear(normed, w[p + ".self_attn.v_proj.weight"], f"model/layers.{l}/attn/v_proj")
        attn = node("GroupQueryAttention",
                    [q, k, v, f"past_key_values.{l}.key", f"past_key_values.{l}.value",
                     seqlens, total, cos, sin],
                    [f"/model/layers.{l}/attn/GroupQueryAttention/output_0",
                     f"present.{l}.key", f"present.{l}.value"],
                    f"/model/layers.{l}/attn/GroupQueryAttention", ms,
                    num_heads=heads, kv_num_heads=kv_heads, do_rotary=1,
                    rotary_interleaved=0, scale=float(head_dim ** -0.5),
                    local_window_size=-1)[0]
        o = linear(attn, w[p + ".self_attn.o_proj.weight"], f"model/layers.{l}/attn/o_proj")
        gamma = init(p + ".post_attention_layernorm.weight",
                     w[p + ".post_attention_layernorm.weight"])
        normed, residual = skip_norm(o, residual, gamma,
                                     f"/model/layers.{l}/post_attention_layernorm")
        gate = linear(normed, w[p + ".mlp.gate_proj.weight"], f"model/layers.{l}/mlp/gate_proj")
        up = linear(normed, w[p + ".mlp.up_proj.weight"], f"model/layers.{l}/mlp/up_proj")
        sig = node("Sigmoid", [gate], [f"/model/layers.{l}/mlp/act_fn/Sigmoid/output_0"],
                   f"/model/layers.{l}/mlp/act_fn/Sigmoid")
        silu = node("Mul", [gate, sig], [f"/model/layers.{l}/mlp/act_fn/Mul/output_0"],
                    f"/model/layers.{l}/mlp/act_fn/Mul")
        act = node("Mul", [silu, up], [f"/model/layers.{l}/mlp/Mul/output_0"],
                   f"/model/layers.{l}/mlp/Mul")
        down = linear(act, w[p + ".mlp.down_proj.weight"], f"model/layers.{l}/mlp/down_proj")
    gamma = init("model.norm.weight", w["model.norm.weight"])
    normed = node("SkipSimplifiedLayerNormalization", [down, residual, gamma],
                  ["/model/layers.final_norm/output_0"], "/model/layers.final_norm/SkipLayerNorm",
                  ms, epsilon=eps)
    linear(normed, embed, "lm_head")
    nodes.append(helper.make_node("Identity", ["/lm_head/MatMul/output_0"], ["logits"],
                                  name="/lm_head/Identity"))

    kv = lambda name, seq: helper.make_tensor_value_info(
        name, TensorProto.FLOAT, ["batch", kv_heads, seq, head_dim])
    graph = helper.make_graph(
        nodes, "random-llama-genai-int4",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "total"])]
        + [kv(f"past_key_values.{l}.{t}", "past") for l in range(layers) for t in ("key", "value")],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "seq", vocab])]
        + [kv(f"present.{l}.{t}", "total") for l in range(layers) for t in ("key", "value")],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid(ms, 1)])
    model.ir_version = 8
    os.makedirs(os.path.dirname(target), exist_ok=True)
    onnx.save(model, target)
    print(f"{target}: {len(nodes)} nodes")


def main():
    rng = np.random.default_rng(4242)
    stories = os.path.join(HERE, "stories260K-nbits", "model.onnx")
    convert(ref.MODELS["stories260K"], stories, stories_choice)
    references("stories260K-nbits", stories, "stories260K",
               (5, 4, 8, np.float32), 512, rng)
    genai = os.path.join(HERE, ref.GENAI + "-nbits", "model.onnx")
    convert(ref.MODELS[ref.GENAI], genai, genai_choice)
    shutil.copy(os.path.join(os.path.dirname(ref.MODELS[ref.GENAI]), "genai_config.json"),
                os.path.dirname(genai))
    references(ref.GENAI + "-nbits", genai, ref.GENAI,
               (2, 1, 16, np.float16), 32000, rng)
    gqa = os.path.join(HERE, "random-llama-genai-int4", "model.onnx")
    genai_int4(*random_llama(np.random.default_rng(16)), gqa)
    references("random-llama-genai-int4", gqa, "random-llama-genai-int4",
               (2, 2, 16, np.float32), 512, rng)


if __name__ == "__main__":
    main()
