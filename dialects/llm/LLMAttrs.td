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

// How llm.gelu computes the Gaussian CDF.
def LLM_GeluApproximationNone : I32EnumAttrCase<"None", 0, "none">;
def LLM_GeluApproximationTanh : I32EnumAttrCase<"Tanh", 1, "tanh">;
def LLM_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "GELU approximation", [LLM_GeluApproximationNone,
                           LLM_GeluApproximationTanh]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::llmc::llm";
}
def LLM_GeluApproximationAttr
    : EnumAttr<LLM_Dialect, LLM_GeluApproximation, "gelu_approximation"> {
  let summary = "none (exact, with erf; PyTorch's default) or tanh (GPT-2's "
                "gelu_new)";
  let assemblyFormat = "`<` $value `>`";
}

#endif // LLMC_DIALECTS_LLM_LLMATTRS_TD
