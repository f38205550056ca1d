// RUN: llmc-opt %s --llm-quantize-weights | FileCheck %s --check-prefixes=CHECK,NONE
// RUN: llmc-opt %s --llm-quantize-weights="mode=none" | FileCheck %s --check-prefixes=CHECK,NONE
// RUN: llmc-opt %s --llm-quantize-weights="mode=int8" | FileCheck %s --check-prefixes=CHECK,INT8
// RUN: llmc-opt %s --llm-quantize-weights="mode=int4" | FileCheck %s --check-prefixes=CHECK,INT4
// RUN: llmc-opt %s --llm-quantize-weights="mode=int4 group-size=64 scale-type=f32 zero-points" | FileCheck %s --check-prefixes=CHECK,INT4ZP
// RUN: llmc-opt %s --llm-quantize-weights="mode=int8 keep-precision=embeddings" | FileCheck %s --check-prefixes=CHECK,KEEPE
// RUN: llmc-opt %s --llm-quantize-weights="mode=int4 keep-precision=lm_head" | FileCheck %s --check-prefixes=CHECK,KEEPH
// RUN: llmc-opt %s --llm-quantize-weights="mode=int4 keep-precision=embeddings,lm_head" | FileCheck %s --check-prefixes=CHECK,KEEPB
// pack-f32=false (the GPU) leaves f32 weights as stored, and only those.
// RUN: llmc-opt %s --llm-quantize-weights="pack-f32=false" | FileCheck %s --check-prefix=UNPACKED
// RUN: llmc-opt %s --llm-quantize-weights="mode=int8 pack-f32=false" | FileCheck %s --check-prefixes=CHECK,INT8
// UNPACKED-NOT: llm.pack_weight

// Option errors: each is reported once, on the module, and fails the pass.
// RUN: not llmc-opt %s --llm-quantize-weights="mode=int3" 2>&1 | FileCheck %s --check-prefix=ERR-MODE
// RUN: not llmc-opt %s --llm-quantize-weights="mode=int4 group-size=48" 2>&1 | FileCheck %s --check-prefix=ERR-GROUP
// RUN: not llmc-opt %s --llm-quantize-weights="mode=int8 scale-type=bf16" 2>&1 | FileCheck %s --check-prefix=ERR-SCALE
// RUN: not llmc-opt %s --llm-quantize-weights="mode=int8 zero-points" 2>&1 | FileCheck %s --check-prefix=ERR-ZP
// RUN: not llmc-opt %s --llm-quantize-weights="zero-points" 2>&1 | FileCheck %s --check-prefix=ERR-ZP
// RUN: not llmc-opt %s --llm-quantize-weights="mode=int8 keep-precision=foo" 2>&1 | FileCheck %s --check-prefix=ERR-KEEP
// RUN: not llmc-opt %s --llm-quantize-weights="mode=int8 keep-precision=embeddings,lm-head" 2>&1 | FileCheck %s --check-prefix=ERR-KEEP2

// ERR-MODE: error: unknown quantization mode 'int3' (expected none, int8 or int4)
// ERR-MODE-NOT: llm.pack_weight
// ERR-GROUP: error: unsupported int4 group size 48 (expected 32, 64 or 128)
// ERR-SCALE: error: unknown scale type 'bf16' (expected f16 or f32)
// ERR-ZP: error: zero points apply to int4 only
// ERR-KEEP: error: unknown --keep-precision class 'foo' (expected embeddings or lm_head)
// ERR-KEEP2: error: unknown --keep-precision class 'lm-head' (expected embeddings or lm_head)

// A small untied model. Linear layers (stored bf16, f16 and f32, one with
// a bias) are packed by every mode: f32 panels with mode=none, int8 or
// int4 otherwise. The LM head is f32 panels with mode=none or when kept,
// int8 otherwise (int4 too). The embedding table stays as stored with
// mode=none or when kept, int8 otherwise. Norm weights and biases are never
// packed. Each pack sits right after its llm.weight.

