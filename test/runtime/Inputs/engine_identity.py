"""The engine's token identity: requests run together through
llmc_engine (continuous batching over a paged KV pool) give exactly the
tokens each gives alone through a session (llmc_generate), greedy or
sampled with its seed, whatever the batch, the pool size (preemption), the
prefix cache and the schedule of arrivals and cancellations. After every
scenario all blocks are free and the allocator's invariants hold.

  engine_identity.py RUNTIME_LIB MODEL.so [--quick]
"""
import os
import sys
import threading

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Engine, LlmcError, Runtime  # noqa: E402

runtime_lib, model_path = sys.argv[1:3]
failed = False


def report(ok, what):
    global failed
    failed |= not ok
    print(f"{'PASS' if ok else 'FAIL'}: {what}")


def alone(model, prompt, count, temperature=0.0, seed=0):
    model.reset()
    return model.generate(prompt, count, temperature=temperature, seed=seed)


def drained(engine, what):
    stats = engine.stats()
    problem = engine.check()
    ok = stats["blocks_used"] == 0 and stats["running"] == 0 and not problem
    report(ok, f"{what}: all blocks free after the run "
               f"(used {stats['blocks_used']}, cached {stats['blocks_cached']}"
               f"{', ' + problem if problem else ''})")
    return stats


