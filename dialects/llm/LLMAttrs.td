//===- LLMAttrs.td - Attributes of the llm dialect ---------*- tablegen -*-===//

#ifndef LLMC_DIALECTS_LLM_LLMATTRS_TD
#define LLMC_DIALECTS_LLM_LLMATTRS_TD

include "dialects/llm/LLMDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// How a rotary embedding pairs the components of a head.
def LLM_RopeStyleRotateHalf
    : I32EnumAttrCase<"RotateHalf", 0, "rotate_half">;
def LLM_RopeStyleInterleaved
    : I32EnumAttrCase<"Interleaved", 1, "interleaved">;
def LLM_RopeStyle : I32EnumAttr<"RopeStyle", "rotary embedding pairing",
    [LLM_RopeStyleRotateHalf, LLM_RopeStyleInterleaved]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::llmc::llm";
}
def LLM_RopeStyleAttr : EnumAttr<LLM_Dialect, LLM_RopeStyle, "rope_style"> {
  let summary = "rotate_half (component i pairs with i + d/2, Hugging Face) "
                "or interleaved (2i pairs with 2i+1, Meta/llama.cpp)";
  let assemblyFormat = "`<` $value `>`";
}

#endif // LLMC_DIALECTS_LLM_LLMATTRS_TD
