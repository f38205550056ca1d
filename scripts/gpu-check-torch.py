#!/usr/bin/env python3
"""The PyTorch half of scripts/gpu-check.sh, on the GPU machine.

  gpu-check-torch.py measure RESULTS DIR   copy bandwidth, bf16 matrix rate,
      and Hugging Face's LlamaForCausalLM on the bf16 weights llmc ran
      (DIR/tl-bf16-cuda.so.weights, read through its layout): its logits
      against llmc's, eager prefill and decode, torch.compile decode
  gpu-check-torch.py summary RESULTS DIR   the issue's targets, computed from
      the rows RESULTS already holds
  gpu-check-torch.py compare EXPECTED GOT   two float32 files of logits:
      PASS when they differ by at most 1 % of the largest expected logit
      and agree on the argmax (both llmc builds compute in f32 from the
      same stored weights; only the order of additions differs)
  gpu-check-torch.py weights LAYOUT WEIGHTS CONFIG OUT.npz
      (tests) the state dict the measure step loads, as numpy arrays

Rows are appended to RESULTS as "name<spaces>value", 44 columns wide.
"""
import json
import os
import sys
import time

import numpy as np

HEADER_SIZE = 4096  # LLMC_WEIGHTS_HEADER_SIZE


def row(results, name, value):
    line = f"{name:<44} {value}"
    print(line, flush=True)
    with open(results, "a") as f:
        f.write(line + "\n")


