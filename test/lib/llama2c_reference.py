#!/usr/bin/env python3
"""Independent numpy reference for Karpathy's llama2.c (`run.c`) forward pass.

It reads a llama2.c checkpoint (e.g. stories260K.bin) and recomputes the
logits the way run.c does, so that end-to-end tests can compare a compiled
model's logits or greedy tokens with it. It shares no code or conventions with
the compiler: it follows run.c line by line, in float32 numpy (softmax and
RMSNorm internals in float64).

Checkpoint format (legacy llama2.c, version 0):
  7 x int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
             (vocab_size < 0 means the classifier wcls is stored separately)
  float32 arrays, in order:
    token_embedding_table [vocab, dim]
    rms_att_weight        [n_layers, dim]
    wq                    [n_layers, n_heads*head_size, dim]
    wk                    [n_layers, kv_dim, dim]
    wv                    [n_layers, kv_dim, dim]
    wo                    [n_layers, dim, n_heads*head_size]
    rms_ffn_weight        [n_layers, dim]
    w1                    [n_layers, hidden_dim, dim]
    w2                    [n_layers, dim, hidden_dim]
    w3                    [n_layers, hidden_dim, dim]
    rms_final_weight      [dim]
    freq_cis_real, freq_cis_imag [seq_len * head_size / 2] each (unused)
    wcls                  [vocab, dim]  (only when unshared)
Each weight matrix w is [out, in]: run.c's matmul computes xout = w @ x.

Usage from a test:
  from llama2c_reference import Llama2C
  model = Llama2C("test/models/stories260K/stories260K.bin")
  logits = model.forward([1, 403, 407])        # [3, vocab] float32
  ids = model.generate_greedy([1], 64)         # 64 greedy token ids

Command line: llama2c_reference.py MODEL.bin [N]  prints N (default 20)
greedy ids generated from BOS (token 1).
"""
import sys

import numpy as np


