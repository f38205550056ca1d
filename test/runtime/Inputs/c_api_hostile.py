"""Drives the runtime's C API with the misuse and bad values a hostile-input
review found, through ctypes; prints one PASS line per check and raises on
any failure (a crash fails the test too).

  c_api_hostile.py libllmc_runtime.so MODEL.so"""
import ctypes
import math
import sys

import numpy as np

lib = ctypes.CDLL(sys.argv[1])
p, i64, sz = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t
lib.llmc_status_message.restype = ctypes.c_char_p
lib.llmc_status_message.argtypes = [p]
lib.llmc_status_free.argtypes = [p]
lib.llmc_model_load.restype = p
lib.llmc_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(p)]
lib.llmc_model_free.argtypes = [p]
lib.llmc_model_vocab_size.restype = i64
lib.llmc_model_vocab_size.argtypes = [p]
lib.llmc_session_create.restype = p
lib.llmc_session_create.argtypes = [p, ctypes.POINTER(p)]
lib.llmc_session_free.argtypes = [p]
lib.llmc_session_reset.argtypes = [p]
lib.llmc_session_forward.restype = p
lib.llmc_session_forward.argtypes = [p, p, sz, p, ctypes.c_int]


class Params(ctypes.Structure):
    _fields_ = [("max_tokens", i64), ("temperature", ctypes.c_float),
                ("top_k", ctypes.c_int32), ("top_p", ctypes.c_float),
                ("seed", ctypes.c_uint64), ("stop_ids", p), ("num_stop_ids", sz)]


class Result(ctypes.Structure):
    _fields_ = [("num_tokens", sz), ("stop_reason", ctypes.c_int),
                ("prompt_tokens", sz), ("prefill_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double), ("decode_steps", sz)]


lib.llmc_generate_params_init.argtypes = [p, ctypes.POINTER(Params)]
lib.llmc_generate_params_check.restype = p
lib.llmc_generate_params_check.argtypes = [ctypes.POINTER(Params)]
lib.llmc_generate.restype = p
lib.llmc_generate.argtypes = [p, p, sz, ctypes.POINTER(Params), p, p,
                              ctypes.POINTER(Result)]


def message(status):
    if not status:
        return None
    text = lib.llmc_status_message(status).decode()
    lib.llmc_status_free(status)
    return text


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
