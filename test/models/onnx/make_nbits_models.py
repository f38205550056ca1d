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
from onnx import helper, numpy_helper

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


def greedy(path, kv, vocab_check, rng, steps=12):
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
    shutil.rmtree(root, ignore_errors=True)
    for batch in ref.BATCHES:
        for past in ref.PASTS:
            inputs = ref.inputs_for(kind, batch, past, rng)
            outputs = ref.run_onnxruntime(path, inputs)
            case = os.path.join(root, f"b{batch}_p{past}")
            os.makedirs(os.path.join(case, "expected"))
            for key, value in inputs.items():
                np.save(os.path.join(case, key + ".npy"), value)
            for key, value in outputs.items():
                np.save(os.path.join(case, "expected", key + ".npy"),
                        ref.as_array(value))
    with open(os.path.join(root, "greedy.json"), "w") as f:
        json.dump(greedy(path, kv, vocab, rng), f, indent=1)
    print(f"{name}: {len(ref.BATCHES) * len(ref.PASTS)} cases and greedy.json")


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


if __name__ == "__main__":
    main()
