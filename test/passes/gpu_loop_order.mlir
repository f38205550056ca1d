// RUN: llmc-opt %s --llmc-gpu-loop-order | FileCheck %s

// llmc-gpu-loop-order: each linalg op of an entry point becomes a generic
// whose first loop is its last parallel dimension, then its other parallel
// dimensions, then its reductions. Functions that are not entry points
// keep their ops.

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#mm_x = affine_map<(m, k, n) -> (m, k)>
#mm_w = affine_map<(m, k, n) -> (n, k)>
#mm_y = affine_map<(m, k, n) -> (m, n)>

// CHECK-DAG: #[[ROW_T:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2) -> (d1, d0)>

// CHECK-LABEL: func.func @forward
func.func @forward(%x: memref<?x64xf32>, %w: memref<128x64xf32>,
                   %y: memref<?x128xf32>, %sum: memref<?xf32>)
    attributes {llm.entry_point} {
  %zero = arith.constant 0.0 : f32
  // A fill: generalized, its last dimension first.
  // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ROW_T]]], iterator_types = ["parallel", "parallel"]}
  linalg.fill ins(%zero : f32) outs(%y : memref<?x128xf32>)
  // A row sum: already in order (a parallel dimension, then a reduction).
  // CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "reduction"]}
  // CHECK-SAME: ins(%{{.*}} : memref<?x64xf32>) outs(%{{.*}} : memref<?xf32>)
  linalg.generic {indexing_maps = [#id2, #row],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%sum : memref<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  }
  // A projection written (m, k, n): n first, then m, the reduction last.
  // CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]}
  linalg.generic {indexing_maps = [#mm_x, #mm_w, #mm_y],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<?x64xf32>, memref<128x64xf32>)
      outs(%y : memref<?x128xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  // Indices follow their dimensions: the column (dimension 1) is 0 now.
  // CHECK: linalg.generic {indexing_maps = [#[[ROW_T]]], iterator_types = ["parallel", "parallel"]}
  // CHECK-NEXT: ^bb0
  // CHECK-NEXT: linalg.index 0 : index
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
      outs(%y : memref<?x128xf32>) {
  ^bb0(%out: f32):
    %col = linalg.index 1 : index
    %i = arith.index_cast %col : index to i64
    %f = arith.sitofp %i : i64 to f32
    linalg.yield %f : f32
  }
  return
}

// CHECK-LABEL: func.func @helper
// CHECK-NEXT: arith.constant
// CHECK-NEXT: linalg.fill
func.func @helper(%y: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
  return
}
