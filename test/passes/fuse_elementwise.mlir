// RUN: llmc-opt %s --llmc-fuse-elementwise | FileCheck %s
// RUN: llmc-opt %s --llmc-fuse-elementwise="max-body-ops=2" | FileCheck %s --check-prefix=CAP
// RUN: %python %testlib/make_elementwise_chain.py 65536 \
// RUN:   | llmc-opt --llmc-fuse-elementwise | FileCheck %s --check-prefix=LONG

// llmc-fuse-elementwise: a chain of elementwise ops becomes one loop nest,
// unless the fused body would exceed max-body-ops operations (fusing a
// chain one op at a time clones the body each time: quadratic in its
// length). With a bound of 2, the chain of four becomes two nests of two.
// A chain of 65,536 (over half an hour unbounded) becomes nests of 64.

// LONG-LABEL: func @long_chain
// LONG: linalg.generic
// LONG-NEXT: ^bb0
// LONG-COUNT-64: arith.addf
// LONG-NEXT: linalg.yield

#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func @chain
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.negf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.maximumf
// CHECK-NEXT: linalg.yield
// CHECK-NOT: linalg.generic
// CAP-LABEL: func @chain
// CAP: %[[FIRST:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<2x4xf32>)
// CAP-NEXT: ^bb0
// CAP-NEXT: arith.negf
// CAP-NEXT: arith.addf
// CAP-NEXT: linalg.yield
// CAP: linalg.generic {{.*}} ins(%[[FIRST]] : tensor<2x4xf32>)
// CAP-NEXT: ^bb0
// CAP-NEXT: arith.mulf
// CAP-NEXT: arith.maximumf
// CAP-NEXT: linalg.yield
// CAP-NOT: linalg.generic
func.func @chain(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%0 : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%1 : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.mulf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %3 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%2 : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  return %3 : tensor<2x4xf32>
}
