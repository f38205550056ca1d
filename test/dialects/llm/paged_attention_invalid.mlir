// RUN: llmc-opt %s --split-input-file --verify-diagnostics

// Every error of PagedKVCacheType::verify, PagedAttentionOp::verify,
// SelectRowsOp::verify and PagedFlashAttentionOp::verify, one per case.

// A pool needs at least one layer.
// expected-error @+1 {{expects positive layers, kv_heads and head_dim, got 0, 4, 8}}
func.func private @pool_layers(!llm.paged_kv_cache<layers = 0, kv_heads = 4, head_dim = 8, block_size = 16, f32>)

// -----

// ... and positive kv_heads and head_dim.
// expected-error @+1 {{expects positive layers, kv_heads and head_dim, got 2, 4, -8}}
func.func private @pool_head_dim(!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = -8, block_size = 16, f32>)

// -----

// A block holds at least one position ...
// expected-error @+1 {{expects a block_size in [1, 4096], got 0}}
func.func private @pool_block_size_zero(!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 0, f32>)

// -----

// ... and at most 4096 (slots travel as 32-bit integers).
// expected-error @+1 {{expects a block_size in [1, 4096], got 5000}}
func.func private @pool_block_size_large(!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 5000, f32>)

// -----

// Keys and values are stored as f32 or f16 only.
// expected-error @+1 {{expects f32, f16 or i8 keys and values, got 'bf16'}}
func.func private @pool_bf16(!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, bf16>)

// -----

// Query heads group over kv heads: 8 over 3 does not divide.
func.func @paged_groups(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{'llm.paged_attention' op expects num_heads (8) to be a positive multiple of num_kv_heads (3)}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 3 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A zero scale.
func.func @paged_scale(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a positive scale, got 0}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A zero sliding window.
func.func @paged_window(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a positive sliding_window, got 0}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64, sliding_window = 0 : i64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A query of rank 2.
func.func @paged_query_rank(%q: tensor<?x64xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a query [tokens, heads, head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x64xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A value of rank 2.
func.func @paged_value_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x32xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a value [tokens, kv_heads, head_dim] of rank 3, got 'tensor<?x32xf32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x32xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A result of rank 2.
func.func @paged_result_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a result of rank 3, got 'tensor<?x64xf32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x64xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// Positions of rank 2.
func.func @paged_positions_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?x1xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects positions of rank 1, got 'tensor<?x1xi64>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x1xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// Sequences of rank 2.
func.func @paged_sequences_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?x1xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects sequences of rank 1, got 'tensor<?x1xi32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?x1xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// Block tables of rank 1.
func.func @paged_block_tables_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects block tables [sequences, blocks] of rank 2, got 'tensor<?xi32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// The kernel's activations are f32: an f16 query.
func.func @paged_f16_query(%q: tensor<?x8x8xf16>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects the query to be f32, got 'tensor<?x8x8xf16>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf16>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// ... and an f16 result.
func.func @paged_f16_result(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects the result to be f32, got 'tensor<?x8x8xf16>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf16>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// Sequence ids are i32, not i64.
func.func @paged_i64_sequences(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi64>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects i64 positions, i32 sequences and i32 block tables}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// Block ids are i32, not i64.
func.func @paged_i64_block_tables(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi64>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects i64 positions, i32 sequences and i32 block tables}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi64>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A dynamic head_dim.
func.func @paged_dynamic_head_dim(%q: tensor<?x8x?xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a static head_dim}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x?xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x?xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A query with 4 heads where num_heads is 8.
func.func @paged_query_heads(%q: tensor<?x4x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 1 of the query to be 8, got 4}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x4x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A key with 2 kv heads where num_kv_heads is 4.
func.func @paged_key_heads(%q: tensor<?x8x8xf32>, %k: tensor<?x2x8xf32>, %v: tensor<?x2x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 1 of the key to be 4, got 2}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A key of another head_dim than the query.
func.func @paged_key_head_dim(%q: tensor<?x8x8xf32>, %k: tensor<?x4x4xf32>, %v: tensor<?x4x4xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 2 of the key to be 8, got 4}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// One key per token: 3 query tokens, 2 keys.
func.func @paged_key_tokens(%q: tensor<3x8x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 0 of the key to be 3, got 2}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<3x8x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<3x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// One position per token.
func.func @paged_positions_tokens(%q: tensor<3x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<4xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 0 of positions to be 3, got 4}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<3x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<4xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<3x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// One sequence id per token.
func.func @paged_sequences_tokens(%q: tensor<3x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<2xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 0 of sequences to be 3, got 2}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<3x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<2xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<3x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A result of another head_dim.
func.func @paged_result_head_dim(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects dimension 2 of the result to be 8, got 16}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x16xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// The updated pool has the pool's type (here another block size).
func.func @paged_updated_pool(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects the updated pool to have type '!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 32, f32>)
  return
}

// -----

// Layer 2 of a 2-layer pool.
func.func @paged_layer(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects layer 2 to be in [0, 2)}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 2 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A negative layer, printed as the signed number it is.
func.func @paged_negative_layer(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects layer -1 to be in [0, 2)}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = -1 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A pool of 2 kv heads for attention over 4.
func.func @paged_pool_kv_heads(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 8, block_size = 16, f32>) {
  // expected-error @+1 {{expects a pool of 4 kv_heads x head_dim 8, got '!llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 8, block_size = 16, f32>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 2, head_dim = 8, block_size = 16, f32>)
  return
}

// -----

// A pool of another head_dim.
func.func @paged_pool_head_dim(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 16, block_size = 16, f16>) {
  // expected-error @+1 {{expects a pool of 4 kv_heads x head_dim 8, got '!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 16, block_size = 16, f16>'}}
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 16, block_size = 16, f16>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 16, block_size = 16, f16>)
  return
}

// -----

// An input of rank 3.
func.func @select_input_rank(%h: tensor<?x2x32xf32>, %rows: tensor<?xi64>) {
  // expected-error @+1 {{'llm.select_rows' op expects an input of rank 2, got 'tensor<?x2x32xf32>'}}
  %0 = llm.select_rows %h, %rows : (tensor<?x2x32xf32>, tensor<?xi64>) -> tensor<?x64xf32>
  return
}

// -----

// Rows of rank 2.
func.func @select_rows_rank(%h: tensor<?x64xf32>, %rows: tensor<?x1xi64>) {
  // expected-error @+1 {{expects rows of rank 1, got 'tensor<?x1xi64>'}}
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<?x1xi64>) -> tensor<?x64xf32>
  return
}

// -----

// A result of rank 1.
func.func @select_result_rank(%h: tensor<?x64xf32>, %rows: tensor<?xi64>) {
  // expected-error @+1 {{expects a result of rank 2, got 'tensor<?xf32>'}}
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?xf32>
  return
}

// -----

// A result of another element type.
func.func @select_element_type(%h: tensor<?x64xf32>, %rows: tensor<?xi64>) {
  // expected-error @+1 {{expects a result of the input's element type 'f32'}}
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x64xf16>
  return
}

// -----

// A result of other columns than the input.
func.func @select_columns(%h: tensor<?x64xf32>, %rows: tensor<?xi64>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 64, got 32}}
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x32xf32>
  return
}

// -----

// One result row per index.
func.func @select_row_count(%h: tensor<?x64xf32>, %rows: tensor<3xi64>) {
  // expected-error @+1 {{expects dimension 0 of the result to be 3, got 4}}
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<3xi64>) -> tensor<4x64xf32>
  return
}