// CHECK-LABEL: func @untied(
// CHECK: %[[E:.*]] = llm.weight "embed" : tensor<128x64xf32>
// NONE-NEXT: llm.embedding %[[E]][%{{.*}}] : (tensor<128x64xf32>, tensor<?xi32>)
// INT8-NEXT: %[[EP:.*]] = llm.pack_weight %[[E]] : tensor<128x64xf32> -> <128x64, i8, scale = f16>
// INT4-NEXT: %[[EP:.*]] = llm.pack_weight %[[E]] : tensor<128x64xf32> -> <128x64, i8, scale = f16>
// INT4ZP-NEXT: %[[EP:.*]] = llm.pack_weight %[[E]] : tensor<128x64xf32> -> <128x64, i8, scale = f32>
// KEEPE-NEXT: llm.embedding %[[E]][%{{.*}}] : (tensor<128x64xf32>, tensor<?xi32>)
// KEEPH-NEXT: %[[EP:.*]] = llm.pack_weight %[[E]] : tensor<128x64xf32> -> <128x64, i8, scale = f16>
// KEEPB-NEXT: llm.embedding %[[E]][%{{.*}}] : (tensor<128x64xf32>, tensor<?xi32>)
// INT8-NEXT: llm.embedding %[[EP]][
// INT4-NEXT: llm.embedding %[[EP]][
// INT4ZP-NEXT: llm.embedding %[[EP]][
// KEEPH-NEXT: llm.embedding %[[EP]][

// CHECK-NEXT: %[[Q:.*]] = llm.weight "q" : tensor<64x64xbf16>
// NONE-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, f32>
// INT8-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, i8, scale = f16>
// INT4-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, i4, group = 32, scale = f16>
// INT4ZP-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, i4, group = 64, scale = f32, zero_points>
// KEEPE-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, i8, scale = f16>
// KEEPH-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, i4, group = 32, scale = f16>
// KEEPB-NEXT: %[[QP:.*]] = llm.pack_weight %[[Q]] : tensor<64x64xbf16> -> <64x64, i4, group = 32, scale = f16>
// CHECK-NEXT: %[[B:.*]] = llm.weight "q.bias" : tensor<64xbf16>
// CHECK-NEXT: %[[QY:.*]] = llm.linear %{{.*}}, %[[QP]], %[[B]] : (tensor<?x64xf32>, !llm.packed_weight<64x64, {{.*}}>, tensor<64xbf16>) -> tensor<?x64xf32>

// CHECK-NEXT: %[[U:.*]] = llm.weight "up" : tensor<96x64xf16>
// NONE-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, f32>
// INT8-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, i8, scale = f16>
// INT4-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, i4, group = 32, scale = f16>
// INT4ZP-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, i4, group = 64, scale = f32, zero_points>
// KEEPE-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, i8, scale = f16>
// KEEPH-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, i4, group = 32, scale = f16>
// KEEPB-NEXT: %[[UP:.*]] = llm.pack_weight %[[U]] : tensor<96x64xf16> -> <96x64, i4, group = 32, scale = f16>
// CHECK-NEXT: %[[UY:.*]] = llm.linear %[[QY]], %[[UP]] :

// CHECK-NEXT: %[[NRM:.*]] = llm.weight "norm" : tensor<96xf32>
// CHECK-NEXT: %[[NY:.*]] = llm.rms_norm %[[UY]], %[[NRM]] {{.*}} : (tensor<?x96xf32>, tensor<96xf32>)

// CHECK-NEXT: %[[D:.*]] = llm.weight "down" : tensor<64x96xf32>
// NONE-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, f32>
// INT8-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, i8, scale = f16>
// INT4-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, i4, group = 32, scale = f16>
// INT4ZP-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, i4, group = 64, scale = f32, zero_points>
// KEEPE-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, i8, scale = f16>
// KEEPH-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, i4, group = 32, scale = f16>
// KEEPB-NEXT: %[[DP:.*]] = llm.pack_weight %[[D]] : tensor<64x96xf32> -> <64x96, i4, group = 32, scale = f16>
// CHECK-NEXT: %[[DY:.*]] = llm.linear %[[NY]], %[[DP]] :

// CHECK-NEXT: %[[H:.*]] = llm.weight "lm_head" : tensor<128x64xbf16>
// NONE-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, f32>
// INT8-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, i8, scale = f16>
// INT4-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, i8, scale = f16>
// INT4ZP-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, i8, scale = f32>
// KEEPE-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, i8, scale = f16>
// KEEPH-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, f32>
// KEEPB-NEXT: %[[HP:.*]] = llm.pack_weight %[[H]] : tensor<128x64xbf16> -> <128x64, f32>
// CHECK-NEXT: %[[L:.*]] = llm.lm_head %[[DY]], %[[HP]] : (tensor<?x64xf32>, !llm.packed_weight<128x64, {{.*}}>) -> tensor<?x128xf32>
// CHECK-NEXT: return %[[L]]
func.func @untied(%ids: tensor<?xi32>) -> tensor<?x128xf32> attributes {llm.entry_point} {
  %emb = llm.weight "embed" : tensor<128x64xf32>
  %h = llm.embedding %emb[%ids] : (tensor<128x64xf32>, tensor<?xi32>) -> tensor<?x64xf32>
  %wq = llm.weight "q" : tensor<64x64xbf16>
  %bq = llm.weight "q.bias" : tensor<64xbf16>
  %q = llm.linear %h, %wq, %bq : (tensor<?x64xf32>, tensor<64x64xbf16>, tensor<64xbf16>) -> tensor<?x64xf32>
  %wu = llm.weight "up" : tensor<96x64xf16>
  %u = llm.linear %q, %wu : (tensor<?x64xf32>, tensor<96x64xf16>) -> tensor<?x96xf32>
  %norm = llm.weight "norm" : tensor<96xf32>
  %n = llm.rms_norm %u, %norm {epsilon = 1.0e-05 : f64} : (tensor<?x96xf32>, tensor<96xf32>) -> tensor<?x96xf32>
  %wd = llm.weight "down" : tensor<64x96xf32>
  %d = llm.linear %n, %wd : (tensor<?x96xf32>, tensor<64x96xf32>) -> tensor<?x64xf32>
  %head = llm.weight "lm_head" : tensor<128x64xbf16>
  %l = llm.lm_head %d, %head : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32>
  return %l : tensor<?x128xf32>
}

