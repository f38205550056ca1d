"""ctypes binding of the llmc runtime's C API (runtime/include/llmc/llmc.h).

End-to-end tests use it to read a compiled model's logits through the same
C API users call, then compare them with an independent reference.

    rt = Runtime("build/lib/libllmc_runtime.so")
    with rt.load("stories.so") as model:
        logits = model.logits([1, 403, 407])   # [3, vocab], from position 0
"""
import ctypes

import numpy as np


class LlmcError(RuntimeError):
    pass


class GenerateParams(ctypes.Structure):
    """llmc_generate_params."""
    _fields_ = [("max_tokens", ctypes.c_int64), ("temperature", ctypes.c_float),
                ("top_k", ctypes.c_int32), ("top_p", ctypes.c_float),
                ("seed", ctypes.c_uint64), ("stop_ids", ctypes.c_void_p),
                ("num_stop_ids", ctypes.c_size_t)]


class GenerateResult(ctypes.Structure):
    """llmc_generate_result."""
    _fields_ = [("num_tokens", ctypes.c_size_t), ("stop_reason", ctypes.c_int),
                ("prompt_tokens", ctypes.c_size_t), ("prefill_seconds", ctypes.c_double),
                ("decode_seconds", ctypes.c_double), ("decode_steps", ctypes.c_size_t)]


class SpeculativeParams(ctypes.Structure):
    """llmc_speculative_params."""
    NGRAM, DRAFT = 1, 2
    _fields_ = [("kind", ctypes.c_int), ("draft_tokens", ctypes.c_int32),
                ("draft", ctypes.c_void_p)]


class SpeculativeStats(ctypes.Structure):
    """llmc_speculative_stats."""
    _fields_ = [("drafted_tokens", ctypes.c_size_t), ("accepted_tokens", ctypes.c_size_t),
                ("target_steps", ctypes.c_size_t)]


class EngineOptions(ctypes.Structure):
    """llmc_engine_options."""
    _fields_ = [("kv_blocks", ctypes.c_int64), ("kv_bytes", ctypes.c_uint64),
                ("max_batch_tokens", ctypes.c_int64), ("max_sequences", ctypes.c_int64),
                ("prefix_caching", ctypes.c_int), ("draft", ctypes.c_void_p)]


class RequestResult(ctypes.Structure):
    """llmc_request_result."""
    _fields_ = [("stop_reason", ctypes.c_int), ("num_tokens", ctypes.c_size_t),
                ("prompt_tokens", ctypes.c_size_t), ("prefix_hit_tokens", ctypes.c_size_t),
                ("preemptions", ctypes.c_size_t), ("first_token_seconds", ctypes.c_double),
                ("drafted_tokens", ctypes.c_size_t), ("accepted_tokens", ctypes.c_size_t),
                ("target_steps", ctypes.c_size_t)]


SampleCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_size_t,
                                  ctypes.c_int32)
DoneCallback = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t,
                                ctypes.POINTER(RequestResult))


class Request(ctypes.Structure):
    """llmc_request."""
    _fields_ = [("prompt", ctypes.c_void_p), ("prompt_count", ctypes.c_size_t),
                ("params", GenerateParams), ("samples", ctypes.c_size_t),
                ("on_token", SampleCallback), ("on_done", DoneCallback),
                ("user_data", ctypes.c_void_p), ("draft_tokens", ctypes.c_int32),
                ("speculative", ctypes.c_int32)]


class EngineStats(ctypes.Structure):
    """llmc_engine_stats."""
    _fields_ = [(name, ctypes.c_int64) for name in (
        "block_size", "block_bytes", "blocks_total", "blocks_used", "blocks_cached",
        "blocks_free", "peak_blocks_used", "peak_used_slots", "prefix_hit_tokens",
        "preemptions", "steps", "drafted_tokens", "accepted_tokens", "running",
        "waiting")]


