#!/usr/bin/env python3
"""Records onnxruntime's outputs for the third-party ONNX exports, once.

For gpt2_past.onnx and gpt2_megatron.onnx: writes seeded inputs and
onnxruntime's outputs as .npy files under reference/<model>/ (inputs as
<name>.npy, outputs as expected/<name>.npy). The end-to-end tests compare
`llmc exec` against these files, so onnxruntime is not needed to run them.

Regenerate (needs Node.js and the npm package onnxruntime-node):
  cd test/models/onnx
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node
  /usr/bin/python3 make_references.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def inputs_for(model, rng):
    if model == "gpt2_past":
        # One new token on top of a 3-token past; 12 layers of [2, 1, 2, 3, 2].
        inputs = {"input_ids": np.array([[7]], np.int64)}
        for layer in range(12):
            inputs[f"past_{layer}"] = rng.standard_normal((2, 1, 2, 3, 2)).astype(np.float32)
        return inputs
    # gpt2_megatron: 3 new tokens after a 2-token past, causal 64x64 mask.
    return {"input_ids": np.array([[3, 5, 7]], np.int64),
            "position_ids": np.array([[2, 3, 4]], np.int64),
            "attention_mask": np.tril(np.ones((64, 64), np.float32))[None, None],
            "past_0": rng.standard_normal((2, 1, 2, 2, 4)).astype(np.float32)}


def main():
    rng = np.random.default_rng(2026)
    for model in ("gpt2_past", "gpt2_megatron"):
        inputs = inputs_for(model, rng)
        out_dir = os.path.join(HERE, "reference", model)
        os.makedirs(os.path.join(out_dir, "expected"), exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            spec = {k: {"dtype": str(v.dtype), "shape": list(v.shape), "data": v.flatten().tolist()}
                    for k, v in inputs.items()}
            with open(os.path.join(tmp, "in.json"), "w") as f:
                json.dump(spec, f)
            subprocess.run(["node", os.path.join(HERE, "run_onnxruntime.mjs"),
                            os.path.join(HERE, model + ".onnx"),
                            os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")],
                           check=True, cwd=HERE)
            with open(os.path.join(tmp, "out.json")) as f:
                outputs = json.load(f)
        for name, value in inputs.items():
            np.save(os.path.join(out_dir, name + ".npy"), value)
        for name, value in outputs.items():
            np.save(os.path.join(out_dir, "expected", name + ".npy"),
                    np.array(value["data"], np.float32).reshape(value["dims"]))
        print(f"{model}: {len(inputs)} inputs, {len(outputs)} outputs")


if __name__ == "__main__":
    main()
