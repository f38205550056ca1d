#!/usr/bin/env python3
"""Checks `llmc eval --json` results of quantized builds against limits.

Usage: check_quality.py F32.json
           NAME=EVAL.json:MAX_PPL_RATIO:MIN_TOP1:MAX_KL[:BASE.json] ...

Each build's perplexity must be within MAX_PPL_RATIO of the f32 build's (or
of BASE.json's, the eval of the build it was compared with), its top-1
agreement with its reference at least MIN_TOP1 and its mean
KL(reference || build) at most MAX_KL. Prints one PASS/FAIL line per check, with
the measured values, and exits non-zero on any failure.
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        base = json.load(f)
    failed = False
    for spec in sys.argv[2:]:
        name, rest = spec.split("=", 1)
        path, max_ratio, min_top1, max_kl, *other = rest.split(":")
        with open(path) as f:
            result = json.load(f)
        reference = base
        if other:
            with open(other[0]) as f:
                reference = json.load(f)
        if result["scored_tokens"] != reference["scored_tokens"]:
            print(f"FAIL: {name} scored {result['scored_tokens']} tokens, "
                  f"its reference {reference['scored_tokens']}")
            failed = True
            continue
        ratio = result["perplexity"] / reference["perplexity"]
        checks = [
            ("perplexity ratio", ratio, ratio <= float(max_ratio),
             f"<= {max_ratio}"),
            ("top-1 agreement", result["top1_agreement"],
             result["top1_agreement"] >= float(min_top1), f">= {min_top1}"),
            ("KL", result["kl_divergence"],
             result["kl_divergence"] <= float(max_kl), f"<= {max_kl}"),
        ]
        for what, value, ok, limit in checks:
            print(f"{'PASS' if ok else 'FAIL'}: {name} {what} {value:.4f} "
                  f"(limit {limit})")
            failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
