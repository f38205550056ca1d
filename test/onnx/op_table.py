#!/usr/bin/env python3
"""Prints docs/onnx.md's per-op table from the conformance expectations:
for every op type that node tests use, how many of its tests pass, and why
the others do not (the first reason seen)."""
import collections
import os
import re

import onnx

DATA = "/usr/share/libonnx-testdata/data/node"
HERE = os.path.dirname(os.path.abspath(__file__))

statuses = {}
with open(os.path.join(HERE, "conformance_expectations.txt")) as f:
    for line in f:
        if line.strip() and not line.startswith("#"):
            name, _, status = line.rstrip("\n").partition(" ")
            statuses[name] = status

per_op = collections.defaultdict(lambda: [0, 0, None])
for name, status in statuses.items():
    try:
        model = onnx.load(os.path.join(DATA, name, "model.onnx"))
    except Exception:  # noqa: BLE001
        continue
    ops = {n.op_type for n in model.graph.node} or {"(none)"}
    # Attribute a test to the op named in its directory when there is one.
    main = next((op for op in ops if name.startswith("test_" + re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower())), None)
    for op in [main] if main else ops:
        entry = per_op[op]
        entry[1] += 1
        if status == "pass":
            entry[0] += 1
        elif entry[2] is None:
            entry[2] = re.sub(r"^(unsupported|fail) ", "", status)
            entry[2] = re.sub(r"node '[^']*' \(", "(", entry[2])

print("| op | tests passing | first reason for the others |")
print("|---|---|---|")
for op in sorted(per_op):
    passed, total, reason = per_op[op]
    print(f"| {op} | {passed}/{total} | {reason or ''} |")
