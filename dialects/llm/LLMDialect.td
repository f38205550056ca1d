//===- LLMDialect.td - The llm dialect ---------------------*- tablegen -*-===//
//
// The `llm` dialect holds a language model at the level where LLM knowledge
// lives: embeddings, norms, projections, rotary embeddings, attention over a KV
// cache. Frontends produce it; passes (quantization, attention fusion, KV-cache
// paging) rewrite it; the lowering turns it into linalg/tensor/arith.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_DIALECTS_LLM_LLMDIALECT_TD
#define LLMC_DIALECTS_LLM_LLMDIALECT_TD

include "mlir/IR/OpBase.td"

def LLM_Dialect : Dialect {
  let name = "llm";
  let cppNamespace = "::llmc::llm";
  let summary = "Large-language-model operations";
  let description = [{
    Operations on tensors with the vocabulary of transformer language models.
    Activations are ranked tensors whose leading dimension is the (dynamic)
    number of tokens in a call. Weights are not stored in the IR: `llm.weight`
    names a tensor of the checkpoint, whose bytes are streamed to the artifact
    after compilation.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
}

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

#endif // LLMC_DIALECTS_LLM_LLMDIALECT_TD
