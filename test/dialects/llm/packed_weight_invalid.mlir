// RUN: llmc-opt %s --split-input-file --verify-diagnostics

// Verifier errors of !llm.packed_weight, llm.pack_weight, llm.packed_view
// and of the ops that read a packed weight.

//===----------------------------------------------------------------------===//
// The type
//===----------------------------------------------------------------------===//

// Rows and cols must be positive.
// expected-error @+1 {{expects positive rows and cols, got 0x64}}
func.func private @zero_rows(!llm.packed_weight<0x64, f32>)

// -----

// expected-error @+1 {{expects positive rows and cols, got 256x0}}
func.func private @zero_cols(!llm.packed_weight<256x0, i8, scale = f16>)

// -----

// Dynamic sizes are not dimensions of a packed weight.
// expected-error @+1 {{expected static shape}}
func.func private @dynamic_rows(!llm.packed_weight<?x64, f32>)

// -----

// Storage is f32 (panels), i8 or i4; nothing else.
// expected-error @+1 {{expects f32, i8 or i4 storage, got 'i16'}}
func.func private @storage_i16(!llm.packed_weight<256x64, i16, scale = f16>)

// -----

// expected-error @+1 {{expects f32, i8 or i4 storage, got 'bf16'}}
func.func private @storage_bf16(!llm.packed_weight<256x64, bf16>)

// -----

// expected-error @+1 {{expects f32, i8 or i4 storage, got 'f16'}}
func.func private @storage_f16(!llm.packed_weight<256x64, f16>)

// -----

// int8 has one symmetric scale per row: no group, no zero points.
// expected-error @+1 {{expects no group or zero_points for i8 (one symmetric scale per row)}}
func.func private @i8_group(!llm.packed_weight<256x64, i8, group = 32, scale = f16>)

// -----

// expected-error @+1 {{expects no group or zero_points for i8 (one symmetric scale per row)}}
func.func private @i8_zero_points(!llm.packed_weight<256x64, i8, scale = f32, zero_points>)

// -----

// Quantized storage needs scales, of f16 or f32.
// expected-error @+1 {{expects scale = f16 or f32 for 'i8'}}
func.func private @i8_no_scale(!llm.packed_weight<256x64, i8>)

// -----

// expected-error @+1 {{expects scale = f16 or f32 for 'i8', got 'bf16'}}
func.func private @i8_bf16_scale(!llm.packed_weight<256x64, i8, scale = bf16>)

// -----

// expected-error @+1 {{expects scale = f16 or f32 for 'i4'}}
func.func private @i4_no_scale(!llm.packed_weight<256x64, i4, group = 32>)

// -----

// expected-error @+1 {{expects scale = f16 or f32 for 'i4', got 'i8'}}
func.func private @i4_int_scale(!llm.packed_weight<256x64, i4, group = 32, scale = i8>)

// -----

// int4 groups are 32, 64 or 128 inputs (multiples of the kernels' 32-wide
// activation blocks).
// expected-error @+1 {{expects an i4 group of 32, 64 or 128, got 48}}
func.func private @i4_group_48(!llm.packed_weight<256x64, i4, group = 48, scale = f16>)

// -----

// expected-error @+1 {{expects an i4 group of 32, 64 or 128, got 0}}
func.func private @i4_no_group(!llm.packed_weight<256x64, i4, scale = f16>)

// -----

// expected-error @+1 {{expects an i4 group of 32, 64 or 128, got 256}}
func.func private @i4_group_256(!llm.packed_weight<256x64, i4, group = 256, scale = f16, zero_points>)

// -----

// f32 panels are not quantized: no scale, group or zero points.
// expected-error @+1 {{expects no group, scale or zero_points for f32 panels}}
func.func private @f32_scale(!llm.packed_weight<256x64, f32, scale = f16>)

// -----

// expected-error @+1 {{expects no group, scale or zero_points for f32 panels}}
func.func private @f32_group(!llm.packed_weight<256x64, f32, group = 32>)

// -----

// expected-error @+1 {{expects no group, scale or zero_points for f32 panels}}
func.func private @f32_zero_points(!llm.packed_weight<256x64, f32, zero_points>)

// -----

// expected-error @+1 {{unknown packed_weight parameter 'groups' (expected group, scale or zero_points)}}
func.func private @unknown_keyword(!llm.packed_weight<256x64, i4, groups = 32, scale = f16>)

// -----

// expected-error @+1 {{unknown packed_weight parameter 'symmetric' (expected group, scale or zero_points)}}
func.func private @unknown_flag(!llm.packed_weight<256x64, i8, scale = f16, symmetric>)

// -----

// A packed weight is a matrix: exactly ROWSxCOLS.
// expected-error @+1 {{expects ROWSxCOLS, got 3 dimensions}}
func.func private @three_dims(!llm.packed_weight<4x256x64, f32>)

// -----

// expected-error @+1 {{expects ROWSxCOLS, got 1 dimensions}}
func.func private @one_dim(!llm.packed_weight<256, f32>)

// -----

//===----------------------------------------------------------------------===//
// llm.pack_weight
//===----------------------------------------------------------------------===//

