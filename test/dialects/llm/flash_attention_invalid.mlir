// RUN: llmc-opt %s --split-input-file --verify-diagnostics

func.func @rank(%q: tensor<?x8xf32>, %k: tensor<32x2x16xf32>, %s: index, %i: tensor<?x8xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects the query to be rank-3 f32, got 'tensor<?x8xf32>'}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<?x8xf32>, tensor<32x2x16xf32>, tensor<32x2x16xf32>, index, tensor<?x8xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @f16(%q: tensor<?x8x16xf16>, %k: tensor<32x2x16xf32>, %s: index, %i: tensor<?x8x16xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects the query to be rank-3 f32, got 'tensor<?x8x16xf16>'}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<?x8x16xf16>, tensor<32x2x16xf32>, tensor<32x2x16xf32>, index, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @groups(%q: tensor<?x8x16xf32>, %k: tensor<32x3x16xf32>, %s: index, %i: tensor<?x8x16xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects num_heads (8) to be a positive multiple of num_kv_heads (3)}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 3 : i64, scale = 1.0 : f64}
      : (tensor<?x8x16xf32>, tensor<32x3x16xf32>, tensor<32x3x16xf32>, index, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @heads(%q: tensor<?x4x16xf32>, %k: tensor<32x2x16xf32>, %s: index, %i: tensor<?x4x16xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects query and init of [tokens, 8, head_dim], got 'tensor<?x4x16xf32>' and 'tensor<?x4x16xf32>'}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<?x4x16xf32>, tensor<32x2x16xf32>, tensor<32x2x16xf32>, index, tensor<?x4x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @cache(%q: tensor<?x8x16xf32>, %k: tensor<32x2x8xf32>, %s: index, %i: tensor<?x8x16xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects keys and values of [capacity, 2, 16], got 'tensor<32x2x8xf32>' and 'tensor<32x2x8xf32>'}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<?x8x16xf32>, tensor<32x2x8xf32>, tensor<32x2x8xf32>, index, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @window(%q: tensor<?x8x16xf32>, %k: tensor<32x2x16xf32>, %s: index, %i: tensor<?x8x16xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects a positive sliding_window, got 0}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64, sliding_window = 0 : i64}
      : (tensor<?x8x16xf32>, tensor<32x2x16xf32>, tensor<32x2x16xf32>, index, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return
}

// -----

func.func @results(%q: memref<?x8x16xf32>, %k: memref<32x2x16xf32>, %s: index, %i: memref<?x8x16xf32>) {
  // expected-error @+1 {{'llm.flash_attention' op expects one result of the init's type on tensors, none on buffers}}
  %0 = llm.flash_attention ins(%q, %k, %k, %s) outs(%i) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (memref<?x8x16xf32>, memref<32x2x16xf32>, memref<32x2x16xf32>, index, memref<?x8x16xf32>) -> tensor<?x8x16xf32>
  return
}
