// RUN: llmc-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{expects a non-empty weight name}}
%0 = llm.weight "" : tensor<4xf32>

// -----

// expected-error @+1 {{expects a statically shaped weight, got 'tensor<?x4xf32>'}}
%0 = llm.weight "w" : tensor<?x4xf32>

// -----

// expected-error @+1 {{result #0 must be ranked tensor of any type values}}
%0 = "llm.weight"() {name = "w"} : () -> tensor<*xf32>

// -----

func.func @embedding_result_width(%t: tensor<512x64xf32>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 64, got 32}}
  %0 = llm.embedding %t[%ids] : (tensor<512x64xf32>, tensor<?xi32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @embedding_ids_rank(%t: tensor<512x64xf32>, %ids: tensor<2x3xi32>) {
  // expected-error @+1 {{expects ids of rank 1, got 'tensor<2x3xi32>'}}
  %0 = llm.embedding %t[%ids] : (tensor<512x64xf32>, tensor<2x3xi32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @embedding_float_ids(%t: tensor<512x64xf32>, %ids: tensor<?xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of signless integer values}}
  %0 = llm.embedding %t[%ids] : (tensor<512x64xf32>, tensor<?xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @linear_in_features(%x: tensor<?x64xf32>, %w: tensor<32x48xf32>) {
  // expected-error @+1 {{expects the input's last dimension (64) to match the weight's in_features (48)}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x48xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @linear_out_features(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 32, got 16}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @linear_bias(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{expects dimension 0 of the bias to be 32, got 16}}
  %0 = llm.linear %x, %w, %b : (tensor<?x64xf32>, tensor<32x64xf32>, tensor<16xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expects a weight of rank 2, got 'tensor<64xf32>'}}
  %0 = llm.linear %x, %w : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @lm_head_vocab(%h: tensor<?x64xf32>, %w: tensor<512x64xf32>) {
  // expected-error @+1 {{expects dimension 1 of the result to be 512, got 500}}
  %0 = llm.lm_head %h, %w : (tensor<?x64xf32>, tensor<512x64xf32>) -> tensor<?x500xf32>
  return
}

// -----

func.func @lm_head_hidden(%h: tensor<?x32xf32>, %w: tensor<512x64xf32>) {
  // expected-error @+1 {{expects the input's last dimension (32) to match the weight's in_features (64)}}
  %0 = llm.lm_head %h, %w : (tensor<?x32xf32>, tensor<512x64xf32>) -> tensor<?x512xf32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{expects dimension 0 of the weight to be 64, got 32}}
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expects a positive epsilon, got 0}}
  %0 = llm.rms_norm %x, %w {epsilon = 0.0 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @rms_norm_result(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{expects the result shape to match the input}}
  %0 = llm.rms_norm %x, %w {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return
}

// -----

func.func @silu_types(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "llm.silu"(%x) : (tensor<?x8xf32>) -> tensor<?x8xf16>
  return
}

// -----

func.func @swiglu_types(%g: tensor<?x8xf32>, %u: tensor<?x4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "llm.swiglu"(%g, %u) : (tensor<?x8xf32>, tensor<?x4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @add_types(%a: tensor<?x8xf32>, %b: tensor<?x8xf16>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "llm.add"(%a, %b) : (tensor<?x8xf32>, tensor<?x8xf16>) -> tensor<?x8xf32>
  return
}

// -----

func.func @rope_odd_head_dim(%x: tensor<?x8x7xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects a static, even head_dim, got 7}}
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<rotate_half>, theta = 1.0e+04 : f64} : (tensor<?x8x7xf32>, tensor<?xi64>) -> tensor<?x8x7xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<?x64xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects an input [tokens, heads, head_dim] of rank 3, got 'tensor<?x64xf32>'}}
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<rotate_half>, theta = 1.0e+04 : f64} : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x64xf32>
  return
}

// -----

func.func @rope_positions(%x: tensor<4x8x8xf32>, %p: tensor<5xi64>) {
  // expected-error @+1 {{expects dimension 0 of positions to be 4, got 5}}
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<rotate_half>, theta = 1.0e+04 : f64} : (tensor<4x8x8xf32>, tensor<5xi64>) -> tensor<4x8x8xf32>
  return
}

