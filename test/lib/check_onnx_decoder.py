#!/usr/bin/env python3
"""Checks an ONNX decoder export against the Hugging Face build of the same
model and an independent reference.

  check_onnx_decoder.py LLMC ONNX.so HF.so [--reference MODEL.bin]
                        [--eval-text FILE] PROMPT...

For each prompt: `llmc run --json` on both libraries must give the same
greedy tokens (64, ignoring stop ids); with --reference, `llmc exec` on the
ONNX library with the prompt's ids (empty past) must give logits within 1e-4
of the numpy llama2.c reference (test/lib/llama2c_reference.py). With
--eval-text, `llmc eval` must give both the same perplexity within 1e-4
(relative).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama2c_reference import Llama2C  # noqa: E402


def run_json(llmc, library, prompt):
    out = subprocess.run([llmc, "run", library, "--prompt", prompt, "--max-tokens", "64",
                          "--temperature", "0", "--ignore-eos", "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def eval_json(llmc, library, text):
    out = subprocess.run([llmc, "eval", library, "--text", text, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("llmc")
    ap.add_argument("onnx_so")
    ap.add_argument("hf_so")
    ap.add_argument("--reference")
    ap.add_argument("--eval-text")
    ap.add_argument("prompts", nargs="+")
    args = ap.parse_args()
    llmc, onnx_so, hf_so = args.llmc, args.onnx_so, args.hf_so
    reference = Llama2C(args.reference) if args.reference else None
    failed = False
    if args.eval_text:
        a, b = eval_json(llmc, onnx_so, args.eval_text), eval_json(llmc, hf_so, args.eval_text)
        error = abs(a["perplexity"] - b["perplexity"]) / b["perplexity"]
        ok = a["scored_tokens"] == b["scored_tokens"] and error <= 1e-4
        print(f"{'PASS' if ok else 'FAIL'}: perplexity {a['perplexity']:.6f} (ONNX) vs "
              f"{b['perplexity']:.6f} (Hugging Face), relative difference {error:.1e}")
        failed |= not ok
    for prompt in args.prompts:
        a, b = run_json(llmc, onnx_so, prompt), run_json(llmc, hf_so, prompt)
        same = a["prompt_tokens"] == b["prompt_tokens"] and a["tokens"] == b["tokens"]
        print(f"{'PASS' if same else 'FAIL'}: {prompt!r}: {len(a['tokens'])} greedy tokens, "
              f"ONNX {'=' if same else '!='} Hugging Face build")
        failed |= not same
        if reference is None:
            continue
        ids = np.array([a["prompt_tokens"]], np.int64)
        n = ids.shape[1]
        with tempfile.TemporaryDirectory() as tmp:
            inputs = {"input_ids": ids, "attention_mask": np.ones((1, n), np.int64),
                      "position_ids": np.arange(n, dtype=np.int64)[None]}
            for layer in range(5):
                for kind in ("key", "value"):
                    inputs[f"past_key_values.{layer}.{kind}"] = np.zeros((1, 4, 0, 8), np.float32)
            command = [llmc, "exec", onnx_so, "--output-dir", os.path.join(tmp, "out")]
            for name, value in inputs.items():
                np.save(os.path.join(tmp, name + ".npy"), value)
                command += ["--input", f"{name}={os.path.join(tmp, name + '.npy')}"]
            subprocess.run(command, check=True)
            logits = np.load(os.path.join(tmp, "out", "logits.npy"))[0]
        want = reference.forward(a["prompt_tokens"])
        error = np.abs(logits - want).max() / np.abs(want).max()
        ok = error <= 1e-4
        print(f"{'PASS' if ok else 'FAIL'}: {prompt!r}: logits max|diff|/max|ref| = {error:.2e}")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
