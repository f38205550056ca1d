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

// A loop that only checks and reads read-only arguments (paged attention's
// checks of its index buffers, the largest logit row) moves as a whole,
// with what its body uses from the function (%n here); a loop that writes
// stays.
// CHECK-LABEL: func.func @check_loops
// CHECK-SAME: (%[[S:.*]]: memref<?xi32>, %[[OUT:.*]]: memref<?xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[S]]
// CHECK: scf.for
// CHECK: memref.load %[[S]]
// CHECK: llm.assert %{{.*}}, "sequence {0}"
// CHECK: %[[MAX:.*]] = scf.for {{.*}} -> (i32)
// CHECK: arith.maxui
// CHECK: llm.assert %{{.*}}, "largest {0}"
// CHECK: memref.alloc
// CHECK: scf.for
// CHECK: memref.store
// CHECK: return
func.func @check_loops(%s: memref<?xi32>, %out: memref<?xf32>)
    attributes {llm.entry_point} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %s, %c0 : memref<?xi32>
  %buf = memref.alloc(%n) : memref<?xf32>
  %limit = arith.constant 8 : i32
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %s[%i] : memref<?xi32>
    %ok = arith.cmpi ult, %v, %limit : i32
    llm.assert %ok, "sequence {0}"(%v : i32)
  }
  %zero = arith.constant 0 : i32
  %max = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (i32) {
    %v = memref.load %s[%i] : memref<?xi32>
    %m = arith.maxui %acc, %v : i32
    scf.yield %m : i32
  }
  %inside = arith.cmpi ult, %max, %limit : i32
  llm.assert %inside, "largest {0}"(%max : i32)
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %f, %out[%i] : memref<?xf32>
  }
  return
}