// A tied model: one llm.weight value is the embedding table and the LM
// head. It is packed once, at the widest format either role asks for, and
// both ops read that one pack: f32 panels with mode=none (the head needs
// panels), int8 when both roles are quantized, and f32 panels when either
// role is kept at full precision (the head still needs panels, so the
// lookup reads them too). A linear weight read twice is packed once too.

// CHECK-LABEL: func @tied(
// CHECK: %[[T:.*]] = llm.weight "tok" : tensor<128x64xbf16>
// NONE-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, f32>
// INT8-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, i8, scale = f16>
// INT4-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, i8, scale = f16>
// INT4ZP-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, i8, scale = f32>
// KEEPE-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, f32>
// KEEPH-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, f32>
// KEEPB-NEXT: %[[TP:.*]] = llm.pack_weight %[[T]] : tensor<128x64xbf16> -> <128x64, f32>
// CHECK-NEXT: %[[TH:.*]] = llm.embedding %[[TP]][%{{.*}}] : (!llm.packed_weight<128x64, {{.*}}>, tensor<?xi32>) -> tensor<?x64xf32>
// CHECK-NEXT: %[[O:.*]] = llm.weight "o" : tensor<64x64xf32>
// NONE-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, f32>
// INT8-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, i8, scale = f16>
// INT4-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, i4, group = 32, scale = f16>
// INT4ZP-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, i4, group = 64, scale = f32, zero_points>
// KEEPE-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, i8, scale = f16>
// KEEPH-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, i4, group = 32, scale = f16>
// KEEPB-NEXT: %[[OP:.*]] = llm.pack_weight %[[O]] : tensor<64x64xf32> -> <64x64, i4, group = 32, scale = f16>
// CHECK-NEXT: %[[O1:.*]] = llm.linear %[[TH]], %[[OP]] :
// CHECK-NEXT: %[[O2:.*]] = llm.linear %[[O1]], %[[OP]] :
// CHECK-NEXT: %[[FN:.*]] = llm.weight "final_norm" : tensor<64xbf16>
// CHECK-NEXT: %[[N:.*]] = llm.rms_norm %[[O2]], %[[FN]]
// CHECK-NEXT: %[[L:.*]] = llm.lm_head %[[N]], %[[TP]] : (tensor<?x64xf32>, !llm.packed_weight<128x64, {{.*}}>) -> tensor<?x128xf32>
// CHECK-NEXT: return %[[L]]
func.func @tied(%ids: tensor<?xi32>) -> tensor<?x128xf32> attributes {llm.entry_point} {
  %t = llm.weight "tok" : tensor<128x64xbf16>
  %h = llm.embedding %t[%ids] : (tensor<128x64xbf16>, tensor<?xi32>) -> tensor<?x64xf32>
  %wo = llm.weight "o" : tensor<64x64xf32>
  %o1 = llm.linear %h, %wo : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %o2 = llm.linear %o1, %wo : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %norm = llm.weight "final_norm" : tensor<64xbf16>
  %n = llm.rms_norm %o2, %norm {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xbf16>) -> tensor<?x64xf32>
  %l = llm.lm_head %n, %t : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32>
  return %l : tensor<?x128xf32>
}

// Only llm.weight values are packed: a weight that arrives as an argument
// (already bound, or not a model weight) is left alone.
// CHECK-LABEL: func @not_a_weight(
// CHECK-NOT: llm.pack_weight
// CHECK: llm.linear %{{.*}}, %{{.*}} : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
// CHECK-NOT: llm.pack_weight
// CHECK: return
func.func @not_a_weight(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x32xf32> {
  %y = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}
