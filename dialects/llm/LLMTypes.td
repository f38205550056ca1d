//===- LLMTypes.td - Types of the llm dialect --------------*- tablegen -*-===//

#ifndef LLMC_DIALECTS_LLM_LLMTYPES_TD
#define LLMC_DIALECTS_LLM_LLMTYPES_TD

include "dialects/llm/LLMDialect.td"
include "mlir/IR/AttrTypeBase.td"

class LLM_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<LLM_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def LLM_KVCacheType : LLM_Type<"KVCache", "kv_cache"> {
  let summary = "The keys and values of every attention layer of a model";
  let description = [{
    An abstract KV cache: for each of `layers` attention layers, the keys and
    values of up to `capacity` positions, each `kv_heads` x `head_dim` of
    `elementType`. It is a value: `llm.attention` takes a cache and returns the
    cache with the new keys and values written, so the dependence between
    layers is explicit in SSA form.

    The type says nothing about memory layout. The default lowering stores it
    contiguously as `[layers, 2, capacity, kv_heads, head_dim]`; a paging pass
    can replace it by a pool of fixed-size blocks addressed through a block
    table without touching the attention ops.

    Example: `!llm.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, capacity = 512, f32>`
  }];
  let parameters = (ins "int64_t":$layers, "int64_t":$kvHeads,
                        "int64_t":$headDim, "int64_t":$capacity,
                        "::mlir::Type":$elementType);
  let assemblyFormat = [{
    `<` `layers` `=` $layers `,` `kv_heads` `=` $kvHeads `,`
        `head_dim` `=` $headDim `,` `capacity` `=` $capacity `,`
        $elementType `>`
  }];
  let genVerifyDecl = 1;
}

def LLM_PagedKVCacheType : LLM_Type<"PagedKVCache", "paged_kv_cache"> {
  let summary = "A pool of fixed-size KV blocks shared by many sequences";
  let description = [{
    The paged form of `!llm.kv_cache` (`llm-page-kv-cache` makes it): a pool
    of blocks, each holding the keys and values of `block_size` consecutive
    positions of one sequence for every one of `layers` attention layers,
    `kv_heads` x `head_dim` of `elementType` per position. How many blocks
    the pool has is the runtime's choice, so the type leaves it open. A
    sequence reaches its positions through a row of a block table: position
    `p` lives in block `table[p / block_size]` at slot `p % block_size`.

    It lowers to `tensor<? x layers x 2 x block_size x kv_heads x head_dim>`
    (keys at index 0 of the second dimension, values at 1; `head_dim + 4`
    bytes for i8, which holds each position and head's f32 scale beside its
    values), the container whose layout runtime/include/llmc/abi.h documents
    for the paged attention kernel. Keys and values are stored as
    `elementType` (f32, f16, or i8 with a scale per position and head)
    whatever the activations' type.

    Example:
    `!llm.paged_kv_cache<layers = 5, kv_heads = 4, head_dim = 8, block_size = 16, f16>`
  }];
  let parameters = (ins "int64_t":$layers, "int64_t":$kvHeads,
                        "int64_t":$headDim, "int64_t":$blockSize,
                        "::mlir::Type":$elementType);
  let assemblyFormat = [{
    `<` `layers` `=` $layers `,` `kv_heads` `=` $kvHeads `,`
        `head_dim` `=` $headDim `,` `block_size` `=` $blockSize `,`
        $elementType `>`
  }];
  let genVerifyDecl = 1;
}

def LLM_PackedWeightType : LLM_Type<"PackedWeight", "packed_weight"> {
  let summary = "A linear layer's weight in the layout the kernels read";
  let description = [{
    A `rows x cols` weight matrix (`[out_features, in_features]`) re-laid
    out at compile time for the CPU kernels, as
    `runtime/include/llmc/weight_layout.h` defines byte for byte:

    - `f32`: panels of 32 rows, k-major;
    - `i8`: symmetric per output row, one scale per row;
    - `i4`: per group of `group` (32, 64 or 128) inputs, with a scale per
      row and group, symmetric around 8 or with stored `zero_points`.

    Scales are `f16` or `f32`. Only `llm.pack_weight` makes one (from a
    weight tensor) and only `llm.packed_view` (from buffers, after weights
    are bound); `llm.linear`, `llm.lm_head` and `llm.embedding` read it.

    Examples:
    ```mlir
    !llm.packed_weight<256x64, f32>
    !llm.packed_weight<256x64, i8, scale = f16>
    !llm.packed_weight<256x64, i4, group = 32, scale = f16, zero_points>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols,
                        "::mlir::Type":$storageType, "int64_t":$group,
                        "::mlir::Type":$scaleType, "bool":$zeroPoints);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The layout's kind (weight_layout.h).
    llmc_weight_format getFormat() const;
    /// 2 for f16 scales, 4 for f32, 0 without scales.
    int64_t getScaleBytes() const;
    /// Byte offsets of data, scales and zero points, and the total size.
    llmc_packed_offsets getLayout() const;
    /// The 1-D tensors that hold each part once bound to memory: f32 or i8
    /// data, scales of the scale type, i8 zero points (null when absent).
    ::mlir::RankedTensorType getDataType() const;
    ::mlir::RankedTensorType getScalesType() const;
    ::mlir::RankedTensorType getZerosType() const;
    /// "int8/f16", "int4/g32/f16/zp": how manifests and tools name the
    /// quantization; empty for f32 panels.
    std::string getSchemeName() const;
  }];
}

#endif // LLMC_DIALECTS_LLM_LLMTYPES_TD
