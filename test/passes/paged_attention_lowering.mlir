// RUN: llmc-opt %s --convert-llm-to-linalg="attention-kernel" --split-input-file | FileCheck %s
// RUN: llmc-opt %s --convert-llm-to-linalg="attention-kernel" --split-input-file | llmc-opt --split-input-file --llmc-bufferize --llmc-lower-to-ukernels | FileCheck %s --check-prefix=CALL
// RUN: llmc-opt %s --convert-llm-to-linalg --split-input-file | FileCheck %s

// A paged entry point: the pool (an f16 one here) lowers to
// tensor<? x layers x 2 x block_size x kv_heads x head_dim>, an in/out
// buffer of the entry point; llm.paged_attention becomes
// llm.paged_flash_attention on tensors, updating the pool and writing a
// fresh [tokens, heads, head_dim] init; llm.select_rows checks the largest
// row index (a loop over the indices, so that on the GPU they are read on
// the host) against the tokens, then gathers the rows.
// CHECK-LABEL: func @paged
// CHECK-SAME: %arg7: memref<?x3x2x16x2x4xf16>) -> tensor<?x16xf32>
// CHECK: %[[POOL:.*]] = bufferization.to_tensor %arg7 restrict writable : memref<?x3x2x16x2x4xf16> to tensor<?x3x2x16x2x4xf16>
// CHECK: %[[N:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x4x4xf32>
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x4x4xf32>
// CHECK: %[[R:.*]]:2 = llm.paged_flash_attention ins(%arg0, %arg1, %arg2, %arg3, %arg4, %arg5) outs(%[[POOL]], %[[INIT]])
// CHECK-SAME: {layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 5.000000e-01 : f64, sliding_window = 3 : i64}
// CHECK-SAME: : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>, tensor<?x3x2x16x2x4xf16>, tensor<?x4x4xf32>)
// CHECK-SAME: -> (tensor<?x3x2x16x2x4xf16>, tensor<?x4x4xf32>)
// CHECK: %[[H:.*]] = tensor.collapse_shape %[[R]]#1 {{\[}}[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
// CHECK: %[[COUNT:.*]] = tensor.dim %arg6, %{{.*}} : tensor<?xi64>
// CHECK: %[[E:.*]] = scf.for %[[I:.*]] = %{{.*}} to %[[COUNT]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (i64) {
// CHECK: %[[ROWI:.*]] = tensor.extract %arg6[%[[I]]] : tensor<?xi64>
// CHECK: %[[M:.*]] = arith.maxui %[[ACC]], %[[ROWI]] : i64
// CHECK: scf.yield %[[M]] : i64
// CHECK: %[[LARGEST:.*]] = arith.index_castui %[[E]] : i64 to index
// CHECK: %[[TOKENS:.*]] = tensor.dim %[[H]], %{{.*}} : tensor<?x16xf32>
// CHECK: %[[NONE:.*]] = arith.cmpi eq, %[[COUNT]], %{{.*}} : index
// CHECK: %[[INSIDE:.*]] = arith.cmpi ult, %[[LARGEST]], %[[TOKENS]] : index
// CHECK: %[[OK:.*]] = arith.ori %[[NONE]], %[[INSIDE]] : i1
// CHECK: llm.assert %[[OK]], "logit row {0} is outside the {1} tokens of the call"(%[[LARGEST]], %[[TOKENS]] : index, index)
// CHECK: %[[OUT:.*]] = tensor.empty(%[[COUNT]]) : tensor<?x16xf32>
// CHECK: %[[G:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%arg6 : tensor<?xi64>) outs(%[[OUT]] : tensor<?x16xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[ROW:.*]] = arith.index_cast %[[IN]] : i64 to index
// CHECK-NEXT: %[[COL:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %[[H]][%[[ROW]], %[[COL]]] : tensor<?x16xf32>
// CHECK-NEXT: linalg.yield %[[V]] : f32
// CHECK: bufferization.materialize_in_destination %[[R]]#0 in restrict writable %arg7
// CHECK: return %[[G]] : tensor<?x16xf32>
// CHECK-NOT: llm.paged_attention
// CHECK-NOT: llm.select_rows

