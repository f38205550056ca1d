// RUN: llmc-opt %s --split-input-file --llm-bind-weights --convert-llm-to-linalg --verify-diagnostics | FileCheck %s

// Projections and lookups over packed weights. A projection is one
// linalg.generic over (m, n, k) whose indexing maps walk the packed buffers
// exactly as runtime/include/llmc/weight_layout.h does (d1 = n = row of W,
// d2 = k = col of W), dequantizes in its body, and carries llmc.ukernel for
// llmc-lower-to-ukernels. Most cases read llm.packed_view of function
// arguments (llm-bind-weights has nothing to bind there and leaves them as
// they are); the last two start from llm.pack_weight.

// f32 panels, N = 20, K = 40: llmc_f32_panel_index is
// (n / 32) * (K * 32) + k * 32 + n % 32 = (n floordiv 32) * 1280 + k * 32 + n mod 32.
// The weight is used as is (no dequantization), the kernel is linear_f32.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> ((d1 floordiv 32) * 1280 + d2 * 32 + d1 mod 32)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @linear_f32(
// CHECK-SAME: %[[XA:[^:]*]]: tensor<?x40xf32>, %[[D:[^:]*]]: tensor<1280xf32>)
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x20xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[XA]], %[[D]] : tensor<?x40xf32>, tensor<1280xf32>) outs(%[[ZERO]] : tensor<?x20xf32>)
// CHECK-SAME: attrs = {llmc.ukernel = {group = 0 : i64, k = 40 : i64, kernel = "linear_f32", n = 20 : i64, scale_bytes = 0 : i64}}
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[WV:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[IN]], %[[WV]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
func.func @linear_f32(%x: tensor<?x40xf32>, %d: tensor<1280xf32>) -> tensor<?x20xf32> {
  %w = llm.packed_view %d : tensor<1280xf32> -> !llm.packed_weight<20x40, f32>
  %0 = llm.linear %x, %w : (tensor<?x40xf32>, !llm.packed_weight<20x40, f32>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// int8, N = 20, K = 40 (ceil(K/4) = 10 chunks of 4): llmc_int8_index is
// ((n / 16) * 10 + k / 4) * 64 + (n % 16) * 4 + k % 4; the scale of (n, k)
// is scales[n]. w = (u - 128) * s with f16 scales widened to f32.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 10 + d2 floordiv 4) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @linear_int8(
// CHECK-SAME: %[[XA:[^:]*]]: tensor<?x40xf32>, %[[D:[^:]*]]: tensor<1280xi8>, %[[SC:[^:]*]]: tensor<32xf16>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[S]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[XA]], %[[D]], %[[SC]] : tensor<?x40xf32>, tensor<1280xi8>, tensor<32xf16>)
// CHECK-SAME: attrs = {llmc.ukernel = {group = 0 : i64, k = 40 : i64, kernel = "linear_int8", n = 20 : i64, scale_bytes = 2 : i64}}
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[U:.*]]: i8, %[[SV:.*]]: f16, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[U32:.*]] = arith.extui %[[U]] : i8 to i32
// CHECK-NEXT: %[[C128:.*]] = arith.constant 128 : i32
// CHECK-NEXT: %[[Q:.*]] = arith.subi %[[U32]], %[[C128]] : i32
// CHECK-NEXT: %[[QF:.*]] = arith.sitofp %[[Q]] : i32 to f32
// CHECK-NEXT: %[[SF:.*]] = arith.extf %[[SV]] : f16 to f32
// CHECK-NEXT: %[[WV:.*]] = arith.mulf %[[QF]], %[[SF]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[IN]], %[[WV]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[P]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
func.func @linear_int8(%x: tensor<?x40xf32>, %d: tensor<1280xi8>, %s: tensor<32xf16>) -> tensor<?x20xf32> {
  %w = llm.packed_view %d, %s : tensor<1280xi8>, tensor<32xf16> -> !llm.packed_weight<20x40, i8, scale = f16>
  %0 = llm.linear %x, %w : (tensor<?x40xf32>, !llm.packed_weight<20x40, i8, scale = f16>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// int4, groups of 32, N = 20, K = 40 (2 groups of 4 chunks of 8): with
// g = k / 32 and in = k % 32, llmc_int4_index is
// (((n / 16) * 2 + g) * 4 + in / 8) * 64 + (n % 16) * 4 + in % 4, and
// in % 4 = k % 4 since 4 divides 32. The scale and zero point of (n, k) sit
// at ((n / 16) * 2 + g) * 16 + n % 16: one map for both. The nibble is the
// high one when k % 8 >= 4; the zero point is the stored one.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> ((((d1 floordiv 16) * 2 + d2 floordiv 32) * 4 + (d2 mod 32) floordiv 8) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 2 + d2 floordiv 32) * 16 + d1 mod 16)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @linear_int4_zero_points(
// CHECK-SAME: %[[XA:[^:]*]]: tensor<?x40xf32>, %[[D:[^:]*]]: tensor<1024xi8>, %[[SC:[^:]*]]: tensor<64xf32>, %[[Z:[^:]*]]: tensor<64xi8>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[S]], #[[S]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[XA]], %[[D]], %[[SC]], %[[Z]] : tensor<?x40xf32>, tensor<1024xi8>, tensor<64xf32>, tensor<64xi8>)
// CHECK-SAME: attrs = {llmc.ukernel = {group = 32 : i64, k = 40 : i64, kernel = "linear_int4", n = 20 : i64, scale_bytes = 4 : i64}}
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[U:.*]]: i8, %[[SV:.*]]: f32, %[[ZV:.*]]: i8, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[K:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[U32:.*]] = arith.extui %[[U]] : i8 to i32
// CHECK-NEXT: %[[K32:.*]] = arith.index_cast %[[K]] : index to i32
// CHECK-NEXT: %[[C8:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[KM8:.*]] = arith.remui %[[K32]], %[[C8]] : i32
// CHECK-NEXT: %[[C4:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[HIGH:.*]] = arith.cmpi uge, %[[KM8]], %[[C4]] : i32
// CHECK-NEXT: %[[C4B:.*]] = arith.constant 4 : i32
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[SH:.*]] = arith.select %[[HIGH]], %[[C4B]], %[[C0]] : i32
// CHECK-NEXT: %[[SHR:.*]] = arith.shrui %[[U32]], %[[SH]] : i32
// CHECK-NEXT: %[[C15:.*]] = arith.constant 15 : i32
// CHECK-NEXT: %[[NIB:.*]] = arith.andi %[[SHR]], %[[C15]] : i32
// CHECK-NEXT: %[[ZP:.*]] = arith.extui %[[ZV]] : i8 to i32
// CHECK-NEXT: %[[Q:.*]] = arith.subi %[[NIB]], %[[ZP]] : i32
// CHECK-NEXT: %[[QF:.*]] = arith.sitofp %[[Q]] : i32 to f32
// CHECK-NEXT: %[[WV:.*]] = arith.mulf %[[QF]], %[[SV]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[IN]], %[[WV]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[P]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
func.func @linear_int4_zero_points(%x: tensor<?x40xf32>, %d: tensor<1024xi8>, %s: tensor<64xf32>, %z: tensor<64xi8>) -> tensor<?x20xf32> {
  %w = llm.packed_view %d, %s, %z : tensor<1024xi8>, tensor<64xf32>, tensor<64xi8> -> !llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points>
  %0 = llm.linear %x, %w : (tensor<?x40xf32>, !llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// Symmetric int4 in groups of 64 with a bias, N = 20, K = 160 (3 groups of
// 8 chunks): data (((n / 16) * 3 + k / 64) * 8 + (k % 64) / 8) * 64 +
// (n % 16) * 4 + k % 4, scales ((n / 16) * 3 + k / 64) * 16 + n % 16. The
// zero point is the constant 8. The accumulator starts at the bias
// broadcast over rows (bf16 widened to f32), not at zero.
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> ((((d1 floordiv 16) * 3 + d2 floordiv 64) * 8 + (d2 mod 64) floordiv 8) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 3 + d2 floordiv 64) * 16 + d1 mod 16)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @linear_int4_bias(
// CHECK-SAME: %[[XA:[^:]*]]: tensor<?x160xf32>, %[[D:[^:]*]]: tensor<3072xi8>, %[[SC:[^:]*]]: tensor<96xf16>, %[[BIAS:[^:]*]]: tensor<20xbf16>)
// CHECK-NOT: linalg.fill
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[B]], #[[ALL]]], iterator_types = ["parallel", "parallel"]} ins(%[[BIAS]] : tensor<20xbf16>) outs(%{{.*}} : tensor<?x20xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[S]], #[[Y]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[XA]], %[[D]], %[[SC]] : tensor<?x160xf32>, tensor<3072xi8>, tensor<96xf16>) outs(%[[INIT]] : tensor<?x20xf32>)
// CHECK-SAME: attrs = {llmc.ukernel = {group = 64 : i64, k = 160 : i64, kernel = "linear_int4", n = 20 : i64, scale_bytes = 2 : i64}}
// CHECK-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: i8, %[[SV:.*]]: f16, %{{.*}}: f32):
// CHECK: %[[NIB:.*]] = arith.andi %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[C8:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[Q:.*]] = arith.subi %[[NIB]], %[[C8]] : i32
// CHECK-NEXT: %[[QF:.*]] = arith.sitofp %[[Q]] : i32 to f32
// CHECK-NEXT: %[[SF:.*]] = arith.extf %[[SV]] : f16 to f32
// CHECK-NEXT: arith.mulf %[[QF]], %[[SF]] : f32
func.func @linear_int4_bias(%x: tensor<?x160xf32>, %d: tensor<3072xi8>, %s: tensor<96xf16>, %b: tensor<20xbf16>) -> tensor<?x20xf32> {
  %w = llm.packed_view %d, %s : tensor<3072xi8>, tensor<96xf16> -> !llm.packed_weight<20x160, i4, group = 64, scale = f16>
  %0 = llm.linear %x, %w, %b : (tensor<?x160xf32>, !llm.packed_weight<20x160, i4, group = 64, scale = f16>, tensor<20xbf16>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// The LM head lowers like a linear layer without bias: n is the vocabulary.
// 512 x 64 int8: 32 panels of ceil(64/4) = 16 chunks (32768 bytes).
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 16 + d2 floordiv 4) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @lm_head_int8(
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[W]], #[[S]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<32768xi8>, tensor<512xf32>) outs(%{{.*}} : tensor<?x512xf32>)
// CHECK-SAME: attrs = {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_int8", n = 512 : i64, scale_bytes = 4 : i64}}
// CHECK-NOT: arith.extf
// CHECK: linalg.yield
func.func @lm_head_int8(%h: tensor<?x64xf32>, %d: tensor<32768xi8>, %s: tensor<512xf32>) -> tensor<?x512xf32> {
  %w = llm.packed_view %d, %s : tensor<32768xi8>, tensor<512xf32> -> !llm.packed_weight<512x64, i8, scale = f32>
  %0 = llm.lm_head %h, %w : (tensor<?x64xf32>, !llm.packed_weight<512x64, i8, scale = f32>) -> tensor<?x512xf32>
  return %0 : tensor<?x512xf32>
}

// -----

// The kernels take f32 activations and results: a bf16 projection over a
// packed weight keeps the generic (computed in bf16) without the tag.
// CHECK-LABEL: func @linear_bf16_untagged(
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x40xbf16>, tensor<1280xf32>) outs(%{{.*}} : tensor<?x20xbf16>) {
// CHECK-NOT: llmc.ukernel
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: arith.mulf %{{.*}}, %{{.*}} fastmath<reassoc,contract> : bf16
// CHECK-NOT: llmc.ukernel
// CHECK: return
func.func @linear_bf16_untagged(%x: tensor<?x40xbf16>, %d: tensor<1280xf32>) -> tensor<?x20xbf16> {
  %w = llm.packed_view %d : tensor<1280xf32> -> !llm.packed_weight<20x40, f32>
  %0 = llm.linear %x, %w : (tensor<?x40xbf16>, !llm.packed_weight<20x40, f32>) -> tensor<?x20xbf16>
  return %0 : tensor<?x20xbf16>
}

// -----

// Lookups in a packed table: a parallel generic over (t, h) that reads the
// row ids[t] through affine.apply of the same layout maps, now over
// (row, col) = (d0, d1), and tensor.extract. int8 20 x 40.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1) -> (((d0 floordiv 16) * 10 + d1 floordiv 4) * 64 + (d0 mod 16) * 4 + d1 mod 4)>
// CHECK-LABEL: func @embedding_int8(
// CHECK-SAME: %[[IDS:[^:]*]]: tensor<?xi32>, %[[D:[^:]*]]: tensor<1280xi8>, %[[SC:[^:]*]]: tensor<32xf16>)
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[ALL]]], iterator_types = ["parallel", "parallel"]} ins(%[[IDS]] : tensor<?xi32>) outs(%{{.*}} : tensor<?x40xf32>)
// CHECK-NOT: llmc.ukernel
// CHECK-NEXT: ^bb0(%[[ID:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = arith.index_cast %[[ID]] : i32 to index
// CHECK-NEXT: %[[C:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[DI:.*]] = affine.apply #[[W]](%[[R]], %[[C]])
// CHECK-NEXT: %[[U:.*]] = tensor.extract %[[D]][%[[DI]]] : tensor<1280xi8>
// CHECK-NEXT: %[[SI:.*]] = affine.apply #[[ROW]](%[[R]], %[[C]])
// CHECK-NEXT: %[[SV:.*]] = tensor.extract %[[SC]][%[[SI]]] : tensor<32xf16>
// CHECK-NEXT: %[[U32:.*]] = arith.extui %[[U]] : i8 to i32
// CHECK-NEXT: %[[C128:.*]] = arith.constant 128 : i32
// CHECK-NEXT: %[[Q:.*]] = arith.subi %[[U32]], %[[C128]] : i32
// CHECK-NEXT: %[[QF:.*]] = arith.sitofp %[[Q]] : i32 to f32
// CHECK-NEXT: %[[SF:.*]] = arith.extf %[[SV]] : f16 to f32
// CHECK-NEXT: %[[V:.*]] = arith.mulf %[[QF]], %[[SF]] : f32
// CHECK-NEXT: linalg.yield %[[V]] : f32
func.func @embedding_int8(%ids: tensor<?xi32>, %d: tensor<1280xi8>, %s: tensor<32xf16>) -> tensor<?x40xf32> {
  %w = llm.packed_view %d, %s : tensor<1280xi8>, tensor<32xf16> -> !llm.packed_weight<20x40, i8, scale = f16>
  %0 = llm.embedding %w[%ids] : (!llm.packed_weight<20x40, i8, scale = f16>, tensor<?xi32>) -> tensor<?x40xf32>
  return %0 : tensor<?x40xf32>
}

