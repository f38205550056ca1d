// RUN: llmc-opt %s --convert-llm-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func @embedding
// CHECK-SAME: (%[[T:[^:]*]]: tensor<16x8xbf16>, %[[IDS:[^:]*]]: tensor<?xi32>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x8xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[IDS]] : tensor<?xi32>) outs(%[[E]] : tensor<?x8xf32>)
// CHECK: %[[ID:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[H:.*]] = linalg.index 1 : index
// CHECK: %[[V:.*]] = tensor.extract %[[T]][%[[ID]], %[[H]]] : tensor<16x8xbf16>
// CHECK: arith.extf %[[V]] : bf16 to f32
func.func @embedding(%t: tensor<16x8xbf16>, %ids: tensor<?xi32>) -> tensor<?x8xf32> {
  %0 = llm.embedding %t[%ids] : (tensor<16x8xbf16>, tensor<?xi32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Sum of squares over the last dimension, then x / sqrt(mean + eps) * w.
// CHECK-LABEL: func @rms_norm
// CHECK: linalg.fill
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<?x8xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[SUM]], %{{.*}} : tensor<?x8xf32>, tensor<?xf32>, tensor<8xf16>)
// CHECK: arith.constant 8.000000e+00 : f32
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: math.sqrt
// CHECK: arith.extf %{{.*}} : f16 to f32
func.func @rms_norm(%x: tensor<?x8xf32>, %w: tensor<8xf16>) -> tensor<?x8xf32> {
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<?x8xf32>, tensor<8xf16>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// LayerNorm in two passes: the row sums (then the mean), the sums of
// squared deviations from it, then (x - mean) / sqrt(var + eps) * w + b.
// CHECK-LABEL: func @layer_norm
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<?x8xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?xf32>)
// CHECK: arith.divf
// CHECK: %[[DEV:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}}, %[[MEAN]] : tensor<?x8xf32>, tensor<?xf32>)
// CHECK: arith.subf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[MEAN]], %[[DEV]], %{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<?xf32>, tensor<?xf32>, tensor<8xf32>, tensor<8xf16>)
// CHECK: math.sqrt
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.addf
func.func @layer_norm(%x: tensor<?x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf16>) -> tensor<?x8xf32> {
  %0 = llm.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f64} : (tensor<?x8xf32>, tensor<8xf32>, tensor<8xf16>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// GELU: tanh(sqrt(2/pi) (x + 0.044715 x^3)) or erf(x / sqrt(2)).
// CHECK-LABEL: func @gelu
// CHECK: linalg.generic
// CHECK: arith.constant 4.471500e-02 : f32
// CHECK: arith.constant 0.797884583 : f32
// CHECK: math.tanh
// CHECK: arith.constant 5.000000e-01 : f32
// CHECK: linalg.generic
// CHECK: arith.constant 0.707106769 : f32
// CHECK: math.erf
// CHECK-NOT: math.tanh
func.func @gelu(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = llm.gelu %x {approximation = #llm.gelu_approximation<tanh>} : tensor<?x8xf32>
  %1 = llm.gelu %0 {approximation = #llm.gelu_approximation<none>} : tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// x W^T + b: the accumulator starts at the broadcast bias, then a (m, n, k)
// contraction with k innermost (a dot product over rows of W).
// CHECK-DAG: #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @linear
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[MK]], #[[NK]], #[[MN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<4x8xf32>) outs(%[[INIT]] : tensor<?x4xf32>)
// CHECK: arith.mulf {{.*}} fastmath<reassoc,contract>
// CHECK: arith.addf {{.*}} fastmath<reassoc,contract>
func.func @linear(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %0 = llm.linear %x, %w, %b : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func @lm_head
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<32x8xf32>) outs(%{{.*}} : tensor<?x32xf32>)
func.func @lm_head(%x: tensor<?x8xf32>, %w: tensor<32x8xf32>) -> tensor<?x32xf32> {
  %0 = llm.lm_head %x, %w : (tensor<?x8xf32>, tensor<32x8xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

// CHECK-LABEL: func @elementwise
// CHECK: linalg.generic
// CHECK: %[[NEG:.*]] = arith.negf %{{.*}} : f32
// CHECK: %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[EXP]] : f32
// CHECK: %[[SILU:.*]] = arith.divf %{{.*}}, %[[DEN]] : f32
// CHECK: arith.mulf %[[SILU]], %{{.*}} : f32
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: math.exp
func.func @elementwise(%g: tensor<?x8xf32>, %u: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = llm.swiglu %g, %u : tensor<?x8xf32>
  %1 = llm.add %g, %u : tensor<?x8xf32>
  %2 = llm.silu %g : tensor<?x8xf32>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// inv_freq folded at compile time: theta^(-2i/d) for d = 4, theta = 100.
// cos and sin are computed once per token and frequency into two
// [tokens][d/2] tables; rotate_half pairs component d with d +/- d/2 and
// reads both tables at (token, pair).
// CHECK-LABEL: func @rope_rotate_half
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x4xf32>, %[[P:.*]]: tensor<?xi64>)
// CHECK: %[[FREQ:.*]] = arith.constant dense<[1.000000e+00, 1.000000e-01]> : tensor<2xf32>
// CHECK: %[[T:.*]]:2 = linalg.generic
// CHECK-SAME: ins(%[[P]], %[[FREQ]] : tensor<?xi64>, tensor<2xf32>)
// CHECK: arith.sitofp %{{.*}} : i64 to f32
// CHECK: math.cos
// CHECK: math.sin
// CHECK: } -> (tensor<?x2xf32>, tensor<?x2xf32>)
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<?x2x4xf32>)
// CHECK: %[[FIRST:.*]] = arith.cmpi ult, %{{.*}}, %c2
// CHECK: %[[PAIR:.*]] = arith.select %[[FIRST]]
// CHECK: tensor.extract %[[T]]#0[%{{.*}}, %[[PAIR]]]
// CHECK: tensor.extract %[[T]]#1[%{{.*}}, %[[PAIR]]]
// CHECK-NOT: math.cos
// CHECK: return
func.func @rope_rotate_half(%x: tensor<?x2x4xf32>, %p: tensor<?xi64>) -> tensor<?x2x4xf32> {
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<rotate_half>, theta = 100.0 : f64}
      : (tensor<?x2x4xf32>, tensor<?xi64>) -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}

// -----

// interleaved pairs component 2i with 2i+1.
// CHECK-LABEL: func @rope_interleaved
// CHECK: linalg.generic
// CHECK: arith.divui %{{.*}}, %c2
// CHECK: arith.remui %{{.*}}, %c2
// CHECK: arith.cmpi eq
func.func @rope_interleaved(%x: tensor<?x2x4xf32>, %p: tensor<?xi32>) -> tensor<?x2x4xf32> {
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<interleaved>, theta = 100.0 : f64}
      : (tensor<?x2x4xf32>, tensor<?xi32>) -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}

// -----

// With a cache: new keys and values are written at positions[0] of their
// layer, then the queries attend over the prefix [0, positions[0] + tokens).
// Query heads are grouped per KV head: [tokens, 2 kv heads, 2, d].
// CHECK-LABEL: func @attention_cache
// CHECK-SAME: %[[CACHE:[^:]*]]: tensor<3x2x16x2x4xf32>
// CHECK: %[[P0:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<?xi64>
// CHECK: %[[START:.*]] = arith.index_cast %[[P0]] : i64 to index
// CHECK: %[[K:.*]] = tensor.insert_slice %{{.*}} into %[[CACHE]][1, 0, %[[START]], 0, 0] [1, 1, %{{.*}}, 2, 4] [1, 1, 1, 1, 1] : tensor<?x2x4xf32> into tensor<3x2x16x2x4xf32>
// CHECK: %[[KV:.*]] = tensor.insert_slice %{{.*}} into %[[K]][1, 1, %[[START]], 0, 0]
// CHECK: %[[END:.*]] = arith.addi %[[START]], %{{.*}} : index
// CHECK: tensor.extract_slice %[[KV]][1, 0, 0, 0, 0] [1, 1, %[[END]], 2, 4] [1, 1, 1, 1, 1] : tensor<3x2x16x2x4xf32> to tensor<?x2x4xf32>
// CHECK: tensor.extract_slice %[[KV]][1, 1, 0, 0, 0] [1, 1, %[[END]], 2, 4]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] output_shape [%{{.*}}, 2, 2, 4] : tensor<?x4x4xf32> into tensor<?x2x2x4xf32>
// Scores, masked row maximum, exponentials, row sums, weighted values, normalization.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.cmpi ule
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: arith.divf
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] : tensor<?x2x2x4xf32> into tensor<?x4x4xf32>
// CHECK: return %{{.*}}, %[[KV]]
func.func @attention_cache(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %v: tensor<?x2x4xf32>,
    %pos: tensor<?xi64>, %cache: !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>)
    -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>) {
  %o, %c = llm.attention %q, %k, %v positions(%pos) cache(%cache)
      {causal, layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>)
  return %o, %c : tensor<?x4x4xf32>, !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>
}

