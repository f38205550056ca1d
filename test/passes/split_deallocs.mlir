// RUN: llmc-opt %s --split-input-file --llmc-split-deallocs | FileCheck %s

// llmc-split-deallocs: one bufferization.dealloc per allocation, found in
// linear time (buffer-deallocation-simplification would compare every pair
// of memrefs). A memref and a view of its buffer stay together; each part
// keeps the retained list, and what it says of each retained value is or-ed.

// CHECK-LABEL: func @per_allocation
// CHECK-SAME: (%[[C0:[^:]*]]: i1, %[[C1:[^:]*]]: i1, %[[C2:[^:]*]]: i1, %[[R:[^:]*]]: memref<8xf32>)
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<16xf32>
// CHECK: %[[BASE:[^,]*]], %{{.*}} = memref.extract_strided_metadata
// CHECK: %[[PA:.*]]:2 = bufferization.dealloc (%[[A]] : memref<8xf32>) if (%[[C0]]) retain (%[[R]], %[[A]] : memref<8xf32>, memref<8xf32>)
// CHECK: %[[PB:.*]]:2 = bufferization.dealloc (%[[B]], %[[BASE]] : memref<16xf32>, memref<f32>) if (%[[C1]], %[[C2]]) retain (%[[R]], %[[A]] : memref<8xf32>, memref<8xf32>)
// CHECK: %[[O0:.*]] = arith.ori %[[PA]]#0, %[[PB]]#0
// CHECK: %[[O1:.*]] = arith.ori %[[PA]]#1, %[[PB]]#1
// CHECK-NOT: bufferization.dealloc
// CHECK: return %[[O0]], %[[O1]]
func.func @per_allocation(%c0: i1, %c1: i1, %c2: i1, %r: memref<8xf32>) -> (i1, i1) {
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<16xf32>
  %v = memref.subview %b[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
  %base, %offset, %size, %stride = memref.extract_strided_metadata %v : memref<8xf32, strided<[1], offset: 8>> -> memref<f32>, index, index, index
  %0:2 = bufferization.dealloc (%a, %b, %base : memref<8xf32>, memref<16xf32>, memref<f32>) if (%c0, %c1, %c2) retain (%r, %a : memref<8xf32>, memref<8xf32>)
  return %0#0, %0#1 : i1, i1
}

// -----

// An argument might be any buffer, one of the allocations too: left whole.
// CHECK-LABEL: func @unknown_allocation
// CHECK-SAME: (%[[ARG:[^:]*]]: memref<8xf32>, %[[C0:[^:]*]]: i1, %[[C1:[^:]*]]: i1)
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: bufferization.dealloc (%[[A]], %[[ARG]] : memref<8xf32>, memref<8xf32>) if (%[[C0]], %[[C1]])
// CHECK-NEXT: return
func.func @unknown_allocation(%arg: memref<8xf32>, %c0: i1, %c1: i1) {
  %a = memref.alloc() : memref<8xf32>
  bufferization.dealloc (%a, %arg : memref<8xf32>, memref<8xf32>) if (%c0, %c1)
  return
}