// -----

// int4 table with zero points, bf16 result: scale and zero point share one
// index map, the nibble is selected by the column, the value is narrowed.
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1) -> ((((d0 floordiv 16) * 2 + d1 floordiv 32) * 4 + (d1 mod 32) floordiv 8) * 64 + (d0 mod 16) * 4 + d1 mod 4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1) -> (((d0 floordiv 16) * 2 + d1 floordiv 32) * 16 + d0 mod 16)>
// CHECK-LABEL: func @embedding_int4(
// CHECK-SAME: %[[IDS:[^:]*]]: tensor<?xi64>, %[[D:[^:]*]]: tensor<1024xi8>, %[[SC:[^:]*]]: tensor<64xf32>, %[[Z:[^:]*]]: tensor<64xi8>)
// CHECK: linalg.generic {{.*}} ins(%[[IDS]] : tensor<?xi64>) outs(%{{.*}} : tensor<?x40xbf16>)
// CHECK: %[[R:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[DI:.*]] = affine.apply #[[W]](%[[R]], %[[C]])
// CHECK: tensor.extract %[[D]][%[[DI]]] : tensor<1024xi8>
// CHECK: %[[SI:.*]] = affine.apply #[[S]](%[[R]], %[[C]])
// CHECK: %[[SV:.*]] = tensor.extract %[[SC]][%[[SI]]] : tensor<64xf32>
// CHECK: %[[ZI:.*]] = affine.apply #[[S]](%[[R]], %[[C]])
// CHECK: %[[ZV:.*]] = tensor.extract %[[Z]][%[[ZI]]] : tensor<64xi8>
// CHECK: %[[C32:.*]] = arith.index_cast %[[C]] : index to i32
// CHECK: arith.remui %[[C32]], %{{.*}} : i32
// CHECK: arith.shrui
// CHECK: %[[NIB:.*]] = arith.andi
// CHECK: %[[ZP:.*]] = arith.extui %[[ZV]] : i8 to i32
// CHECK: arith.subi %[[NIB]], %[[ZP]] : i32
// CHECK: %[[V:.*]] = arith.mulf %{{.*}}, %[[SV]] : f32
// CHECK: %[[T:.*]] = arith.truncf %[[V]] : f32 to bf16
// CHECK: linalg.yield %[[T]] : bf16
func.func @embedding_int4(%ids: tensor<?xi64>, %d: tensor<1024xi8>, %s: tensor<64xf32>, %z: tensor<64xi8>) -> tensor<?x40xbf16> {
  %w = llm.packed_view %d, %s, %z : tensor<1024xi8>, tensor<64xf32>, tensor<64xi8> -> !llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points>
  %0 = llm.embedding %w[%ids] : (!llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points>, tensor<?xi64>) -> tensor<?x40xbf16>
  return %0 : tensor<?x40xbf16>
}

