#!/usr/bin/env python3
"""Runs `llmc run --prompt P --json` for each prompt and checks it against the
independent numpy reference (test/lib/llama2c_reference.py): the generated
ids must equal the reference's greedy ids for the same prompt ids, and
`text` must equal the generated tokens' pieces decoded here, by a decoder
written from tokenizer.json alone (▁ -> space, <0xNN> -> byte).

  check_run_json.py LLMC MODEL.so MODEL.bin TOKENIZER.json N PROMPT...
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama2c_reference import Llama2C  # noqa: E402


def decode_pieces(pieces):
    out = bytearray()
    for piece in pieces:
        m = re.fullmatch(r"<0x([0-9A-F]{2})>", piece)
        out += bytes([int(m.group(1), 16)]) if m else piece.replace("\u2581", " ").encode()
    return out.decode("utf-8", errors="replace")


def main():
    llmc, model, weights, tokenizer_path, count = sys.argv[1:6]
    vocab = json.load(open(tokenizer_path))["model"]["vocab"]
    pieces = {i: p for p, i in vocab.items()}
    reference = Llama2C(weights)
    failed = False
    for prompt in sys.argv[6:]:
        result = json.loads(subprocess.run(
            [llmc, "run", model, "--prompt", prompt, "--max-tokens", count,
             "--temperature", "0", "--ignore-eos", "--json"],
            check=True, capture_output=True, text=True).stdout)
        want = reference.generate_greedy(result["prompt_tokens"], int(count))
        ok_ids = result["tokens"] == want
        prompt_text = decode_pieces(pieces[t] for t in result["prompt_tokens"][1:])
        full_text = decode_pieces(pieces[t] for t in result["prompt_tokens"][1:] + want)
        ok_text = result["text"] == full_text[len(prompt_text):]
        print(f"{'PASS' if ok_ids else 'FAIL'}: {prompt!r}: {len(want)} greedy ids")
        print(f"{'PASS' if ok_text else 'FAIL'}: {prompt!r}: text {result['text'][:40]!r}...")
        failed |= not (ok_ids and ok_text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
