// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// The paged pool type, keys and values stored as f32 or as f16.
// CHECK-LABEL: func @types
// CHECK-SAME: (%{{.*}}: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>, %{{.*}}: !llm.paged_kv_cache<layers = 5, kv_heads = 2, head_dim = 4, block_size = 4096, f16>)
// CHECK-SAME: -> (!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>, !llm.paged_kv_cache<layers = 5, kv_heads = 2, head_dim = 4, block_size = 4096, f16>)
func.func @types(%a: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>,
                 %b: !llm.paged_kv_cache<layers = 5, kv_heads = 2, head_dim = 4, block_size = 4096, f16>)
    -> (!llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>,
        !llm.paged_kv_cache<layers = 5, kv_heads = 2, head_dim = 4, block_size = 4096, f16>) {
  return %a, %b : !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f32>,
                  !llm.paged_kv_cache<layers = 5, kv_heads = 2, head_dim = 4, block_size = 4096, f16>
}

// llm.paged_attention, twice over one f16 pool: the first without a
// sliding window, the second with one, reading the first's updated pool.
// CHECK-LABEL: func @paged_attention
// CHECK: %[[O0:.*]], %[[P1:.*]] = llm.paged_attention %arg0, %arg1, %arg2 positions(%arg3) sequences(%arg4) block_tables(%arg5) pool(%arg6)
// CHECK-SAME: {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 3.500000e-01 : f64}
// CHECK-SAME: : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
// CHECK-SAME: -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
// CHECK: %[[O1:.*]], %[[P2:.*]] = llm.paged_attention %[[O0]], %arg1, %arg2 positions(%arg3) sequences(%arg4) block_tables(%arg5) pool(%[[P1]])
// CHECK-SAME: {layer = 1 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 5.000000e-01 : f64, sliding_window = 4 : i64}
// CHECK: return %[[O1]], %[[P2]]
func.func @paged_attention(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>,
    %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %p0: !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
    -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>) {
  %o0, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p0)
      {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.35 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
  %o1, %p2 = llm.paged_attention %o0, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%p1)
      {layer = 1 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.5 : f64, sliding_window = 4 : i64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
      -> (tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>)
  return %o1, %p2 : tensor<?x8x8xf32>, !llm.paged_kv_cache<layers = 2, kv_heads = 4, head_dim = 8, block_size = 16, f16>
}

// llm.select_rows with dynamic rows (i64) and with static ones (i32).
// CHECK-LABEL: func @select_rows
// CHECK: %[[A:.*]] = llm.select_rows %arg0, %arg1 : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x64xf32>
// CHECK: %[[B:.*]] = llm.select_rows %arg2, %arg3 : (tensor<5x16xf16>, tensor<3xi32>) -> tensor<3x16xf16>
// CHECK: return %[[A]], %[[B]]
func.func @select_rows(%h: tensor<?x64xf32>, %rows: tensor<?xi64>, %g: tensor<5x16xf16>, %three: tensor<3xi32>)
    -> (tensor<?x64xf32>, tensor<3x16xf16>) {
  %0 = llm.select_rows %h, %rows : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x64xf32>
  %1 = llm.select_rows %g, %three : (tensor<5x16xf16>, tensor<3xi32>) -> tensor<3x16xf16>
  return %0, %1 : tensor<?x64xf32>, tensor<3x16xf16>
}

// llm.paged_flash_attention on tensors: two results, the pool's and the
// init's, in that order.
// CHECK-LABEL: func @flash_tensors
// CHECK: %[[R:.*]]:2 = llm.paged_flash_attention ins(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5) outs(%arg6, %arg7)
// CHECK-SAME: {layer = 1 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 3.500000e-01 : f64, sliding_window = 6 : i64}
// CHECK-SAME: : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>, tensor<?x2x2x16x4x8xf16>, tensor<?x8x8xf32>)
// CHECK-SAME: -> (tensor<?x2x2x16x4x8xf16>, tensor<?x8x8xf32>)
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @flash_tensors(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %v: tensor<?x4x8xf32>,
    %pos: tensor<?xi64>, %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: tensor<?x2x2x16x4x8xf16>, %init: tensor<?x8x8xf32>)
    -> (tensor<?x2x2x16x4x8xf16>, tensor<?x8x8xf32>) {
  %p, %o = llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %init)
      {layer = 1 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.35 : f64, sliding_window = 6 : i64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         tensor<?x2x2x16x4x8xf16>, tensor<?x8x8xf32>) -> (tensor<?x2x2x16x4x8xf16>, tensor<?x8x8xf32>)
  return %p, %o : tensor<?x2x2x16x4x8xf16>, tensor<?x8x8xf32>
}

// llm.paged_flash_attention on buffers: no result.
// CHECK-LABEL: func @flash_buffers
// CHECK: llm.paged_flash_attention ins(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5) outs(%arg6, %arg7)
// CHECK-SAME: {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f64}
// CHECK-SAME: : (memref<?x2x4xf32>, memref<?x2x4xf32>, memref<?x2x4xf32>, memref<?xi64>, memref<?xi32>, memref<?x?xi32>, memref<?x3x2x8x2x4xf32>, memref<?x2x4xf32>) -> (){{$}}
// CHECK-NEXT: return{{$}}
func.func @flash_buffers(%q: memref<?x2x4xf32>, %k: memref<?x2x4xf32>, %v: memref<?x2x4xf32>,
    %pos: memref<?xi64>, %seq: memref<?xi32>, %bt: memref<?x?xi32>,
    %pool: memref<?x3x2x8x2x4xf32>, %out: memref<?x2x4xf32>) {
  llm.paged_flash_attention ins(%q, %k, %v, %pos, %seq, %bt) outs(%pool, %out)
      {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64, scale = 0.25 : f64}
      : (memref<?x2x4xf32>, memref<?x2x4xf32>, memref<?x2x4xf32>, memref<?xi64>, memref<?xi32>, memref<?x?xi32>,
         memref<?x3x2x8x2x4xf32>, memref<?x2x4xf32>) -> ()
  return
}