// On buffers it becomes a call of the runtime's kernel (abi.h's
// llmc_paged_attention_fn): q, ldq, k, ldk, v, ldv, out, ldo, tokens,
// positions, their count, sequences, their count, block tables, rows,
// columns, pool, blocks, layers, layer, block_size, kv dtype (1: f16),
// heads, kv heads, head_dim, window, scale. The pool is the argument
// itself, updated in place.
// CALL: func.func private @llmc_ukernel_paged_attention(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32)
// CALL-LABEL: func.func @paged
// CALL-SAME: %arg7: memref<?x3x2x16x2x4xf16>) -> memref<?x16xf32>
// CALL: %[[OUT:.*]] = memref.alloc(%{{.*}}) {{.*}} : memref<?x4x4xf32>
// CALL: memref.extract_aligned_pointer_as_index %[[OUT]]
// CALL: %[[TOKENS:.*]] = memref.dim %arg0, %{{.*}} : memref<?x4x4xf32>
// CALL: %[[TOKENS64:.*]] = arith.index_cast %[[TOKENS]] : index to i64
// CALL: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %arg7 : memref<?x3x2x16x2x4xf16> -> index
// CALL: %[[OFF:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CALL: %[[ADDR:.*]] = arith.addi %[[PTR]], %[[OFF]] : index
// CALL: %[[POOL:.*]] = arith.index_cast %[[ADDR]] : index to i64
// CALL: %[[BLOCKS:.*]] = memref.dim %arg7, %{{.*}} : memref<?x3x2x16x2x4xf16>
// CALL: %[[BLOCKS64:.*]] = arith.index_cast %[[BLOCKS]] : index to i64
// CALL: %[[LAYERS:.*]] = arith.constant 3 : i64
// CALL: %[[LAYER:.*]] = arith.constant 1 : i64
// CALL: %[[BS:.*]] = arith.constant 16 : i64
// CALL: %[[F16:.*]] = arith.constant 1 : i64
// CALL: %[[HEADS:.*]] = arith.constant 4 : i64
// CALL: %[[KVHEADS:.*]] = arith.constant 2 : i64
// CALL: %[[HD:.*]] = arith.constant 4 : i64
// CALL: %[[W:.*]] = arith.constant 3 : i64
// CALL: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CALL: call @llmc_ukernel_paged_attention(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[TOKENS64]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[POOL]], %[[BLOCKS64]], %[[LAYERS]], %[[LAYER]], %[[BS]], %[[F16]], %[[HEADS]], %[[KVHEADS]], %[[HD]], %[[W]], %[[SCALE]])
// CALL-SAME: : (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, f32) -> ()
// CALL: %[[H:.*]] = memref.collapse_shape %[[OUT]]
// CALL: llm.assert %{{.*}}, "logit row {0} is outside the {1} tokens of the call"
// CALL: memref.load %[[H]][%{{.*}}, %{{.*}}] : memref<?x16xf32>
// CALL-NOT: llm.paged_flash_attention
// CALL: return %{{.*}} : memref<?x16xf32>

// Without the kernel the same op is made (the first RUN line without
// attention-kernel); llmc-lower-paged-attention turns it into loops
// (lower_paged_attention.mlir).
func.func @paged(%q: tensor<?x4x4xf32>, %k: tensor<?x2x4xf32>, %v: tensor<?x2x4xf32>, %pos: tensor<?xi64>,
    %seq: tensor<?xi32>, %bt: tensor<?x?xi32>, %rows: tensor<?xi64>,
    %pool: !llm.paged_kv_cache<layers = 3, kv_heads = 2, head_dim = 4, block_size = 16, f16>)
    -> (tensor<?x16xf32>, !llm.paged_kv_cache<layers = 3, kv_heads = 2, head_dim = 4, block_size = 16, f16>)
    attributes {llm.entry_point} {
  %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos) sequences(%seq) block_tables(%bt) pool(%pool)
      {layer = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 0.5 : f64, sliding_window = 3 : i64}
      : (tensor<?x4x4xf32>, tensor<?x2x4xf32>, tensor<?x2x4xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 3, kv_heads = 2, head_dim = 4, block_size = 16, f16>)
      -> (tensor<?x4x4xf32>, !llm.paged_kv_cache<layers = 3, kv_heads = 2, head_dim = 4, block_size = 16, f16>)
  %h = tensor.collapse_shape %o [[0], [1, 2]] : tensor<?x4x4xf32> into tensor<?x16xf32>
  %s = llm.select_rows %h, %rows : (tensor<?x16xf32>, tensor<?xi64>) -> tensor<?x16xf32>
  return %s, %p1 : tensor<?x16xf32>, !llm.paged_kv_cache<layers = 3, kv_heads = 2, head_dim = 4, block_size = 16, f16>
}

