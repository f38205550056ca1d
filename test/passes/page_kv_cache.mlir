// RUN: llmc-opt %s --split-input-file --llm-page-kv-cache 2>/dev/null | FileCheck %s
// RUN: llmc-opt %s --split-input-file --llm-page-kv-cache="block-size=32 kv-type=f16" 2>/dev/null | FileCheck %s --check-prefix=F16
// RUN: llmc-opt %s --split-input-file --llm-page-kv-cache --verify-diagnostics -o /dev/null
// RUN: not llmc-opt %s --split-input-file --llm-page-kv-cache="kv-type=bf16" 2>&1 | FileCheck %s --check-prefix=BF16
// RUN: not llmc-opt %s --split-input-file --llm-page-kv-cache="block-size=0" 2>&1 | FileCheck %s --check-prefix=BLOCK0

// A 2-layer decoder with an LM head, in the shape the importer gives it.
// The cache argument becomes sequences, block_tables, logit_rows and the
// pool (named kv_pool, as is the result); each cached attention becomes a
// paged one of the same layer and attributes, the pools chained through the
// layers; only the rows logit_rows names reach the LM head.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[TOKENS:.*]]: tensor<?xi32> {llm.name = "tokens"}, %[[POS:.*]]: tensor<?xi64> {llm.name = "positions"},
// CHECK-SAME: %[[SEQ:.*]]: tensor<?xi32> {llm.name = "sequences"}, %[[BT:.*]]: tensor<?x?xi32> {llm.name = "block_tables"},
// CHECK-SAME: %[[ROWS:.*]]: tensor<?xi64> {llm.name = "logit_rows"},
// CHECK-SAME: %[[POOL:.*]]: !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 16, f32> {llm.name = "kv_pool"})
// CHECK-SAME: -> (tensor<?x32xf32> {llm.name = "logits"}, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 16, f32> {llm.name = "kv_pool"})
// CHECK-SAME: attributes {llm.entry_point}
// CHECK-NOT: kv_cache
// CHECK: %[[O0:.*]], %[[P1:.*]] = llm.paged_attention %{{.*}}, %{{.*}}, %{{.*}} positions(%[[POS]]) sequences(%[[SEQ]]) block_tables(%[[BT]]) pool(%[[POOL]])
// CHECK-SAME: {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 5.000000e-01 : f64}
// CHECK-SAME: -> (tensor<?x4x4xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 16, f32>)
// CHECK: tensor.collapse_shape %[[O0]]
// CHECK: %[[O1:.*]], %[[P2:.*]] = llm.paged_attention %{{.*}}, %{{.*}}, %{{.*}} positions(%[[POS]]) sequences(%[[SEQ]]) block_tables(%[[BT]]) pool(%[[P1]])
// CHECK-SAME: {layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 5.000000e-01 : f64, sliding_window = 8 : i64}
// CHECK: %[[H:.*]] = llm.rms_norm
// CHECK: %[[SEL:.*]] = llm.select_rows %[[H]], %[[ROWS]] : (tensor<?x16xf32>, tensor<?xi64>) -> tensor<?x16xf32>
// CHECK: %[[LOGITS:.*]] = llm.lm_head %[[SEL]], %{{.*}} : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
// CHECK: return %[[LOGITS]], %[[P2]] : tensor<?x32xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 16, f32>
// CHECK-NOT: llm.attention

// The options: blocks of 32 positions, keys and values stored as f16 (the
// attention itself stays f32).
// F16-LABEL: func.func @forward
// F16-SAME: !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 32, f16> {llm.name = "kv_pool"})
// F16: llm.paged_attention {{.*}} : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 32, f16>) -> (tensor<?x4x4xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 32, f16>)
// F16: return {{.*}} : tensor<?x32xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 4, block_size = 32, f16>

