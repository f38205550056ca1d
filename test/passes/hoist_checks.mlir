// RUN: llmc-opt %s --llmc-hoist-checks | FileCheck %s

// llmc-hoist-checks: each llm.assert of an entry point moves, with the ops
// without memory effects that compute its operands, right after the last op
// it depends on that stays (here: to the top, or after a load), and checks
// keep their order.

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[P:.*]]: memref<?xi64>)
// CHECK: %[[D:.*]] = memref.dim %[[A]]
// CHECK: %[[NONNEG:.*]] = arith.cmpi sge, %[[D]]
// CHECK-NEXT: llm.assert %[[NONNEG]], "negative {0}"
// A division moves too (no memory effects); the checks stay in order.
// CHECK: arith.divui
// CHECK: %[[FITS:.*]] = arith.cmpi ule
// CHECK-NEXT: llm.assert %[[FITS]], "too big {0}"
// CHECK-NEXT: memref.alloc(%[[D]])
// CHECK-NEXT: memref.alloc(%[[D]])
// A check of a loaded value stays after the load.
// CHECK-NEXT: %[[LOADED:.*]] = memref.load %[[P]]
// CHECK: %[[POS:.*]] = arith.cmpi sge, %[[LOADED]]
// CHECK-NEXT: llm.assert %[[POS]], "position {0}"
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
