// RUN: llmc-opt %s | llmc-opt | FileCheck %s
// RUN: llmc-opt %s --mlir-print-op-generic | llmc-opt | FileCheck %s

// Round trip of !llm.packed_weight in all its forms, of llm.pack_weight and
// llm.packed_view, and of the projections and lookups that read a packed
// weight, through the custom and generic forms. Sizes: a 20x40 weight is
// one f32 panel (1 x 40 x 32 = 1280 floats); int8 is 2 panels x 10 chunks x
// 64 = 1280 bytes with 32 scales; int4 is 2 panels x ceil(40/G) groups x
// G/8 chunks x 64 bytes with 2 x ceil(40/G) x 16 scales.

// Every form of the type: f32 panels, i8 with f16 and f32 scales, i4 with
// each group size, with and without zero points. Parameters print in a
// fixed order whatever order the keywords were written in.
// CHECK-LABEL: func @types(
// CHECK-SAME: !llm.packed_weight<256x64, f32>,
// CHECK-SAME: !llm.packed_weight<256x64, i8, scale = f16>,
// CHECK-SAME: !llm.packed_weight<256x64, i8, scale = f32>,
// CHECK-SAME: !llm.packed_weight<256x64, i4, group = 32, scale = f16>,
// CHECK-SAME: !llm.packed_weight<256x64, i4, group = 64, scale = f32>,
// CHECK-SAME: !llm.packed_weight<256x64, i4, group = 128, scale = f16>,
// CHECK-SAME: !llm.packed_weight<256x64, i4, group = 32, scale = f16, zero_points>,
// CHECK-SAME: !llm.packed_weight<256x64, i4, group = 64, scale = f32, zero_points>,
// CHECK-SAME: !llm.packed_weight<256x64, i4, group = 128, scale = f32, zero_points>,
// CHECK-SAME: !llm.packed_weight<1x1, f32>)
func.func @types(%f32: !llm.packed_weight<256x64, f32>,
                 %i8h: !llm.packed_weight<256x64, i8, scale = f16>,
                 %i8f: !llm.packed_weight<256x64, i8, scale = f32>,
                 %g32: !llm.packed_weight<256x64, i4, group = 32, scale = f16>,
                 %g64: !llm.packed_weight<256x64, i4, group = 64, scale = f32>,
                 %g128: !llm.packed_weight<256x64, i4, group = 128, scale = f16>,
                 %g32z: !llm.packed_weight<256x64, i4, group = 32, scale = f16, zero_points>,
                 %g64z: !llm.packed_weight<256x64, i4, scale = f32, group = 64, zero_points>,
                 %g128z: !llm.packed_weight<256x64, i4, zero_points, scale = f32, group = 128>,
                 %tiny: !llm.packed_weight<1x1, f32>) {
  return
}