func.func @pack_shape(%w: tensor<20x32xf32>) {
  // expected-error @+1 {{'llm.pack_weight' op expects a 20x40 weight for '!llm.packed_weight<20x40, i8, scale = f16>', got 'tensor<20x32xf32>'}}
  %0 = llm.pack_weight %w : tensor<20x32xf32> -> !llm.packed_weight<20x40, i8, scale = f16>
  return
}

// -----

// Pre-quantized i4 codes are served in their int4 layout: they cannot
// become f32 panels or int8.
func.func @pack_codes_as_int8(%q: tensor<20x40xi4>) {
  // expected-error @+1 {{'llm.pack_weight' op expects an i4 layout for pre-quantized i4 codes, got '!llm.packed_weight<20x40, i8, scale = f16>'}}
  %0 = llm.pack_weight %q : tensor<20x40xi4> -> !llm.packed_weight<20x40, i8, scale = f16>
  return
}

// -----

// Only floating-point weights or i4 codes.
func.func @pack_int8_tensor(%q: tensor<20x40xi8>) {
  // expected-error @+1 {{'llm.pack_weight' op operand #0 must be ranked tensor of floating-point values or ranked tensor of 4-bit signless integer values, but got 'tensor<20x40xi8>'}}
  %0 = llm.pack_weight %q : tensor<20x40xi8> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  return
}

// -----

// Rows and cols must not be swapped: the weight is [out_features, in_features].
func.func @pack_transposed(%w: tensor<40x20xbf16>) {
  // expected-error @+1 {{'llm.pack_weight' op expects a 20x40 weight for '!llm.packed_weight<20x40, f32>', got 'tensor<40x20xbf16>'}}
  %0 = llm.pack_weight %w : tensor<40x20xbf16> -> !llm.packed_weight<20x40, f32>
  return
}

// -----

func.func @pack_dynamic(%w: tensor<?x40xf32>) {
  // expected-error @+1 {{'llm.pack_weight' op expects a 20x40 weight for '!llm.packed_weight<20x40, f32>', got 'tensor<?x40xf32>'}}
  %0 = llm.pack_weight %w : tensor<?x40xf32> -> !llm.packed_weight<20x40, f32>
  return
}

// -----

func.func @pack_rank(%w: tensor<800xf32>) {
  // expected-error @+1 {{'llm.pack_weight' op expects a weight of rank 2, got 'tensor<800xf32>'}}
  %0 = llm.pack_weight %w : tensor<800xf32> -> !llm.packed_weight<20x40, f32>
  return
}

// -----

func.func @pack_rank3(%w: tensor<1x20x40xf32>) {
  // expected-error @+1 {{'llm.pack_weight' op expects a weight of rank 2, got 'tensor<1x20x40xf32>'}}
  %0 = llm.pack_weight %w : tensor<1x20x40xf32> -> !llm.packed_weight<20x40, f32>
  return
}

// -----