// -----

// An f32 pool without a sliding window: kv dtype 0 and window 0.
// CALL-LABEL: func.func @f32_pool
// CALL: %[[BLOCKS:.*]] = memref.dim %arg5, %{{.*}} : memref<?x1x2x4x2x8xf32>
// CALL-NEXT: %[[BLOCKS64:.*]] = arith.index_cast %[[BLOCKS]] : index to i64
// CALL-NEXT: %[[LAYERS:.*]] = arith.constant 1 : i64
// CALL-NEXT: %[[LAYER:.*]] = arith.constant 0 : i64
// CALL-NEXT: %[[BS:.*]] = arith.constant 4 : i64
// CALL-NEXT: %[[F32:.*]] = arith.constant 0 : i64
// CALL-NEXT: %[[HEADS:.*]] = arith.constant 2 : i64
// CALL-NEXT: %[[KVHEADS:.*]] = arith.constant 2 : i64
// CALL-NEXT: %[[HD:.*]] = arith.constant 8 : i64
// CALL-NEXT: %[[W:.*]] = arith.constant 0 : i64
// CALL-NEXT: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CALL-NEXT: call @llmc_ukernel_paged_attention({{.*}}, %[[BLOCKS64]], %[[LAYERS]], %[[LAYER]], %[[BS]], %[[F32]], %[[HEADS]], %[[KVHEADS]], %[[HD]], %[[W]], %[[SCALE]])
func.func @f32_pool(%q: tensor<?x2x8xf32>, %k: tensor<?x2x8xf32>, %pos: tensor<?xi64>,
    %seq: tensor<?xi32>, %bt: tensor<?x?xi32>,
    %pool: !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 4, f32>)
    -> (tensor<?x2x8xf32>, !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 4, f32>)
    attributes {llm.entry_point} {
  %o, %p1 = llm.paged_attention %q, %k, %k positions(%pos) sequences(%seq) block_tables(%bt) pool(%pool)
      {layer = 0 : i64, num_heads = 2 : i64, num_kv_heads = 2 : i64, scale = 0.25 : f64}
      : (tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?x2x8xf32>, tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
         !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 4, f32>)
      -> (tensor<?x2x8xf32>, !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 4, f32>)
  return %o, %p1 : tensor<?x2x8xf32>, !llm.paged_kv_cache<layers = 1, kv_heads = 2, head_dim = 8, block_size = 4, f32>
}

// -----

// llm.select_rows with i32 indices into a static input: an i32 maximum,
// then the same check against the 5 rows, and the gather.
// CHECK-LABEL: func @select_i32
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i32
// CHECK: %[[LARGEST:.*]] = arith.index_castui %{{.*}} : i32 to index
// CHECK: %[[FIVE:.*]] = tensor.dim %arg0, %{{.*}} : tensor<5x8xf32>
// CHECK: arith.cmpi ult, %[[LARGEST]], %[[FIVE]] : index
// CHECK: llm.assert %{{.*}}, "logit row {0} is outside the {1} tokens of the call"(%[[LARGEST]], %[[FIVE]] : index, index)
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<?xi32>) outs(%{{.*}} : tensor<?x8xf32>)
// CHECK: arith.index_cast %{{.*}} : i32 to index
// CHECK: tensor.extract %arg0[
func.func @select_i32(%h: tensor<5x8xf32>, %rows: tensor<?xi32>) -> tensor<?x8xf32> {
  %0 = llm.select_rows %h, %rows : (tensor<5x8xf32>, tensor<?xi32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}