// -----

// f32 panels (a tied table kept at full precision): the value is read as is.
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1) -> ((d0 floordiv 32) * 1280 + d1 * 32 + d0 mod 32)>
// CHECK-LABEL: func @embedding_f32(
// CHECK-SAME: %{{[^:]*}}: tensor<?xi32>, %[[D:[^:]*]]: tensor<1280xf32>)
// CHECK: %[[DI:.*]] = affine.apply #[[W]](%{{.*}}, %{{.*}})
// CHECK-NEXT: %[[V:.*]] = tensor.extract %[[D]][%[[DI]]] : tensor<1280xf32>
// CHECK-NEXT: linalg.yield %[[V]] : f32
func.func @embedding_f32(%ids: tensor<?xi32>, %d: tensor<1280xf32>) -> tensor<?x40xf32> {
  %w = llm.packed_view %d : tensor<1280xf32> -> !llm.packed_weight<20x40, f32>
  %0 = llm.embedding %w[%ids] : (!llm.packed_weight<20x40, f32>, tensor<?xi32>) -> tensor<?x40xf32>
  return %0 : tensor<?x40xf32>
}

// -----

// After llm-bind-weights, readers of llm.pack_weight read blob views
// through llm.packed_view (left dead for the canonicalizer once its
// readers are lowered): a tied int8 table
// (128 x 64, f32 scales at byte 8192) feeds the lookup and the LM head,
// and an asymmetric int4 linear (96 x 64, group 64) reads data, scales
// and zero points at the offsets bind-weights chose.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[T2:.*]] = affine_map<(d0, d1) -> (((d0 floordiv 16) * 16 + d1 floordiv 4) * 64 + (d0 mod 16) * 4 + d1 mod 4)>
// CHECK-DAG: #[[W4:.*]] = affine_map<(d0, d1, d2) -> (((d1 floordiv 16 + d2 floordiv 64) * 8 + (d2 mod 64) floordiv 8) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
// CHECK-DAG: #[[S4:.*]] = affine_map<(d0, d1, d2) -> ((d1 floordiv 16 + d2 floordiv 64) * 16 + d1 mod 16)>
// CHECK-DAG: #[[T3:.*]] = affine_map<(d0, d1, d2) -> (((d1 floordiv 16) * 16 + d2 floordiv 4) * 64 + (d1 mod 16) * 4 + d2 mod 4)>
// CHECK-DAG: #[[N:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @bound(
// CHECK: %[[TD:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<8192xi8> to tensor<8192xi8>
// CHECK: %[[TS:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<128xf32> to tensor<128xf32>
// CHECK: %[[WD:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<3072xi8> to tensor<3072xi8>
// CHECK: %[[WS:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<96xf16> to tensor<96xf16>
// CHECK: %[[WZ:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<96xi8> to tensor<96xi8>
// CHECK-NOT: llm.pack_weight
// CHECK-NOT: llm.embedding
// CHECK: %[[H:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #{{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK: affine.apply #[[T2]]
// CHECK: tensor.extract %[[TD]]
// CHECK: tensor.extract %[[TS]]
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[W4]], #[[S4]], #[[S4]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[H]], %[[WD]], %[[WS]], %[[WZ]] : tensor<?x64xf32>, tensor<3072xi8>, tensor<96xf16>, tensor<96xi8>)
// CHECK-SAME: {llmc.ukernel = {group = 64 : i64, k = 64 : i64, kernel = "linear_int4", n = 96 : i64, scale_bytes = 2 : i64}}
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[T3]], #[[N]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[H]], %[[TD]], %[[TS]] : tensor<?x64xf32>, tensor<8192xi8>, tensor<128xf32>)
// CHECK-SAME: {llmc.ukernel = {group = 0 : i64, k = 64 : i64, kernel = "linear_int8", n = 128 : i64, scale_bytes = 4 : i64}}
// CHECK-NOT: llm.
func.func @bound(%ids: tensor<?xi32>) -> (tensor<?x96xf32>, tensor<?x128xf32>) attributes {llm.entry_point} {
  %t = llm.weight "tok" : tensor<128x64xbf16>
  %tp = llm.pack_weight %t : tensor<128x64xbf16> -> !llm.packed_weight<128x64, i8, scale = f32>
  %h = llm.embedding %tp[%ids] : (!llm.packed_weight<128x64, i8, scale = f32>, tensor<?xi32>) -> tensor<?x64xf32>
  %w = llm.weight "w" : tensor<96x64xf32>
  %wp = llm.pack_weight %w : tensor<96x64xf32> -> !llm.packed_weight<96x64, i4, group = 64, scale = f16, zero_points>
  %y = llm.linear %h, %wp : (tensor<?x64xf32>, !llm.packed_weight<96x64, i4, group = 64, scale = f16, zero_points>) -> tensor<?x96xf32>
  %l = llm.lm_head %h, %tp : (tensor<?x64xf32>, !llm.packed_weight<128x64, i8, scale = f32>) -> tensor<?x128xf32>
  return %y, %l : tensor<?x96xf32>, tensor<?x128xf32>
}

// -----

// A pack that is not of an llm.weight is never bound, and the lowering
// needs bound buffers (the pack is only evaluated when the artifact is
// written), so the conversion fails.
func.func @unbound(%x: tensor<?x40xf32>, %w0: tensor<20x40xf32>) -> tensor<?x20xf32> {
  // expected-error @+1 {{failed to legalize operation 'llm.pack_weight' that was explicitly marked illegal}}
  %w = llm.pack_weight %w0 : tensor<20x40xf32> -> !llm.packed_weight<20x40, f32>
  %0 = llm.linear %x, %w : (tensor<?x40xf32>, !llm.packed_weight<20x40, f32>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}
