"""Edge cases of llmc_generate_speculative against llmc_generate, through
the C API: max_tokens 0, 1, 2 and 7, a stop id met inside a step's
drafts, prompts that leave 3, 1 and 6 positions of the context: the same
tokens, stop reason and final session position, for prompt lookup and an
int4 draft (4 and 64 draft tokens).

  speculative_edges.py RUNTIME_LIB TARGET.so DRAFT.so
"""
import ctypes
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import (GenerateParams, GenerateResult, Runtime,  # noqa: E402
                          SpeculativeParams, SpeculativeStats)
runtime, target_path, draft_path = sys.argv[1:]
rt = Runtime(runtime)
lib = rt.lib


def run(model, prompt, max_tokens, stops, spec):
    """(tokens, stop reason, session position) after generating from a reset
    session with llmc_generate, or llmc_generate_speculative given `spec`."""
    params = GenerateParams()
    lib.llmc_generate_params_init(model.handle, ctypes.byref(params))
    params.max_tokens = max_tokens
    arr = (ctypes.c_int64 * len(stops))(*stops)
    params.stop_ids = ctypes.cast(arr, ctypes.c_void_p) if stops else None
    params.num_stop_ids = len(stops)
    ids = np.ascontiguousarray(prompt, dtype=np.int32)
    toks = []
    cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32)(lambda _, t: toks.append(t) or 0)
    res = GenerateResult(); st = SpeculativeStats()
    model.reset()
    if spec is None:
        rt.check(lib.llmc_generate(model.session, ids.ctypes.data, len(ids), ctypes.byref(params), ctypes.cast(cb, ctypes.c_void_p), None, ctypes.byref(res)))
    else:
        rt.check(lib.llmc_generate_speculative(model.session, ids.ctypes.data, len(ids), ctypes.byref(params), ctypes.byref(spec), ctypes.cast(cb, ctypes.c_void_p), None, ctypes.byref(res), ctypes.byref(st)))
    return toks, res.stop_reason, model.position()


with rt.load(target_path) as m, rt.load(draft_path) as d:
    ctx = m.context_length
    specs = [SpeculativeParams(SpeculativeParams.NGRAM, 4, None),
             SpeculativeParams(SpeculativeParams.DRAFT, 4, d.session),
             SpeculativeParams(SpeculativeParams.DRAFT, 64, d.session)]
    prompt = [1, 403, 407, 261, 378]
    plain_full = run(m, prompt, 60, [], None)[0]
    cases = [(prompt, 0, []), (prompt, 1, []), (prompt, 2, []), (prompt, 7, []),
             (prompt, 60, [plain_full[3]]), (prompt, 60, [plain_full[10]]),
             ([3 + (i % 500) for i in range(ctx - 3)], 10, []), ([3 + (i % 500) for i in range(ctx - 1)], 10, []), ([3 + (i % 7) for i in range(ctx - 6)], 10, [])]
    bad = 0
    for p, n, stops in cases:
        want = run(m, p, n, stops, None)
        for s in specs:
            got = run(m, p, n, stops, s)
            if got != want:
                bad += 1
                print("MISMATCH", len(p), n, stops, s.kind, s.draft_tokens, want, got)
    print(f"{'PASS' if not bad else 'FAIL'}: {len(cases) * len(specs)} edge cases as llmc_generate")
    sys.exit(1 if bad else 0)
