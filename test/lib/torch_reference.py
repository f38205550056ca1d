#!/usr/bin/env python3
"""Independent PyTorch reference for Hugging Face Llama-family checkpoints.

End-to-end tests use it to recompute the logits of a Hugging Face checkpoint
(config.json + model.safetensors, or shards listed in
model.safetensors.index.json) and compare them with a compiled model's. It
shares no code with the compiler and does not need transformers: the forward
pass below follows modeling_llama / modeling_mistral / modeling_qwen2 in plain
torch ops, in float32 (f16 and bf16 weights are widened to float32 on load):

  x = embed_tokens[ids]
  per layer:  x += o_proj(attention(rope(q_proj h), rope(k_proj h), v_proj h))
              with h = input_layernorm(x)
              x += down_proj(silu(gate_proj h) * up_proj h)
              with h = post_attention_layernorm(x)
  logits = lm_head(norm(x))    (lm_head = embed_tokens when tie_word_embeddings)

RoPE uses the rotate_half convention; GQA maps query head h to kv head
h // (num_attention_heads / num_key_value_heads); Mistral's sliding window
lets query i see key j iff i - window < j <= i; Qwen2 adds q/k/v biases.

GPT-2 (model_type "gpt2") follows modeling_gpt2 in gpt2_forward below.

Usage from a test:
  import torch_reference
  model = torch_reference.load("path/to/checkpoint")
  logits = torch_reference.forward(model, [1, 2, 3])   # numpy [3, vocab] f32

Command line:
  torch_reference.py CKPT --tokens 1,2,3 --out logits.npy
"""
import argparse
import json
import os
import struct

import numpy as np
import torch


def read_safetensors(path):
    """Returns {name: float32 torch tensor} for one .safetensors file."""
    with open(path, "rb") as f:
        data = f.read()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start:base + end]
        dtype, shape = info["dtype"], info["shape"]
        if dtype == "F32":
            array = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F16":
            array = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            raise ValueError(f"{path}: {name} has unsupported dtype {dtype}")
        array = array.astype(np.float32).reshape(shape)
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def load(checkpoint_dir):
    """Reads config.json and all weights. Returns a dict: config + tensors."""
    with open(os.path.join(checkpoint_dir, "config.json")) as f:
        config = json.load(f)
    index_path = os.path.join(checkpoint_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for name in files:
        weights.update(read_safetensors(os.path.join(checkpoint_dir, name)))
    if config.get("rope_scaling"):
        raise NotImplementedError("rope_scaling is not supported")
    if config.get("model_type") != "gpt2" and config.get("hidden_act", "silu") != "silu":
        raise NotImplementedError(f"hidden_act {config['hidden_act']}")
    return {"config": config, "weights": weights}


def rms_norm(x, weight, eps):
    """LlamaRMSNorm: x * rsqrt(mean(x^2) + eps), then times weight."""
    x = x.float()
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(n, head_dim, theta):
    """cos, sin: [n, head_dim] for positions 0..n-1."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    t = torch.arange(n, dtype=torch.int64).float()
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def repeat_kv(x, n_rep):
    """[kv_heads, n, d] -> [kv_heads * n_rep, n, d]; head h uses kv head h // n_rep."""
    if n_rep == 1:
        return x
    kv_heads, n, d = x.shape
    return x[:, None, :, :].expand(kv_heads, n_rep, n, d).reshape(kv_heads * n_rep, n, d)


def sliding_window_for_layer(config, layer):
    """Window size for this layer, or None for full causal attention."""
    model_type = config.get("model_type")
    window = config.get("sliding_window")
    if model_type == "mistral":
        return window
    if model_type == "qwen2" and config.get("use_sliding_window", False):
        if layer >= config.get("max_window_layers", 0):
            return window
    return None


def linear(x, weights, name, bias_required=False):
    w = weights[name + ".weight"]
    b = weights.get(name + ".bias")
    if bias_required and b is None:
        raise KeyError(name + ".bias")
    y = x @ w.T
    return y + b if b is not None else y


def gpt2_forward(model, token_ids):
    """GPT-2 (modeling_gpt2): learned positions, pre-LayerNorm blocks, one
    Conv1D ([in, out]) for q/k/v, GELU MLP, tied head."""
    config, w = model["config"], model["weights"]
    w = {(k if k.startswith("transformer.") or k.startswith("lm_head") else
          "transformer." + k): v for k, v in w.items()}
    hidden, n_heads = config["n_embd"], config["n_head"]
    head_dim = hidden // n_heads
    eps = config.get("layer_norm_epsilon", 1e-5)
    act = config.get("activation_function", "gelu_new")
    approximate = "none" if act == "gelu" else "tanh"
    ids = torch.tensor(list(token_ids), dtype=torch.int64)
    n = ids.shape[0]
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][torch.arange(n)]
    causal = torch.arange(n)[None, :] <= torch.arange(n)[:, None]

    def ln(x, name):
        return torch.nn.functional.layer_norm(x, (hidden,), w[name + ".weight"],
                                              w[name + ".bias"], eps)

    def conv1d(x, name):  # x @ W + b, W stored [in, out]
        return x @ w[name + ".weight"] + w[name + ".bias"]

    for layer in range(config["n_layer"]):
        p = f"transformer.h.{layer}."
        q, k, v = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn").split(hidden, dim=1)
        q, k, v = (t.view(n, n_heads, head_dim).transpose(0, 1) for t in (q, k, v))
        scores = (q @ k.transpose(1, 2)) / (head_dim ** 0.5)
        scores = scores.masked_fill(~causal, float("-inf"))
        attn = (torch.softmax(scores, dim=-1) @ v).transpose(0, 1).reshape(n, hidden)
        x = x + conv1d(attn, p + "attn.c_proj")
        m = torch.nn.functional.gelu(conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc"),
                                     approximate=approximate)
        x = x + conv1d(m, p + "mlp.c_proj")
    x = ln(x, "transformer.ln_f")
    head = w.get("lm_head.weight") if not config.get("tie_word_embeddings", True) \
        else w["transformer.wte.weight"]
    return (x @ head.T).numpy().astype(np.float32)


