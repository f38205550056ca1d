#!/usr/bin/env python3
"""Writes a random-weight Hugging Face checkpoint (config.json + safetensors).

Covers the layouts the HF frontend must read: Llama, Mistral (sliding window),
Qwen2 (q/k/v biases) and GPT-2 (--arch gpt2: LayerNorm, learned positions,
Conv1D projections, GELU; --hidden/--intermediate/--heads/--layers/--context
as n_embd/n_inner/n_head/n_layer/n_positions); MHA, GQA and MQA head counts; f32, f16 and bf16
storage; one model.safetensors or shards with model.safetensors.index.json.
Weights are drawn from a fixed seed, so a checkpoint is reproducible and a
reference implementation can recompute its logits.

Options for broken checkpoints (to test the frontend's errors): --drop,
--reshape, --retype and --set (a config.json key).

Example:
  make_hf_checkpoint.py out/ --arch qwen2 --heads 4 --kv-heads 1 --dtype bf16
"""
import argparse
import json
import os
import struct

import numpy as np

ARCHITECTURES = {
    "llama": ("LlamaForCausalLM", "llama"),
    "mistral": ("MistralForCausalLM", "mistral"),
    "qwen2": ("Qwen2ForCausalLM", "qwen2"),
    "gpt2": ("GPT2LMHeadModel", "gpt2"),
}


def to_bf16_bytes(x):
    """f32 -> bf16 with round-to-nearest-even, as torch does."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)
    return (rounded >> 16).astype(np.uint16).tobytes()


def encode(array, dtype):
    if dtype == "F32":
        return array.astype("<f4").tobytes()
    if dtype == "F16":
        return array.astype("<f2").tobytes()
    if dtype == "BF16":
        return to_bf16_bytes(array)
    if dtype == "I8":
        return np.clip(np.round(array * 100), -127, 127).astype(np.int8).tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, bytes)."""
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format aligns the data section to 8
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, data in tensors:
            f.write(data)


