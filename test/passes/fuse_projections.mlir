// RUN: llmc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(llm-fuse-projections))" | FileCheck %s

// q, k and v of one input, with biases: one linear over the stacked rows
// (a weight with parts, in order), its result split by columns.
// CHECK-LABEL: func.func @qkv
// CHECK-DAG: %[[W:.*]] = llm.weight "q+k+v" {parts = ["q", "k", "v"]} : tensor<24x16xf32>
// CHECK-DAG: %[[B:.*]] = llm.weight "bq+bk+bv" {parts = ["bq", "bk", "bv"]} : tensor<24xf32>
// CHECK: %[[Y:.*]] = llm.linear %arg0, %[[W]], %[[B]] : (tensor<?x16xf32>, tensor<24x16xf32>, tensor<24xf32>) -> tensor<?x24xf32>
// CHECK: %[[ROWS:.*]] = tensor.dim %arg0
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[Y]][0, 0] [%[[ROWS]], 16] [1, 1]
// CHECK: %[[K:.*]] = tensor.extract_slice %[[Y]][0, 16] [%[[ROWS]], 4] [1, 1]
// CHECK: %[[V:.*]] = tensor.extract_slice %[[Y]][0, 20] [%[[ROWS]], 4] [1, 1]
// CHECK: return %[[Q]], %[[K]], %[[V]]
// CHECK-NOT: llm.linear
func.func @qkv(%x: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %wq = llm.weight "q" : tensor<16x16xf32>
  %bq = llm.weight "bq" : tensor<16xf32>
  %wk = llm.weight "k" : tensor<4x16xf32>
  %bk = llm.weight "bk" : tensor<4xf32>
  %wv = llm.weight "v" : tensor<4x16xf32>
  %bv = llm.weight "bv" : tensor<4xf32>
  %q = llm.linear %x, %wq, %bq : (tensor<?x16xf32>, tensor<16x16xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  %k = llm.linear %x, %wk, %bk : (tensor<?x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %v = llm.linear %x, %wv, %bv : (tensor<?x16xf32>, tensor<4x16xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %q, %k, %v : tensor<?x16xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// gate and up (bf16 weights): fused; down reads another input: alone.
// CHECK-LABEL: func.func @mlp
// CHECK: llm.weight "gate+up" {parts = ["gate", "up"]} : tensor<64x16xbf16>
// CHECK: llm.linear {{.*}} -> tensor<?x64xf32>
// CHECK: llm.swiglu
// CHECK: llm.linear {{.*}} : (tensor<?x32xf32>, tensor<16x32xbf16>) -> tensor<?x16xf32>
func.func @mlp(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %wg = llm.weight "gate" : tensor<32x16xbf16>
  %wu = llm.weight "up" : tensor<32x16xbf16>
  %wd = llm.weight "down" : tensor<16x32xbf16>
  %g = llm.linear %x, %wg : (tensor<?x16xf32>, tensor<32x16xbf16>) -> tensor<?x32xf32>
  %u = llm.linear %x, %wu : (tensor<?x16xf32>, tensor<32x16xbf16>) -> tensor<?x32xf32>
  %a = llm.swiglu %g, %u : tensor<?x32xf32>
  %d = llm.linear %a, %wd : (tensor<?x32xf32>, tensor<16x32xbf16>) -> tensor<?x16xf32>
  return %d : tensor<?x16xf32>
}

// -----

// Left alone: element types that differ, a bias on one only, a weight read
// twice (a tied table), a weight already packed (pre-quantized), and
// linear layers of different inputs.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: parts
// CHECK-COUNT-9: llm.linear
// CHECK-NOT: parts
func.func @near_misses(%x: tensor<?x16xf32>, %y: tensor<?x16xf32>, %z: tensor<?x32xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>,
        tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %a16 = llm.weight "a16" : tensor<8x16xf16>
  %a32 = llm.weight "a32" : tensor<8x16xf32>
  %r0 = llm.linear %x, %a16 : (tensor<?x16xf32>, tensor<8x16xf16>) -> tensor<?x8xf32>
  %r1 = llm.linear %x, %a32 : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %b1 = llm.weight "b1" : tensor<8x16xf32>
  %bias = llm.weight "bias" : tensor<8xf32>
  %b2 = llm.weight "b2" : tensor<8x16xf32>
  %r2 = llm.linear %y, %b1, %bias : (tensor<?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %r3 = llm.linear %y, %b2 : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  %t = llm.weight "tied" : tensor<8x8xf32>
  %r4 = llm.linear %r1, %t : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %r5 = llm.linear %r1, %t : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %c = llm.weight "codes" : tensor<8x32xi4>
  %p = llm.pack_weight %c : tensor<8x32xi4> -> <8x32, i4, group = 32, scale = f16>
  %d = llm.weight "d" : tensor<8x32xf32>
  %r6 = llm.linear %z, %p : (tensor<?x32xf32>, !llm.packed_weight<8x32, i4, group = 32, scale = f16>) -> tensor<?x8xf32>
  %r7 = llm.linear %z, %d : (tensor<?x32xf32>, tensor<8x32xf32>) -> tensor<?x8xf32>
  %e = llm.weight "e" : tensor<8x8xf32>
  %r8 = llm.linear %r3, %e : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  return %r0, %r1, %r2, %r3, %r4, %r5, %r6, %r7, %r8 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// A use of q before k's linear layer (rope on q first): the fused layer
// goes where q's was, so every former result is defined before its uses.
// CHECK-LABEL: func.func @use_between
// CHECK: %[[Y:.*]] = llm.linear %arg0, {{.*}} -> tensor<?x24xf32>
// CHECK: %[[Q:.*]] = tensor.extract_slice %[[Y]][0, 0]
// CHECK: %[[K:.*]] = tensor.extract_slice %[[Y]][0, 16]
// CHECK: llm.silu %[[Q]]
func.func @use_between(%x: tensor<?x16xf32>) -> (tensor<?x16xf32>, tensor<?x8xf32>) {
  %wq = llm.weight "q" : tensor<16x16xf32>
  %q = llm.linear %x, %wq : (tensor<?x16xf32>, tensor<16x16xf32>) -> tensor<?x16xf32>
  %r = llm.silu %q : tensor<?x16xf32>
  %wk = llm.weight "k" : tensor<8x16xf32>
  %k = llm.linear %x, %wk : (tensor<?x16xf32>, tensor<8x16xf32>) -> tensor<?x8xf32>
  return %r, %k : tensor<?x16xf32>, tensor<?x8xf32>
}