class Runtime:
    def __init__(self, library_path):
        lib = ctypes.CDLL(library_path)
        p, i64, sz = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t
        lib.llmc_status_message.restype = ctypes.c_char_p
        lib.llmc_status_message.argtypes = [p]
        lib.llmc_status_free.argtypes = [p]
        lib.llmc_model_load.restype = p
        lib.llmc_model_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(p)]
        lib.llmc_model_free.argtypes = [p]
        lib.llmc_model_vocab_size.restype = i64
        lib.llmc_model_vocab_size.argtypes = [p]
        lib.llmc_model_output_size.restype = i64
        lib.llmc_model_output_size.argtypes = [p]
        lib.llmc_model_has_lm_head.restype = ctypes.c_int
        lib.llmc_model_has_lm_head.argtypes = [p]
        lib.llmc_model_context_length.restype = i64
        lib.llmc_model_context_length.argtypes = [p]
        lib.llmc_model_weights.restype = p
        lib.llmc_model_weights.argtypes = [p, ctypes.POINTER(sz)]
        lib.llmc_session_create.restype = p
        lib.llmc_session_create.argtypes = [p, ctypes.POINTER(p)]
        lib.llmc_session_create_draft.restype = p
        lib.llmc_session_create_draft.argtypes = [p, ctypes.POINTER(p)]
        lib.llmc_model_has_draft.restype = ctypes.c_int
        lib.llmc_model_has_draft.argtypes = [p]
        lib.llmc_model_set_threads.argtypes = [p, ctypes.c_int]
        lib.llmc_session_free.argtypes = [p]
        lib.llmc_session_reset.argtypes = [p]
        lib.llmc_session_position.restype = i64
        lib.llmc_session_position.argtypes = [p]
        lib.llmc_session_truncate.restype = p
        lib.llmc_session_truncate.argtypes = [p, i64]
        lib.llmc_session_forward.restype = p
        lib.llmc_session_forward.argtypes = [p, p, sz, p, ctypes.c_int]
        lib.llmc_generate_params_init.argtypes = [p, ctypes.POINTER(GenerateParams)]
        lib.llmc_generate_params_check.restype = p
        lib.llmc_generate_params_check.argtypes = [ctypes.POINTER(GenerateParams)]
        lib.llmc_generate.restype = p
        lib.llmc_generate.argtypes = [p, p, sz, ctypes.POINTER(GenerateParams), p, p,
                                      ctypes.POINTER(GenerateResult)]
        lib.llmc_generate_speculative.restype = p
        lib.llmc_generate_speculative.argtypes = [
            p, p, sz, ctypes.POINTER(GenerateParams), ctypes.POINTER(SpeculativeParams),
            p, p, ctypes.POINTER(GenerateResult), ctypes.POINTER(SpeculativeStats)]
        lib.llmc_engine_options_init.argtypes = [ctypes.POINTER(EngineOptions)]
        lib.llmc_engine_create.restype = p
        lib.llmc_engine_create.argtypes = [p, ctypes.POINTER(EngineOptions), ctypes.POINTER(p)]
        lib.llmc_engine_free.argtypes = [p]
        lib.llmc_engine_add.restype = p
        lib.llmc_engine_add.argtypes = [p, ctypes.POINTER(Request),
                                        ctypes.POINTER(ctypes.c_uint64)]
        lib.llmc_engine_cancel.restype = p
        lib.llmc_engine_cancel.argtypes = [p, ctypes.c_uint64]
        lib.llmc_engine_step.restype = p
        lib.llmc_engine_step.argtypes = [p, ctypes.POINTER(sz)]
        lib.llmc_engine_run.restype = p
        lib.llmc_engine_run.argtypes = [p]
        lib.llmc_engine_stats_get.restype = p
        lib.llmc_engine_stats_get.argtypes = [p, ctypes.POINTER(EngineStats)]
        lib.llmc_engine_check.restype = ctypes.c_char_p
        lib.llmc_engine_check.argtypes = [p]
        self.lib = lib

    def message(self, status):
        """The message of `status` (freeing it), or None for success."""
        if not status:
            return None
        text = self.lib.llmc_status_message(status).decode()
        self.lib.llmc_status_free(status)
        return text

    def check(self, status):
        message = self.message(status)
        if message is not None:
            raise LlmcError(message)

    def load(self, path):
        handle = ctypes.c_void_p()
        self.check(self.lib.llmc_model_load(path.encode(), ctypes.byref(handle)))
        return Model(self, handle)


