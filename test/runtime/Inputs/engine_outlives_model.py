"""An engine may outlive the caller's model handle (it holds a reference):
llmc_model_free, then llmc_engine_free. Everything the engine holds on the
model's GPU (its pool, a self-draft's pool) goes before the model does.

  engine_outlives_model.py RUNTIME_LIB MODEL.so
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Engine, Runtime  # noqa: E402

runtime_lib, model_path = sys.argv[1:3]
rt = Runtime(runtime_lib)
model = rt.load(model_path)
engine = Engine(model)
engine.add([1, 2, 3], max_tokens=2)
engine.run()
model.close()
engine.close()
print("engine freed after its model")
