// RUN: llmc-opt %s --split-input-file --llmc-hoist-deallocs | FileCheck %s

// llmc-hoist-deallocs: a buffer is freed right after the last op of its
// block that uses it or a view of it (an op inside a loop counts as the
// loop), not where ownership-based deallocation put it, at the block's end.

// CHECK-LABEL: func @after_last_use
// CHECK-SAME: (%[[X:[^:]*]]: memref<4xf32>, %[[Y:[^:]*]]: memref<4xf32>, %[[N:[^:]*]]: index)
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.copy ins(%[[X]] {{.*}} outs(%[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: %[[V:.*]] = memref.subview %[[B]]
// CHECK-NEXT: linalg.copy ins(%[[A]] {{.*}} outs(%[[V]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.load %[[C]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NEXT: linalg.copy ins(%[[V]] {{.*}} outs(%[[Y]]
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[Y]]
// CHECK-NEXT: return
func.func @after_last_use(%x: memref<4xf32>, %y: memref<4xf32>, %n: index) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<8xf32>
  %v = memref.subview %b[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  linalg.copy ins(%a : memref<4xf32>) outs(%v : memref<4xf32, strided<[1], offset: 4>>)
  %c = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %n step %c1 {
    %e = memref.load %c[%i] : memref<4xf32>
    memref.store %e, %y[%i] : memref<4xf32>
  }
  linalg.copy ins(%v : memref<4xf32, strided<[1], offset: 4>>) outs(%y : memref<4xf32>)
  linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<8xf32>
  memref.dealloc %c : memref<4xf32>
  return
}

// -----

// A call might keep the buffer: it is freed where it was.
func.func private @keep(memref<4xf32>)

// CHECK-LABEL: func @escapes
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: call @keep(%[[A]])
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.dealloc %[[A]]
func.func @escapes(%y: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<4xf32>
  call @keep(%a) : (memref<4xf32>) -> ()
  linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
  memref.dealloc %a : memref<4xf32>
  return
}