// Only floating-point weights are packed (quantized inputs are not requantized).
func.func @pack_int(%w: tensor<20x40xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = llm.pack_weight %w : tensor<20x40xi8> -> !llm.packed_weight<20x40, i8, scale = f16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// llm.packed_view: each part has the size the layout fixes
//===----------------------------------------------------------------------===//

// int8 20x40: 2 panels x 10 chunks x 64 bytes = 1280, not 1024.
func.func @view_data_size(%d: tensor<1024xi8>, %s: tensor<32xf16>) {
  // expected-error @+1 {{'llm.packed_view' op expects data of type 'tensor<1280xi8>', got 'tensor<1024xi8>'}}
  %0 = llm.packed_view %d, %s : tensor<1024xi8>, tensor<32xf16> -> !llm.packed_weight<20x40, i8, scale = f16>
  return
}

// -----

// f32 panels hold floats: 1 panel x 40 x 32.
func.func @view_data_element(%d: tensor<5120xi8>) {
  // expected-error @+1 {{'llm.packed_view' op expects data of type 'tensor<1280xf32>', got 'tensor<5120xi8>'}}
  %0 = llm.packed_view %d : tensor<5120xi8> -> !llm.packed_weight<20x40, f32>
  return
}

// -----

// int4 g32 20x40: 2 panels x 2 groups x 4 chunks x 64 = 1024 bytes.
func.func @view_int4_data_size(%d: tensor<1280xi8>, %s: tensor<64xf16>) {
  // expected-error @+1 {{'llm.packed_view' op expects data of type 'tensor<1024xi8>', got 'tensor<1280xi8>'}}
  %0 = llm.packed_view %d, %s : tensor<1280xi8>, tensor<64xf16> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  return
}

// -----

func.func @view_missing_scales(%d: tensor<1280xi8>) {
  // expected-error @+1 {{'llm.packed_view' op expects scales of type 'tensor<32xf16>'}}
  %0 = llm.packed_view %d : tensor<1280xi8> -> !llm.packed_weight<20x40, i8, scale = f16>
  return
}

// -----

// Scales are padded to whole panels of 16 rows: 32, not 20.
func.func @view_scales_size(%d: tensor<1280xi8>, %s: tensor<20xf32>) {
  // expected-error @+1 {{'llm.packed_view' op expects scales of type 'tensor<32xf32>', got 'tensor<20xf32>'}}
  %0 = llm.packed_view %d, %s : tensor<1280xi8>, tensor<20xf32> -> !llm.packed_weight<20x40, i8, scale = f32>
  return
}

// -----

func.func @view_scales_element(%d: tensor<1024xi8>, %s: tensor<64xf32>) {
  // expected-error @+1 {{'llm.packed_view' op expects scales of type 'tensor<64xf16>', got 'tensor<64xf32>'}}
  %0 = llm.packed_view %d, %s : tensor<1024xi8>, tensor<64xf32> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  return
}

// -----

func.func @view_unexpected_scales(%d: tensor<1280xf32>, %s: tensor<32xf16>) {
  // expected-error @+1 {{'llm.packed_view' op expects no scales}}
  %0 = llm.packed_view %d, %s : tensor<1280xf32>, tensor<32xf16> -> !llm.packed_weight<20x40, f32>
  return
}

// -----

// Symmetric int4 has no stored zero points.
func.func @view_unexpected_zeros(%d: tensor<1024xi8>, %s: tensor<64xf16>, %z: tensor<64xi8>) {
  // expected-error @+1 {{'llm.packed_view' op expects no zero points}}
  %0 = llm.packed_view %d, %s, %z : tensor<1024xi8>, tensor<64xf16>, tensor<64xi8> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16>
  return
}

// -----

func.func @view_missing_zeros(%d: tensor<1024xi8>, %s: tensor<64xf16>) {
  // expected-error @+1 {{'llm.packed_view' op expects zero points of type 'tensor<64xi8>'}}
  %0 = llm.packed_view %d, %s : tensor<1024xi8>, tensor<64xf16> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>
  return
}

// -----

// One zero point per scale: 2 panels x 2 groups x 16.
func.func @view_zeros_size(%d: tensor<1024xi8>, %s: tensor<64xf16>, %z: tensor<32xi8>) {
  // expected-error @+1 {{'llm.packed_view' op expects zero points of type 'tensor<64xi8>', got 'tensor<32xi8>'}}
  %0 = llm.packed_view %d, %s, %z : tensor<1024xi8>, tensor<64xf16>, tensor<32xi8> -> !llm.packed_weight<20x40, i4, group = 32, scale = f16, zero_points>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Readers of a packed weight
//===----------------------------------------------------------------------===//

func.func @linear_in_features(%x: tensor<?x64xf32>, %w: !llm.packed_weight<20x40, i8, scale = f16>) {
  // expected-error @+1 {{expects the input's last dimension (64) to match the weight's in_features (40)}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, !llm.packed_weight<20x40, i8, scale = f16>) -> tensor<?x20xf32>
  return
}

// -----

func.func @linear_out_features(%x: tensor<?x40xf32>, %w: !llm.packed_weight<20x40, f32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 20, got 40}}
  %0 = llm.linear %x, %w : (tensor<?x40xf32>, !llm.packed_weight<20x40, f32>) -> tensor<?x40xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x40xf32>, %w: !llm.packed_weight<20x40, i4, group = 32, scale = f16>, %b: tensor<32xf32>) {
  // expected-error @+1 {{expects dimension 0 of the bias to be 20, got 32}}
  %0 = llm.linear %x, %w, %b : (tensor<?x40xf32>, !llm.packed_weight<20x40, i4, group = 32, scale = f16>, tensor<32xf32>) -> tensor<?x20xf32>
  return
}

// -----

func.func @lm_head_in_features(%h: tensor<?x32xf32>, %w: !llm.packed_weight<512x64, i8, scale = f32>) {
  // expected-error @+1 {{expects the input's last dimension (32) to match the weight's in_features (64)}}
  %0 = llm.lm_head %h, %w : (tensor<?x32xf32>, !llm.packed_weight<512x64, i8, scale = f32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @lm_head_vocab(%h: tensor<?x64xf32>, %w: !llm.packed_weight<512x64, f32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 512, got 256}}
  %0 = llm.lm_head %h, %w : (tensor<?x64xf32>, !llm.packed_weight<512x64, f32>) -> tensor<?x256xf32>
  return
}

// -----

// A packed table's cols are the embedding width.
func.func @embedding_width(%t: !llm.packed_weight<512x64, i8, scale = f16>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 64, got 32}}
  %0 = llm.embedding %t[%ids] : (!llm.packed_weight<512x64, i8, scale = f16>, tensor<?xi32>) -> tensor<?x32xf32>
  return
}

// -----

// Not the rows (the vocabulary).
func.func @embedding_rows(%t: !llm.packed_weight<512x64, f32>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 64, got 512}}
  %0 = llm.embedding %t[%ids] : (!llm.packed_weight<512x64, f32>, tensor<?xi32>) -> tensor<?x512xf32>
  return
}

// -----

// Only projections and lookups read a packed weight.
func.func @rms_norm_packed(%x: tensor<?x64xf32>, %w: !llm.packed_weight<1x64, f32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of floating-point values}}
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, !llm.packed_weight<1x64, f32>) -> tensor<?x64xf32>
  return
}