def make_weights(cfg, rng, tied):
    """Named f32 arrays in Hugging Face naming and [out, in] layout."""
    h, ffn, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = cfg["head_dim"]
    q_dim, kv_dim = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd
    qwen2 = cfg["model_type"] == "qwen2"

    def mat(out_dim, in_dim):
        return rng.standard_normal((out_dim, in_dim)).astype(np.float32) / np.sqrt(in_dim)

    def norm(n):
        return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)

    w = {"model.embed_tokens.weight": rng.standard_normal((v, h)).astype(np.float32)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = norm(h)
        w[p + "self_attn.q_proj.weight"] = mat(q_dim, h)
        w[p + "self_attn.k_proj.weight"] = mat(kv_dim, h)
        w[p + "self_attn.v_proj.weight"] = mat(kv_dim, h)
        if qwen2:
            for proj, n in (("q_proj", q_dim), ("k_proj", kv_dim), ("v_proj", kv_dim)):
                w[p + f"self_attn.{proj}.bias"] = (0.1 * rng.standard_normal(n)).astype(np.float32)
        w[p + "self_attn.o_proj.weight"] = mat(h, q_dim)
        w[p + "post_attention_layernorm.weight"] = norm(h)
        w[p + "mlp.gate_proj.weight"] = mat(ffn, h)
        w[p + "mlp.up_proj.weight"] = mat(ffn, h)
        w[p + "mlp.down_proj.weight"] = mat(h, ffn)
    w["model.norm.weight"] = norm(h)
    if not tied:
        w["lm_head.weight"] = mat(v, h)
    return w


def make_gpt2_weights(cfg, rng, bare):
    """GPT-2's tensors: Conv1D projections stored [in, out]; the causal-mask
    buffers old checkpoints carry. `bare`: OpenAI's names, without the
    "transformer." prefix."""
    h, inner, v = cfg["n_embd"], cfg["n_inner"], cfg["vocab_size"]
    pre = "" if bare else "transformer."

    def conv(in_dim, out_dim):
        return rng.standard_normal((in_dim, out_dim)).astype(np.float32) / np.sqrt(in_dim)

    def vec(n, base):
        return (base + 0.1 * rng.standard_normal(n)).astype(np.float32)

    w = {pre + "wte.weight": rng.standard_normal((v, h)).astype(np.float32),
         pre + "wpe.weight": (0.5 * rng.standard_normal((cfg["n_positions"], h))).astype(np.float32)}
    for i in range(cfg["n_layer"]):
        p = f"{pre}h.{i}."
        w[p + "ln_1.weight"], w[p + "ln_1.bias"] = vec(h, 1.0), vec(h, 0.0)
        w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"] = conv(h, 3 * h), vec(3 * h, 0)
        w[p + "attn.c_proj.weight"], w[p + "attn.c_proj.bias"] = conv(h, h), vec(h, 0)
        w[p + "ln_2.weight"], w[p + "ln_2.bias"] = vec(h, 1.0), vec(h, 0.0)
        w[p + "mlp.c_fc.weight"], w[p + "mlp.c_fc.bias"] = conv(h, inner), vec(inner, 0)
        w[p + "mlp.c_proj.weight"], w[p + "mlp.c_proj.bias"] = conv(inner, h), vec(h, 0)
        if bare:  # the causal-mask buffer old checkpoints saved
            n = cfg["n_positions"]
            w[p + "attn.bias"] = np.tril(np.ones((n, n), np.float32)).reshape(1, 1, n, n)
    w[pre + "ln_f.weight"], w[pre + "ln_f.bias"] = vec(h, 1.0), vec(h, 0.0)
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = rng.standard_normal((v, h)).astype(np.float32) / np.sqrt(h)
    return w


def parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--arch", choices=sorted(ARCHITECTURES), default="llama")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--intermediate", type=int, default=48)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--head-dim", type=int, default=0, help="default hidden/heads")
    ap.add_argument("--vocab", type=int, default=96)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--rope-theta", type=float, default=10000.0)
    ap.add_argument("--sliding-window", type=int, default=0)
    ap.add_argument("--tied", action="store_true")
    ap.add_argument("--gelu", default="gelu_new", help="GPT-2's activation_function")
    ap.add_argument("--bare-names", action="store_true",
                    help="GPT-2: OpenAI's tensor names (no 'transformer.')")
    ap.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--drop", action="append", default=[], help="omit tensor NAME")
    ap.add_argument("--reshape", action="append", default=[],
                    help="NAME=d0,d1: store NAME with a wrong shape")
    ap.add_argument("--retype", action="append", default=[],
                    help="NAME=DTYPE: store NAME as I8 (or another dtype)")
    ap.add_argument("--set", action="append", default=[],
                    help="KEY=JSON: override a config.json entry")
    args = ap.parse_args()

    arch, model_type = ARCHITECTURES[args.arch]
    head_dim = args.head_dim or args.hidden // args.heads
    cfg = {
        "architectures": [arch],
        "model_type": model_type,
        "vocab_size": args.vocab,
        "hidden_size": args.hidden,
        "intermediate_size": args.intermediate,
        "num_hidden_layers": args.layers,
        "num_attention_heads": args.heads,
        "num_key_value_heads": args.kv_heads,
        "head_dim": head_dim,
        "max_position_embeddings": args.context,
        "rms_norm_eps": 1e-5,
        "rope_theta": args.rope_theta,
        "hidden_act": "silu",
        "tie_word_embeddings": args.tied,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}[args.dtype],
    }
    if args.arch == "mistral":
        cfg["sliding_window"] = args.sliding_window or None
    if args.arch == "qwen2":
        cfg["use_sliding_window"] = False
        cfg["sliding_window"] = args.context
    if args.arch == "gpt2":
        cfg = {"architectures": [arch], "model_type": model_type,
               "vocab_size": args.vocab, "n_embd": args.hidden, "n_inner": args.intermediate,
               "n_layer": args.layers, "n_head": args.heads, "n_positions": args.context,
               "layer_norm_epsilon": 1e-5, "activation_function": args.gelu,
               "tie_word_embeddings": True, "bos_token_id": 1, "eos_token_id": 2,
               "torch_dtype": cfg["torch_dtype"]}
    rng = np.random.default_rng(args.seed)
    if args.arch == "gpt2":
        weights = make_gpt2_weights(cfg, rng, args.bare_names)
    else:
        weights = make_weights(cfg, rng, args.tied)
    for item in args.set:
        key, value = item.split("=", 1)
        cfg[key] = parse_value(value)

    storage = {"f32": "F32", "f16": "F16", "bf16": "BF16"}[args.dtype]
    retype = dict(item.split("=", 1) for item in args.retype)
    reshape = {k: tuple(int(d) for d in v.split(",")) for k, v in
               (item.split("=", 1) for item in args.reshape)}
    tensors = []
    for name, array in weights.items():
        if name in args.drop:
            continue
        if name in reshape:
            array = rng.standard_normal(reshape[name]).astype(np.float32)
        dtype = retype.get(name, storage)
        tensors.append((name, dtype, array.shape, encode(array, dtype)))

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    if args.shards == 1:
        write_safetensors(os.path.join(args.out, "model.safetensors"), tensors)
        return
    weight_map = {}
    per_shard = -(-len(tensors) // args.shards)
    for s in range(args.shards):
        name = f"model-{s + 1:05d}-of-{args.shards:05d}.safetensors"
        chunk = tensors[s * per_shard:(s + 1) * per_shard]
        write_safetensors(os.path.join(args.out, name), chunk)
        weight_map.update({t[0]: name for t in chunk})
    index = {"metadata": {"total_size": sum(len(t[3]) for t in tensors)},
             "weight_map": weight_map}
    with open(os.path.join(args.out, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)


if __name__ == "__main__":
    main()
