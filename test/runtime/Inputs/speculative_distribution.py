"""Distribution preservation of speculative sampling, in process through
the C API: the second token generated after a fixed prompt (the first that
a speculative step emits: verified against a draft model's proposal, then
kept or replaced) over many seeded runs, against its exact distribution
under the target alone, sum over t1 of P(t1 | prompt) P(x | prompt, t1),
computed from the target's logits with the sampler's processing
(temperature, then top-k). Chi-square goodness of fit, bins of expected
count >= 5 (the rest pooled); the seeds are fixed, so the test is
deterministic.

  speculative_distribution.py RUNTIME_LIB TARGET.so DRAFT.so
      [--runs N] [--temperature T] [--top-k K]
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from llmc_runtime import Runtime, SpeculativeParams  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("runtime")
ap.add_argument("target")
ap.add_argument("draft")
ap.add_argument("--runs", type=int, default=20000)
ap.add_argument("--temperature", type=float, default=1.0)
ap.add_argument("--top-k", type=int, default=0)
args = ap.parse_args()

PROMPT = [1, 403, 407, 261, 378]  # BOS "Once upon a time"


def processed(logits):
    """The sampler's distribution: logits / T, top-k (ties: lower id first)."""
    scores = logits.astype(np.float64) / args.temperature
    order = np.lexsort((np.arange(len(scores)), -scores))
    keep = order[:args.top_k] if args.top_k else order
    p = np.zeros_like(scores)
    p[keep] = np.exp(scores[keep] - scores[keep].max())
    return p / p.sum()


rt = Runtime(args.runtime)
with rt.load(args.target) as target, rt.load(args.draft) as draft:
    vocab = target.vocab_size
    target.reset()
    p1 = processed(target.feed(PROMPT)[-1])
    exact = np.zeros(vocab)
    for t1 in np.nonzero(p1)[0]:
        target.truncate(len(PROMPT))
        exact += p1[t1] * processed(target.feed([int(t1)])[-1])

    spec = SpeculativeParams(SpeculativeParams.DRAFT, 4, draft.session)
    counts = np.zeros(vocab)
    drafted = accepted = 0
    for seed in range(args.runs):
        target.truncate(len(PROMPT) - 1)
        tokens, stats = target.generate(PROMPT[-1:], 3, args.temperature, args.top_k,
                                        seed, spec)
        counts[tokens[1]] += 1
        drafted += stats.drafted_tokens
        accepted += stats.accepted_tokens

expected = exact * args.runs
big = expected >= 5
obs = np.append(counts[big], counts[~big].sum())
exp = np.append(expected[big], expected[~big].sum())
if exp[-1] < 5:  # too little pooled mass for a bin of its own
    obs[-2] += obs[-1]
    exp[-2] += exp[-1]
    obs, exp = obs[:-1], exp[:-1]
chi2 = float(((obs - exp) ** 2 / exp).sum())
df = len(obs) - 1
p_value = float(torch.special.gammaincc(torch.tensor(df / 2, dtype=torch.float64),
                                        torch.tensor(chi2 / 2, dtype=torch.float64)))
ok = p_value > 0.001
print(f"drafted {drafted}, accepted {accepted} ({accepted / max(drafted, 1):.2f})")
print(f"{'PASS' if ok else 'FAIL'}: chi-square {chi2:.1f} over {df} degrees of freedom, "
      f"p = {p_value:.3g} ({args.runs} runs, temperature {args.temperature}, "
      f"top-k {args.top_k})")
sys.exit(0 if ok else 1)
