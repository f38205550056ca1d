// RUN: llmc-opt %s --llmc-outline-kernels | FileCheck %s

// llmc-outline-kernels: each linalg op of an entry point moves into a
// private function it calls, with its buffers and the scalars its body
// captures as arguments. Ops that would outline to the same function (the
// same op on buffers of the same types, as every layer repeats) call one
// kernel; a different attribute, body or type makes another. Functions
// that are not entry points keep their ops.

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[A:[^:]*]]: memref<8xf32>, %[[B:[^:]*]]: memref<8xf32>, %[[C:[^:]*]]: memref<4xf32>, %[[S:[^:]*]]: f32)
// CHECK-NEXT: call @[[SCALE:llmc_kernel_[0-9]+]](%[[A]], %[[B]], %[[S]])
// CHECK-NEXT: call @[[SCALE]](%[[B]], %[[A]], %[[S]])
// CHECK-NEXT: call @[[ADD:llmc_kernel_[0-9]+]](%[[B]], %[[A]])
// CHECK-NEXT: call @[[FILL8:llmc_kernel_[0-9]+]](%[[S]], %[[A]])
// CHECK-NEXT: call @[[FILL4:llmc_kernel_[0-9]+]](%[[S]], %[[C]])
// CHECK-NEXT: call @[[FILL8]](%[[S]], %[[B]])
// CHECK-NEXT: return

// CHECK-LABEL: func.func @helper
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: return

// Exactly four kernels.
// CHECK: func.func private @[[SCALE]](%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>, %{{.*}}: f32)
// CHECK: arith.mulf
// CHECK: func.func private @[[ADD]](%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>)
// CHECK: arith.addf
// CHECK: func.func private @[[FILL8]](%{{.*}}: f32, %{{.*}}: memref<8xf32>)
// CHECK: func.func private @[[FILL4]](%{{.*}}: f32, %{{.*}}: memref<4xf32>)
// CHECK-NOT: func.func

#map = affine_map<(d0) -> (d0)>
func.func @forward(%a: memref<8xf32>, %b: memref<8xf32>, %c: memref<4xf32>,
                   %s: f32) attributes {llm.entry_point} {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : memref<8xf32>) outs(%b : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %s : f32
    linalg.yield %m : f32
  }
  // The same op on other buffers of the same types: the same kernel.
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.mulf %x, %s : f32
    linalg.yield %m : f32
  }
  // Another body: another kernel.
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%b : memref<8xf32>) outs(%a : memref<8xf32>) {
  ^bb0(%x: f32, %y: f32):
    %m = arith.addf %x, %y : f32
    linalg.yield %m : f32
  }
  linalg.fill ins(%s : f32) outs(%a : memref<8xf32>)
  // Another type: another kernel.
  linalg.fill ins(%s : f32) outs(%c : memref<4xf32>)
  linalg.fill ins(%s : f32) outs(%b : memref<8xf32>)
  return
}

func.func @helper(%a: memref<8xf32>, %s: f32) {
  linalg.fill ins(%s : f32) outs(%a : memref<8xf32>)
  return
}