@torch.no_grad()
def forward(model, token_ids):
    """Logits (numpy float32 [len(token_ids), vocab]) from position 0."""
    if model["config"].get("model_type") == "gpt2":
        return gpt2_forward(model, token_ids)
    config, w = model["config"], model["weights"]
    hidden = config["hidden_size"]
    n_heads = config["num_attention_heads"]
    n_kv = config.get("num_key_value_heads") or n_heads
    head_dim = config.get("head_dim") or hidden // n_heads
    eps = config.get("rms_norm_eps", 1e-6)
    theta = config.get("rope_theta", 10000.0)
    qkv_bias = config.get("model_type") == "qwen2"

    ids = torch.tensor(list(token_ids), dtype=torch.int64)
    n = ids.shape[0]
    x = w["model.embed_tokens.weight"][ids]  # [n, hidden]
    cos, sin = rope_cos_sin(n, head_dim, theta)
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    causal = j <= i

    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = linear(h, w, p + "self_attn.q_proj", qkv_bias)
        k = linear(h, w, p + "self_attn.k_proj", qkv_bias)
        v = linear(h, w, p + "self_attn.v_proj", qkv_bias)
        q = q.view(n, n_heads, head_dim).transpose(0, 1)  # [heads, n, d]
        k = k.view(n, n_kv, head_dim).transpose(0, 1)
        v = v.view(n, n_kv, head_dim).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = repeat_kv(k, n_heads // n_kv)
        v = repeat_kv(v, n_heads // n_kv)

        visible = causal
        window = sliding_window_for_layer(config, layer)
        if window is not None:
            visible = visible & (j > i - window)
        scores = (q @ k.transpose(1, 2)) / (head_dim ** 0.5)  # [heads, n, n]
        scores = scores.masked_fill(~visible, float("-inf"))
        probs = torch.softmax(scores.float(), dim=-1)
        attn = (probs @ v).transpose(0, 1).reshape(n, n_heads * head_dim)
        x = x + linear(attn, w, p + "self_attn.o_proj")

        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = linear(h, w, p + "mlp.gate_proj")
        up = linear(h, w, p + "mlp.up_proj")
        x = x + linear(torch.nn.functional.silu(gate) * up, w, p + "mlp.down_proj")

    x = rms_norm(x, w["model.norm.weight"], eps)
    if config.get("tie_word_embeddings", False):
        lm_head = w["model.embed_tokens.weight"]
    else:
        lm_head = w["lm_head.weight"]
    return (x @ lm_head.T).numpy().astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--out", help="write logits [n, vocab] here (.npy)")
    args = ap.parse_args()
    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    logits = forward(load(args.checkpoint), tokens)
    if args.out:
        np.save(args.out, logits)
    print("logits", logits.shape, "argmax", logits.argmax(-1).tolist())


if __name__ == "__main__":
    main()
