"""Drives the runtime's C API with the misuse and bad values a hostile-input
review found, through ctypes; prints one PASS line per check and raises on
any failure (a crash fails the test too).

  c_api_hostile.py libllmc_runtime.so MODEL.so"""
import ctypes
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import GenerateParams as Params, GenerateResult as Result, Runtime  # noqa: E402

rt = Runtime(sys.argv[1])
lib, p, message = rt.lib, ctypes.c_void_p, rt.message


def load():
    model = p()
    assert message(lib.llmc_model_load(sys.argv[2].encode(), ctypes.byref(model))) is None
    return model


def forward(session, tokens):
    ids = np.array(tokens, np.int32)
    out = np.empty((1, vocab), np.float32)
    error = message(lib.llmc_session_forward(session, ids.ctypes.data, len(ids),
                                             out.ctypes.data, 0))
    assert error is None, error
    return out[0]


# A session keeps its model alive: free the model first, keep generating.
model = load()
vocab = lib.llmc_model_vocab_size(model)
session = p()
assert message(lib.llmc_session_create(model, ctypes.byref(session))) is None
expected = forward(session, [1, 403, 407])
lib.llmc_model_free(model)
lib.llmc_session_reset(session)
assert np.array_equal(forward(session, [1, 403, 407]), expected)
lib.llmc_session_free(session)
print("PASS: a session outlives llmc_model_free and computes the same logits")

# Sampling parameters: refused where they enter, with the parameter named.
model = load()
session = p()
assert message(lib.llmc_session_create(model, ctypes.byref(session))) is None
prompt = (ctypes.c_int32 * 1)(1)
for field, value, expect in [
        ("temperature", math.nan, "temperature nan: expected a finite number >= 0"),
        ("temperature", math.inf, "temperature inf"),
        ("temperature", -1.0, "temperature -1"),
        ("top_p", math.nan, "top_p nan: expected 0 < top_p <= 1"),
        ("top_p", 0.0, "top_p 0"),
        ("top_p", 1.5, "top_p 1.5"),
        ("top_k", -3, "top_k -3: expected an integer >= 0"),
        ("max_tokens", -1, "max_tokens -1")]:
    params = Params()
    lib.llmc_generate_params_init(model, ctypes.byref(params))
    setattr(params, field, value)
    checked = message(lib.llmc_generate_params_check(ctypes.byref(params)))
    assert checked and checked.startswith(expect), checked
    result = Result()
    lib.llmc_session_reset(session)
    generated = message(lib.llmc_generate(session, ctypes.addressof(prompt), 1,
                                          ctypes.byref(params), None, None,
                                          ctypes.byref(result)))
    assert generated == "llmc_generate: " + checked, generated
    print(f"PASS: {field} {value} refused: {checked}")

# The smallest positive temperatures are valid and sample the argmax.
for temperature in (1e-38, 1e-45):
    params = Params()
    lib.llmc_generate_params_init(model, ctypes.byref(params))
    params.temperature, params.max_tokens, params.num_stop_ids = temperature, 8, 0
    result = Result()
    lib.llmc_session_reset(session)
    assert message(lib.llmc_generate(session, ctypes.addressof(prompt), 1,
                                     ctypes.byref(params), None, None,
                                     ctypes.byref(result))) is None
    assert result.num_tokens == 8
    print(f"PASS: temperature {temperature} generates")
lib.llmc_session_free(session)
lib.llmc_model_free(model)
