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

#endif // LLMC_DIALECTS_LLM_LLMTYPES_TD
