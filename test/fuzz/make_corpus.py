#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into test/fuzz/corpus/<name>/,
from files of the repository (run once; the output is checked in).

  make_corpus.py --llmc build/bin/llmc

config/      config.json NUL generation_config.json NUL tokenizer_config.json
             of stories260K and of random Qwen2/Mistral checkpoints
tokenizer/   tokenizer.json NUL text, for stories260K's SentencePiece-style
             BPE and the tests' byte-level BPE
manifest/    the FlatBuffers manifests of compiled artifacts (a Hugging Face
             decoder, int4 with a side file, an ONNX decoder export)
safetensors/ small valid files: f32, f16 and bf16 tensors, an empty one
onnx/        not written here: past findings (matmul_vector_3d,
             reshape_element_count, einsum_label_sizes, einsum_output_twice,
             concat_no_axis_empty, concat_rows_empty, transpose_scalar,
             reshape_product_overflow, shape_propagation_overflow,
             squeeze_runtime_axes_not_1), two MatMulNBits models of
             test/lib/make_onnx_models.py (nbits/nbits_f32_zp.onnx,
             nbits_f16_bias.onnx), cumsum_runtime_axis.onnx of the same
             script, the onnxruntime-genai export's graph
             (its weights are external, so it exercises the decoder
             recognizer's refusals) and gpt2_megatron.onnx (the GPT-2
             lifting: LayerNorm, GELU evaluation, the float mask);
             scripts/fuzz-smoke.sh adds
             libonnx-testdata's node models
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STORIES = os.path.join(ROOT, "examples", "stories260K")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def manifest_of(library):
    data = read(library)
    start = data.find(b"LLMCMAN1")
    size, = struct.unpack_from("<Q", data, start + 16)
    return data[start + 32:start + 32 + size]


def safetensors(tensors):
    header, blob = {}, b""
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(payload)]}
        blob += payload
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + blob


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--llmc", required=True)
    args = ap.parse_args()
    out = os.path.join(HERE, "corpus")
    # Files are overwritten, never the folders removed: they also hold the
    # inputs of past findings (e.g. manifest/misaligned_stop_ids), which
    # stay as regression seeds.

    with tempfile.TemporaryDirectory() as tmp:
        make = [sys.executable, os.path.join(ROOT, "test", "lib", "make_hf_checkpoint.py")]
        subprocess.run(make + [os.path.join(tmp, "qwen2"), "--arch", "qwen2", "--kv-heads", "1"], check=True)
        subprocess.run(make + [os.path.join(tmp, "mistral"), "--arch", "mistral",
                               "--sliding-window", "4"], check=True)
        for name, folder in (("stories260K", STORIES), ("qwen2", os.path.join(tmp, "qwen2")),
                             ("mistral", os.path.join(tmp, "mistral"))):
            parts = []
            for f in ("config.json", "generation_config.json", "tokenizer_config.json"):
                p = os.path.join(folder, f)
                parts.append(read(p) if os.path.exists(p) else b"{}")
            write(os.path.join(out, "config", name), b"\0".join(parts))

        write(os.path.join(out, "tokenizer", "stories260K"),
              read(os.path.join(STORIES, "tokenizer.json")) + "\0Once upon a time, Lily said: \"hi!\" 😀".encode())
        write(os.path.join(out, "tokenizer", "bytelevel"),
              read(os.path.join(ROOT, "test", "unit", "tokenizer", "bytelevel_tokenizer.json"))
              + "\0Hello  world\n\tcafé".encode())

        builds = {
            "hf_f32": [STORIES],
            "hf_int4_external": [STORIES, "--quantize=int4", "--weights=external"],
            "onnx_decoder": [os.path.join(ROOT, "test", "models", "stories260K", "onnx", "model.onnx"),
                             "--context-length=64"],
        }
        for name, argv in builds.items():
            library = os.path.join(tmp, name + ".so")
            subprocess.run([args.llmc, "compile", *argv, "-o", library], check=True)
            write(os.path.join(out, "manifest", name), manifest_of(library))

    f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    write(os.path.join(out, "safetensors", "f32"), safetensors({"w": ("F32", [2, 3], f32)}))
    write(os.path.join(out, "safetensors", "mixed"), safetensors({
        "a": ("F16", [2], b"\x00\x3c\x00\x40"),
        "b": ("BF16", [1, 2], b"\x80\x3f\x00\x40")}))
    write(os.path.join(out, "safetensors", "empty"), safetensors({"e": ("F32", [0, 4], b"")}))
    print("corpora written to", out)


if __name__ == "__main__":
    main()
