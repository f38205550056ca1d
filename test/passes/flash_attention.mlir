// RUN: llmc-opt %s --convert-llm-to-linalg="attention-kernel" --split-input-file | FileCheck %s
// RUN: llmc-opt %s --convert-llm-to-linalg="attention-kernel" --split-input-file | llmc-opt --split-input-file --llmc-bufferize --llmc-lower-to-ukernels | FileCheck %s --check-prefix=CALL

// With attention-kernel, cached causal attention writes the new keys and
// values into the cache, then becomes one llm.flash_attention over the
// whole cache layer (the kernel masks by position): no score matrix.
// CHECK-LABEL: func @attention_cache
// CHECK: %[[START:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[K:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[1, 0, %[[START]], 0, 0] [1, 1, %{{.*}}, 2, 4] [1, 1, 1, 1, 1]
// CHECK: %[[KV:.*]] = tensor.insert_slice %{{.*}} into %[[K]][1, 1, %[[START]], 0, 0]
// CHECK: %[[KEYS:.*]] = tensor.extract_slice %[[KV]][1, 0, 0, 0, 0] [1, 1, 16, 2, 4] [1, 1, 1, 1, 1] : tensor<3x2x16x2x4xf32> to tensor<16x2x4xf32>
// CHECK: %[[VALUES:.*]] = tensor.extract_slice %[[KV]][1, 1, 0, 0, 0] [1, 1, 16, 2, 4] [1, 1, 1, 1, 1] : tensor<3x2x16x2x4xf32> to tensor<16x2x4xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<?x4x4xf32>
// CHECK: %[[O:.*]] = llm.flash_attention ins(%{{.*}}, %[[KEYS]], %[[VALUES]], %[[START]]) outs(%[[INIT]])
// CHECK-SAME: causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 5.000000e-01 : f64, sliding_window = 3 : i64
// CHECK-NOT: layer
// CHECK-NOT: linalg.generic
// CHECK: return %[[O]], %[[KV]]

// After bufferization it reads subviews of the cache and becomes a call:
// q, ldq, k, v, ldkv, out, ldo, tokens, start, heads, kv heads, head_dim,
// window, scale.
// CALL: func.func private @llmc_ukernel_attention_f32(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32)
// CALL-LABEL: func @attention_cache
// CALL: %[[SUBK:.*]] = memref.subview %{{.*}}[1, 0, 0, 0, 0] [1, 1, 16, 2, 4] [1, 1, 1, 1, 1] : memref<3x2x16x2x4xf32{{.*}}> to memref<16x2x4xf32, strided<[8, 4, 1], offset: 256>>
// CALL: %[[SUBV:.*]] = memref.subview %{{.*}}[1, 1, 0, 0, 0] [1, 1, 16, 2, 4] [1, 1, 1, 1, 1]
// CALL: %[[C4:.*]] = arith.constant 4 : i64
// CALL: %[[C2:.*]] = arith.constant 2 : i64
// CALL: %[[C4B:.*]] = arith.constant 4 : i64
// CALL: %[[W:.*]] = arith.constant 3 : i64
// CALL: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CALL: call @llmc_ukernel_attention_f32(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C4]], %[[C2]], %[[C4B]], %[[W]], %[[SCALE]]) : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32) -> ()
// CALL-NOT: llm.flash_attention
func.func @attention_cache(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %v: tensor<?x2x4xf32>,
    %pos: tensor<?xi64>, %cache: !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>)
    -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>) {
  %o, %c = llm.attention %q, %k, %v positions(%pos) cache(%cache)
      {causal, layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64, sliding_window = 3 : i64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>,
         !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>)
      -> (tensor<?x4x4xf32>, !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>)
  return %o, %c : tensor<?x4x4xf32>, !llm.kv_cache<layers = 3, kv_heads = 2, head_dim = 4, capacity = 16, f32>
}

// -----

// Without a cache (or in another element type) the reference lowering stays.
// CHECK-LABEL: func @no_cache
// CHECK-NOT: llm.flash_attention
// CHECK: linalg.generic
func.func @no_cache(%q: tensor<?x2x4xf32>, %k: tensor<?x1x4xf32>, %pos: tensor<?xi64>) -> tensor<?x2x4xf32> {
  %0 = llm.attention %q, %k, %k positions(%pos)
      {causal, num_heads = 2 : i64, num_kv_heads = 1 : i64, scale = 0.5 : f64}
      : (tensor<?x2x4xf32>, tensor<?x1x4xf32>, tensor<?x1x4xf32>, tensor<?xi64>) -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}
