// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// Round trip of every llm op and type through the custom and generic forms.

// CHECK-LABEL: func @weight
// CHECK: llm.weight "model.embed_tokens.weight" : tensor<512x64xf32>
// CHECK: llm.weight "w.f16" : tensor<8x4xf16>
// CHECK: llm.weight "w.bf16" : tensor<8xbf16>
func.func @weight() -> (tensor<512x64xf32>, tensor<8x4xf16>, tensor<8xbf16>) {
  %0 = llm.weight "model.embed_tokens.weight" : tensor<512x64xf32>
  %1 = llm.weight "w.f16" : tensor<8x4xf16>
  %2 = llm.weight "w.bf16" : tensor<8xbf16>
  return %0, %1, %2 : tensor<512x64xf32>, tensor<8x4xf16>, tensor<8xbf16>
}

// CHECK-LABEL: func @embedding
// CHECK: llm.embedding %{{.*}}[%{{.*}}] : (tensor<512x64xbf16>, tensor<?xi32>) -> tensor<?x64xf32>
func.func @embedding(%table: tensor<512x64xbf16>, %ids: tensor<?xi32>) -> tensor<?x64xf32> {
  %0 = llm.embedding %table[%ids] : (tensor<512x64xbf16>, tensor<?xi32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// CHECK-LABEL: func @linear
// CHECK: llm.linear %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
// CHECK: llm.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<32x64xf16>, tensor<32xf16>) -> tensor<?x32xf32>
func.func @linear(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>, %w16: tensor<32x64xf16>,
                  %b: tensor<32xf16>)
    -> (tensor<?x32xf32>, tensor<?x32xf32>) {
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  %1 = llm.linear %x, %w16, %b : (tensor<?x64xf32>, tensor<32x64xf16>, tensor<32xf16>) -> tensor<?x32xf32>
  return %0, %1 : tensor<?x32xf32>, tensor<?x32xf32>
}

// CHECK-LABEL: func @lm_head
// CHECK: llm.lm_head %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<512x64xf32>) -> tensor<?x512xf32>
func.func @lm_head(%h: tensor<?x64xf32>, %w: tensor<512x64xf32>) -> tensor<?x512xf32> {
  %0 = llm.lm_head %h, %w : (tensor<?x64xf32>, tensor<512x64xf32>) -> tensor<?x512xf32>
  return %0 : tensor<?x512xf32>
}

// CHECK-LABEL: func @rms_norm
// CHECK: llm.rms_norm %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
func.func @rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// CHECK-LABEL: func @layer_norm
// CHECK: llm.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf16>) -> tensor<?x64xf32>
func.func @layer_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf16>) -> tensor<?x64xf32> {
  %0 = llm.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf16>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// CHECK-LABEL: func @gelu
// CHECK: llm.gelu %{{.*}} {approximation = #llm.gelu_approximation<tanh>} : tensor<?x256xf32>
// CHECK: llm.gelu %{{.*}} {approximation = #llm.gelu_approximation<none>} : tensor<?x256xf32>
func.func @gelu(%x: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %0 = llm.gelu %x {approximation = #llm.gelu_approximation<tanh>} : tensor<?x256xf32>
  %1 = llm.gelu %0 {approximation = #llm.gelu_approximation<none>} : tensor<?x256xf32>
  return %1 : tensor<?x256xf32>
}

// CHECK-LABEL: func @activations
// CHECK: llm.silu %{{.*}} : tensor<?x172xf32>
// CHECK: llm.swiglu %{{.*}}, %{{.*}} : tensor<?x172xf32>
// CHECK: llm.add %{{.*}}, %{{.*}} : tensor<?x172xf32>
func.func @activations(%g: tensor<?x172xf32>, %u: tensor<?x172xf32>) -> tensor<?x172xf32> {
  %0 = llm.silu %g : tensor<?x172xf32>
  %1 = llm.swiglu %0, %u : tensor<?x172xf32>
  %2 = llm.add %1, %g : tensor<?x172xf32>
  return %2 : tensor<?x172xf32>
}

// CHECK-LABEL: func @rotary_embedding
// CHECK: llm.rotary_embedding %{{.*}}, %{{.*}} {style = #llm.rope_style<rotate_half>, theta = 1.000000e+04 : f64} : (tensor<?x8x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
// CHECK: llm.rotary_embedding %{{.*}}, %{{.*}} {style = #llm.rope_style<interleaved>, theta = 5.000000e+05 : f64} : (tensor<?x4x8xf32>, tensor<?xi32>) -> tensor<?x4x8xf32>
func.func @rotary_embedding(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>,
                            %pos: tensor<?xi64>, %pos32: tensor<?xi32>)
    -> (tensor<?x8x8xf32>, tensor<?x4x8xf32>) {
  %0 = llm.rotary_embedding %q, %pos {style = #llm.rope_style<rotate_half>, theta = 1.0e+04 : f64}
      : (tensor<?x8x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  %1 = llm.rotary_embedding %k, %pos32 {style = #llm.rope_style<interleaved>, theta = 5.0e+05 : f64}
      : (tensor<?x4x8xf32>, tensor<?xi32>) -> tensor<?x4x8xf32>
  return %0, %1 : tensor<?x8x8xf32>, tensor<?x4x8xf32>
}

// Grouped-query attention over a KV cache, with a sliding window.
// CHECK-LABEL: func @attention_gqa_cache
// CHECK: %{{.*}}, %{{.*}} = llm.attention %{{.*}}, %{{.*}}, %{{.*}} positions(%{{.*}}) cache(%{{.*}}) {causal, layer = 4 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 3.500000e-01 : f64, sliding_window = 128 : i64}
// CHECK-SAME: -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>)
func.func @attention_gqa_cache(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>,
    %pos: tensor<?xi64>, %cache: !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>)
    -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>) {
  %o, %c = llm.attention %q, %k, %v positions(%pos) cache(%cache)
      {causal, layer = 4 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.35 : f64, sliding_window = 128 : i64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>)
      -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>)
  return %o, %c : tensor<?x8x8xf32>, !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>
}

// Multi-query (one KV head) and multi-head attention without a cache; keys
// may outnumber queries (a past prefix).
// CHECK-LABEL: func @attention_no_cache
// CHECK: llm.attention %{{.*}}, %{{.*}}, %{{.*}} positions(%{{.*}}) {causal, num_heads = 4 : i64, num_kv_heads = 1 : i64, scale = 5.000000e-01 : f64} : (tensor<?x4x4xf32>, tensor<?x1x4xf32>, tensor<?x1x4xf32>, tensor<?xi64>) -> tensor<?x4x4xf32>
// CHECK: llm.attention %{{.*}}, %{{.*}}, %{{.*}} positions(%{{.*}}) {num_heads = 2 : i64, num_kv_heads = 2 : i64, scale = 1.000000e+00 : f64} : (tensor<3x2x4xf32>, tensor<7x2x4xf32>, tensor<7x2x4xf32>, tensor<3xi64>) -> tensor<3x2x4xf32>
func.func @attention_no_cache(%q: tensor<?x4x4xf32>, %k: tensor<?x1x4xf32>, %v: tensor<?x1x4xf32>,
    %pos: tensor<?xi64>, %q2: tensor<3x2x4xf32>, %k2: tensor<7x2x4xf32>, %pos2: tensor<3xi64>)
    -> (tensor<?x4x4xf32>, tensor<3x2x4xf32>) {
  %0 = llm.attention %q, %k, %v positions(%pos) {causal, num_heads = 4 : i64, num_kv_heads = 1 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x1x4xf32>, tensor<?x1x4xf32>, tensor<?xi64>) -> tensor<?x4x4xf32>
  %1 = llm.attention %q2, %k2, %k2 positions(%pos2) {num_heads = 2 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<3x2x4xf32>, tensor<7x2x4xf32>, tensor<7x2x4xf32>, tensor<3xi64>) -> tensor<3x2x4xf32>
  return %0, %1 : tensor<?x4x4xf32>, tensor<3x2x4xf32>
}

// CHECK-LABEL: func @assert
// CHECK: llm.assert %{{.*}}, "sizes differ: {0} and {1}"(%{{.*}}, %{{.*}} : index, i64)
// CHECK: llm.assert %{{.*}}, "no values"
func.func @assert(%ok: i1, %a: index, %b: i64) {
  llm.assert %ok, "sizes differ: {0} and {1}" (%a, %b : index, i64)
  llm.assert %ok, "no values"
  return
}
