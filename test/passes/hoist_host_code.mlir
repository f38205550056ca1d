// RUN: llmc-opt %s --llmc-hoist-host-code | FileCheck %s

// llmc-hoist-host-code: each llm.assert of an entry point, and each load
// from an argument the function only reads, moves with the ops without
// memory effects that compute its operands right after the last op it
// depends on that stays (here: to the top, or after a load); moved ops keep
// their order.

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[P:.*]]: memref<?xi64>)
// CHECK: %[[D:.*]] = memref.dim %[[A]]
// CHECK: %[[NONNEG:.*]] = arith.cmpi sge, %[[D]]
// CHECK-NEXT: llm.assert %[[NONNEG]], "negative {0}"
// A division moves too (no memory effects); the checks stay in order.
// CHECK: arith.divui
// CHECK: %[[FITS:.*]] = arith.cmpi ule
// CHECK-NEXT: llm.assert %[[FITS]], "too big {0}"
// A read of an argument the function only reads moves as well, and a
// check of it follows it.
// CHECK-NEXT: %[[LOADED:.*]] = memref.load %[[P]]
// CHECK: %[[POS:.*]] = arith.cmpi sge, %[[LOADED]]
// CHECK-NEXT: llm.assert %[[POS]], "position {0}"
// CHECK-NEXT: memref.alloc(%[[D]])
// CHECK-NEXT: memref.alloc(%[[D]])
// CHECK-NEXT: return
func.func @forward(%a: memref<?xf32>, %p: memref<?xi64>)
    attributes {llm.entry_point} {
  %c0 = arith.constant 0 : index
  %d = memref.dim %a, %c0 : memref<?xf32>
  %zero = arith.constant 0 : index
  %nonneg = arith.cmpi sge, %d, %zero : index
  llm.assert %nonneg, "negative {0}"(%d : index)
  %x = memref.alloc(%d) : memref<?xf32>
  %limit = arith.constant 1024 : index
  %one = arith.constant 1 : index
  %m = arith.maxsi %d, %one : index
  %q = arith.divui %limit, %m : index
  %fits = arith.cmpi ule, %one, %q : index
  llm.assert %fits, "too big {0}"(%d : index)
  %y = memref.alloc(%d) : memref<?xf32>
  %l = memref.load %p[%c0] : memref<?xi64>
  %z = arith.constant 0 : i64
  %pos = arith.cmpi sge, %l, %z : i64
  llm.assert %pos, "position {0}"(%l : i64)
  return
}

// The size of a collapsed view is the sizes it was made from: a check of it
// does not wait for the buffer.
// CHECK-LABEL: func.func @collapsed
// CHECK-SAME: (%[[N:.*]]: index)
// CHECK: %[[OK:.*]] = arith.cmpi sge, %[[N]]
// CHECK-NEXT: llm.assert %[[OK]], "negative {0}"(%[[N]] : index)
// CHECK-NEXT: memref.alloc(%[[N]]) : memref<?x4x2xf32>
func.func @collapsed(%n: index) attributes {llm.entry_point} {
  %x = memref.alloc(%n) : memref<?x4x2xf32>
  %v = memref.collapse_shape %x [[0], [1, 2]] : memref<?x4x2xf32> into memref<?x8xf32>
  %c0 = arith.constant 0 : index
  %d = memref.dim %v, %c0 : memref<?x8xf32>
  %zero = arith.constant 0 : index
  %ok = arith.cmpi sge, %d, %zero : index
  llm.assert %ok, "negative {0}"(%d : index)
  return
}

// A load from an argument the function writes stays where it is.
// CHECK-LABEL: func.func @written
// CHECK: linalg.fill
// CHECK-NEXT: memref.load
func.func @written(%a: memref<4xf32>) -> f32 attributes {llm.entry_point} {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  %v = memref.load %a[%c0] : memref<4xf32>
  return %v : f32
}

// Other functions keep their order.
// CHECK-LABEL: func.func @helper
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: arith.constant
// CHECK-NEXT: llm.assert
func.func @helper(%ok: i1) {
  %x = memref.alloc() : memref<4xf32>
  %c = arith.constant 4 : index
  llm.assert %ok, "no {0}"(%c : index)
  return
}