class Model:
    def __init__(self, runtime, handle):
        self.rt, self.handle = runtime, handle
        self.vocab_size = runtime.lib.llmc_model_vocab_size(handle)
        # Logits per token, or hidden states for a model without an LM head.
        self.output_size = runtime.lib.llmc_model_output_size(handle)
        self.has_lm_head = bool(runtime.lib.llmc_model_has_lm_head(handle))
        self.context_length = runtime.lib.llmc_model_context_length(handle)
        session = ctypes.c_void_p()
        runtime.check(runtime.lib.llmc_session_create(handle, ctypes.byref(session)))
        self.session = session
        self.has_draft = bool(runtime.lib.llmc_model_has_draft(handle))
        self.draft_sessions = []

    def self_draft(self):
        """A session over the artifact's self-draft (a draft for
        SpeculativeParams), freed with the model."""
        session = ctypes.c_void_p()
        self.rt.check(self.rt.lib.llmc_session_create_draft(self.handle,
                                                            ctypes.byref(session)))
        self.draft_sessions.append(session)
        return session

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for session in self.draft_sessions:
            self.rt.lib.llmc_session_free(session)
        self.draft_sessions = []
        if self.session:
            self.rt.lib.llmc_session_free(self.session)
            self.session = None
        if self.handle:
            self.rt.lib.llmc_model_free(self.handle)
            self.handle = None

    def reset(self):
        self.rt.lib.llmc_session_reset(self.session)

    def position(self):
        return self.rt.lib.llmc_session_position(self.session)

    def truncate(self, position):
        """Keeps the session's first `position` tokens."""
        self.rt.check(self.rt.lib.llmc_session_truncate(self.session, position))

    def feed(self, tokens, all_logits=True):
        """Appends tokens to the session; returns their logits."""
        ids = np.ascontiguousarray(tokens, dtype=np.int32)
        rows = len(ids) if all_logits else 1
        out = np.empty((rows, self.output_size), dtype=np.float32)
        self.rt.check(self.rt.lib.llmc_session_forward(
            self.session, ids.ctypes.data, len(ids), out.ctypes.data,
            int(all_logits)))
        return out

    def feed_chunks(self, tokens, chunks):
        """Logits of `tokens` from position 0, fed in calls of the sizes in
        `chunks` (which sum to len(tokens))."""
        self.reset()
        parts, at = [], 0
        for size in chunks:
            parts.append(self.feed(tokens[at:at + size]))
            at += size
        return np.concatenate(parts)

    def logits(self, tokens):
        """Logits of `tokens` from position 0, in one prefill call."""
        self.reset()
        return self.feed(tokens)

    def generate(self, prompt, count, temperature=0.0, top_k=0, seed=0,
                 speculative=None):
        """Generates `count` tokens after `prompt` (appended to the session)
        with llmc_generate, or llmc_generate_speculative given
        SpeculativeParams; returns the tokens (and the stats when
        speculative)."""
        params = GenerateParams()
        self.rt.lib.llmc_generate_params_init(self.handle, ctypes.byref(params))
        params.max_tokens, params.temperature, params.top_k = count, temperature, top_k
        params.seed, params.stop_ids, params.num_stop_ids = seed, None, 0
        ids = np.ascontiguousarray(prompt, dtype=np.int32)
        tokens = []
        callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int32)(
            lambda _, token: tokens.append(token) or 0)
        result = GenerateResult()
        if speculative is None:
            self.rt.check(self.rt.lib.llmc_generate(
                self.session, ids.ctypes.data, len(ids), ctypes.byref(params),
                ctypes.cast(callback, ctypes.c_void_p), None, ctypes.byref(result)))
            return tokens
        stats = SpeculativeStats()
        self.rt.check(self.rt.lib.llmc_generate_speculative(
            self.session, ids.ctypes.data, len(ids), ctypes.byref(params),
            ctypes.byref(speculative), ctypes.cast(callback, ctypes.c_void_p), None,
            ctypes.byref(result), ctypes.byref(stats)))
        return tokens, stats

    def greedy(self, prompt, count):
        """`count` greedy tokens after `prompt`: prefill, then decode steps."""
        self.reset()
        last = self.feed(prompt, all_logits=False)[0]
        out = []
        for _ in range(count):
            token = int(np.argmax(last))
            out.append(token)
            if len(out) < count:
                last = self.feed([token], all_logits=False)[0]
        return out