def part_rows(cfg):
    """Rows of each Hugging Face tensor that llmc may fuse with others."""
    head_dim = cfg.get("head_dim",
                       cfg["hidden_size"] // cfg["num_attention_heads"])
    return {
        "q_proj": cfg["num_attention_heads"] * head_dim,
        "k_proj": cfg["num_key_value_heads"] * head_dim,
        "v_proj": cfg["num_key_value_heads"] * head_dim,
        "gate_proj": cfg["intermediate_size"],
        "up_proj": cfg["intermediate_size"],
    }


def state_dict(layout, weights_path, cfg):
    """{Hugging Face name: float32 or bf16-bits numpy array} from an llmc
    weights file whose tensors are stored as they are (bf16 or f32),
    splitting fused tensors ("a+b+c", concatenated by rows)."""
    data = np.memmap(weights_path, dtype=np.uint8, mode="r")
    rows_of = part_rows(cfg)
    out = {}
    for t in layout["tensors"]:
        if t["packed"] or t["quantization"]:
            raise SystemExit(f"{t['name']}: packed; expected weights stored "
                             "as they are")
        dtype = {"bf16": np.uint16, "f32": np.float32}[t["dtype"]]
        start = HEADER_SIZE + t["offset"]
        flat = data[start:start + t["bytes"]].view(dtype)
        shape = t["shape"]
        whole = flat.reshape(shape)
        names = t["name"].split("+")
        first = 0
        for name in names:
            if len(names) == 1:
                rows = shape[0]
            else:
                rows = rows_of[name.split(".")[-2]]
            out[name] = whole[first:first + rows]
            first += rows
        if first != shape[0]:
            raise SystemExit(f"{t['name']}: {shape[0]} rows, parts of "
                             f"{first}")
    return out


def compare_logits(expected, got, verdict=True):
    """How far `got` is from `expected` (numpy arrays of logits); with
    `verdict`, PASS or FAIL at the 1 % tolerance first."""
    diff, scale = np.abs(expected - got).max(), np.abs(expected).max()
    same = expected.argmax() == got.argmax()
    text = (f"max |diff| {diff:.3g} (of max |logit| {scale:.3g}"
            f"{'; tolerance 1%' if verdict else ''}), argmax "
            f"{'same' if same else 'DIFFERS'}")
    if not verdict:
        return text
    return f"{'PASS' if diff <= 0.01 * scale and same else 'FAIL'}: {text}"


def prompt_ids(vocab, count):
    """The prompt llmc-runner feeds (its prompt_run_open)."""
    return [(i * 7919 + 13) % vocab for i in range(count)]


def measure(results, directory):
    import torch

    dev = torch.device("cuda")
    n = 1 << 30  # bytes per buffer
    a = torch.empty(n, dtype=torch.uint8, device=dev)
    b = torch.empty_like(a)
    b.copy_(a)
    torch.cuda.synchronize()
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        b.copy_(a)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - t
    row(results, "copy bandwidth, read+written (GB/s)",
        f"{2 * n * reps / seconds / 1e9:.0f}")
    del a, b

    m = 8192
    x = torch.randn(m, m, dtype=torch.bfloat16, device=dev)
    y = torch.randn(m, m, dtype=torch.bfloat16, device=dev)
    torch.matmul(x, y)
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(reps):
        torch.matmul(x, y)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - t
    row(results, "bf16 matmul 8192^3 (TFLOP/s)",
        f"{2 * m**3 * reps / seconds / 1e12:.0f}")
    del x, y

    try:
        from transformers import LlamaConfig, LlamaForCausalLM
    except ImportError:
        row(results, "HF LlamaForCausalLM", "transformers missing")
        return
    with open(os.path.join(directory, "tl-config.json")) as f:
        cfg = json.load(f)
    weights = os.path.join(directory, "tl-bf16-cuda.so.weights")
    if not os.path.exists(weights):
        row(results, "HF LlamaForCausalLM", "no bf16 weights to load")
        return
    with open(os.path.join(directory, "tl-bf16-layout.json")) as f:
        layout = json.load(f)
    config = LlamaConfig(**{k: v for k, v in cfg.items()
                            if k not in ("architectures", "torch_dtype")})
    with torch.device(dev):
        model = LlamaForCausalLM(config).to(torch.bfloat16).eval()
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, array in state_dict(layout, weights, cfg).items():
            source = torch.from_numpy(np.ascontiguousarray(array).view(
                np.int16 if array.dtype == np.uint16 else np.float32))
            if array.dtype == np.uint16:
                source = source.view(torch.bfloat16)
            params[name].copy_(source.to(dev).to(torch.bfloat16))

    vocab = cfg["vocab_size"]
    with torch.no_grad():
        ids = torch.tensor([prompt_ids(vocab, 32)], device=dev)
        logits = model(ids).logits[0, -1].float().cpu().numpy()
    got = os.path.join(directory, "tl-bf16-got.f32")
    if os.path.exists(got):
        ours = np.fromfile(got, dtype="<f4")
        # HF computes in bf16, llmc in f32: reported, not judged.
        row(results, "HF eager bf16 logits vs llmc bf16",
            compare_logits(ours, logits, verdict=False))

    def decode_rate(tokens=128):
        prompt = torch.tensor([prompt_ids(vocab, 128)], device=dev)
        with torch.no_grad():
            model.generate(prompt, max_new_tokens=8, min_new_tokens=8,
                           do_sample=False)
            torch.cuda.synchronize()
            t = time.perf_counter()
            model.generate(prompt, max_new_tokens=tokens,
                           min_new_tokens=tokens, do_sample=False)
            torch.cuda.synchronize()
        return tokens / (time.perf_counter() - t)

    row(results, "HF eager bf16 decode c=1 (tok/s)", f"{decode_rate():.0f}")
    with torch.no_grad():
        ids = torch.tensor([prompt_ids(vocab, 512)], device=dev)
        model(ids)
        torch.cuda.synchronize()
        t = time.perf_counter()
        model(ids)
        torch.cuda.synchronize()
    row(results, "HF eager bf16 prefill 512 (tok/s)",
        f"{512 / (time.perf_counter() - t):.0f}")

    # torch.compile as transformers documents it for generation: a static
    # KV cache and the forward compiled with CUDA graphs.
    try:
        model.generation_config.cache_implementation = "static"
        model.forward = torch.compile(model.forward, mode="reduce-overhead",
                                      fullgraph=True)
        t = time.perf_counter()
        decode_rate(16)  # compiles
        row(results, "HF torch.compile warm-up (s)",
            f"{time.perf_counter() - t:.0f}")
        row(results, "HF torch.compile bf16 decode c=1 (tok/s)",
            f"{decode_rate():.0f}")
    except Exception as e:  # a failed compile is a result, not a crash
        row(results, "HF torch.compile", f"FAILED: {str(e).splitlines()[0]}")


def summary(results, directory):
    with open(results) as f:
        lines = f.read().splitlines()

    def number(name):
        """The first number of row `name` (names may overflow 44 columns)."""
        for line in lines:
            if line.startswith(name + " "):
                try:
                    return float(line[len(name):].split()[0])
                except (ValueError, IndexError):
                    return None
        return None

    copy = number("copy bandwidth, read+written (GB/s)")
    matmul = number("bf16 matmul 8192^3 (TFLOP/s)")
    out = []
    for q in ("bf16", "int8", "int4"):
        path = os.path.join(directory, f"tl-{q}-layout.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            layout = json.load(f)
        decode = number(f"TinyLlama-shape {q} decode c=1 (tok/s)")
        engine1 = number(f"TinyLlama-shape {q} engine decode c=1 (tok/s)")
        engine16 = number(f"TinyLlama-shape {q} engine decode c=16 (tok/s)")
        prefill = number(f"TinyLlama-shape {q} prefill 512 (tok/s)")
        if decode and copy:
            # Decode reads every weight once per token: bytes per token over
            # the copy rate is the floor.
            fraction = decode * layout["weight_bytes_per_token"] / (copy * 1e9)
            out.append((f"{q} decode c=1, of roofline (target 0.70)",
                        f"{fraction:.3f}"))
        if engine1 and engine16:
            out.append((f"{q} engine decode c=16 / c=1 (target 8)",
                        f"{engine16 / engine1:.1f}"))
        if prefill and matmul:
            flops = 2 * sum(int(np.prod(t["shape"])) for t in layout["tensors"]
                            if "linear" in t["role"] or "lm_head" in t["role"])
            out.append((f"{q} prefill 512, of bf16 matmul (target 0.50)",
                        f"{prefill * flops / (matmul * 1e12):.3f}"))
    decode = number("TinyLlama-shape bf16 decode c=1 (tok/s)")
    for peer, target in (("eager", 3.0), ("torch.compile", 1.2)):
        theirs = number(f"HF {peer} bf16 decode c=1 (tok/s)")
        if decode and theirs:
            out.append((f"bf16 decode c=1 / HF {peer} (target {target})",
                        f"{decode / theirs:.2f}"))
    for name, value in out:
        row(results, name, value)


def main():
    if len(sys.argv) == 4 and sys.argv[1] in ("measure", "summary"):
        (measure if sys.argv[1] == "measure" else summary)(sys.argv[2],
                                                           sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        print(compare_logits(np.fromfile(sys.argv[2], dtype="<f4"),
                             np.fromfile(sys.argv[3], dtype="<f4")))
    elif len(sys.argv) == 6 and sys.argv[1] == "weights":
        with open(sys.argv[2]) as f:
            layout = json.load(f)
        with open(sys.argv[4]) as f:
            cfg = json.load(f)
        np.savez(sys.argv[5], **state_dict(layout, sys.argv[3], cfg))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
