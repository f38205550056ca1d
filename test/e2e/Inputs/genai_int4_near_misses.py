"""Near misses of the genai int4 export: layer 1's GroupQueryAttention with
local_window_size 8 (window.onnx), every one with scale 0.5 (scale.onnx).

  genai_int4_near_misses.py MODEL OUTDIR
"""
import os
import sys

import onnx

model_path, out = sys.argv[1:]
for name, layer, attribute, value in (("window", "layers.1", "local_window_size", 8),
                                      ("scale", "", "scale", 0.5)):
    model = onnx.load(model_path)
    for node in model.graph.node:
        if node.op_type == "GroupQueryAttention" and layer in node.name:
            for a in node.attribute:
                if a.name == attribute:
                    if a.type == onnx.AttributeProto.INT:
                        a.i = value
                    else:
                        a.f = value
    onnx.save(model, os.path.join(out, name + ".onnx"))