class Engine:
    """llmc_engine over a loaded Model: requests' tokens and results are
    collected per (request id, sample)."""
    STOP_REASONS = ["stop_token", "max_tokens", "context_full", "callback", "cancelled"]

    def __init__(self, model, kv_blocks=0, kv_bytes=0, max_batch_tokens=0,
                 max_sequences=0, prefix_caching=True, draft=None):
        self.rt, self.model = model.rt, model
        options = EngineOptions()
        self.rt.lib.llmc_engine_options_init(ctypes.byref(options))
        options.kv_blocks, options.kv_bytes = kv_blocks, kv_bytes
        if max_batch_tokens:
            options.max_batch_tokens = max_batch_tokens
        if max_sequences:
            options.max_sequences = max_sequences
        options.prefix_caching = int(prefix_caching)
        options.draft = draft.handle if draft is not None else None
        handle = ctypes.c_void_p()
        self.rt.check(self.rt.lib.llmc_engine_create(model.handle, ctypes.byref(options),
                                                     ctypes.byref(handle)))
        self.handle = handle
        self.tokens, self.results, self.keep, self.ids = {}, {}, [], {}

    def add(self, prompt, max_tokens, temperature=0.0, top_k=0, seed=0, samples=1,
            stop_ids=(), stop_after=None, draft_tokens=0, speculative=0):
        """Queues a request; returns a key for it (tokens and results are
        filed under (key, sample); the engine's id is self.ids[key]).
        `stop_after` (a count) makes the token callback ask to stop after
        that many tokens."""
        ids = np.ascontiguousarray(prompt, dtype=np.int32)
        stops = np.ascontiguousarray(stop_ids, dtype=np.int64)
        request = Request()
        params = GenerateParams()
        self.rt.lib.llmc_generate_params_init(self.model.handle, ctypes.byref(params))
        params.max_tokens, params.temperature, params.top_k = max_tokens, temperature, top_k
        params.seed = seed
        params.stop_ids = stops.ctypes.data if len(stops) else None
        params.num_stop_ids = len(stops)
        request.prompt, request.prompt_count = ids.ctypes.data, len(ids)
        request.params, request.samples = params, samples
        request.draft_tokens = draft_tokens
        request.speculative = speculative
        key = len(self.keep)

        def on_token(_, sample, token):
            out = self.tokens.setdefault((key, sample), [])
            out.append(token)
            return int(stop_after is not None and len(out) >= stop_after)

        def on_done(_, sample, result):
            r = result.contents
            self.results[(key, sample)] = {
                "stop_reason": self.STOP_REASONS[r.stop_reason], "num_tokens": r.num_tokens,
                "prefix_hit_tokens": r.prefix_hit_tokens, "preemptions": r.preemptions,
                "first_token_seconds": r.first_token_seconds,
                "drafted_tokens": r.drafted_tokens, "accepted_tokens": r.accepted_tokens,
                "target_steps": r.target_steps}

        request.on_token, request.on_done = SampleCallback(on_token), DoneCallback(on_done)
        self.keep.append((request, ids, stops))
        rid = ctypes.c_uint64()
        self.rt.check(self.rt.lib.llmc_engine_add(self.handle, ctypes.byref(request),
                                                  ctypes.byref(rid)))
        self.ids[key] = rid.value
        return key

    def cancel(self, key):
        self.rt.check(self.rt.lib.llmc_engine_cancel(self.handle, self.ids[key]))

    def step(self):
        pending = ctypes.c_size_t()
        self.rt.check(self.rt.lib.llmc_engine_step(self.handle, ctypes.byref(pending)))
        return pending.value

    def run(self):
        self.rt.check(self.rt.lib.llmc_engine_run(self.handle))

    def stats(self):
        stats = EngineStats()
        self.rt.check(self.rt.lib.llmc_engine_stats_get(self.handle, ctypes.byref(stats)))
        return {name: getattr(stats, name) for name, _ in EngineStats._fields_}

    def check(self):
        return self.rt.lib.llmc_engine_check(self.handle).decode()

    def close(self):
        if self.handle:
            self.rt.lib.llmc_engine_free(self.handle)
            self.handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
