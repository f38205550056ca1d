// RUN: llmc-opt %s --convert-llm-to-linalg="attention-kernel" --split-input-file | FileCheck %s

// Shapes the verifiers allow lower too: a query whose heads are dynamic is
// cast to the kernel's [tokens, heads, head_dim] and back.
// CHECK-LABEL: func.func @dynamic_heads
// CHECK: %[[Q:.*]] = tensor.cast %{{.*}} : tensor<?x?x4xf32> to tensor<?x4x4xf32>
// CHECK: %[[P:.*]]:2 = llm.paged_flash_attention ins(%[[Q]],
// CHECK: tensor.cast %[[P]]#1 : tensor<?x4x4xf32> to tensor<?x?x4xf32>
func.func @dynamic_heads(%q: tensor<?x?x4xf32>, %k: tensor<?x2x4xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 4, block_size = 16, f32>) -> tensor<?x?x4xf32> {
  %o, %p1 = llm.paged_attention %q, %k, %k positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<?x?x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 4, block_size = 16, f32>)
      -> (tensor<?x?x4xf32>, !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 4, block_size = 16, f32>)
  return %o : tensor<?x?x4xf32>
}

// -----

// A static selection: the gather's dynamic rows are cast to the result.
// CHECK-LABEL: func.func @static_rows
// CHECK: llm.assert
// CHECK: %[[G:.*]] = linalg.generic
// CHECK: tensor.cast %[[G]] : tensor<?x8xf32> to tensor<3x8xf32>
func.func @static_rows(%h: tensor<5x8xf32>, %rows: tensor<3xi32>) -> tensor<3x8xf32> {
  %0 = llm.select_rows %h, %rows : (tensor<5x8xf32>, tensor<3xi32>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// An int8 pool: rows of head_dim + 4 bytes (the scale), kv type 2 and the
// true head_dim (8, not 12) for the kernel.
// CHECK-LABEL: func.func @int8_pool
// CHECK: llm.paged_flash_attention {{.*}} : (tensor<?x4x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>, tensor<?x1x2x16x2x12xi8>, tensor<?x4x8xf32>)
// RUN: llmc-opt %s --convert-llm-to-linalg="attention-kernel" --split-input-file | llmc-opt --split-input-file --llmc-bufferize --llmc-lower-to-ukernels | FileCheck %s --check-prefix=CALL
// CALL-LABEL: func.func @int8_pool
// CALL: %[[BS:.*]] = arith.constant 16 : i64
// CALL-NEXT: %[[INT8:.*]] = arith.constant 2 : i64
// CALL-NEXT: %[[HEADS:.*]] = arith.constant 4 : i64
// CALL-NEXT: %[[KVHEADS:.*]] = arith.constant 2 : i64
// CALL-NEXT: %[[HD:.*]] = arith.constant 8 : i64
// CALL: call @llmc_ukernel_paged_attention({{.*}}, %[[BS]], %[[INT8]], %[[HEADS]], %[[KVHEADS]], %[[HD]], %{{.*}}, %{{.*}})
func.func @int8_pool(%q: tensor<?x4x8xf32>, %k: tensor<?x2x8xf32>, %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p: !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 16, i8>) -> tensor<?x4x8xf32> {
  %o, %p1 = llm.paged_attention %q, %k, %k positions(%pos) sequences(%seq) block_tables(%bt) pool(%p)
      {layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 1.0 : f64}
      : (tensor<?x4x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 16, i8>)
      -> (tensor<?x4x8xf32>, !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 16, i8>)
  return %o : tensor<?x4x8xf32>
}
