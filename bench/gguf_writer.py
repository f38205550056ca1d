#!/usr/bin/env python3
"""Writes a random Llama checkpoint (bench/make_checkpoint.py) as GGUF, so
that llama.cpp runs the very weights llmc compiles.

  gguf_writer.py CHECKPOINT_DIR OUT.gguf [--type f32|f16]

GGUF version 3 (llama.cpp's gguf.md): the header, metadata, tensor infos,
then the tensor data aligned to 32 bytes. The vocabulary is minimal: <unk>,
<s>, </s>, the 256 byte tokens, then placeholders up to vocab_size, a
"llama" (SentencePiece) tokenizer llama.cpp loads without a tokenizer.model;
the benchmarks feed token ids, never text. q and k are written as the
checkpoint stores them, without the row permutation llama.cpp's converter
applies for its rotary layout: with random weights that changes which
numbers come out, not how long they take. Q8_0 and Q4_0 files come from
llama.cpp's own llama-quantize (see bench/llama_cpp.md).

Tensors are streamed one at a time from the safetensors file: tinyllama-1.1b
is 4.4 GB in f32.
"""
import argparse
import json
import os
import struct

import numpy as np

ALIGNMENT = 32
# gguf_type ids.
UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64 = 4, 5, 6, 7, 8, 9, 10
# ggml_type ids.
GGML_F32, GGML_F16 = 0, 1


def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_value(kind, value):
    if kind == STRING:
        return gguf_string(value)
    if kind == ARRAY:
        element, items = value
        out = struct.pack("<IQ", element, len(items))
        return out + b"".join(gguf_value(element, item) for item in items)
    return struct.pack({UINT32: "<I", INT32: "<i", FLOAT32: "<f", BOOL: "<?",
                        UINT64: "<Q"}[kind], value)


def read_safetensors(path):
    """(header dict, offset of the data) of a safetensors file."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    header.pop("__metadata__", None)
    return header, 8 + size


def gguf_name(hf):
    """llama.cpp's tensor name for a Hugging Face Llama tensor name."""
    fixed = {"model.embed_tokens.weight": "token_embd.weight",
             "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    if hf in fixed:
        return fixed[hf]
    parts = hf.split(".")  # model.layers.N.<module>.<proj>.weight
    layer, module = parts[2], ".".join(parts[3:-1])
    names = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
             "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
             "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
             "mlp.down_proj": "ffn_down"}
    return f"blk.{layer}.{names[module]}.weight"


def vocabulary(size):
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    tokens += [f"t{i}" for i in range(size - len(tokens))]
    types += [1] * (size - len(types))
    return tokens[:size], types[:size]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--type", choices=["f32", "f16"], default="f16")
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(args.checkpoint, "config.json")))
    st_path = os.path.join(args.checkpoint, "model.safetensors")
    header, data_start = read_safetensors(st_path)

    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    tokens, types = vocabulary(cfg["vocab_size"])
    metadata = [
        ("general.architecture", STRING, "llama"),
        ("general.name", STRING, "llmc random " + os.path.basename(args.checkpoint)),
        ("general.alignment", UINT32, ALIGNMENT),
        ("general.file_type", UINT32, 0 if args.type == "f32" else 1),
        ("llama.context_length", UINT32, cfg["max_position_embeddings"]),
        ("llama.embedding_length", UINT32, hidden),
        ("llama.block_count", UINT32, cfg["num_hidden_layers"]),
        ("llama.feed_forward_length", UINT32, cfg["intermediate_size"]),
        ("llama.attention.head_count", UINT32, heads),
        ("llama.attention.head_count_kv", UINT32, cfg["num_key_value_heads"]),
        ("llama.rope.dimension_count", UINT32, cfg.get("head_dim", hidden // heads)),
        ("llama.rope.freq_base", FLOAT32, cfg["rope_theta"]),
        ("llama.attention.layer_norm_rms_epsilon", FLOAT32, cfg["rms_norm_eps"]),
        ("llama.vocab_size", UINT32, cfg["vocab_size"]),
        ("tokenizer.ggml.model", STRING, "llama"),
        ("tokenizer.ggml.tokens", ARRAY, (STRING, tokens)),
        ("tokenizer.ggml.scores", ARRAY, (FLOAT32, [0.0] * len(tokens))),
        ("tokenizer.ggml.token_type", ARRAY, (INT32, types)),
        ("tokenizer.ggml.bos_token_id", UINT32, 1),
        ("tokenizer.ggml.eos_token_id", UINT32, 2),
        ("tokenizer.ggml.unknown_token_id", UINT32, 0),
        ("tokenizer.ggml.add_bos_token", BOOL, True),
    ]

    # Norm weights stay f32, as llama.cpp's converter keeps 1-D tensors.
    infos, offset = [], 0
    for name, spec in header.items():
        shape = spec["shape"]
        kind = GGML_F32 if args.type == "f32" or len(shape) == 1 else GGML_F16
        nbytes = int(np.prod(shape)) * (4 if kind == GGML_F32 else 2)
        infos.append((name, shape, kind, offset, spec))
        offset += (nbytes + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT

    with open(args.out, "wb") as out:
        out.write(b"GGUF" + struct.pack("<IQQ", 3, len(infos), len(metadata)))
        for key, kind, value in metadata:
            out.write(gguf_string(key) + struct.pack("<I", kind) + gguf_value(kind, value))
        for name, shape, kind, at, _ in infos:
            # ggml lists dimensions innermost first.
            out.write(gguf_string(gguf_name(name)) + struct.pack("<I", len(shape)))
            out.write(b"".join(struct.pack("<Q", d) for d in reversed(shape)))
            out.write(struct.pack("<IQ", kind, at))
        out.write(b"\0" * (-out.tell() % ALIGNMENT))
        base = out.tell()
        source = np.memmap(st_path, dtype=np.uint8, mode="r")
        for name, shape, kind, at, spec in infos:
            if spec["dtype"] != "F32":
                raise SystemExit(f"{name}: expected F32 in the checkpoint, got {spec['dtype']}")
            begin, end = spec["data_offsets"]
            values = source[data_start + begin:data_start + end].view(np.float32)
            out.seek(base + at)
            out.write((values if kind == GGML_F32 else values.astype(np.float16)).tobytes())
        out.write(b"\0" * (-out.tell() % ALIGNMENT))
    print(f"{args.out}: {len(infos)} tensors, {os.path.getsize(args.out) / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