// llm.pack_weight from f32, f16 and bf16 weights to each layout.
// CHECK-LABEL: func @pack_weight
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xf32> -> <20x40, f32>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xbf16> -> <20x40, f32>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xf16> -> <20x40, i8, scale = f16>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xbf16> -> <20x40, i8, scale = f32>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xbf16> -> <20x40, i4, group = 32, scale = f16>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xf32> -> <20x40, i4, group = 64, scale = f32, zero_points>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xf16> -> <20x40, i4, group = 128, scale = f16, zero_points>
func.func @pack_weight(%w: tensor<20x40xf32>, %wb: tensor<20x40xbf16>, %wh: tensor<20x40xf16>)
    -> (!llm.packed_weight<20x40, f32>, !llm.packed_weight<20x40, f32>,
        !llm.packed_weight<20x40, i8, scale = f16>, !llm.packed_weight<20x40, i8, scale = f32>,
        !llm.packed_weight<20x40, i4, group = 32, scale = f16>,
        !llm.packed_weight<20x40, i4, group = 64, scale = f32, zero_points>,
        !llm.packed_weight<20x40, i4, group = 128, scale = f16, zero_points>) {
  %0 = llm.pack_weight %w : tensor<20x40xf32> -> !llm.packed_weight<20x40, f32>
  %1 = llm.pack_weight %wb : tensor<20x40xbf16> -> !llm.packed_weight<20x40, f32>
  %2 = llm.pack_weight %wh : tensor<20x40xf16> -> !llm.packed_weight<20x40, i8, scale = f16>
  %3 = llm.pack_weight %wb : tensor<20x40xbf16> -> !llm.packed_weight<20x40, i8, scale = f32>
  %4 = llm.pack_weight %wb : tensor<20x40xbf16> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  %5 = llm.pack_weight %w : tensor<20x40xf32> -> !llm.packed_weight<20x40, i4, group = 64, scale = f32, zero_points>
  %6 = llm.pack_weight %wh : tensor<20x40xf16> -> !llm.packed_weight<20x40, i4, group = 128, scale = f16, zero_points>
  return %0, %1, %2, %3, %4, %5, %6
      : !llm.packed_weight<20x40, f32>, !llm.packed_weight<20x40, f32>,
        !llm.packed_weight<20x40, i8, scale = f16>, !llm.packed_weight<20x40, i8, scale = f32>,
        !llm.packed_weight<20x40, i4, group = 32, scale = f16>,
        !llm.packed_weight<20x40, i4, group = 64, scale = f32, zero_points>,
        !llm.packed_weight<20x40, i4, group = 128, scale = f16, zero_points>
}

// Pre-quantized i4 codes (an ONNX MatMulNBits weight) into an i4 layout.
// CHECK-LABEL: func @pack_prequantized
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xi4> -> <20x40, i4, group = 32, scale = f16>
// CHECK: llm.pack_weight %{{.*}} : tensor<20x40xi4> -> <20x40, i4, group = 64, scale = f32, zero_points>
func.func @pack_prequantized(%q: tensor<20x40xi4>)
    -> (!llm.packed_weight<20x40, i4, group = 32, scale = f16>,
        !llm.packed_weight<20x40, i4, group = 64, scale = f32, zero_points>) {
  %0 = llm.pack_weight %q : tensor<20x40xi4> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  %1 = llm.pack_weight %q : tensor<20x40xi4> -> !llm.packed_weight<20x40, i4, group = 64, scale = f32, zero_points>
  return %0, %1 : !llm.packed_weight<20x40, i4, group = 32, scale = f16>,
                  !llm.packed_weight<20x40, i4, group = 64, scale = f32, zero_points>
}

