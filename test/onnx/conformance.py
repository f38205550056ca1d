#!/usr/bin/env python3
"""ONNX backend conformance: every node test of Debian's libonnx-testdata.

For each test under /usr/share/libonnx-testdata/data/node: compile model.onnx
with `llmc compile`, run it with `llmc exec` on test_data_set_*/input_*.pb and
compare with output_*.pb (floats: |got - want| <= atol + rtol * |want| with
rtol 1e-3, atol 1e-7; integers and booleans exactly; shapes exactly).

Each test gets one status line:
  <test> pass
  <test> unsupported <what the compiler said: op, opset, dtype>
  <test> fail <what differed>
The checked-in expectations (conformance_expectations.txt) record every
test's status; any change -- a regression or an unrecorded new pass -- fails
the run, so it cannot hide. `--update` rewrites the file.

A test is *required* when all its ops are in llmc's ONNX op list, its opset
is at least 11 and all its tensors are f32, f16, bf16, i64, i32 or bool:
those must all pass (the run fails otherwise).

  conformance.py --llmc build/bin/llmc [--jobs 2] [--update] [--only REGEX]
                 [--target TARGET]

--target compiles for that llmc --target instead of the host, e.g. znver4,
which has no AVX512-FP16 instruction for f64 -> f16 (a builtin call then).
"""
import argparse
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnx.numpy_helper

DATA = "/usr/share/libonnx-testdata/data/node"
HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTATIONS = os.path.join(HERE, "conformance_expectations.txt")

# The ops of the ONNX issue's list: tests using only these are required.
LISTED_OPS = set("""MatMul Gemm Add Sub Mul Div Pow Sqrt Reciprocal Neg Abs Exp Log Erf
Tanh Sigmoid Relu Softmax LayerNormalization ReduceMean ReduceSum ReduceMax
ReduceSumSquare Reshape Flatten Transpose Squeeze Unsqueeze Concat Split Slice
Pad Tile Gather GatherElements Expand Where Equal Less LessOrEqual Greater
GreaterOrEqual Not And Or Cast Shape Size ConstantOfShape Constant Range
Trilu CumSum Identity Sin Cos Max Min Einsum""".split())
LISTED_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16, onnx.TensorProto.BFLOAT16,
                onnx.TensorProto.INT64, onnx.TensorProto.INT32, onnx.TensorProto.BOOL}


def tensor_types(model):
    types = []
    for v in list(model.graph.input) + list(model.graph.output):
        if v.type.HasField("tensor_type"):
            types.append(v.type.tensor_type.elem_type)
        else:
            types.append(None)  # sequences, optionals, ...
    return types


def is_required(model):
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    ops = {n.op_type for n in model.graph.node}
    domains = {n.domain for n in model.graph.node}
    return (opset >= 11 and ops <= LISTED_OPS and domains <= {"", "ai.onnx"}
            and all(t in LISTED_TYPES for t in tensor_types(model)))


def compare(got, want):
    if got.shape != want.shape:
        return f"shape {list(got.shape)}, expected {list(want.shape)}"
    if want.dtype.kind in "fc":
        g, w = got.astype(np.float64), want.astype(np.float64)
        nan = np.isnan(w)
        if not np.array_equal(np.isnan(g), nan):
            return "NaNs differ"
        g, w = g[~nan], w[~nan]
        bad = np.abs(g - w) > 1e-7 + 1e-3 * np.abs(w)
        if bad.any():
            return f"{int(bad.sum())} values differ (max |diff| {np.abs(g - w).max():.3g})"
        return None
    if want.dtype == np.bool_:
        got = got.astype(np.bool_)
    if not np.array_equal(got.astype(want.dtype), want):
        return f"{int((got.astype(want.dtype) != want).sum())} values differ"
    return None


def run_test(args):
    name, llmc, target = args
    directory = os.path.join(DATA, name)
    model_path = os.path.join(directory, "model.onnx")
    try:
        model = onnx.load(model_path)
    except Exception as e:  # noqa: BLE001
        return name, f"unsupported cannot load: {e}", False
    required = is_required(model)
    work = tempfile.mkdtemp(prefix="llmc-conformance-")
    try:
        so = os.path.join(work, "m.so")
        done = subprocess.run([llmc, "compile", model_path, "-o", so, "-O1", f"--target={target}"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "compile failed"
            message = message.replace("llmc: error: ", "").replace(model_path + ": ", "")
            return name, f"unsupported {message}", required
        initializers = {i.name for i in model.graph.initializer}
        inputs = [i.name for i in model.graph.input if i.name not in initializers]
        outputs = [o.name for o in model.graph.output]
        sets = sorted(d for d in os.listdir(directory) if d.startswith("test_data_set"))
        for data_set in sets:
            data = os.path.join(directory, data_set)
            command = [llmc, "exec", so, "--output-dir", os.path.join(work, "out")]
            count = len([f for f in os.listdir(data) if f.startswith("input_")])
            for i in range(count):
                command += ["--input", f"{inputs[i]}={os.path.join(data, f'input_{i}.pb')}"]
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
                return name, f"fail exec: {last.replace('llmc: error: ', '')}", required
            for i, output in enumerate(outputs):
                want = onnx.numpy_helper.to_array(onnx.load_tensor(os.path.join(data, f"output_{i}.pb")))
                path = os.path.join(work, "out", re.sub(r"[^A-Za-z0-9._-]", "_", output) + ".npy")
                problem = compare(np.load(path), want)
                if problem:
                    return name, f"fail {data_set} output '{output}': {problem}", required
        return name, "pass", required
    except subprocess.TimeoutExpired:
        return name, "fail timeout", required
    except Exception as e:  # noqa: BLE001 -- an unreadable output is a failure
        return name, f"fail {type(e).__name__}: {e}", required
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llmc", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--only", help="run the tests matching this regex")
    ap.add_argument("--target", default="host", help="llmc compile --target")
    args = ap.parse_args()

    tests = sorted(os.listdir(DATA))
    if args.only:
        tests = [t for t in tests if re.search(args.only, t)]
    with multiprocessing.Pool(args.jobs) as pool:
        results = pool.map(run_test, [(t, os.path.abspath(args.llmc), args.target) for t in tests], chunksize=4)

    statuses = {name: status for name, status, _ in results}
    passed = sum(s == "pass" for s in statuses.values())
    required = [(n, s) for n, s, r in results if r]
    required_failing = [(n, s) for n, s in required if s != "pass"]
    print(f"{passed}/{len(results)} pass; {len(required) - len(required_failing)}/{len(required)} required pass")
    for name, status in required_failing:
        print(f"REQUIRED NOT PASSING: {name} {status}")

    if args.update:
        with open(EXPECTATIONS, "w") as f:
            f.write("# Status of every ONNX node conformance test; written by conformance.py --update.\n")
            for name in sorted(statuses):
                f.write(f"{name} {statuses[name]}\n")
        return 1 if required_failing else 0

    expected = {}
    with open(EXPECTATIONS) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, _, status = line.rstrip("\n").partition(" ")
                expected[name] = status
    changed = [(n, expected.get(n, "(not recorded)"), s) for n, s in sorted(statuses.items())
               if expected.get(n) != s]
    for name, before, after in changed:
        print(f"CHANGED: {name}: expected '{before}', got '{after}'")
    return 1 if changed or required_failing else 0


if __name__ == "__main__":
    sys.exit(main())
