#!/usr/bin/env python3
"""Writes a random-weight Llama checkpoint with the shape of a real model.

  make_checkpoint.py OUT_DIR --shape smollm2-135m|tinyllama-1.1b [--layers N]
  make_checkpoint.py OUT_DIR --tiny

OUT_DIR gets config.json (LlamaForCausalLM) and one f32 model.safetensors; no
tokenizer. The benchmark compiles it with llmc and exports it to ONNX
(bench/export_onnx.py), so both runtimes run the same weights.

Weights are normal with std 0.02 (as transformers initializes Llama) and norm
weights 1 + 0.02 * normal, drawn from one generator seeded with --seed in the
order the tensors are written, so a checkpoint is reproducible. Tensors are
generated and written one at a time (the header, with every offset, goes
first): tinyllama-1.1b is 4.4 GB in f32 and is never held in memory.

--layers N overrides the layer count (development uses 2-4 layers); --tiny is
a very small GQA model (hidden 64, 2 layers, vocab 512) for CI plumbing.

--portable draws from bench/portable_weights.py instead: streams the project
defines bit for bit, one per tensor, so that bench/write_portable_weights.py
can rebuild an artifact's weights file where the checkpoint cannot travel
(scripts/gpu-check.sh).

--dtype bf16 stores every tensor in bfloat16 (rounded to nearest even from
the same float32 values), as a model published in bf16 is.
"""
import argparse
import json
import os
import struct

import numpy as np

import portable_weights

SHAPES = {
    "smollm2-135m": dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, vocab_size=49152,
                         tie_word_embeddings=True, rope_theta=100000.0),
    "tinyllama-1.1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                           num_attention_heads=32, num_key_value_heads=4, vocab_size=32000,
                           tie_word_embeddings=False, rope_theta=10000.0),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, vocab_size=512,
                 tie_word_embeddings=False, rope_theta=10000.0),
}


def make_config(shape, layers=None):
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    cfg.update(SHAPES[shape])
    if layers:
        cfg["num_hidden_layers"] = layers
    cfg["head_dim"] = cfg["hidden_size"] // cfg["num_attention_heads"]
    cfg.update({
        "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-5,
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "rope_scaling": None,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "float32",
    })
    return cfg


def tensor_specs(cfg):
    """(name, shape, kind) in file order, Hugging Face names and [out, in] layout."""
    h, ffn, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    q_dim = cfg["num_attention_heads"] * cfg["head_dim"]
    kv_dim = cfg["num_key_value_heads"] * cfg["head_dim"]
    specs = [("model.embed_tokens.weight", (v, h), "mat")]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        specs += [
            (p + "input_layernorm.weight", (h,), "norm"),
            (p + "self_attn.q_proj.weight", (q_dim, h), "mat"),
            (p + "self_attn.k_proj.weight", (kv_dim, h), "mat"),
            (p + "self_attn.v_proj.weight", (kv_dim, h), "mat"),
            (p + "self_attn.o_proj.weight", (h, q_dim), "mat"),
            (p + "post_attention_layernorm.weight", (h,), "norm"),
            (p + "mlp.gate_proj.weight", (ffn, h), "mat"),
            (p + "mlp.up_proj.weight", (ffn, h), "mat"),
            (p + "mlp.down_proj.weight", (h, ffn), "mat"),
        ]
    specs.append(("model.norm.weight", (h,), "norm"))
    if not cfg["tie_word_embeddings"]:
        specs.append(("lm_head.weight", (v, h), "mat"))
    return specs


def random_tensor(rng, shape, kind, std=0.02):
    x = rng.standard_normal(shape, dtype=np.float32)
    x *= np.float32(std)
    if kind == "norm":
        x += np.float32(1.0)
    return x


def write_checkpoint(out_dir, cfg, seed=0, portable=False, dtype="f32"):
    specs = tensor_specs(cfg)
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    element = 2 if dtype == "bf16" else 4
    if dtype == "bf16":
        cfg = dict(cfg, torch_dtype="bfloat16")
    for name, shape, _ in specs:
        size = element * int(np.prod(shape))
        header[name] = {"dtype": "BF16" if dtype == "bf16" else "F32",
                        "shape": list(shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format aligns the data section to 8

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    rng = np.random.default_rng(seed)
    with open(os.path.join(out_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name, shape, kind in specs:
            # Big matrices are drawn a row block at a time to bound memory;
            # the generator's stream, and so the weights, stay the same.
            rows = max(1, (64 << 20) // (4 * int(np.prod(shape[1:], dtype=np.int64))))
            for start in range(0, shape[0], rows):
                count = min(rows, shape[0] - start)
                if portable:
                    block = portable_weights.rows_of(name, shape, kind, start,
                                                     count, seed)
                else:
                    block = random_tensor(rng, (count,) + tuple(shape[1:]), kind)
                if dtype == "bf16":
                    f.write(portable_weights.to_bf16(block).astype("<u2").tobytes())
                else:
                    f.write(block.astype("<f4").tobytes())
    return offset


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--shape", choices=[s for s in SHAPES if s != "tiny"])
    ap.add_argument("--tiny", action="store_true", help="a very small model for CI")
    ap.add_argument("--layers", type=int, help="override num_hidden_layers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--portable", action="store_true",
                    help="project-defined random streams (portable_weights.py)")
    ap.add_argument("--dtype", choices=["f32", "bf16"], default="f32")
    args = ap.parse_args()
    if args.tiny == bool(args.shape):
        ap.error("give exactly one of --shape and --tiny")
    cfg = make_config("tiny" if args.tiny else args.shape, args.layers)
    size = write_checkpoint(args.out, cfg, args.seed, args.portable, args.dtype)
    print(f"{args.out}: {cfg['num_hidden_layers']} layers, {size / 1e9:.2f} GB of "
          f"{args.dtype} weights")


if __name__ == "__main__":
    main()
