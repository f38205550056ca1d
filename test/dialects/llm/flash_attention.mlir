// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// llm.flash_attention on tensors (one result) and on buffers (none).
// CHECK-LABEL: func @tensors
// CHECK: %[[O:.*]] = llm.flash_attention ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) outs(%{{.*}}) {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.250000e-01 : f64, sliding_window = 4 : i64} : (tensor<?x8x16xf32>, tensor<32x2x16xf32>, tensor<32x2x16xf32>, index, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
// CHECK: return %[[O]]
func.func @tensors(%q: tensor<?x8x16xf32>, %k: tensor<32x2x16xf32>, %v: tensor<32x2x16xf32>,
                   %start: index, %init: tensor<?x8x16xf32>) -> tensor<?x8x16xf32> {
  %0 = llm.flash_attention ins(%q, %k, %v, %start) outs(%init)
      {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 0.125 : f64, sliding_window = 4 : i64}
      : (tensor<?x8x16xf32>, tensor<32x2x16xf32>, tensor<32x2x16xf32>, index, tensor<?x8x16xf32>) -> tensor<?x8x16xf32>
  return %0 : tensor<?x8x16xf32>
}

// CHECK-LABEL: func @buffers
// CHECK: llm.flash_attention ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) outs(%{{.*}}) {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 5.000000e-01 : f64} : (memref<?x4x8xf32>, memref<16x4x8xf32, strided<[64, 8, 1], offset: 512>>, memref<16x4x8xf32, strided<[64, 8, 1], offset: 1024>>, index, memref<?x4x8xf32>) -> ()
func.func @buffers(%q: memref<?x4x8xf32>, %k: memref<16x4x8xf32, strided<[64, 8, 1], offset: 512>>,
                   %v: memref<16x4x8xf32, strided<[64, 8, 1], offset: 1024>>, %start: index,
                   %out: memref<?x4x8xf32>) {
  llm.flash_attention ins(%q, %k, %v, %start) outs(%out)
      {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 0.5 : f64}
      : (memref<?x4x8xf32>, memref<16x4x8xf32, strided<[64, 8, 1], offset: 512>>,
         memref<16x4x8xf32, strided<[64, 8, 1], offset: 1024>>, index, memref<?x4x8xf32>) -> ()
  return
}
