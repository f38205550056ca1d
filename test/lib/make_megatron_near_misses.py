#!/usr/bin/env python3
"""Copies of gpt2_megatron.onnx edited so that one part of its layer is no
longer what the GPT-2 lifting expects:

  softmax_rows  the softmax over the query rows (axis 2), not the keys
  not_gelu      the MLP activation's sqrt(2/pi) constant changed to 0.9
  mask_rows     the mask's rows sliced from row 0, not from past: for a
                step after a past, queries see the rows of the first
                positions (not causal)
  qkv_swapped   queries read the projection's second third, keys its first
  mask_from_scores  the mask m computed from the scores (scores * 0 + 1):
                all ones, so the attention is not causal; its values are
                only known at run time
  head_bias     a bias added to the LM head's output

and malformed copies, whose nodes lack inputs or outputs their op has (the
recognizer must fail by name, not read past them): the final LayerNorm's
Sqrt without its input (no_sqrt_input), the Softmax without its input
(no_softmax_input), the q/k/v Split without outputs (no_split_outputs).
These are saved unchecked.

  make_megatron_near_misses.py MODEL.onnx OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def edit(model, name):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    nodes = m.graph.node
    if name == "softmax_rows":
        node = next(n for n in nodes if n.op_type == "Softmax")
        node.attribute[0].i = 2
    elif name == "not_gelu":
        for n in nodes:
            if n.op_type == "Constant":
                value = numpy_helper.to_array(n.attribute[0].t)
                if value.size == 1 and abs(float(value) - 0.7978845834732056) < 1e-7:
                    n.attribute[0].t.CopyFrom(
                        numpy_helper.from_array(np.array(0.9, value.dtype), n.output[0]))
    elif name == "mask_rows":
        zero = helper.make_node("Constant", [], ["mask_rows_zero"],
                                value=numpy_helper.from_array(np.array([0], np.int64)))
        nodes.insert(0, zero)
        first = next(n for n in nodes if n.op_type == "Slice" and n.input[0] == "attention_mask")
        first.input[1] = "mask_rows_zero"
    elif name == "qkv_swapped":
        split = next(n for n in nodes if n.op_type == "Split" and n.input[0] != "past_0")
        split.output[0], split.output[1] = split.output[1], split.output[0]
    elif name == "mask_from_scores":
        consts = [helper.make_node("Constant", [], [n_], value=numpy_helper.from_array(
            np.array(v, np.float32))) for n_, v in (("mfs_zero", 0.0), ("mfs_one", 1.0))]
        softmax = next(n for n in nodes if n.op_type == "Softmax")
        sub_node = next(n for n in nodes if n.output[0] == softmax.input[0])
        kept = next(n for n in nodes if n.output[0] == sub_node.input[0])
        scores, mask = kept.input[0], kept.input[1]
        extra = [helper.make_node("Mul", [scores, "mfs_zero"], ["mfs_zeros"]),
                 helper.make_node("Add", ["mfs_zeros", "mfs_one"], ["mfs_mask"])]
        for n in nodes:
            for i, name_ in enumerate(n.input):
                if name_ == mask:
                    n.input[i] = "mfs_mask"
        index = list(nodes).index(kept)
        for node in reversed(consts + extra):
            nodes.insert(index, node)
    elif name == "head_bias":
        head = next(n for n in nodes if n.output[0] == "logits")
        head.output[0] = "logits_unbiased"
        m.graph.initializer.append(numpy_helper.from_array(
            np.full(10, 0.5, np.float32), "head_bias"))
        nodes.append(helper.make_node("Add", ["logits_unbiased", "head_bias"], ["logits"]))
    elif name == "no_sqrt_input":
        del [n for n in nodes if n.op_type == "Sqrt"][-1].input[:]
    elif name == "no_softmax_input":
        del next(n for n in nodes if n.op_type == "Softmax").input[:]
    elif name == "no_split_outputs":
        del next(n for n in nodes if n.op_type == "Split" and n.input[0] != "past_0").output[:]
    return m


def main():
    model = onnx.load(sys.argv[1])
    os.makedirs(sys.argv[2], exist_ok=True)
    for name in ("softmax_rows", "not_gelu", "mask_rows", "qkv_swapped",
                 "mask_from_scores", "head_bias"):
        edited = edit(model, name)
        onnx.checker.check_model(edited)
        onnx.save(edited, os.path.join(sys.argv[2], name + ".onnx"))
    for name in ("no_sqrt_input", "no_softmax_input", "no_split_outputs"):
        onnx.save(edit(model, name), os.path.join(sys.argv[2], name + ".onnx"))


if __name__ == "__main__":
    main()