// llm.packed_view with the parts each layout has: data only (f32), data and
// scales (i8, symmetric i4), data, scales and zero points (asymmetric i4).
// CHECK-LABEL: func @packed_view(
// CHECK-SAME: %[[F:[^:]*]]: tensor<1280xf32>, %[[D8:[^:]*]]: tensor<1280xi8>, %[[S8:[^:]*]]: tensor<32xf16>, %[[S8F:[^:]*]]: tensor<32xf32>,
// CHECK-SAME: %[[D4:[^:]*]]: tensor<1024xi8>, %[[S4:[^:]*]]: tensor<64xf16>, %[[Z4:[^:]*]]: tensor<64xi8>,
// CHECK-SAME: %[[D64:[^:]*]]: tensor<1024xi8>, %[[S64:[^:]*]]: tensor<32xf32>, %[[D128:[^:]*]]: tensor<2048xi8>, %[[Z128:[^:]*]]: tensor<32xi8>)
// CHECK: llm.packed_view %[[F]] : tensor<1280xf32> -> <20x40, f32>
// CHECK: llm.packed_view %[[D8]], %[[S8]] : tensor<1280xi8>, tensor<32xf16> -> <20x40, i8, scale = f16>
// CHECK: llm.packed_view %[[D8]], %[[S8F]] : tensor<1280xi8>, tensor<32xf32> -> <20x40, i8, scale = f32>
// CHECK: llm.packed_view %[[D4]], %[[S4]] : tensor<1024xi8>, tensor<64xf16> -> <20x40, i4, group = 32, scale = f16>
// CHECK: llm.packed_view %[[D4]], %[[S4]], %[[Z4]] : tensor<1024xi8>, tensor<64xf16>, tensor<64xi8> -> <20x40, i4, group = 32, scale = f16, zero_points>
// CHECK: llm.packed_view %[[D64]], %[[S64]] : tensor<1024xi8>, tensor<32xf32> -> <20x40, i4, group = 64, scale = f32>
// CHECK: llm.packed_view %[[D128]], %[[S8F]], %[[Z128]] : tensor<2048xi8>, tensor<32xf32>, tensor<32xi8> -> <20x40, i4, group = 128, scale = f32, zero_points>
func.func @packed_view(%f: tensor<1280xf32>, %d8: tensor<1280xi8>, %s8: tensor<32xf16>, %s8f: tensor<32xf32>,
                       %d4: tensor<1024xi8>, %s4: tensor<64xf16>, %z4: tensor<64xi8>,
                       %d64: tensor<1024xi8>, %s64: tensor<32xf32>, %d128: tensor<2048xi8>, %z128: tensor<32xi8>) {
  %0 = llm.packed_view %f : tensor<1280xf32> -> !llm.packed_weight<20x40, f32>
  %1 = llm.packed_view %d8, %s8 : tensor<1280xi8>, tensor<32xf16> -> !llm.packed_weight<20x40, i8, scale = f16>
  %2 = llm.packed_view %d8, %s8f : tensor<1280xi8>, tensor<32xf32> -> !llm.packed_weight<20x40, i8, scale = f32>
  %3 = llm.packed_view %d4, %s4 : tensor<1024xi8>, tensor<64xf16> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  %4 = llm.packed_view %d4, %s4, %z4 : tensor<1024xi8>, tensor<64xf16>, tensor<64xi8> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>
  %5 = llm.packed_view %d64, %s64 : tensor<1024xi8>, tensor<32xf32> -> !llm.packed_weight<20x40, i4, group = 64, scale = f32>
  %6 = llm.packed_view %d128, %s8f, %z128 : tensor<2048xi8>, tensor<32xf32>, tensor<32xi8> -> !llm.packed_weight<20x40, i4, group = 128, scale = f32, zero_points>
  return
}

// The generic form names which optional parts a view has.
// CHECK-LABEL: func @packed_view_generic
// CHECK: llm.packed_view %{{.*}}, %{{.*}}, %{{.*}} : tensor<1024xi8>, tensor<64xf32>, tensor<64xi8> -> <20x40, i4, group = 32, scale = f32, zero_points>
func.func @packed_view_generic(%d: tensor<1024xi8>, %s: tensor<64xf32>, %z: tensor<64xi8>)
    -> !llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points> {
  %0 = "llm.packed_view"(%d, %s, %z) <{operandSegmentSizes = array<i32: 1, 1, 1>}>
      : (tensor<1024xi8>, tensor<64xf32>, tensor<64xi8>) -> !llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points>
  return %0 : !llm.packed_weight<20x40, i4, group = 32, scale = f32, zero_points>
}

