#!/usr/bin/env python3
"""Builds bytelevel_tokenizer.json: a small GPT-2-style byte-level BPE
tokenizer (256 byte symbols through GPT-2's bytes-to-unicode map, merges
learned from a short English text, an <|endoftext|> special token), so the
tests exercise byte-level BPE without a real GPT-2 tokenizer file."""
import collections
import json


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + \
        list(range(0xAE, 0xFF + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


CORPUS = """Once upon a time, there was a little girl named Lily. She loved to
play outside in the park with her friends. One day, she saw a big red ball.
The quick brown fox jumps over the lazy dog. It's a sunny day, isn't it?
They'll go to the store and buy 123 apples, 45 pears and 6 bananas.
Hello world! Hello again, world. The cat sat on the mat and the dog sat too."""


def main():
    byte_map = bytes_to_unicode()
    vocab = {byte_map[b]: i for i, b in enumerate(sorted(byte_map))}
    words = collections.Counter()
    for i, word in enumerate(CORPUS.replace("\n", " ").split(" ")):
        text = (" " if i else "") + word
        words[tuple(byte_map[b] for b in text.encode())] += 1
    merges = []
    while len(merges) < 200:
        pairs = collections.Counter()
        for word, count in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        merges.append(f"{a} {b}")
        vocab.setdefault(a + b, len(vocab))
        merged = collections.Counter()
        for word, n in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += n
        words = merged
    eot = len(vocab)
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": eot, "content": "<|endoftext|>", "single_word": False,
                          "lstrip": False, "rstrip": False, "normalized": False,
                          "special": True}],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True,
                           "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True,
                    "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    with open("bytelevel_tokenizer.json", "w") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
    # As GPT-2's: no BOS, and transformers' decode clean-up of spaces.
    with open("bytelevel_tokenizer_config.json", "w") as f:
        json.dump({"tokenizer_class": "GPT2Tokenizer", "add_bos_token": False,
                   "clean_up_tokenization_spaces": True,
                   "eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>"},
                  f, indent=1)
    print(f"{len(vocab) + 1} tokens, {len(merges)} merges")


if __name__ == "__main__":
    main()
