#!/usr/bin/env node
// Measures prefill and decode throughput of an ONNX decoder (bench/export_onnx.py)
// with onnxruntime-node on the CPU execution provider.
//
//   node bench/ort_bench.mjs MODEL.onnx [--prompt-tokens 128,512] [--gen-tokens 128]
//        [--threads 1,2] [--vocab V] [--seed 0]
//
// Prints one JSON array, one object per (threads, prompt_tokens):
//   {threads, prompt_tokens, gen_tokens, prefill_tokens_per_s, decode_tokens_per_s, ...}
// Prefill is one session.run over the whole prompt with an empty past (P = 0).
// Decode is then gen_tokens single-token runs that feed each present back as
// the next past and pick the greedy (argmax) token; only that loop is timed.
// Each combination first does one untimed prefill + decode step (warm-up: the
// first run of a shape allocates buffers and picks kernels).
//
// onnxruntime-node is looked up in $LLMC_BENCH_NODE_MODULES (a node_modules
// folder or the folder above it), then the normal way. bench/package.json pins
// the version: copy it to DIR and `npm install --prefix DIR`.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function loadOrt() {
  const dir = process.env.LLMC_BENCH_NODE_MODULES;
  try {
    return require(require.resolve("onnxruntime-node", { paths: dir ? [dir] : undefined }));
  } catch (e) {
    throw new Error(`cannot load onnxruntime-node (LLMC_BENCH_NODE_MODULES=${dir ?? ""}): ${e.message}`);
  }
}

function parseArgs(argv) {
  const args = { promptTokens: [128, 512], genTokens: 128, threads: [1, 2], vocab: 0, seed: 0 };
  const list = (s) => s.split(",").map((v) => parseInt(v, 10));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--prompt-tokens") args.promptTokens = list(value());
    else if (a === "--gen-tokens") args.genTokens = parseInt(value(), 10);
    else if (a === "--threads") args.threads = list(value());
    else if (a === "--vocab") args.vocab = parseInt(value(), 10);
    else if (a === "--seed") args.seed = parseInt(value(), 10);
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else if (args.model) throw new Error(`unexpected argument ${a}`);
    else args.model = a;
  }
  if (!args.model) throw new Error("usage: ort_bench.mjs MODEL.onnx [options]");
  return args;
}

// mulberry32: a small seeded generator, so the prompt ids are reproducible.
function randomIds(n, vocab, seed) {
  let s = seed >>> 0;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    ids[i] = BigInt(((t ^ (t >>> 14)) >>> 0) % vocab);
  }
  return ids;
}

// The past inputs' names, kv-head count and head dim, read from the model.
function describe(session) {
  const past = session.inputMetadata.filter((m) => m.name.startsWith("past_key_values."));
  const [, kvHeads, , headDim] = past[0].shape;
  const logits = session.outputMetadata.find((m) => m.name === "logits");
  return { pastNames: past.map((m) => m.name), kvHeads, headDim, vocab: logits.shape[2] };
}

function argmaxLast(logits) {
  const vocab = logits.dims[2];
  const data = logits.data;
  const base = data.length - vocab;
  let best = 0;
  for (let v = 1; v < vocab; v++) if (data[base + v] > data[base + best]) best = v;
  return best;
}

// One run of ids at positions start..start+n-1 on top of `past`
// ({past name: tensor}); returns the outputs and the next past.
async function step(ort, session, info, ids, start, past) {
  const n = ids.length;
  const positions = new BigInt64Array(n);
  for (let i = 0; i < n; i++) positions[i] = BigInt(start + i);
  const feeds = {
    input_ids: new ort.Tensor("int64", ids, [1, n]),
    position_ids: new ort.Tensor("int64", positions, [1, n]),
    ...past,
  };
  const out = await session.run(feeds);
  const next = {};
  for (const name of info.pastNames) next[name] = out[name.replace("past_key_values", "present")];
  return { out, next };
}

async function measure(ort, session, info, ids, genTokens) {
  const empty = {};
  for (const name of info.pastNames)
    empty[name] = new ort.Tensor("float32", new Float32Array(0), [1, info.kvHeads, 0, info.headDim]);

  let t0 = performance.now();
  let { out, next } = await step(ort, session, info, ids, 0, empty);
  const prefillS = (performance.now() - t0) / 1e3;

  let token = argmaxLast(out.logits);
  let pos = ids.length;
  t0 = performance.now();
  for (let i = 0; i < genTokens; i++) {
    ({ out, next } = await step(ort, session, info, BigInt64Array.of(BigInt(token)), pos++, next));
    token = argmaxLast(out.logits);
  }
  const decodeS = (performance.now() - t0) / 1e3;
  return { prefillS, decodeS };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const ort = loadOrt();
  const results = [];
  for (const threads of args.threads) {
    const session = await ort.InferenceSession.create(args.model, {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
    });
    const info = describe(session);
    const vocab = args.vocab || info.vocab;
    for (const promptTokens of args.promptTokens) {
      const ids = randomIds(promptTokens, vocab, args.seed);
      await measure(ort, session, info, ids, 1);  // warm-up, untimed
      const { prefillS, decodeS } = await measure(ort, session, info, ids, args.genTokens);
      results.push({
        runtime: "onnxruntime-node",
        version: ort.env.versions?.common ?? null,
        threads,
        prompt_tokens: promptTokens,
        gen_tokens: args.genTokens,
        prefill_s: prefillS,
        decode_s: decodeS,
        prefill_tokens_per_s: promptTokens / prefillS,
        decode_tokens_per_s: args.genTokens / decodeS,
      });
    }
    await session.release();
  }
  console.log(JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message ?? e}`);
  process.exit(1);
});
