#!/usr/bin/env python3
"""Records onnxruntime's outputs for the checked-in ONNX exports, once.

For gpt2_past.onnx, gpt2_megatron.onnx (third-party PyTorch exports), the
stories260K export (../stories260K/onnx/model.onnx) and onnxruntime-genai's
tiny-random-LlamaForCausalLM-fp16 (contrib ops, fp16): seeded inputs at
batch sizes 1, 2 and 3 and past lengths 0, 1 and 5, and onnxruntime's
outputs for them, as .npy files under reference/<model>/b<B>_p<P>/
(inputs as <name>.npy, outputs as expected/<name>.npy). The end-to-end
tests compare `llmc exec` against these files (test/lib/check_onnx_exports.py),
so onnxruntime is not needed to run them. For the genai model, also
greedy.json: onnxruntime's greedy continuation of a prompt, fed one token
at a time through past/present, with each step's top-2 logit margin.

Regenerate (needs Node.js and the npm package onnxruntime-node, which
scripts/setup.sh installs into .cache/bench-node):
  cd test/models/onnx
  ln -s ../../../.cache/bench-node/node_modules node_modules
  /usr/bin/python3 make_references.py && rm node_modules
(`make_references.py --later` writes only the files added later, each
from its own seed: gpt2_megatron's greedy.json and gpt2_past's
sequence/.)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = {
    "gpt2_past": os.path.join(HERE, "gpt2_past.onnx"),
    "gpt2_megatron": os.path.join(HERE, "gpt2_megatron.onnx"),
    "stories260K": os.path.join(HERE, "..", "stories260K", "onnx", "model.onnx"),
    "tiny-random-LlamaForCausalLM-fp16": os.path.join(
        HERE, "tiny-random-LlamaForCausalLM-fp16", "model.onnx"),
}
GENAI = "tiny-random-LlamaForCausalLM-fp16"
BATCHES = (1, 2, 3)
PASTS = (0, 1, 5)


def inputs_for(model, batch, past, rng):
    normal = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    if model == "gpt2_past":
        # One new token; 12 layers of past [2, batch, 2 heads, past, 2].
        inputs = {"input_ids": rng.integers(0, 10, (batch, 1)).astype(np.int64)}
        for layer in range(12):
            inputs[f"past_{layer}"] = normal(2, batch, 2, past, 2)
        return inputs
    if model == "gpt2_megatron":
        # Three new tokens, a causal 64x64 mask per sequence.
        seq = 3
        positions = np.arange(past, past + seq, dtype=np.int64)
        return {"input_ids": rng.integers(0, 10, (batch, seq)).astype(np.int64),
                "position_ids": np.tile(positions, (batch, 1)),
                "attention_mask": np.tile(np.tril(np.ones((64, 64), np.float32)),
                                          (batch, 1, 1, 1)),
                "past_0": normal(2, batch, 2, past, 4)}
    if model == GENAI:
        # A four-token prompt, or one new token after a past (the builder's
        # mask subgraph expects that); 2 layers of one fp16 KV head x 16.
        seq = 4 if past == 0 else 1
        positions = np.arange(past, past + seq, dtype=np.int64)
        inputs = {"input_ids": rng.integers(0, 32000, (batch, seq)).astype(np.int64),
                  "attention_mask": np.ones((batch, past + seq), np.int64),
                  "position_ids": np.tile(positions, (batch, 1))}
        for layer in range(2):
            for kind in ("key", "value"):
                inputs[f"past_key_values.{layer}.{kind}"] = normal(
                    batch, 1, past, 16).astype(np.float16)
        return inputs
    if model == "random-llama-genai-int4":
        # make_nbits_models.py's GroupQueryAttention export: a three-token
        # prompt, or one new token after a past (onnxruntime's kernel takes
        # no more at batch > 1); 2 layers of 2 KV heads x 16; no
        # position_ids (GroupQueryAttention rotates by the positions
        # attention_mask implies).
        seq = 3 if past == 0 else 1
        return {"input_ids": rng.integers(0, 512, (batch, seq)).astype(np.int64),
                "attention_mask": np.ones((batch, past + seq), np.int64),
                **{f"past_key_values.{l}.{k}": normal(batch, 2, past, 16)
                   for l in range(2) for k in ("key", "value")}}
    # stories260K: two new tokens, 5 layers of 4 KV heads x 8.
    seq = 2
    positions = np.arange(past, past + seq, dtype=np.int64)
    inputs = {"input_ids": rng.integers(0, 512, (batch, seq)).astype(np.int64),
              "attention_mask": np.ones((batch, past + seq), np.int64),
              "position_ids": np.tile(positions, (batch, 1))}
    for layer in range(5):
        for kind in ("key", "value"):
            inputs[f"past_key_values.{layer}.{kind}"] = normal(batch, 4, past, 8)
    return inputs


def run_onnxruntime(model_path, inputs):
    with tempfile.TemporaryDirectory() as tmp:
        spec = {k: {"dtype": str(v.dtype), "shape": list(v.shape),
                    "data": (v.view(np.uint16) if v.dtype == np.float16 else v)
                    .flatten().tolist()} for k, v in inputs.items()}
        with open(os.path.join(tmp, "in.json"), "w") as f:
            json.dump(spec, f)
        subprocess.run(["node", os.path.join(HERE, "run_onnxruntime.mjs"), model_path,
                        os.path.join(tmp, "in.json"), os.path.join(tmp, "out.json")],
                       check=True, cwd=HERE)
        with open(os.path.join(tmp, "out.json")) as f:
            return json.load(f)


def record_cases(root, path, kind, rng):
    """Writes root/b<B>_p<P>/: inputs_for(kind) and onnxruntime's outputs
    for model `path`, at every batch size and past length."""
    shutil.rmtree(root, ignore_errors=True)
    for batch in BATCHES:
        for past in PASTS:
            inputs = inputs_for(kind, batch, past, rng)
            outputs = run_onnxruntime(path, inputs)
            case = os.path.join(root, f"b{batch}_p{past}")
            os.makedirs(os.path.join(case, "expected"))
            for name, value in inputs.items():
                np.save(os.path.join(case, name + ".npy"), value)
            for name, value in outputs.items():
                np.save(os.path.join(case, "expected", name + ".npy"),
                        as_array(value))


def main():
    if "--later" not in sys.argv:
        rng = np.random.default_rng(2026)
        for model, path in MODELS.items():
            record_cases(os.path.join(HERE, "reference", model), path, model, rng)
            print(f"{model}: {len(BATCHES) * len(PASTS)} cases")
        greedy_reference(rng)
    megatron_greedy_reference(np.random.default_rng(2027))
    gpt2_past_sequence_reference(np.random.default_rng(2028))


def as_array(output):
    if output["type"] == "float16":
        return np.array(output["data"], np.uint16).view(np.float16).reshape(output["dims"])
    return np.array(output["data"], np.float32).reshape(output["dims"])


def greedy_reference(rng, steps=12):
    """The genai model's greedy continuation of a prompt, as `llmc run
    --prompt-ids` should produce it."""
    prompt = [int(t) for t in rng.integers(3, 32000, 6)]
    tokens, margins, ids, past = [], [], list(prompt), 0
    cache = {f"past_key_values.{l}.{k}": np.zeros((1, 1, 0, 16), np.float16)
             for l in range(2) for k in ("key", "value")}
    for _ in range(steps):
        inputs = {"input_ids": np.array([ids], np.int64),
                  "attention_mask": np.ones((1, past + len(ids)), np.int64),
                  "position_ids": np.arange(past, past + len(ids), dtype=np.int64)[None],
                  **cache}
        outputs = run_onnxruntime(MODELS[GENAI], inputs)
        logits = as_array(outputs["logits"])[0, -1].astype(np.float64)
        top = np.argsort(logits)[::-1][:2]
        tokens.append(int(top[0]))
        margins.append(float(logits[top[0]] - logits[top[1]]))
        past += len(ids)
        ids = [int(top[0])]
        cache = {name.replace("present", "past_key_values"): as_array(value)
                 for name, value in outputs.items() if name.startswith("present")}
    with open(os.path.join(HERE, "reference", GENAI, "greedy.json"), "w") as f:
        json.dump({"prompt": prompt, "tokens": tokens, "margins": margins}, f, indent=1)
    print(f"{GENAI}: greedy continuation of {len(prompt)} prompt ids")


def megatron_greedy_reference(rng, steps=24):
    """gpt2_megatron's greedy continuation of a prompt through past/present,
    with the causal 64x64 float mask its callers pass (added later, with
    its own seed: `make_references.py --megatron-greedy` writes only it)."""
    prompt = [int(t) for t in rng.integers(0, 10, 5)]
    tokens, margins, ids, past = [], [], list(prompt), 0
    cache = np.zeros((2, 1, 2, 0, 4), np.float32)
    mask = np.tril(np.ones((64, 64), np.float32))[None, None]
    for _ in range(steps):
        inputs = {"input_ids": np.array([ids], np.int64),
                  "position_ids": np.arange(past, past + len(ids), dtype=np.int64)[None],
                  "attention_mask": mask, "past_0": cache}
        outputs = run_onnxruntime(MODELS["gpt2_megatron"], inputs)
        logits = as_array(outputs["logits"])[0, -1].astype(np.float64)
        top = np.argsort(logits)[::-1][:2]
        tokens.append(int(top[0]))
        margins.append(float(logits[top[0]] - logits[top[1]]))
        past += len(ids)
        ids = [int(top[0])]
        cache = as_array(outputs["present_0"])
    with open(os.path.join(HERE, "reference", "gpt2_megatron", "greedy.json"), "w") as f:
        json.dump({"prompt": prompt, "tokens": tokens, "margins": margins}, f, indent=1)
    print(f"gpt2_megatron: greedy continuation of {len(prompt)} prompt ids")


def gpt2_past_sequence_reference(rng, length=8):
    """gpt2_past fed a sequence one token at a time through past/present
    (its input_ids are declared [batch, 1]): each step's last_state, for
    the lifted `forward`, which returns the same hidden states."""
    ids = rng.integers(0, 20, length).astype(np.int64)
    cache = {f"past_{l}": np.zeros((2, 1, 2, 0, 2), np.float32) for l in range(12)}
    states = []
    for token in ids:
        outputs = run_onnxruntime(MODELS["gpt2_past"],
                                  {"input_ids": np.array([[token]], np.int64), **cache})
        states.append(as_array(outputs["last_state"])[0, 0])
        cache = {name.replace("present", "past"): as_array(value)
                 for name, value in outputs.items() if name.startswith("present")}
    out = os.path.join(HERE, "reference", "gpt2_past", "sequence")
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "input_ids.npy"), ids)
    np.save(os.path.join(out, "last_state.npy"), np.stack(states))
    print(f"gpt2_past: {length} steps of one token")


if __name__ == "__main__":
    main()
