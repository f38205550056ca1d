//===- LLMOps.td - Operations of the llm dialect -----------*- tablegen -*-===//

#ifndef LLMC_DIALECTS_LLM_LLMOPS_TD
#define LLMC_DIALECTS_LLM_LLMOPS_TD

include "dialects/llm/LLMAttrs.td"
include "dialects/llm/LLMDialect.td"
include "dialects/llm/LLMTypes.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LLM_FloatTensor : RankedTensorOf<[AnyFloat]>;
def LLM_IndexTensor : RankedTensorOf<[AnySignlessInteger]>;
/// A weight matrix as stored, or packed for the kernels.
def LLM_MatrixWeight : AnyTypeOf<[LLM_FloatTensor, LLM_PackedWeightType]>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def LLM_WeightOp : LLM_Op<"weight", [Pure]> {
  let summary = "A named weight tensor of the model";
  let description = [{
    Refers to the tensor `name` of the model's weights. The bytes never enter
    the IR: the compiler keeps a table from name to file span and streams the
    data into the artifact once code generation has fixed the layout. The
    result type is the tensor as stored (f32, f16 or bf16 for checkpoint
    weights; any element type for ONNX initializers); llm ops that consume a
    weight compute in the element type of their activations.

    With `parts`, the tensor is those weights' rows one after another (all
    of one element type and, for matrices, one width): the weight of a
    fused projection (`llm-fuse-projections`); `name` then only names it.

    Example:
    ```mlir
    %w = llm.weight "model.layers.0.self_attn.q_proj.weight" : tensor<64x64xbf16>
    %qkv = llm.weight "q+k+v" {parts = ["q", "k", "v"]} : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, OptionalAttr<StrArrayAttr>:$parts);
  let results = (outs AnyRankedTensor:$result);
  let builders = [
    OpBuilder<(ins "::mlir::Type":$type, "::mlir::StringAttr":$name), [{
      build($_builder, $_state, type, name, ::mlir::ArrayAttr());
    }]>
  ];
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LLM_PackWeightOp : LLM_Op<"pack_weight", [Pure]> {
  let summary = "Re-lays out (and maybe quantizes) a weight for the kernels";
  let description = [{
    The weight matrix in the layout its result type names: f32 panels, or
    int8 / int4 codes with their scales. This is where quantization happens:
    the compiler evaluates it when it writes the artifact, never at run time.
    `llm-quantize-weights` inserts it; `llm-bind-weights` turns it into a
    slot of the weights blob.

    A weight of `i4` elements is already quantized (an ONNX
    `com.microsoft.MatMulNBits` weight): its source serves it in the int4
    layout the result names, codes, scales and zero points as they are, and
    only an `i4` packed type may be made from it.

    Example:
    ```mlir
    %p = llm.pack_weight %w
        : tensor<256x64xbf16> -> !llm.packed_weight<256x64, i4, group = 32, scale = f16>
    %q = llm.pack_weight %codes
        : tensor<256x64xi4> -> !llm.packed_weight<256x64, i4, group = 64, scale = f32, zero_points>
    ```
  }];
  let arguments = (ins AnyTypeOf<[LLM_FloatTensor, RankedTensorOf<[I<4>]>]>:$weight);
  let results = (outs LLM_PackedWeightType:$result);
  let assemblyFormat = [{
    $weight attr-dict `:` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LLM_PackedViewOp : LLM_Op<"packed_view", [Pure, AttrSizedOperandSegments]> {
  let summary = "A packed weight read from bound buffers";
  let description = [{
    Names the parts of a packed weight once `llm-bind-weights` has given
    them memory: the data, and for int8/int4 the scales and optional zero
    points, each a 1-D tensor of the size the type's layout fixes.

    Example:
    ```mlir
    %p = llm.packed_view %data, %scales
        : tensor<8192xi8>, tensor<256xf16> -> !llm.packed_weight<256x32, i8, scale = f16>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$data,
                       Optional<AnyRankedTensor>:$scales,
                       Optional<AnyRankedTensor>:$zeros);
  let results = (outs LLM_PackedWeightType:$result);
  let assemblyFormat = [{
    $data (`,` $scales^)? (`,` $zeros^)? attr-dict `:` type($data)
    (`,` type($scales)^)? (`,` type($zeros)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Token embedding and projections
//===----------------------------------------------------------------------===//

def LLM_EmbeddingOp : LLM_Op<"embedding", [Pure]> {
  let summary = "Looks up one row of an embedding table per token";
  let description = [{
    `result[t, :] = table[ids[t], :]`, converted to the result element type.
    An id outside `[0, vocab)` is undefined behaviour here; the runtime
    rejects such ids before they reach compiled code.

    Example:
    ```mlir
    %h = llm.embedding %table[%ids]
        : (tensor<512x64xf32>, tensor<?xi32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins LLM_MatrixWeight:$table, LLM_IndexTensor:$ids);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_LinearOp : LLM_Op<"linear", [Pure]> {
  let summary = "Applies a dense layer: x W^T (+ b)";
  let description = [{
    `result[t, n] = sum_k input[t, k] * weight[n, k] (+ bias[n])` for an
    input of `[tokens, in_features]` (rank 2, the form the lowering and the
    kernels take). The weight has the `[out_features, in_features]` layout
    of PyTorch's
    `nn.Linear`, or is a `!llm.packed_weight` of that shape (the layout the
    kernels read, maybe quantized; see `llm-quantize-weights`).

    Example:
    ```mlir
    %q = llm.linear %x, %wq, %bq
        : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_MatrixWeight:$weight,
                       Optional<LLM_FloatTensor>:$bias);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_LMHeadOp : LLM_Op<"lm_head", [Pure]> {
  let summary = "Projects hidden states to vocabulary logits";
  let description = [{
    A linear layer without bias whose output dimension is the vocabulary.
    It is its own op so that policies that treat the LM head differently
    (quantization width, last-token-only evaluation) can find it, and so a
    tied head is visible: its weight is the embedding table's `llm.weight`.

    Example:
    ```mlir
    %logits = llm.lm_head %h, %table
        : (tensor<?x64xf32>, tensor<512x64xf32>) -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_MatrixWeight:$weight);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalization and activations
//===----------------------------------------------------------------------===//

def LLM_RmsNormOp : LLM_Op<"rms_norm", [Pure]> {
  let summary = "Root-mean-square layer normalization";
  let description = [{
    `result = input / sqrt(mean(input^2 over the last dim) + epsilon) * weight`.

    Example:
    ```mlir
    %n = llm.rms_norm %x, %w {epsilon = 1.0e-05 : f64}
        : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_FloatTensor:$weight,
                       F64Attr:$epsilon);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_LayerNormOp : LLM_Op<"layer_norm", [Pure]> {
  let summary = "Layer normalization with a weight and a bias";
  let description = [{
    `result = (input - mean) / sqrt(var + epsilon) * weight + bias`, the
    mean and the (biased) variance taken over the last dimension: GPT-2's
    and PyTorch's `nn.LayerNorm`.

    Example:
    ```mlir
    %n = llm.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f64}
        : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_FloatTensor:$weight,
                       LLM_FloatTensor:$bias, F64Attr:$epsilon);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_GeluOp : LLM_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "x * Phi(x), elementwise: the MLP activation of GPT-2";
  let description = [{
    `none`: `0.5 * x * (1 + erf(x / sqrt(2)))`; `tanh`:
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.

    Example:
    ```mlir
    %g = llm.gelu %x {approximation = #llm.gelu_approximation<tanh>}
        : tensor<?x256xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input,
                       LLM_GeluApproximationAttr:$approximation);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def LLM_SiluOp : LLM_Op<"silu", [Pure, SameOperandsAndResultType]> {
  let summary = "x * sigmoid(x), elementwise";
  let arguments = (ins LLM_FloatTensor:$input);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def LLM_SwiGLUOp : LLM_Op<"swiglu", [Pure, SameOperandsAndResultType]> {
  let summary = "silu(gate) * up, elementwise: the gated MLP of Llama";
  let arguments = (ins LLM_FloatTensor:$gate, LLM_FloatTensor:$up);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def LLM_AddOp : LLM_Op<"add", [Pure, SameOperandsAndResultType, Commutative]> {
  let summary = "Residual addition, elementwise";
  let arguments = (ins LLM_FloatTensor:$lhs, LLM_FloatTensor:$rhs);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Rotary embedding and attention
//===----------------------------------------------------------------------===//

def LLM_RotaryEmbeddingOp : LLM_Op<"rotary_embedding", [Pure]> {
  let summary = "Rotates pairs of head components by position-dependent angles";
  let description = [{
    For a token at position `p` and pair index `i < head_dim / 2`, rotates the
    pair `(x_a, x_b)` by `p * theta^(-2i / head_dim)`. `style` says which
    components pair up: `rotate_half` pairs `i` with `i + head_dim/2` (Hugging
    Face checkpoints), `interleaved` pairs `2i` with `2i+1` (Meta and llama.cpp
    layouts).

    Example:
    ```mlir
    %r = llm.rotary_embedding %q, %pos
        {style = #llm.rope_style<rotate_half>, theta = 1.0e+04 : f64}
        : (tensor<?x8x8xf32>, tensor<?xi64>) -> tensor<?x8x8xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_IndexTensor:$positions,
                       F64Attr:$theta, LLM_RopeStyleAttr:$style);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_AttentionOp : LLM_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention with grouped KV heads";
  let description = [{
    `query` is `[tokens, num_heads, head_dim]`; `key` and `value` are
    `[kv_tokens, num_kv_heads, head_dim]`. Query head `h` reads KV head
    `h / (num_heads / num_kv_heads)`: `num_kv_heads == num_heads` is multi-head
    attention, `1` is multi-query attention, anything between is grouped-query
    attention. Scores are `scale * q . k`, normalized by softmax over keys.

    With a `cache` operand, `key` and `value` hold the new tokens only (as many
    as the queries). They are written into layer `layer` of the cache at
    `positions` (consecutive), and the queries attend over the cache up to
    their own position; the updated cache is the second result. Without a
    cache, the queries attend over `key`/`value` directly and, when `causal`,
    query `t` sees keys up to `t + kv_tokens - tokens`.

    `causal` masks keys after the query's position; `sliding_window = W` also
    masks keys more than `W - 1` positions before it (Mistral).

    Example:
    ```mlir
    %o, %c1 = llm.attention %q, %k, %v positions(%pos) cache(%c0)
        {causal, layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64,
         scale = 0.35355339059327373 : f64}
        : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>, tensor<?xi64>,
           !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>)
        -> (tensor<?x8x8xf32>,
            !llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>)
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$query, LLM_FloatTensor:$key,
                       LLM_FloatTensor:$value, LLM_IndexTensor:$positions,
                       Optional<LLM_KVCacheType>:$cache,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       F64Attr:$scale, UnitAttr:$causal,
                       OptionalAttr<I64Attr>:$sliding_window,
                       OptionalAttr<I64Attr>:$layer);
  let results = (outs LLM_FloatTensor:$result,
                      Optional<LLM_KVCacheType>:$updated_cache);
  let assemblyFormat = [{
    $query `,` $key `,` $value `positions` `(` $positions `)`
    (`cache` `(` $cache^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_PagedAttentionOp : LLM_Op<"paged_attention", [Pure]> {
  let summary = "Causal attention of a ragged batch over a paged KV pool";
  let description = [{
    The paged form of cached `llm.attention` (`llm-page-kv-cache` makes it):
    the tokens of one call may belong to several sequences. Token `t` is at
    `positions[t]` of sequence `sequences[t]`, whose blocks are the row
    `block_tables[sequences[t]]`: its new key and value are written into
    layer `layer` of the pool at position `positions[t]`, then its query
    attends causally over its own sequence's positions `0 ..
    positions[t]` (within `sliding_window` when set), including those the
    same call writes. Heads group as in `llm.attention`. The updated pool is
    the second result.

    Query, key and value are f32 (the kernel's activations); the pool stores
    them as its element type.

    Example:
    ```mlir
    %o, %p1 = llm.paged_attention %q, %k, %v positions(%pos)
        sequences(%seq) block_tables(%bt) pool(%p0)
        {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64,
         scale = 0.35355339059327373 : f64}
        : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>,
           tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
           !llm.paged_kv_cache<layers = 5, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
        -> (tensor<?x8x8xf32>,
            !llm.paged_kv_cache<layers = 5, kv_heads = 4, head_dim = 8, block_size = 16, f32>)
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$query, LLM_FloatTensor:$key,
                       LLM_FloatTensor:$value, LLM_IndexTensor:$positions,
                       LLM_IndexTensor:$sequences,
                       LLM_IndexTensor:$block_tables,
                       LLM_PagedKVCacheType:$pool,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       F64Attr:$scale, OptionalAttr<I64Attr>:$sliding_window,
                       I64Attr:$layer);
  let results = (outs LLM_FloatTensor:$result,
                      LLM_PagedKVCacheType:$updated_pool);
  let assemblyFormat = [{
    $query `,` $key `,` $value `positions` `(` $positions `)`
    `sequences` `(` $sequences `)` `block_tables` `(` $block_tables `)`
    `pool` `(` $pool `)` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def LLM_SelectRowsOp : LLM_Op<"select_rows", [Pure]> {
  let summary = "The rows of a matrix that a list of indices names";
  let description = [{
    `result[r, :] = input[rows[r], :]`: the rows whose logits a paged call
    computes (the last token of each sequence, or all of them to verify
    drafted tokens), so that the LM head runs only for those. An index
    outside `[0, rows of input)` fails the call.

    Example:
    ```mlir
    %s = llm.select_rows %h, %rows
        : (tensor<?x64xf32>, tensor<?xi64>) -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins LLM_FloatTensor:$input, LLM_IndexTensor:$rows);
  let results = (outs LLM_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $rows attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Run-time checks
//===----------------------------------------------------------------------===//

def LLM_AssertOp : LLM_Op<"assert", [MemoryEffects<[MemWrite]>]> {
  let summary = "Ends the call with an error unless a run-time fact holds";
  let description = [{
    Checks what the compiler cannot prove: that sizes known only at run time
    agree, that a buffer's size is representable. When `condition` is false
    the entry point stops and the runtime returns an error status with
    `message`, in which `{0}` and `{1}` stand for the first and second of
    `values` (at most two integers), printed in decimal. Nothing after a
    failed check runs, and what the call allocated is freed.

    It has a memory effect so that it is neither removed nor moved past the
    ops it guards. `llm-lower-asserts` turns it into a call into the runtime.

    Example:
    ```mlir
    llm.assert %same, "node 'add' (Add): dim 0 is {0} in input 0 but {1} in input 1"
        (%n, %m : index, index)
    ```
  }];
  let arguments = (ins I1:$condition, StrAttr:$message,
                       Variadic<AnySignlessIntegerOrIndex>:$values);
  let assemblyFormat = [{
    $condition `,` $message (`(` $values^ `:` type($values) `)`)? attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel-level ops (after llm-level lowering)
//===----------------------------------------------------------------------===//

def LLM_FlashAttentionOp : LLM_Op<"flash_attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Attention of new queries over a cache layer, without scores";
  let description = [{
    The compute half of `llm.attention` once the new keys and values are in
    the cache: `out[i, h, :] = softmax_j(scale * q[i, h] . k[j, h / group])
    v[j, h / group]` over the keys query `i` sees: with `causal`, positions
    `j <= start + i` (and `j > start + i - sliding_window` when set),
    otherwise the first `start + tokens`. `keys` and `values` are the whole
    layer of the cache, `[capacity, num_kv_heads, head_dim]`.

    Destination-style, on tensors or on buffers, so that it bufferizes in
    place; `llmc-lower-to-ukernels` turns the buffer form into a call to
    the runtime's kernel, which never materializes the score matrix (one
    row of scores per query and head at a time).

    Example:
    ```mlir
    %o = llm.flash_attention ins(%q, %k, %v, %start) outs(%init)
        {causal, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 0.35 : f64}
        : (tensor<?x8x8xf32>, tensor<512x4x8xf32>, tensor<512x4x8xf32>, index,
           tensor<?x8x8xf32>) -> tensor<?x8x8xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$query, AnyShaped:$keys, AnyShaped:$values,
                       Index:$start, AnyShaped:$init,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       F64Attr:$scale, UnitAttr:$causal,
                       OptionalAttr<I64Attr>:$sliding_window);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $keys `,` $values `,` $start `)`
    `outs` `(` $init `)` attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
  let hasVerifier = 1;
}

def LLM_PagedFlashAttentionOp : LLM_Op<"paged_flash_attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "The runtime kernel's form of llm.paged_attention";
  let description = [{
    Writes each token's key and value into layer `layer` of `pool` (an
    init: updated in place) and its attention output into `init`, as
    `llm.paged_attention` defines. `pool` is `[blocks, layers, 2,
    block_size, num_kv_heads, head_dim]` of f32 or f16; query, key, value
    and init are f32 `[tokens, heads, head_dim]`. Destination-style, on
    tensors or on buffers; `llmc-lower-to-ukernels` turns the buffer form
    into a call to the runtime's paged attention kernel, which checks every
    sequence index, position and block id against the buffers it gets.

    Example:
    ```mlir
    %p1, %o = llm.paged_flash_attention
        ins(%q, %k, %v, %pos, %seq, %bt) outs(%p0, %init)
        {layer = 0 : i64, num_heads = 8 : i64, num_kv_heads = 4 : i64,
         scale = 0.35 : f64}
        : (tensor<?x8x8xf32>, tensor<?x4x8xf32>, tensor<?x4x8xf32>,
           tensor<?xi64>, tensor<?xi32>, tensor<?x?xi32>,
           tensor<?x5x2x16x4x8xf32>, tensor<?x8x8xf32>)
        -> (tensor<?x5x2x16x4x8xf32>, tensor<?x8x8xf32>)
    ```
  }];
  let arguments = (ins AnyShaped:$query, AnyShaped:$key, AnyShaped:$value,
                       AnyShaped:$positions, AnyShaped:$sequences,
                       AnyShaped:$block_tables, AnyShaped:$pool,
                       AnyShaped:$init,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       F64Attr:$scale, OptionalAttr<I64Attr>:$sliding_window,
                       I64Attr:$layer);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `,` $positions `,` $sequences `,`
              $block_tables `)`
    `outs` `(` $pool `,` $init `)` attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(), 6, 2);
    }
  }];
  let hasVerifier = 1;
}

#endif // LLMC_DIALECTS_LLM_LLMOPS_TD