class Llama2C:
    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        header = np.frombuffer(data, dtype="<i4", count=7)
        dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len = (
            int(v) for v in header)
        shared = vocab_size > 0
        vocab_size = abs(vocab_size)
        self.dim, self.hidden_dim, self.n_layers = dim, hidden_dim, n_layers
        self.n_heads, self.n_kv_heads = n_heads, n_kv_heads
        self.vocab_size, self.seq_len = vocab_size, seq_len
        self.head_size = dim // n_heads
        self.kv_dim = dim * n_kv_heads // n_heads
        self.kv_mul = n_heads // n_kv_heads

        floats = np.frombuffer(data, dtype="<f4", offset=7 * 4)
        cursor = [0]

        def take(*shape):
            n = int(np.prod(shape))
            a = floats[cursor[0]:cursor[0] + n].reshape(shape).astype(np.float32)
            cursor[0] += n
            return a

        L, hs = n_layers, self.head_size
        self.token_embedding_table = take(vocab_size, dim)
        self.rms_att_weight = take(L, dim)
        self.wq = take(L, n_heads * hs, dim)
        self.wk = take(L, self.kv_dim, dim)
        self.wv = take(L, self.kv_dim, dim)
        self.wo = take(L, dim, n_heads * hs)
        self.rms_ffn_weight = take(L, dim)
        self.w1 = take(L, hidden_dim, dim)
        self.w2 = take(L, dim, hidden_dim)
        self.w3 = take(L, hidden_dim, dim)
        self.rms_final_weight = take(dim)
        take(seq_len * hs // 2)  # freq_cis_real (unused: RoPE is recomputed)
        take(seq_len * hs // 2)  # freq_cis_imag
        self.wcls = self.token_embedding_table if shared else take(vocab_size, dim)
        if cursor[0] != floats.size:
            raise ValueError(f"{path}: {floats.size - cursor[0]} trailing floats")

    # --- building blocks, as in run.c -------------------------------------

    @staticmethod
    def rmsnorm(x, weight):
        """x: [..., dim]. x / sqrt(mean(x^2) + 1e-5) * weight."""
        x64 = x.astype(np.float64)
        ss = np.mean(x64 * x64, axis=-1, keepdims=True) + 1e-5
        return (weight * (x64 / np.sqrt(ss))).astype(np.float32)

    def rope(self, v, pos, n):
        """Rotates interleaved pairs (v[i], v[i+1]) for i < n, like run.c.

        v: [T, width] rows at positions pos: [T]. Returns a new array."""
        v = v.copy()
        i = np.arange(0, n, 2)
        head_dim = i % self.head_size
        freq = 1.0 / np.power(10000.0, head_dim.astype(np.float32) / self.head_size)
        val = pos[:, None].astype(np.float32) * freq[None, :].astype(np.float32)
        fcr, fci = np.cos(val), np.sin(val)
        v0, v1 = v[:, i].copy(), v[:, i + 1].copy()
        v[:, i] = v0 * fcr - v1 * fci
        v[:, i + 1] = v0 * fci + v1 * fcr
        return v

    @staticmethod
    def softmax(x):
        x64 = x.astype(np.float64)
        e = np.exp(x64 - np.max(x64, axis=-1, keepdims=True))
        return (e / np.sum(e, axis=-1, keepdims=True)).astype(np.float32)

    # --- forward over new tokens, extending a KV cache --------------------

    def _step(self, tokens, start, cache):
        """Runs tokens at positions start..start+T-1. cache: list per layer of
        (keys [P, kv_dim], values [P, kv_dim]) for positions 0..start-1; it is
        extended in place. Returns logits [T, vocab]."""
        T, hs = len(tokens), self.head_size
        pos = np.arange(start, start + T)
        x = self.token_embedding_table[np.asarray(tokens)]  # [T, dim]
        for l in range(self.n_layers):
            # attention rmsnorm and q, k, v projections
            xb = self.rmsnorm(x, self.rms_att_weight[l])
            q = xb @ self.wq[l].T
            k = xb @ self.wk[l].T
            v = xb @ self.wv[l].T
            # RoPE: q over all of dim, k over kv_dim
            q = self.rope(q, pos, q.shape[1])
            k = self.rope(k, pos, self.kv_dim)
            keys = np.concatenate([cache[l][0], k]) if cache[l] else k
            values = np.concatenate([cache[l][1], v]) if cache[l] else v
            cache[l] = (keys, values)
            P = keys.shape[0]  # positions 0..P-1 are visible (causally)
            # causal mask: query at position pos[t] sees keys 0..pos[t]
            visible = np.arange(P)[None, :] <= pos[:, None]  # [T, P]
            xb = np.zeros((T, self.n_heads * hs), dtype=np.float32)
            for h in range(self.n_heads):
                kvh = h // self.kv_mul
                qh = q[:, h * hs:(h + 1) * hs]
                kh = keys[:, kvh * hs:(kvh + 1) * hs]
                vh = values[:, kvh * hs:(kvh + 1) * hs]
                att = (qh @ kh.T) / np.float32(np.sqrt(hs))
                att = np.where(visible, att, -np.inf)
                att = self.softmax(att)
                xb[:, h * hs:(h + 1) * hs] = att @ vh
            # output projection and residual
            x = x + xb @ self.wo[l].T
            # FFN: w2(silu(w1 x) * w3 x)
            xb = self.rmsnorm(x, self.rms_ffn_weight[l])
            hb = xb @ self.w1[l].T
            hb2 = xb @ self.w3[l].T
            hb = hb * (1.0 / (1.0 + np.exp(-hb))) * hb2
            x = x + hb @ self.w2[l].T
        x = self.rmsnorm(x, self.rms_final_weight)
        return (x @ self.wcls.T).astype(np.float32)

    def forward(self, tokens):
        """Logits [len(tokens), vocab] for tokens at positions 0..len-1."""
        if len(tokens) > self.seq_len:
            raise ValueError(f"{len(tokens)} tokens exceed seq_len {self.seq_len}")
        return self._step(list(tokens), 0, [None] * self.n_layers)

    def generate_greedy(self, prompt_ids, n):
        """Exactly n greedy (argmax) token ids after prompt_ids; no stop rule."""
        cache = [None] * self.n_layers
        prompt_ids = list(prompt_ids)
        logits = self._step(prompt_ids, 0, cache)
        pos, out = len(prompt_ids), []
        for _ in range(n):
            token = int(np.argmax(logits[-1]))
            out.append(token)
            if len(out) == n:
                break
            logits = self._step([token], pos, cache)
            pos += 1
        return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: llama2c_reference.py MODEL.bin [N]")
    model = Llama2C(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) == 3 else 20
    print(" ".join(str(t) for t in model.generate_greedy([1], count)))
