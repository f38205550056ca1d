// RUN: llmc-opt %s --llmc-outline-kernels | FileCheck %s

// llmc-outline-kernels: each linalg op of an entry point moves into a
// private function it calls, with its buffers and the scalars its body
// captures as arguments. Ops that would outline to the same function (the
// same op on buffers of the same types, as every layer repeats) call one
// kernel; a different attribute, body or type makes another. Functions
// that are not entry points keep their ops.
//
// An op whose first loop is parallel and indexes every output directly
// becomes llmc_pkernel_<n>: restricted to rows [lo, hi) of that loop, with
// lo, hi and the work of the whole call as its last arguments, called with
// 0, the row count and the product of the loop sizes. Others stay
// llmc_kernel_<n>, whole.

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[A:[^:]*]]: memref<8xf32>, %[[B:[^:]*]]: memref<8xf32>, %[[C:[^:]*]]: memref<4xf32>, %[[S:[^:]*]]: f32, %[[X:[^:]*]]: memref<?x16xf32>, %[[R:[^:]*]]: memref<16xf32>, %{{.*}}: memref<?xf32>)
// CHECK: call @[[SCALE:llmc_pkernel_[0-9]+]](%[[A]], %[[B]], %[[S]], %[[C0:.*]], %[[C8:.*]], %[[C8]])
// CHECK: call @[[SCALE]](%[[B]], %[[A]], %[[S]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: call @[[ADD:llmc_pkernel_[0-9]+]](%[[B]], %[[A]], %{{.*}})
// CHECK: call @[[FILL8:llmc_pkernel_[0-9]+]](%[[S]], %[[A]], %{{.*}})
// CHECK: call @[[FILL4:llmc_pkernel_[0-9]+]](%[[S]], %[[C]], %{{.*}}, %[[C4:.*]], %[[C4]])
// CHECK: call @[[FILL8]](%[[S]], %[[B]], %{{.*}})
// Rows of a dynamic count: the call passes it, and rows times columns as
// the work.
// CHECK: %[[ROWS:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[WORK:.*]] = arith.muli %[[ROWS]], %c16
// CHECK: call @[[NORM:llmc_pkernel_[0-9]+]](%[[X]], %[[X]], %{{.*}}, %[[ROWS]], %[[WORK]])
// A first loop that is a reduction: one whole call.
// CHECK: call @[[COLSUM:llmc_kernel_[0-9]+]](%[[X]], %[[R]])
// An operand read through a map that is no projected permutation (as a
// packed weight's panels): one whole call (its row slices would be
// over-approximated).
// CHECK: call @[[FLAT:llmc_kernel_[0-9]+]](%{{.*}}, %[[X]])
// CHECK-NEXT: return

// CHECK-LABEL: func.func @helper
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: return

// Exactly these kernels, each restricted to its rows.
// CHECK: func.func private @[[SCALE]](%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>, %{{.*}}: f32, %[[LO:.*]]: index, %[[HI:.*]]: index, %{{.*}}: index)
// CHECK: %[[N:.*]] = arith.subi %[[HI]], %[[LO]]
// CHECK: memref.subview %{{.*}}[%[[LO]]] [%[[N]]] [1]
// CHECK: arith.mulf
// CHECK: func.func private @[[ADD]](%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK: arith.addf
// CHECK: func.func private @[[FILL8]](%{{.*}}: f32, %{{.*}}: memref<8xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK: func.func private @[[FILL4]](%{{.*}}: f32, %{{.*}}: memref<4xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK: func.func private @[[NORM]](%{{.*}}: memref<?x16xf32>, %{{.*}}: memref<?x16xf32>, %[[NLO:.*]]: index, %[[NHI:.*]]: index, %{{.*}}: index)
// CHECK: %[[NN:.*]] = arith.subi %[[NHI]], %[[NLO]]
// CHECK: memref.subview %{{.*}}[%[[NLO]], 0] [%[[NN]], 16] [1, 1]
// CHECK: func.func private @[[COLSUM]](%{{.*}}: memref<?x16xf32>, %{{.*}}: memref<16xf32>)
// CHECK-NOT: memref.subview
// CHECK: func.func private @[[FLAT]](%{{.*}}: memref<?xf32>, %{{.*}}: memref<?x16xf32>)
// CHECK-NOT: memref.subview
// CHECK-NOT: func.func

#map = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
#flat = affine_map<(d0, d1) -> (d0 * 16 + d1)>
func.func @forward(%a: memref<8xf32>, %b: memref<8xf32>, %c: memref<4xf32>,
                   %s: f32, %x: memref<?x16xf32>, %r: memref<16xf32>,
                   %f: memref<?xf32>)
    attributes {llm.entry_point} {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : memref<8xf32>) outs(%b : memref<8xf32>) {
  ^bb0(%x0: f32, %y: f32):
    %m = arith.mulf %x0, %s : f32
    linalg.yield %m : f32
  }
  // The same op on other buffers of the same types: the same kernel.
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%x0: f32, %y: f32):
    %m = arith.mulf %x0, %s : f32
    linalg.yield %m : f32
  }
  // Another body: another kernel.
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%x0: f32, %y: f32):
    %m = arith.addf %x0, %y : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%s : f32) outs(%a : memref<8xf32>)
  // Another type: another kernel.
  linalg.fill ins(%s : f32) outs(%c : memref<4xf32>)
  linalg.fill ins(%s : f32) outs(%b : memref<8xf32>)
  // Rows of a dynamic count, in place.
  linalg.generic {indexing_maps = [#id2, #id2],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x16xf32>) outs(%x : memref<?x16xf32>) {
  ^bb0(%x0: f32, %y: f32):
    %m = arith.mulf %x0, %x0 : f32
    linalg.yield %m : f32
  }
  // Column sums: the first loop is a reduction (two rows would write the
  // same element).
  linalg.generic {indexing_maps = [#id2, #col],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x16xf32>) outs(%r : memref<16xf32>) {
  ^bb0(%x0: f32, %acc: f32):
    %m = arith.addf %x0, %acc : f32
    linalg.yield %m : f32
  }
  linalg.generic {indexing_maps = [#flat, #id2],
                  iterator_types = ["parallel", "parallel"]}
      ins(%f : memref<?xf32>) outs(%x : memref<?x16xf32>) {
  ^bb0(%x0: f32, %y: f32):
    linalg.yield %x0 : f32
  }
  return
}

func.func @helper(%a: memref<8xf32>, %s: f32) {
  linalg.fill ins(%s : f32) outs(%a : memref<8xf32>)
  return
}