// -----

// Without a cache, query t sits at key position t + keys - queries; the
// sliding window also masks keys more than 2 positions back.
// CHECK-LABEL: func @attention_window
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[NK:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x1x4xf32>
// CHECK: %[[OFF:.*]] = arith.subi %[[NK]], %{{.*}} : index
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: %[[QPOS:.*]] = arith.addi %{{.*}}, %[[OFF]] : index
// CHECK: arith.cmpi ule, %{{.*}}, %[[QPOS]] : index
// CHECK: %[[W:.*]] = arith.addi %{{.*}}, %c3 : index
// CHECK: arith.cmpi ugt, %[[W]], %[[QPOS]] : index
func.func @attention_window(%q: tensor<?x2x4xf32>, %k: tensor<?x1x4xf32>, %pos: tensor<?xi64>) -> tensor<?x2x4xf32> {
  %0 = llm.attention %q, %k, %k positions(%pos)
      {causal, num_heads = 2 : i64, num_kv_heads = 1 : i64, scale = 0.5 : f64, sliding_window = 3 : i64}
      : (tensor<?x2x4xf32>, tensor<?x1x4xf32>, tensor<?x1x4xf32>, tensor<?xi64>) -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}

// -----

// An entry point owns no cache: it updates the caller's buffer in place.
// CHECK-LABEL: func @forward
// CHECK-SAME: (%{{.*}}: tensor<?x4x4xf32>, %{{.*}}: tensor<?x2x4xf32>, %{{.*}}: tensor<?xi64>, %[[BUF:[^:]*]]: memref<1x2x8x2x4xf32>) -> tensor<?x4x4xf32>
// CHECK-SAME: attributes {llm.entry_point, llvm.emit_c_interface}
// CHECK: %[[C:.*]] = bufferization.to_tensor %[[BUF]] restrict writable : memref<1x2x8x2x4xf32> to tensor<1x2x8x2x4xf32>
// CHECK: %[[NEW:.*]] = tensor.insert_slice %{{.*}} into %[[C]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[BUF]]
// CHECK: return %{{.*}} : tensor<?x4x4xf32>
func.func @forward(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>,
    %cache: !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 8, f32>)
    -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 8, f32>)
    attributes {llm.entry_point} {
  %o, %c = llm.attention %q, %k, %k positions(%pos) cache(%cache)
      {causal, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 8, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 8, f32>)
  return %o, %c : tensor<?x4x4xf32>, !llm.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, capacity = 8, f32>
}
