"""Greedy speculative decoding gives exactly plain greedy decoding's tokens,
in process through the C API: for each prompt, `count` tokens with
llmc_generate, then with llmc_generate_speculative for prompt lookup and
for each draft model given (the target itself among them must accept every
draft).

  speculative_greedy.py RUNTIME_LIB TARGET.so COUNT PROMPTS [DRAFT.so|self ...]

("self": the target artifact's own draft, llmc compile --draft-quantize.)

PROMPTS: prompts separated by ';', each comma-separated token ids.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Runtime, SpeculativeParams  # noqa: E402

runtime, target_path, count, prompts, *drafts = sys.argv[1:]
count = int(count)
prompts = [[int(t) for t in p.split(",")] for p in prompts.split(";")]
rt = Runtime(runtime)
failed = False
with rt.load(target_path) as target:
    kinds = [("ngram", SpeculativeParams(SpeculativeParams.NGRAM, 4, None), None)]
    for path in drafts:
        if path == "self":  # the artifact's own draft
            kinds.append(("self", SpeculativeParams(SpeculativeParams.DRAFT, 4,
                                                    target.self_draft()), None))
            continue
        draft = rt.load(path)
        kinds.append((os.path.basename(path),
                      SpeculativeParams(SpeculativeParams.DRAFT, 4, draft.session), draft))
    for prompt in prompts:
        target.reset()
        plain = target.generate(prompt, count)
        for name, spec, _ in kinds:
            target.reset()
            tokens, stats = target.generate(prompt, count, speculative=spec)
            same = tokens == plain
            failed |= not same
            print(f"{'PASS' if same else 'FAIL'}: {name}, prompt of {len(prompt)}: "
                  f"{len(tokens)} tokens {'as' if same else 'differ from'} plain greedy; "
                  f"accepted {stats.accepted_tokens} of {stats.drafted_tokens}, "
                  f"{stats.target_steps} target steps")
            # The model as its own draft agrees with itself on every token.
            if name == os.path.basename(target_path) and \
                    stats.accepted_tokens != stats.drafted_tokens:
                print(f"FAIL: {name} as its own draft rejected its own tokens")
                failed = True
            # The session ends as llmc_generate leaves it.
            if target.position() != len(prompt) + count - 1:
                print(f"FAIL: session at {target.position()} after generating")
                failed = True
    for _, _, draft in kinds:
        if draft:
            draft.close()
sys.exit(1 if failed else 0)
