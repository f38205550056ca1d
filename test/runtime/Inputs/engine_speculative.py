"""Speculative decoding inside the engine (prompt lookup, llmc_request's
draft_tokens): 4 concurrent requests give exactly the greedy tokens of
plain decoding, and sampled ones exactly the tokens of
llmc_generate_speculative on a session with the same seed (the same drafts
and draws: the distribution-preserving rule itself is checked in
SpeculativeTest); the same with a pool small enough to preempt. Every
block is free afterwards.

  engine_speculative.py RUNTIME_LIB MODEL.so [DRAFT.so]

With DRAFT.so, also greedy through the engine with that model drafting.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Engine, Runtime, SpeculativeParams  # noqa: E402

runtime_lib, model_path = sys.argv[1:3]
draft_path = sys.argv[3] if len(sys.argv) > 3 else None
failed = False


def report(ok, what):
    global failed
    failed |= not ok
    print(f"{'PASS' if ok else 'FAIL'}: {what}")


rng = np.random.default_rng(3)
with Runtime(runtime_lib).load(model_path) as model:
    vocab, gen = model.vocab_size, 200
    # Stories repeat themselves: prompt lookup finds drafts.
    prompts = [[t % vocab for t in p]
               for p in ([1, 403, 407, 261, 378], [1], [1, 2, 100, 300, 400, 500, 17, 43, 88])]
    prompts.append([1] + [int(t) for t in rng.integers(3, vocab, 30)])
    spec = SpeculativeParams(kind=SpeculativeParams.NGRAM, draft_tokens=4)

    def alone(prompt, temperature=0.0, seed=0, speculative=None):
        model.reset()
        out = model.generate(prompt, gen, temperature=temperature, seed=seed,
                             speculative=speculative)
        return out[0] if speculative else out

    greedy = [alone(p) for p in prompts]
    sampled = [alone(p, 0.8, 7 + i, spec) for i, p in enumerate(prompts)]
    for kv_blocks, label in ((0, "default pool"), (-(-(2 * 256) // 16), "a pool for two")):
        with Engine(model, kv_blocks=kv_blocks) as engine:
            keys = [engine.add(p, gen, draft_tokens=4) for p in prompts]
            skeys = [engine.add(p, gen, temperature=0.8, seed=7 + i, draft_tokens=4)
                     for i, p in enumerate(prompts)]
            engine.run()
            same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, greedy)]
            drafted = sum(engine.results[(k, 0)]["drafted_tokens"] for k in keys)
            accepted = sum(engine.results[(k, 0)]["accepted_tokens"] for k in keys)
            steps = sum(engine.results[(k, 0)]["target_steps"] for k in keys)
            report(all(same) and accepted > 0,
                   f"{label}: greedy with drafts, 4 at once: {same.count(True)} of 4 identical "
                   f"to plain decoding ({accepted} of {drafted} drafts accepted, "
                   f"{(sum(map(len, greedy)) - 4) / max(steps, 1):.2f} tokens per step)")
            same = [engine.tokens.get((k, 0)) == w for k, w in zip(skeys, sampled)]
            report(all(same), f"{label}: sampled with drafts: {same.count(True)} of 4 equal to "
                              "llmc_generate_speculative with the seed")
            stats = engine.stats()
            if kv_blocks:
                report(stats["preemptions"] > 0, f"{label}: {stats['preemptions']} preemptions")
            problem = engine.check()
            report(stats["blocks_used"] == 0 and not problem,
                   f"{label}: all blocks free ({problem or 'invariants hold'})")

    # The artifact's self-draft (--draft-quantize), its greedy tokens drafted
    # for every request in one call per token: the same checks against
    # llmc_generate_speculative with the self-draft session.
    if model.has_draft:
        draft_session = model.self_draft()
        self_spec = SpeculativeParams(kind=SpeculativeParams.DRAFT, draft_tokens=4,
                                      draft=draft_session)
        sampled = [alone(p, 0.8, 7 + i, self_spec) for i, p in enumerate(prompts)]
        for kv_blocks, label in ((0, "self-draft"), (-(-(2 * 256) // 16), "self-draft, a pool for two")):
            with Engine(model, kv_blocks=kv_blocks) as engine:
                keys = [engine.add(p, gen, draft_tokens=4, speculative=SpeculativeParams.DRAFT)
                        for p in prompts]
                skeys = [engine.add(p, gen, temperature=0.8, seed=7 + i, draft_tokens=4,
                                    speculative=SpeculativeParams.DRAFT)
                         for i, p in enumerate(prompts)]
                engine.run()
                same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, greedy)]
                accepted = sum(engine.results[(k, 0)]["accepted_tokens"] for k in keys)
                drafted = sum(engine.results[(k, 0)]["drafted_tokens"] for k in keys)
                report(all(same) and accepted > 0,
                       f"{label}: greedy, 4 at once: {same.count(True)} of 4 identical to plain "
                       f"decoding ({accepted} of {drafted} drafts accepted)")
                same = [engine.tokens.get((k, 0)) == w for k, w in zip(skeys, sampled)]
                if not kv_blocks:
                    report(all(same), f"{label}: sampled: {same.count(True)} of 4 equal to "
                                      "llmc_generate_speculative with the self-draft")
                # With a small pool a step may find no blocks for a request's
                # drafts and decode it plainly: its sampled tokens keep their
                # distribution but not the session's exact draws.
                problem = engine.check()
                report(engine.stats()["blocks_used"] == 0 and not problem,
                       f"{label}: all blocks free ({problem or 'invariants hold'})")

    # Another compiled model drafting (llmc_engine_options.draft).
    if draft_path:
        with Runtime(runtime_lib).load(draft_path) as draft:
            with Engine(model, draft=draft) as engine:
                keys = [engine.add(p, gen, draft_tokens=4, speculative=SpeculativeParams.DRAFT)
                        for p in prompts]
                engine.run()
                same = [engine.tokens.get((k, 0)) == w for k, w in zip(keys, greedy)]
                accepted = sum(engine.results[(k, 0)]["accepted_tokens"] for k in keys)
                report(all(same) and accepted > 0,
                       f"another model drafting: greedy, 4 at once: {same.count(True)} of 4 "
                       f"identical to plain decoding ({accepted} drafts accepted)")
                problem = engine.check()
                report(engine.stats()["blocks_used"] == 0 and not problem,
                       f"another model drafting: all blocks free ({problem or 'invariants hold'})")
sys.exit(1 if failed else 0)
