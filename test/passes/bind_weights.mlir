// RUN: llmc-opt %s --llm-bind-weights --split-input-file --verify-diagnostics | FileCheck %s
// RUN: llmc-opt %s --llm-bind-weights="alignment=4096" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=PAGE

// Every distinct weight gets an aligned slot; a weight used twice (a tied
// embedding) is one slot and one view.

// CHECK: module attributes {llm.weights = [
// CHECK-SAME: {bytes = 2048 : i64, name = "embed", offset = 0 : i64, type = tensor<16x32xf32>},
// CHECK-SAME: {bytes = 64 : i64, name = "norm", offset = 2048 : i64, type = tensor<32xf16>},
// CHECK-SAME: {bytes = 6 : i64, name = "bias", offset = 2112 : i64, type = tensor<3xbf16>}]
// CHECK-SAME: llm.weights_size = 2118 : i64
// PAGE: {bytes = 64 : i64, name = "norm", offset = 4096 : i64, type = tensor<32xf16>}
// PAGE-SAME: llm.weights_size = 8198 : i64

// CHECK-LABEL: func @forward(
// CHECK-SAME: %[[BLOB:.*]]: memref<?xi8> {llm.name = "weights"}, %[[IDS:.*]]: tensor<?xi32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[V0:.*]] = memref.view %[[BLOB]][%[[C0]]][] : memref<?xi8> to memref<16x32xf32>
// CHECK: %[[E:.*]] = bufferization.to_tensor %[[V0]] restrict : memref<16x32xf32> to tensor<16x32xf32>
// CHECK: %[[C2048:.*]] = arith.constant 2048 : index
// CHECK: memref.view %[[BLOB]][%[[C2048]]][] : memref<?xi8> to memref<32xf16>
// CHECK: %[[C2112:.*]] = arith.constant 2112 : index
// CHECK: memref.view %[[BLOB]][%[[C2112]]][] : memref<?xi8> to memref<3xbf16>
// CHECK-NOT: memref.view
// CHECK-NOT: llm.weight
// CHECK: llm.embedding %[[E]][%[[IDS]]]
// CHECK: llm.lm_head %{{.*}}, %[[E]]
func.func @forward(%ids: tensor<?xi32>) -> (tensor<?x16xf32>, tensor<32xf16>, tensor<3xbf16>)
    attributes {llm.entry_point} {
  %e = llm.weight "embed" : tensor<16x32xf32>
  %h = llm.embedding %e[%ids] : (tensor<16x32xf32>, tensor<?xi32>) -> tensor<?x32xf32>
  %n = llm.weight "norm" : tensor<32xf16>
  %b = llm.weight "bias" : tensor<3xbf16>
  %e2 = llm.weight "embed" : tensor<16x32xf32>
  %l = llm.lm_head %h, %e2 : (tensor<?x32xf32>, tensor<16x32xf32>) -> tensor<?x16xf32>
  return %l, %n, %b : tensor<?x16xf32>, tensor<32xf16>, tensor<3xbf16>
}

// -----

func.func @conflict() -> (tensor<4xf32>, tensor<8xf32>) attributes {llm.entry_point} {
  %a = llm.weight "w" : tensor<4xf32>
  // expected-error @+1 {{'llm.weight' op refers to weight 'w' as 'tensor<8xf32>', but it was used as 'tensor<4xf32>'}}
  %b = llm.weight "w" : tensor<8xf32>
  return %a, %b : tensor<4xf32>, tensor<8xf32>
}

// -----

func.func @helper() -> tensor<4xf32> {
  // expected-error @+1 {{'llm.weight' op expects weights only inside entry points}}
  %a = llm.weight "w" : tensor<4xf32>
  return %a : tensor<4xf32>
}
