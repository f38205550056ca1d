// llm-quantize-weights decides per weight name, not per SSA value: a tied
// table that two llm.weight ops name (as before CSE, or in two entry points)
// gets one decision, and llm-bind-weights stores it once.

// RUN: llmc-opt %s --split-input-file --llm-quantize-weights="mode=none" --llm-bind-weights | FileCheck %s --check-prefix=NONE
// RUN: llmc-opt %s --split-input-file --llm-quantize-weights="mode=int8 keep-precision=embeddings" --llm-bind-weights | FileCheck %s --check-prefix=KEEPE
// RUN: llmc-opt %s --split-input-file --llm-quantize-weights="mode=int4 keep-precision=lm_head" --llm-bind-weights | FileCheck %s --check-prefix=KEEPH

// The tied table is stored once, as f32 panels in all three cases (mode=none:
// the head needs panels; kept for either role: full precision for both),
// and both the lookup and the head read one view.

// NONE: {bytes = 32768 : i64, name = "embed", offset = 0 : i64, packed = !llm.packed_weight<128x64, f32>, role = "embedding+lm_head"
// NONE-LABEL: func @tied_by_name(
// NONE: %[[P:.*]] = llm.packed_view
// NONE: llm.embedding %[[P]][
// NONE: llm.lm_head %{{.*}}, %[[P]]
// KEEPE: {bytes = 32768 : i64, name = "embed", offset = 0 : i64, packed = !llm.packed_weight<128x64, f32>, role = "embedding+lm_head"
// KEEPH: {bytes = 32768 : i64, name = "embed", offset = 0 : i64, packed = !llm.packed_weight<128x64, f32>, role = "embedding+lm_head"
func.func @tied_by_name(%ids: tensor<?xi32>) -> tensor<?x128xf32> attributes {llm.entry_point} {
  %e = llm.weight "embed" : tensor<128x64xf32>
  %h = llm.embedding %e[%ids] : (tensor<128x64xf32>, tensor<?xi32>) -> tensor<?x64xf32>
  %e2 = llm.weight "embed" : tensor<128x64xf32>
  %l = llm.lm_head %h, %e2 : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  return %l : tensor<?x128xf32>
}

// -----

// The same across entry points, which CSE never merges.
// NONE: {bytes = 32768 : i64, name = "embed", offset = 0 : i64, packed = !llm.packed_weight<128x64, f32>, role = "embedding+lm_head"
// KEEPE: {bytes = 32768 : i64, name = "embed", offset = 0 : i64, packed = !llm.packed_weight<128x64, f32>, role = "embedding+lm_head"
// KEEPH: {bytes = 32768 : i64, name = "embed", offset = 0 : i64, packed = !llm.packed_weight<128x64, f32>, role = "embedding+lm_head"
func.func @lookup(%ids: tensor<?xi32>) -> tensor<?x64xf32> attributes {llm.entry_point} {
  %e = llm.weight "embed" : tensor<128x64xf32>
  %h = llm.embedding %e[%ids] : (tensor<128x64xf32>, tensor<?xi32>) -> tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}
func.func @head(%h: tensor<?x64xf32>) -> tensor<?x128xf32> attributes {llm.entry_point} {
  %e = llm.weight "embed" : tensor<128x64xf32>
  %l = llm.lm_head %h, %e : (tensor<?x64xf32>, tensor<128x64xf32>) -> tensor<?x128xf32>
  return %l : tensor<?x128xf32>
}
