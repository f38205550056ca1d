// RUN: llmc-opt %s --llm-bind-weights --split-input-file --verify-diagnostics | FileCheck %s
// RUN: llmc-opt %s --llm-bind-weights="alignment=4096" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=PAGE

// Every distinct weight gets an aligned slot; a weight used twice (a tied
// embedding) is one slot and one view.

// CHECK: module attributes {llm.weights = [
// CHECK-SAME: {bytes = 2048 : i64, name = "embed", offset = 0 : i64, role = "embedding+lm_head", type = tensor<16x32xf32>},
// CHECK-SAME: {bytes = 64 : i64, name = "norm", offset = 2048 : i64, role = "other", type = tensor<32xf16>},
// CHECK-SAME: {bytes = 6 : i64, name = "bias", offset = 2112 : i64, role = "other", type = tensor<3xbf16>}]
// CHECK-SAME: llm.weights_size = 2118 : i64
// PAGE: {bytes = 64 : i64, name = "norm", offset = 4096 : i64, role = "other", type = tensor<32xf16>}
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

// -----

// A packed weight's slot holds its kernel layout: here int4 data (2 panels
// x 2 groups x 4 chunks x 64 bytes = 1024), then f16 scales at 1024 (32 x 2
// groups), then zero points at 1152. The readers get an llm.packed_view.

// CHECK: llm.weights = [{bytes = 1216 : i64, name = "w", offset = 0 : i64,
// CHECK-SAME: packed = !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>,
// CHECK-SAME: role = "linear", type = tensor<20x40xbf16>}]
// CHECK-LABEL: func @packed(
// CHECK-SAME: %[[BLOB:.*]]: memref<?xi8> {llm.name = "weights"}
// CHECK: %[[D:.*]] = memref.view %[[BLOB]][%{{.*}}][] : memref<?xi8> to memref<1024xi8>
// CHECK: %[[DT:.*]] = bufferization.to_tensor %[[D]]
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[S:.*]] = memref.view %[[BLOB]][%[[C1024]]][] : memref<?xi8> to memref<64xf16>
// CHECK: %[[ST:.*]] = bufferization.to_tensor %[[S]]
// CHECK: %[[C1152:.*]] = arith.constant 1152 : index
// CHECK: %[[Z:.*]] = memref.view %[[BLOB]][%[[C1152]]][] : memref<?xi8> to memref<64xi8>
// CHECK: %[[ZT:.*]] = bufferization.to_tensor %[[Z]]
// CHECK: %[[P:.*]] = llm.packed_view %[[DT]], %[[ST]], %[[ZT]]
// CHECK-NOT: llm.pack_weight
// CHECK: llm.linear %{{.*}}, %[[P]]
func.func @packed(%x: tensor<?x40xf32>) -> tensor<?x20xf32> attributes {llm.entry_point} {
  %w = llm.weight "w" : tensor<20x40xbf16>
  %p = llm.pack_weight %w : tensor<20x40xbf16> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>
  %y = llm.linear %x, %p : (tensor<?x40xf32>, !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>) -> tensor<?x20xf32>
  return %y : tensor<?x20xf32>
}

// -----

func.func @mixed(%x: tensor<?x40xf32>) -> (tensor<?x20xf32>, tensor<20x40xf32>) attributes {llm.entry_point} {
  // expected-error @+1 {{'llm.weight' op is read both as stored and packed as '!llm.packed_weight<20x40, i8, scale = f16>'}}
  %w = llm.weight "w" : tensor<20x40xf32>
  %p = llm.pack_weight %w : tensor<20x40xf32> -> !llm.packed_weight<20x40, i8, scale = f16>
  %y = llm.linear %x, %p : (tensor<?x40xf32>, !llm.packed_weight<20x40, i8, scale = f16>) -> tensor<?x20xf32>
  return %y, %w : tensor<?x20xf32>, tensor<20x40xf32>
}

// -----

// One entry point reads "w" as stored, another packed (an ONNX graph and its
// lifted decoder): the blob holds both forms, each entry point views its own.

// CHECK: llm.weights = [{bytes = 3200 : i64, name = "w", offset = 0 : i64, role = "other", type = tensor<20x40xf32>},
// CHECK-SAME: {bytes = 5120 : i64, name = "w", offset = 3200 : i64, packed = !llm.packed_weight<20x40, f32>, role = "linear", type = tensor<20x40xf32>}]
// CHECK-LABEL: func @graph(
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<?xi8> to memref<20x40xf32>
// CHECK-NOT: llm.packed_view
// CHECK-LABEL: func @forward(
// CHECK: %[[C3200:.*]] = arith.constant 3200 : index
// CHECK: memref.view %{{.*}}[%[[C3200]]][]
// CHECK: llm.packed_view
func.func @graph() -> tensor<20x40xf32> attributes {llm.entry_point} {
  %w = llm.weight "w" : tensor<20x40xf32>
  return %w : tensor<20x40xf32>
}
func.func @forward(%x: tensor<?x40xf32>) -> tensor<?x20xf32> attributes {llm.entry_point} {
  %w = llm.weight "w" : tensor<20x40xf32>
  %p = llm.pack_weight %w : tensor<20x40xf32> -> !llm.packed_weight<20x40, f32>
  %y = llm.linear %x, %p : (tensor<?x40xf32>, !llm.packed_weight<20x40, f32>) -> tensor<?x20xf32>
  return %y : tensor<?x20xf32>
}

// -----

// A fused weight's parts go into its slot, for the artifact writer; what
// only a self-draft reads gets the role "draft".
// CHECK: module attributes {llm.weights = [
// CHECK-SAME: {bytes = 96 : i64, name = "q+k", offset = 0 : i64, parts = ["q", "k"], role = "bias+draft", type = tensor<24xf32>}
// CHECK-SAME: {bytes = 384 : i64, name = "l", offset = 128 : i64, role = "linear", type = tensor<24x4xf32>}
// CHECK-SAME: {bytes = 384 : i64, name = "l2", offset = 512 : i64, role = "draft", type = tensor<24x4xf32>}
func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x24xf32> attributes {llm.entry_point} {
  %w = llm.weight "q+k" {parts = ["q", "k"]} : tensor<24xf32>
  %l = llm.weight "l" : tensor<24x4xf32>
  %y = llm.linear %x, %l, %w : (tensor<?x4xf32>, tensor<24x4xf32>, tensor<24xf32>) -> tensor<?x24xf32>
  return %y : tensor<?x24xf32>
}
func.func @draft(%x: tensor<?x4xf32>) -> tensor<?x24xf32> attributes {llm.entry_point, llm.draft = "int4"} {
  %w = llm.weight "q+k" {parts = ["q", "k"]} : tensor<24xf32>
  %l = llm.weight "l2" : tensor<24x4xf32>
  %y = llm.linear %x, %l, %w : (tensor<?x4xf32>, tensor<24x4xf32>, tensor<24xf32>) -> tensor<?x24xf32>
  return %y : tensor<?x24xf32>
}