rng = np.random.default_rng(7)
with Runtime(runtime_lib).load(model_path) as model:
    vocab = model.vocab_size
    gen = 48
    lengths = [1, 5, 17, 33, 2, 64, 9, 40]
    prompts = [[1] + [int(t) for t in rng.integers(3, vocab, n - 1)] for n in lengths]
    want = [alone(model, p, gen) for p in prompts]
    with Engine(model) as probe:
        block = probe.stats()["block_size"]

    def blocks(tokens):
        return -(-tokens // block)

    # 8 concurrent greedy requests of different lengths.
    with Engine(model) as engine:
        keys = [engine.add(p, gen) for p in prompts]
        engine.run()
        same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, want)]
        report(all(same), f"8 concurrent greedy requests: {same.count(True)} of 8 "
                          f"token-identical to running alone ({gen} tokens each)")
        drained(engine, "8 concurrent")

    # Chunked prefill: a step budget of 7 tokens splits prompts across steps.
    with Engine(model, max_batch_tokens=7) as engine:
        keys = [engine.add(p, gen) for p in prompts]
        engine.run()
        same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, want)]
        report(all(same), f"7-token step budget (chunked prefill): {same.count(True)} of 8 identical")
        drained(engine, "chunked")

    # A shared prefix, cached: the second wave finds it in the prefix cache.
    prefix = [1] + [int(t) for t in rng.integers(3, vocab, 47)]
    shared = [prefix + p[1:] for p in prompts[:6]]
    want_shared = [alone(model, p, 24) for p in shared]
    with Engine(model) as engine:
        for wave in range(2):
            keys = [engine.add(p, 24) for p in shared]
            engine.run()
            same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, want_shared)]
            report(all(same), f"shared 48-token prefix, wave {wave + 1}: {same.count(True)} of 6 identical")
        hits = engine.stats()["prefix_hit_tokens"]
        report(hits >= 6 * 48 - 48, f"prefix cache: {hits} prompt tokens reused")
        drained(engine, "prefix cache")

    # A pool too small for all of them at once (192 positions, the longest
    # needs 112): preemption, same tokens.
    with Engine(model, kv_blocks=blocks(192)) as engine:
        keys = [engine.add(p, gen) for p in prompts]
        engine.run()
        same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, want)]
        stats = engine.stats()
        report(all(same) and stats["preemptions"] > 0,
               f"{blocks(192)}-block pool: {stats['preemptions']} preemptions, {same.count(True)} of 8 identical")
        drained(engine, "preemption")

    # Sampling: sample k of a request is llmc_generate with seed + k, whatever
    # else runs; the samples share the prompt's blocks (copy-on-write).
    samples = {}
    with Engine(model) as engine:
        k1 = engine.add(prompts[3], 32, temperature=0.9, seed=11, samples=4)
        k2 = engine.add(prompts[5], 32, temperature=0.7, seed=3)
        engine.run()
        ok = all(engine.tokens.get((k1, s)) == alone(model, prompts[3], 32, 0.9, 11 + s)
                 for s in range(4))
        ok &= engine.tokens.get((k2, 0)) == alone(model, prompts[5], 32, 0.7, 3)
        distinct = len({tuple(engine.tokens[(k1, s)]) for s in range(4)})
        report(ok, f"4 samples of one prompt (seeds 11..14) and a sampled neighbour: each "
                   f"equals its solo run ({distinct} distinct continuations)")
        drained(engine, "samples")

    # A seeded random schedule: arrivals between steps, cancellations, a
    # small pool, the invariants checked after every step.
    with Engine(model, kv_blocks=blocks(224), max_batch_tokens=24) as engine:
        order = list(range(len(prompts))) * 2
        rng.shuffle(order)
        keys, cancelled, ok_inv, step = {}, set(), True, 0
        while order or engine.stats()["running"] or engine.stats()["waiting"]:
            if order and rng.random() < 0.5:
                i = order.pop()
                keys[engine.add(prompts[i], gen)] = i
            if keys and rng.random() < 0.08:
                victim = list(keys)[int(rng.integers(len(keys)))]
                if victim not in cancelled and (victim, 0) not in engine.results:
                    engine.cancel(victim)
                    cancelled.add(victim)
            engine.step()
            problem = engine.check()
            ok_inv &= not problem
            step += 1
        same = [engine.tokens.get((k, 0)) == want[i] for k, i in keys.items() if k not in cancelled]
        prefix_ok = all(engine.tokens.get((k, 0), []) == want[i][:len(engine.tokens.get((k, 0), []))]
                        for k, i in keys.items())
        reasons = [engine.results[(k, 0)]["stop_reason"] for k in cancelled]
        report(all(same) and prefix_ok and ok_inv and all(r == "cancelled" for r in reasons),
               f"random schedule ({step} steps, {len(keys)} requests, {len(cancelled)} cancelled, "
               f"{engine.stats()['preemptions']} preemptions): {same.count(True)} of {len(same)} "
               f"finished ones identical, cancelled ones a prefix, invariants held")
        drained(engine, "random schedule")

    # Requests added from another thread while this one steps.
    with Engine(model) as engine:
        keys = {}

        def producer():
            for i, p in enumerate(prompts):
                keys[engine.add(p, gen)] = i

        thread = threading.Thread(target=producer)
        thread.start()
        while thread.is_alive() or engine.step():
            pass
        thread.join()
        engine.run()
        same = [engine.tokens.get((k, 0)) == want[i] for k, i in keys.items()]
        report(all(same) and len(same) == 8, f"requests added from another thread: {same.count(True)} of 8 identical")
        drained(engine, "threads")

    # Bad input: one-line errors, the engine unharmed.
    with Engine(model, kv_blocks=blocks(48)) as engine:
        errors = []
        for call in (lambda: engine.add([], 4),
                     lambda: engine.add([vocab], 4),
                     lambda: engine.add([1] * (model.context_length + 1), 4),
                     lambda: engine.add([1] * 60, 4),
                     lambda: engine.add([1], 4, samples=0),
                     lambda: engine.add([1], 4, temperature=-1.0),
                     lambda: engine.add([1], 4, draft_tokens=65),
                     lambda: engine.add([1], 4, draft_tokens=2, speculative=7),
                     lambda: engine.add([1], 4, draft_tokens=2, speculative=2),
                     lambda: engine.rt.check(engine.rt.lib.llmc_engine_cancel(engine.handle, 12345))):
            try:
                call()
                errors.append(None)
            except LlmcError as e:
                errors.append(str(e))
        for e in errors:
            print("  error:", e)
        k = engine.add(prompts[1], 8)
        engine.run()
        report(all(errors) and engine.tokens.get((k, 0)) == want[1][:8],
               "bad requests refused one by one; the engine still serves")
        handle = engine.handle
    engine.handle = handle  # freed above: calls on it must be refused
    try:
        engine.step()
        report(False, "a call on a freed engine is refused")
    except LlmcError as e:
        report("not an engine" in str(e), f"a call on a freed engine is refused ({e})")
    engine.handle = None

sys.exit(1 if failed else 0)
