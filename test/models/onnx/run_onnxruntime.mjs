// Runs an ONNX model with onnxruntime-node on inputs from a JSON file and
// writes its outputs as JSON: the reference side of make_references.py.
//   node run_onnxruntime.mjs model.onnx inputs.json outputs.json
import { readFileSync, writeFileSync } from "node:fs";
import * as ort from "onnxruntime-node";

const [model, inputsPath, outputsPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(inputsPath, "utf8"));
const feeds = {};
for (const [name, t] of Object.entries(spec)) {
  // float16 travels as its bit patterns (numpy's view as uint16).
  const data = t.dtype === "int64"     ? BigInt64Array.from(t.data.map(BigInt))
               : t.dtype === "float16" ? Uint16Array.from(t.data)
                                       : Float32Array.from(t.data);
  feeds[name] = new ort.Tensor(t.dtype, data, t.shape);
}
const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3 });
const results = await session.run(feeds);
const out = {};
for (const [name, t] of Object.entries(results))
  out[name] = { dims: t.dims, type: t.type, data: Array.from(t.data, (v) => (typeof v === "bigint" ? Number(v) : v)) };
writeFileSync(outputsPath, JSON.stringify(out));
