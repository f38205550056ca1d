// RUN: llmc-opt %s --split-input-file --llmc-check-allocations | FileCheck %s

// llmc-check-allocations: before a memref.alloc with run-time sizes, each
// size must be non-negative and the element count must stay within
// 2^48 bytes / element size, checked size by size without overflow
// (count <= limit / max(size, 1)); static dims start the count. A message
// names the ONNX node of the allocation's location.

// CHECK-LABEL: func @two_dynamic
// CHECK-SAME: (%[[M:.*]]: index, %[[N:.*]]: index)
// CHECK-DAG: %[[LIMIT:.*]] = arith.constant 70368744177664 : index
// CHECK-DAG: %[[STATIC:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[NONNEG:.*]] = arith.cmpi sge, %[[M]], %[[ZERO]]
// CHECK: llm.assert %[[NONNEG]], "node 'fill': a run-time size is negative ({0})"(%[[M]] : index)
// CHECK: %[[D:.*]] = arith.maxsi %[[M]], %[[ONE]]
// CHECK: %[[ROOM:.*]] = arith.divui %[[LIMIT]], %[[D]]
// CHECK: %[[FITS:.*]] = arith.cmpi ule, %[[STATIC]], %[[ROOM]]
// CHECK: llm.assert %[[FITS]], "node 'fill': a buffer of run-time size {0} x {1} elements exceeds 2^48 bytes"(%[[STATIC]], %[[M]] : index, index)
// CHECK: %[[COUNT:.*]] = arith.muli %[[STATIC]], %[[M]]
// CHECK: arith.cmpi sge, %[[N]], %[[ZERO]]
// CHECK: llm.assert
// CHECK: arith.cmpi ule, %[[COUNT]]
// CHECK: llm.assert
// CHECK: memref.alloc(%[[M]], %[[N]]) : memref<?x3x?xf32>
func.func @two_dynamic(%m: index, %n: index) -> memref<?x3x?xf32> {
  %0 = memref.alloc(%m, %n) : memref<?x3x?xf32> loc("fill")
  return %0 : memref<?x3x?xf32>
}

// -----

// Static buffers and unnamed locations: no checks, or no node in the text.
// CHECK-LABEL: func @static_and_unnamed
// CHECK-NOT: llm.assert {{.*}}node
// CHECK: arith.constant 35184372088832 : index
// CHECK: llm.assert %{{.*}}, "a run-time size is negative ({0})"
// CHECK: memref.alloc(%{{.*}}) : memref<?xi64>
// CHECK-NEXT: memref.alloc() : memref<4xi8>
func.func @static_and_unnamed(%n: index) -> (memref<?xi64>, memref<4xi8>) {
  %0 = memref.alloc(%n) : memref<?xi64>
  %1 = memref.alloc() : memref<4xi8>
  return %0, %1 : memref<?xi64>, memref<4xi8>
}