// -----

// Indices are integers.
func.func @select_float_rows(%h: tensor<?x64xf32>, %rows: tensor<?xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of signless integer values}}
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<?xf32>) -> tensor<?x64xf32>
  return
}

// -----

// 8 query heads over 3 kv heads.
func.func @flash_groups(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{'llm.paged_flash_attention' op expects num_heads (8) to be a positive multiple of num_kv_heads (3)}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 3 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// A negative scale.
func.func @flash_scale(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects a positive scale, got -1}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = -1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// A zero sliding window.
func.func @flash_window(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects a positive sliding_window, got 0}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64, sliding_window = 0 : i64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// A query of rank 2.
func.func @flash_query_rank(%q: tensor<?x64xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects the query to be rank-3 f32, got 'tensor<?x64xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x64xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// f16 keys (the pool may be f16, the activations not).
func.func @flash_f16_key(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf16>, %v: tensor<?x4x8xf16>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects the key to be rank-3 f32, got 'tensor<?x4x8xf16>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf16>, tensor<?x4x8xf16>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// An unranked init buffer.
func.func @flash_unranked_init(%q: memref<?x8x8xf32>, %k: memref<?x4x8xf32>, %v: memref<?x4x8xf32>, %pos: memref<?xi64>, %seq: memref<?xi32>, %bt: memref<?x?xi32>,
    %pool: memref<?x2x2x16x4x8xf32>, %init: memref<*xf32>) {
  // expected-error @+1 {{expects the init to be rank-3 f32, got 'memref<*xf32>'}}
  llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (memref<?x8x8xf32>, memref<?x4x8xf32>, memref<?x4x8xf32>, memref<?xi64>, memref<?xi32>, memref<?x?xi32>,
         memref<?x2x2x16x4x8xf32>, memref<*xf32>) -> ()
  return
}

// -----

// A pool of rank 5 (no layer dimension).
func.func @flash_pool_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects a pool [blocks, layers, 2, block_size, kv_heads, head_dim] of f32, f16 or i8, got 'tensor<?x2x16x4x8xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// A bf16 pool.
func.func @flash_pool_bf16(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xbf16>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects a pool [blocks, layers, 2, block_size, kv_heads, head_dim] of f32, f16 or i8, got 'tensor<?x2x2x16x4x8xbf16>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xbf16>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xbf16>, tensor<?x8x8xf32>)
  return
}

// -----

// A pool with 3 where keys and values make 2.
func.func @flash_pool_kv(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x3x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects a pool [blocks, layers, 2, block_size, kv_heads, head_dim] of f32, f16 or i8, got 'tensor<?x2x3x16x4x8xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x3x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x3x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// Only the number of blocks may be dynamic.
func.func @flash_pool_dynamic(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x?x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects a pool whose dimensions past the first are static, got 'tensor<?x2x2x?x4x8xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x?x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x?x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// Positions are i64.
func.func @flash_i32_positions(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi32>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects positions of rank 1 and i64, got 'tensor<?xi32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi32>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// Sequence ids are i32.
func.func @flash_i64_sequences(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi64>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects sequences of rank 1 and i32, got 'tensor<?xi64>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// Block tables are of rank 2.
func.func @flash_block_tables_rank(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects block tables of rank 2 and i32, got 'tensor<?xi32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// On tensors: two results, not one.
func.func @flash_one_result(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: memref<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects the pool and the init both tensors or both buffers}}
  %r = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         memref<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x8x8xf32>)
  return
}

// -----

// A query with 4 heads where num_heads is 8.
func.func @flash_query_heads(%q: tensor<?x4x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x4x8xf32>) {
  // expected-error @+1 {{expects query and init of [tokens, 8, 8] over a pool of 4 kv_heads, got 'tensor<?x4x8xf32>', 'tensor<?x4x8xf32>' and 'tensor<?x2x2x16x4x8xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x4x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x4x8xf32>)
  return
}

// -----

// An init of another shape than the query.
func.func @flash_init_shape(%q: tensor<3x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<4x8x8xf32>) {
  // expected-error @+1 {{expects query and init of [tokens, 8, 8] over a pool of 4 kv_heads, got 'tensor<3x8x8xf32>', 'tensor<4x8x8xf32>' and 'tensor<?x2x2x16x4x8xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<3x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<4x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<4x8x8xf32>)
  return
}

// -----

// A pool of 2 kv heads for attention over 4.
func.func @flash_pool_kv_heads(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x2x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects query and init of [tokens, 8, 8] over a pool of 4 kv_heads, got 'tensor<?x8x8xf32>', 'tensor<?x8x8xf32>' and 'tensor<?x2x2x16x2x8xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x2x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x2x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// A value of another head_dim.
func.func @flash_value_head_dim(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x4xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects keys and values of [tokens, 4, 8], got 'tensor<?x4x4xf32>'}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x4xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// Layer 2 of a 2-layer pool.
func.func @flash_layer(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf32>, %init: tensor<?x8x8xf32>) {
  // expected-error @+1 {{expects layer 2 to be in [0, 2)}}
  %r:2 = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 2 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf32>, tensor<?x8x8xf32>)
  return
}

// -----

// Positions must be i64: the kernel's form takes nothing else.
func.func @i32_positions(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %pos: tensor<?xi32>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>) -> tensor<?x8x8xf32> {
  // expected-error @+1 {{'llm.paged_attention' op expects i64 positions, i32 sequences and i32 block tables}}
  %o, %p1 = llm.paged_attention %q, %k, %k positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi32>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
  return %o : tensor<?x8x8xf32>
}

// -----

// Every per-token operand of the kernel form has the query's tokens: the
// kernel reads that many rows of each.
func.func @token_counts(%q: memref<3x8x8xf32>, %k: memref<5x4x8xf32>, %pos: memref<3xi64>, %seq: memref<3xi32>, %bt: memref<?x?xi32>,
    %pool: memref<?x2x2x16x4x8xf32>, %init: memref<3x8x8xf32>) {
  // expected-error @+1 {{'llm.paged_flash_attention' op expects 3 tokens in every per-token operand, got 'memref<5x4x8xf32>'}}
  llm.paged_flash_attention ins(%q, %k, %k, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (memref<3x8x8xf32>, memref<5x4x8xf32>, memref<5x4x8xf32>, memref<3xi64>, memref<3xi32>, memref<?x?xi32>,
         memref<?x2x2x16x4x8xf32>, memref<3x8x8xf32>) -> ()
  return
}
