#!/usr/bin/env python3
"""Checks an ONNX decoder export against the Hugging Face build of the same
model and an independent reference.

  check_onnx_decoder.py LLMC ONNX.so HF.so MODEL.bin PROMPT...

For each prompt: `llmc run --json` on both libraries must give the same
greedy tokens (64, ignoring stop ids); `llmc exec` on the ONNX library with
the prompt's ids (empty past) must give logits within 1e-4 of the numpy
llama2.c reference (test/lib/llama2c_reference.py).
"""
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


def main():
    llmc, onnx_so, hf_so, weights = sys.argv[1:5]
    reference = Llama2C(weights)
    failed = False
    for prompt in sys.argv[5:]:
        a, b = run_json(llmc, onnx_so, prompt), run_json(llmc, hf_so, prompt)
        same = a["prompt_tokens"] == b["prompt_tokens"] and a["tokens"] == b["tokens"]
        print(f"{'PASS' if same else 'FAIL'}: {prompt!r}: {len(a['tokens'])} greedy tokens, "
              f"ONNX {'=' if same else '!='} Hugging Face build")
        failed |= not same
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
