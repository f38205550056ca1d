// RUN: llmc-opt %s --llm-quantize-weights="mode=int8" | FileCheck %s
// RUN: llmc-opt %s --llm-quantize-weights="mode=int8 zero-points" | FileCheck %s --check-prefix=ZP

// A self-draft (llm.draft = "int4") quantizes its linear layers its own way
// while the model's stay int8: the same tensor gets two layouts. Its
// embedding and LM head follow the model's policy (int8), so the tied table
// is one layout read by both entry points. Zero points, which apply to
// int4 only, are allowed because the draft is int4.

// CHECK-LABEL: func.func @forward
// CHECK: llm.weight "embed" {{.*}}
// CHECK-NEXT: llm.pack_weight {{.*}} -> <32x16, i8, scale = f16>
// CHECK: llm.weight "q" {{.*}}
// CHECK-NEXT: llm.pack_weight {{.*}} -> <16x16, i8, scale = f16>
// CHECK-LABEL: func.func @draft
// CHECK: llm.weight "embed" {{.*}}
// CHECK-NEXT: llm.pack_weight {{.*}} -> <32x16, i8, scale = f16>
// CHECK: llm.weight "q" {{.*}}
// CHECK-NEXT: llm.pack_weight {{.*}} -> <16x16, i4, group = 32, scale = f16>
// CHECK: llm.lm_head {{.*}} : (tensor<?x16xf32>, !llm.packed_weight<32x16, i8, scale = f16>)
// ZP-LABEL: func.func @draft
// ZP: llm.pack_weight {{.*}} -> <16x16, i4, group = 32, scale = f16, zero_points>
func.func @forward(%ids: tensor<?xi32>) -> tensor<?x32xf32> attributes {llm.entry_point} {
  %table = llm.weight "embed" : tensor<32x16xf32>
  %h = llm.embedding %table[%ids] : (tensor<32x16xf32>, tensor<?xi32>) -> tensor<?x16xf32>
  %wq = llm.weight "q" : tensor<16x16xf32>
  %q = llm.linear %h, %wq : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
  %logits = llm.lm_head %q, %table : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
  return %logits : tensor<?x32xf32>
}
func.func @draft(%ids: tensor<?xi32>) -> tensor<?x32xf32> attributes {llm.entry_point, llm.draft = "int4"} {
  %table = llm.weight "embed" : tensor<32x16xf32>
  %h = llm.embedding %table[%ids] : (tensor<32x16xf32>, tensor<?xi32>) -> tensor<?x16xf32>
  %wq = llm.weight "q" : tensor<16x16xf32>
  %q = llm.linear %h, %wq : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
  %logits = llm.lm_head %q, %table : (tensor<?x16xf32>, tensor<32x16xf32>) -> tensor<?x32xf32>
  return %logits : tensor<?x32xf32>
}