// -----

func.func @rope_theta(%x: tensor<?x8x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects a positive theta, got -1}}
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<rotate_half>, theta = -1.0 : f64} : (tensor<?x8x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @rope_style(%x: tensor<?x8x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+2 {{expected ::llmc::llm::RopeStyle to be one of: rotate_half, interleaved}}
  // expected-error @+1 {{failed to parse LLM_RopeStyleAttr parameter 'value'}}
  %0 = llm.rotary_embedding %x, %p {style = #llm.rope_style<sideways>, theta = 1.0e+04 : f64} : (tensor<?x8x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_groups(%q: tensor<?x8x8xf32>, %k: tensor<?x3x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects num_heads (8) to be a multiple of num_kv_heads (3)}}
  %0 = llm.attention %q, %k, %k positions(%p) {causal, num_heads = 8 : i64, num_kv_heads = 3 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x3x8xf32>, tensor<?x3x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_query_heads(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects dimension 1 of the query to be 4, got 8}}
  %0 = llm.attention %q, %k, %k positions(%p) {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<?x8x8xf32>, %k: tensor<?x4x4xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects dimension 2 of the key to be 8, got 4}}
  %0 = llm.attention %q, %k, %k positions(%p) {causal, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects a positive scale, got 0}}
  %0 = llm.attention %q, %k, %k positions(%p) {causal, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_window(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects sliding_window only on causal attention}}
  %0 = llm.attention %q, %k, %k positions(%p) {num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64, sliding_window = 4 : i64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_layer_without_cache(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects a layer only with a cache operand}}
  %0 = llm.attention %q, %k, %k positions(%p) {causal, layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

func.func @attention_cache_layer(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>,
    %c: !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>) {
  // expected-error @+1 {{expects layer 2 to be in [0, 2)}}
  %0, %1 = llm.attention %q, %k, %k positions(%p) cache(%c) {causal, layer = 2 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
      -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
  return
}

// -----

func.func @attention_cache_missing_layer(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>,
    %c: !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>) {
  // expected-error @+1 {{expects a layer attribute with a cache operand}}
  %0, %1 = llm.attention %q, %k, %k positions(%p) cache(%c) {causal, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
      -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
  return
}

// -----

func.func @attention_cache_geometry(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>,
    %c: !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, capacity = 64, f32>) {
  // expected-error @+1 {{expects a cache of 4 kv_heads x head_dim 8, got '!llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, capacity = 64, f32>'}}
  %0, %1 = llm.attention %q, %k, %k positions(%p) cache(%c) {causal, layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, capacity = 64, f32>)
      -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, capacity = 64, f32>)
  return
}

// -----

func.func @attention_cache_new_tokens(%q: tensor<2x8x8xf32>, %k: tensor<3x4x8xf32>, %p: tensor<2xi64>,
    %c: !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>) {
  // expected-error @+1 {{expects as many new keys as queries with a cache, got 3 and 2}}
  %0, %1 = llm.attention %q, %k, %k positions(%p) cache(%c) {causal, layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<2x8x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>, tensor<2xi64>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
      -> (tensor<2x8x8xf32>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
  return
}

// -----

func.func @attention_cache_result(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>,
    %c: !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>) {
  // expected-error @+1 {{expects the updated cache result to have type '!llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>'}}
  %0 = "llm.attention"(%q, %k, %k, %p, %c) {causal, layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 64, f32>)
      -> tensor<?x8x8xf32>
  return
}

// -----

// expected-error @+1 {{expects positive layers, kv_heads, head_dim and capacity, got 0, 4, 8, 64}}
func.func private @kv_cache_layers(!llm.kv_cache<layers = 0, kv_heads = 4, head_dim = 8, capacity = 64, f32>)

// -----

// expected-error @+1 {{expects a floating-point element type, got 'i8'}}
func.func private @kv_cache_element(!llm.kv_cache<layers = 1, kv_heads = 4, head_dim = 8, capacity = 64, i8>)

// -----

func.func @assert_too_many_values(%ok: i1, %a: index) {
  // expected-error @+1 {{expects at most 2 values, got 3}}
  llm.assert %ok, "{0} {1} {2}" (%a, %a, %a : index, index, index)
  return
}

// -----

func.func @assert_unknown_placeholder(%ok: i1, %a: index) {
  // expected-error @+1 {{message refers to value {1} but has 1 values}}
  llm.assert %ok, "{0} and {1}" (%a : index)
  return
}

// -----

func.func @assert_empty_message(%ok: i1) {
  // expected-error @+1 {{expects a message}}
  llm.assert %ok, ""
  return
}

// -----

func.func @assert_condition_type(%ok: i32) {
  // expected-error @+1 {{operand #0 must be 1-bit signless integer}}
  "llm.assert"(%ok) {message = "m"} : (i32) -> ()
  return
}

// -----

// The lowering and the kernels take [tokens, in_features]: a rank-3 input
// would verify and then fail to legalize.
func.func @linear_rank3(%x: tensor<2x?x64xf32>, %w: tensor<32x64xf32>) {
  // expected-error @+1 {{expects an input of rank 2 [tokens, in_features], got 'tensor<2x?x64xf32>'}}
  %0 = llm.linear %x, %w : (tensor<2x?x64xf32>, tensor<32x64xf32>) -> tensor<2x?x32xf32>
  return
}

// -----

func.func @lm_head_rank1(%x: tensor<64xf32>, %w: tensor<512x64xf32>) {
  // expected-error @+1 {{expects an input of rank 2 [tokens, in_features], got 'tensor<64xf32>'}}
  %0 = llm.lm_head %x, %w : (tensor<64xf32>, tensor<512x64xf32>) -> tensor<512xf32>
  return
}

// -----

// Query, keys, values and the result share an element type.
func.func @attention_mixed_types(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf16>, %p: tensor<?xi64>) {
  // expected-error @+1 {{expects the key to have the query's element type 'f32', got 'f16'}}
  %0 = llm.attention %q, %k, %k positions(%p) {causal, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf16>, tensor<?x4x8xf16>, tensor<?xi64>) -> tensor<?x8x8xf32>
  return
}

// -----

// New keys are stored into the cache as they are: same element type.
func.func @attention_cache_type(%q: tensor<?x8x8xf32>, %k: tensor<?x4x8xf32>, %p: tensor<?xi64>,
    %c: !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 16, f16>) {
  // expected-error @+1 {{expects a cache of the query's element type 'f32', got '!llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 16, f16>'}}
  %0, %1 = llm.attention %q, %k, %k positions(%p) cache(%c) {causal, layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 1.0 : f64}
      : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 16, f16>) -> (tensor<?x8x8xf32>, !llm.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, capacity = 16, f16>)
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{expects dimension 0 of the bias to be 64, got 32}}
  %0 = llm.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @layer_norm_weight_rank(%x: tensor<?x64xf32>, %w: tensor<1x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{expects the weight of rank 1, got 'tensor<1x64xf32>'}}
  %0 = llm.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<1x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{expects a positive epsilon, got -1}}
  %0 = llm.layer_norm %x, %w, %b {epsilon = -1.0 : f64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @layer_norm_result(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{expects the result shape to match the input}}
  %0 = llm.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f64} : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
  return
}

// -----

func.func @gelu_approximation(%x: tensor<?x64xf32>) {
  // expected-error @+2 {{expected ::llmc::llm::GeluApproximation to be one of: none, tanh}}
  // expected-error @+1 {{failed to parse LLM_GeluApproximationAttr parameter 'value'}}
  %0 = llm.gelu %x {approximation = #llm.gelu_approximation<sigmoid>} : tensor<?x64xf32>
  return
}

// -----

func.func @weight_one_part() {
  // expected-error @+1 {{expects at least two parts}}
  %0 = llm.weight "q" {parts = ["q"]} : tensor<8x8xf32>
  return
}

// -----

func.func @weight_parts_rank() {
  // expected-error @+1 {{expects a fused weight of rank 1 or 2, got 'tensor<2x8x8xf32>'}}
  %0 = llm.weight "q+k" {parts = ["q", "k"]} : tensor<2x8x8xf32>
  return
}

// -----

func.func @weight_empty_part() {
  // expected-error @+1 {{expects non-empty part names}}
  %0 = llm.weight "q+" {parts = ["q", ""]} : tensor<8x8xf32>
  return
}