// Storage types other than f32 and f16, and an empty block, are refused.
// BF16: error: kv-type 'bf16': expected f32, f16 or int8
// BLOCK0: error: expects a block_size in [1, 4096], got 0
func.func @forward(%tokens: tensor<?xi32> {llm.name = "tokens"}, %pos: tensor<?xi64> {llm.name = "positions"},
    %cache: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32> {llm.name = "kv_cache"})
    -> (tensor<?x32xf32> {llm.name = "logits"},
        !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32> {llm.name = "kv_cache"})
    attributes {llm.entry_point} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %tokens, %c0 : tensor<?xi32>
  %table = llm.weight "embed" : tensor<32x16xf32>
  %x = llm.embedding %table[%tokens] : (tensor<32x16xf32>, tensor<?xi32>) -> tensor<?x16xf32>
  %wq0 = llm.weight "l0.q" : tensor<16x16xf32>
  %wk0 = llm.weight "l0.k" : tensor<8x16xf32>
  %wv0 = llm.weight "l0.v" : tensor<8x16xf32>
  %q0 = llm.linear %x, %wq0 : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
  %k0 = llm.linear %x, %wk0 : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %v0 = llm.linear %x, %wv0 : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %q0e = tensor.expand_shape %q0 [[0], [1, 2]] output_shape [%n, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
  %k0e = tensor.expand_shape %k0 [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
  %v0e = tensor.expand_shape %v0 [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
  %a0, %c1 = llm.attention %q0e, %k0e, %v0e positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  %a0c = tensor.collapse_shape %a0 [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
  %x1 = llm.add %x, %a0c : tensor<?x16xf32>
  %wq1 = llm.weight "l1.q" : tensor<16x16xf32>
  %wk1 = llm.weight "l1.k" : tensor<8x16xf32>
  %wv1 = llm.weight "l1.v" : tensor<8x16xf32>
  %q1 = llm.linear %x1, %wq1 : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
  %k1 = llm.linear %x1, %wk1 : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %v1 = llm.linear %x1, %wv1 : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %q1e = tensor.expand_shape %q1 [[0], [1, 2]] output_shape [%n, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
  %k1e = tensor.expand_shape %k1 [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
  %v1e = tensor.expand_shape %v1 [[0], [1, 2]] output_shape [%n, 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
  %a1, %c2 = llm.attention %q1e, %k1e, %v1e positions(%pos) cache(%c1)
      {causal, layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64, sliding_window = 8 : i64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  %a1c = tensor.collapse_shape %a1 [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
  %x2 = llm.add %x1, %a1c : tensor<?x16xf32>
  %wn = llm.weight "norm" : tensor<16xf32>
  %h = llm.rms_norm %x2, %wn {epsilon = 1.0e-05 : f64} : (tensor<?x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %logits = llm.lm_head %h, %table : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
  return %logits, %c2 : tensor<?x32xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, capacity = 64, f32>
}

// -----

// Without an LM head (the entry point returns hidden states), the selected
// rows are what it returns.
// CHECK-LABEL: func.func @hidden_states
// CHECK-SAME: %[[ROWS:[^:]*]]: tensor<?xi64> {llm.name = "logit_rows"}
// CHECK-SAME: -> (tensor<?x16xf32> {llm.name = "hidden"}, !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 4, block_size = 16, f32> {llm.name = "kv_pool"})
// CHECK: %[[O:.*]], %[[P:.*]] = llm.paged_attention
// CHECK-SAME: layer = 0 : i64
// CHECK: %[[H:.*]] = tensor.collapse_shape %[[O]]
// CHECK: %[[SEL:.*]] = llm.select_rows %[[H]], %[[ROWS]] : (tensor<?x16xf32>, tensor<?xi64>) -> tensor<?x16xf32>
// CHECK-NEXT: return %[[SEL]], %[[P]]
func.func @hidden_states(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32> {llm.name = "kv_cache"})
    -> (tensor<?x16xf32> {llm.name = "hidden"},
        !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32> {llm.name = "kv_cache"})
    attributes {llm.entry_point} {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  %h = tensor.collapse_shape %a [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
  return %h, %c1 : tensor<?x16xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>
}

// -----

// Attention that is not causal cannot be paged: the entry point keeps its
// contiguous cache, with a warning.
// CHECK-LABEL: func.func @not_causal
// CHECK-SAME: %{{.*}}: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
// CHECK-NOT: logit_rows
// CHECK: llm.attention
// CHECK-NOT: llm.paged_attention
// CHECK-NOT: llm.select_rows
// CHECK: return
// expected-warning @+1 {{llm-page-kv-cache: entry point 'not_causal' keeps its contiguous KV cache: an attention over the cache is not causal}}
func.func @not_causal(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
    -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
    attributes {llm.entry_point} {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  return %a, %c1 : tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>
}

// -----

// Nor can attention in f16 (the paged kernel's activations are f32).
// CHECK-LABEL: func.func @f16_attention
// CHECK: llm.attention
// CHECK-NOT: llm.paged_attention
// expected-warning @+1 {{llm-page-kv-cache: entry point 'f16_attention' keeps its contiguous KV cache: an attention over the cache is not f32}}
func.func @f16_attention(%q: tensor<?x4x4xf16>, %k: tensor<?x2x4xf16>, %pos: tensor<?xi64>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f16>)
    -> (tensor<?x4x4xf16>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f16>)
    attributes {llm.entry_point} {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf16>, tensor<?x2x4xf16>, tensor<?x2x4xf16>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f16>)
      -> (tensor<?x4x4xf16>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f16>)
  return %a, %c1 : tensor<?x4x4xf16>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f16>
}

// -----

// Nor a cache read by two attentions at once (it is no longer one chain).
// CHECK-LABEL: func.func @forked
// CHECK-COUNT-2: llm.attention
// CHECK-NOT: llm.paged_attention
// expected-warning @+1 {{llm-page-kv-cache: entry point 'forked' keeps its contiguous KV cache: its KV cache is used more than once}}
func.func @forked(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
    -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
    attributes {llm.entry_point} {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  %b, %c2 = llm.attention %a, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  return %b, %c2 : tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>
}

// -----

// A function that is not an entry point is left alone, silently.
// CHECK-LABEL: func.func @helper
// CHECK-SAME: (%{{.*}}: tensor<?x4x4xf32>, %{{.*}}: tensor<?x2x4xf32>, %{{.*}}: tensor<?xi64>, %{{.*}}: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
// CHECK-SAME: -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
// CHECK-NEXT: llm.attention
// CHECK-NOT: llm.paged_attention
// CHECK-NOT: llm.select_rows
func.func @helper(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
    -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>) {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>)
  return %a, %c1 : tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>
}

// -----

// Entry points of other shapes keep their cache, with a warning, rather
// than crash or build invalid IR: one that returns only its cache, one that
// returns an unselectable [tokens, heads, d] result, one that ignores its
// cache.
!c = !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>
// CHECK-LABEL: func.func @only_cache
// CHECK-SAME: !llm.kv_cache
// expected-warning @+1 {{entry point 'only_cache' keeps its contiguous KV cache: it does not return one tensor besides its KV cache}}
func.func @only_cache(%pos: tensor<?xi64>, %cache: !c) -> !c attributes {llm.entry_point} {
  return %cache : !c
}
// CHECK-LABEL: func.func @rank3
// CHECK: llm.attention
// expected-warning @+1 {{entry point 'rank3' keeps its contiguous KV cache: it returns no [tokens, n] tensor besides its KV cache}}
func.func @rank3(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>, %cache: !c) -> (tensor<?x4x4xf32>, !c) attributes {llm.entry_point} {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>, !c) -> (tensor<?x4x4xf32>, !c)
  return %a, %c1 : tensor<?x4x4xf32>, !c
}
// CHECK-LABEL: func.func @unused
// expected-warning @+1 {{entry point 'unused' keeps its contiguous KV cache: it does not return one tensor besides its KV cache}}
func.func @unused(%pos: tensor<?xi64>, %cache: !c) -> tensor<?xi64> attributes {llm.entry_point} {
  return %pos : tensor<?xi64>
}

// -----

// With a static token count, the LM head's result becomes as many rows as
// logit_rows names, not the tokens.
!c = !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 64, f32>
// CHECK-LABEL: func.func @static_tokens
// CHECK-SAME: -> (tensor<?x32xf32>
// CHECK: llm.select_rows {{.*}} : (tensor<5x16xf32>, tensor<?xi64>) -> tensor<?x16xf32>
// CHECK: llm.lm_head {{.*}} -> tensor<?x32xf32>
func.func @static_tokens(%q: tensor<5x4x4xf32>, %k: tensor<5x2x4xf32>, %pos: tensor<5xi64>, %cache: !c) -> (tensor<5x32xf32>, !c) attributes {llm.entry_point} {
  %a, %c1 = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<5x4x4xf32>, tensor<5x2x4xf32>, tensor<5x2x4xf32>, tensor<5xi64>, !c) -> (tensor<5x4x4xf32>, !c)
  %h = tensor.collapse_shape %a [[0], [1, 2]] : tensor<5x4x4xf32> into tensor<5x16xf32>
  %w = llm.weight "lm_head.weight" : tensor<32x16xf32>
  %l = llm.lm_head %h, %w : (tensor<5x16xf32>, tensor<32x16xf32>) -> tensor<5x32xf32>
  return %l, %c1 : tensor<5x32xf32>, !c
}