// Projections over packed weights: the weight's rows are out_features, its
// cols in_features; a bias still has out_features entries.
// CHECK-LABEL: func @linear_packed
// CHECK: llm.linear %{{.*}}, %{{.*}} : (tensor<?x40xf32>, !llm.packed_weight<20x40, f32>) -> tensor<?x20xf32>
// CHECK: llm.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x40xf32>, !llm.packed_weight<20x40, i8, scale = f16>, tensor<20xf32>) -> tensor<?x20xf32>
// CHECK: llm.linear %{{.*}}, %{{.*}} : (tensor<?x40xbf16>, !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>) -> tensor<?x20xbf16>
func.func @linear_packed(%x: tensor<?x40xf32>, %xb: tensor<?x40xbf16>,
                         %wf: !llm.packed_weight<20x40, f32>,
                         %w8: !llm.packed_weight<20x40, i8, scale = f16>,
                         %w4: !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>,
                         %b: tensor<20xf32>)
    -> (tensor<?x20xf32>, tensor<?x20xf32>, tensor<?x20xbf16>) {
  %0 = llm.linear %x, %wf : (tensor<?x40xf32>, !llm.packed_weight<20x40, f32>) -> tensor<?x20xf32>
  %1 = llm.linear %x, %w8, %b : (tensor<?x40xf32>, !llm.packed_weight<20x40, i8, scale = f16>, tensor<20xf32>) -> tensor<?x20xf32>
  %2 = llm.linear %xb, %w4 : (tensor<?x40xbf16>, !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>) -> tensor<?x20xbf16>
  return %0, %1, %2 : tensor<?x20xf32>, tensor<?x20xf32>, tensor<?x20xbf16>
}

// CHECK-LABEL: func @lm_head_packed
// CHECK: llm.lm_head %{{.*}}, %{{.*}} : (tensor<?x64xf32>, !llm.packed_weight<512x64, i8, scale = f32>) -> tensor<?x512xf32>
// CHECK: llm.lm_head %{{.*}}, %{{.*}} : (tensor<?x64xf32>, !llm.packed_weight<512x64, f32>) -> tensor<?x512xf32>
func.func @lm_head_packed(%h: tensor<?x64xf32>, %w8: !llm.packed_weight<512x64, i8, scale = f32>,
                          %wf: !llm.packed_weight<512x64, f32>) -> (tensor<?x512xf32>, tensor<?x512xf32>) {
  %0 = llm.lm_head %h, %w8 : (tensor<?x64xf32>, !llm.packed_weight<512x64, i8, scale = f32>) -> tensor<?x512xf32>
  %1 = llm.lm_head %h, %wf : (tensor<?x64xf32>, !llm.packed_weight<512x64, f32>) -> tensor<?x512xf32>
  return %0, %1 : tensor<?x512xf32>, tensor<?x512xf32>
}

// A packed table's cols are the embedding width; a tied table feeds both
// the lookup and the LM head.
// CHECK-LABEL: func @embedding_packed
// CHECK: %[[T:.*]] = llm.pack_weight %{{.*}} : tensor<512x64xbf16> -> <512x64, i8, scale = f16>
// CHECK: %[[H:.*]] = llm.embedding %[[T]][%{{.*}}] : (!llm.packed_weight<512x64, i8, scale = f16>, tensor<?xi32>) -> tensor<?x64xf32>
// CHECK: llm.embedding %{{.*}}[%{{.*}}] : (!llm.packed_weight<512x64, f32>, tensor<3xi64>) -> tensor<3x64xbf16>
// CHECK: llm.lm_head %[[H]], %[[T]] : (tensor<?x64xf32>, !llm.packed_weight<512x64, i8, scale = f16>) -> tensor<?x512xf32>
func.func @embedding_packed(%w: tensor<512x64xbf16>, %ids: tensor<?xi32>, %ids3: tensor<3xi64>,
                            %tf: !llm.packed_weight<512x64, f32>)
    -> (tensor<?x512xf32>, tensor<3x64xbf16>) {
  %t = llm.pack_weight %w : tensor<512x64xbf16> -> !llm.packed_weight<512x64, i8, scale = f16>
  %h = llm.embedding %t[%ids] : (!llm.packed_weight<512x64, i8, scale = f16>, tensor<?xi32>) -> tensor<?x64xf32>
  %e = llm.embedding %tf[%ids3] : (!llm.packed_weight<512x64, f32>, tensor<3xi64>) -> tensor<3x64xbf16>
  %l = llm.lm_head %h, %t : (tensor<?x64xf32>, !llm.packed_weight<512x64, i8, scale = f16>) -> tensor<?x512xf32>
  return %l, %e : tensor<?x512xf32>, tensor<3x64xbf16>
}
