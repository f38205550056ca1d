// RUN: llmc-opt %s --llmc-bufferize | FileCheck %s

// The cache argument is updated in place (no copy of the whole cache), the
// new keys are copied into their slot with linalg.copy (plain loops later,
// no runtime library call), and the result buffer is returned.
// CHECK-LABEL: func @forward
// CHECK-SAME: (%[[K:[^:]*]]: memref<?x4xf32>, %[[START:[^:]*]]: index, %[[CACHE:[^:]*]]: memref<2x16x4xf32>) -> memref<?x4xf32>
// CHECK-NOT: memref.alloc() {{.*}} : memref<2x16x4xf32>
// CHECK: %[[SLOT:.*]] = memref.subview %[[CACHE]][0, %[[START]], 0]
// CHECK: linalg.copy ins(%[[K]] : memref<?x4xf32>) outs(%[[SLOT]] : memref<?x4xf32, strided<[4, 1], offset: ?>>)
// CHECK-NOT: memref.copy
// CHECK: %[[PREFIX:.*]] = memref.subview %[[CACHE]][0, 0, 0]
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[PREFIX]] : {{.*}}) outs(%[[OUT]] : memref<?x4xf32>)
// CHECK: return %[[OUT]]
func.func @forward(%k: tensor<?x4xf32>, %start: index, %buf: memref<2x16x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %cache = bufferization.to_tensor %buf restrict writable : memref<2x16x4xf32> to tensor<2x16x4xf32>
  %n = tensor.dim %k, %c0 : tensor<?x4xf32>
  %c1 = tensor.insert_slice %k into %cache[0, %start, 0] [1, %n, 4] [1, 1, 1] : tensor<?x4xf32> into tensor<2x16x4xf32>
  %end = arith.addi %start, %n : index
  %prefix = tensor.extract_slice %c1[0, 0, 0] [1, %end, 4] [1, 1, 1] : tensor<2x16x4xf32> to tensor<?x4xf32>
  %init = tensor.empty(%end) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%prefix : tensor<?x4xf32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  bufferization.materialize_in_destination %c1 in restrict writable %buf : (tensor<2x16x4xf32>, memref<2x16x4xf32>) -> ()
  return %r : tensor<?x4xf32>
}

// A zero fill that CSE made one for two matmuls, and a constant both read:
// each user gets its own copy, just before it, ahead of the analysis (which
// is quadratic in the uses of a shared value). Each matmul accumulates into
// a buffer of its own, allocated and filled where it is used rather than
// copied, and the constant is still one global.
// CHECK-LABEL: func @shared_fill_and_constant
// CHECK-SAME: (%[[X:.*]]: memref<2x4xf32>)
// CHECK-NOT: copy
// CHECK: %[[A:.*]] = memref.alloc() {{.*}} : memref<2x4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[A]] : memref<2x4xf32>)
// CHECK-NEXT: %[[W0:.*]] = memref.get_global @[[W:.*]] : memref<4x4xf32>
// CHECK-NEXT: linalg.matmul ins(%[[X]], %[[W0]] : memref<2x4xf32>, memref<4x4xf32>) outs(%[[A]] : memref<2x4xf32>)
// CHECK-NEXT: %[[B:.*]] = memref.alloc() {{.*}} : memref<2x4xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[B]] : memref<2x4xf32>)
// CHECK-NEXT: %[[W1:.*]] = memref.get_global @[[W]] : memref<4x4xf32>
// CHECK-NEXT: linalg.matmul ins(%[[A]], %[[W1]] : memref<2x4xf32>, memref<4x4xf32>) outs(%[[B]] : memref<2x4xf32>)
// CHECK-NEXT: return %[[B]]
func.func @shared_fill_and_constant(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = linalg.matmul ins(%0, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}
