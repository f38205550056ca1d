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

  // The attributes llmc's tools rely on, declared and verified: on a
  // func.func, `llm.entry_point` (an entry point of the artifact) and
  // `llm.draft` (the entry point is the model's self-draft; its value, the
  // quantization of its linear layers: none, int8 or int4); on the
  // module, `llm.model` (the decoder's facts for the runtime) and, after
  // llm-bind-weights, `llm.weights` / `llm.weights_size` (the blob's
  // layout). Entry-point arguments and results carry `llm.name`,
  // arguments also `llm.dim_names` and `llm.default_weight`.
  let discardableAttrs = (ins
    "::mlir::UnitAttr":$entry_point,
    "::mlir::StringAttr":$draft,
    "::mlir::DictionaryAttr":$model,
    "::mlir::ArrayAttr":$weights,
    "::mlir::IntegerAttr":$weights_size
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Argument and result attributes of entry points.
    static constexpr ::llvm::StringLiteral kNameAttr = "llm.name";
    static constexpr ::llvm::StringLiteral kDimNamesAttr = "llm.dim_names";
    static constexpr ::llvm::StringLiteral kDefaultWeightAttr =
        "llm.default_weight";

    /// Whether `op` is an entry point of the artifact.
    static bool isEntryPoint(::mlir::Operation *op) {
      return op->hasAttr(EntryPointAttrHelper::getNameStr());
    }
    static void setEntryPoint(::mlir::Operation *op) {
      op->setAttr(EntryPointAttrHelper::getNameStr(),
                  ::mlir::UnitAttr::get(op->getContext()));
    }
    /// The quantization of a self-draft's linear layers, or "" when `op`
    /// is not a self-draft.
    static ::llvm::StringRef getDraftQuantization(::mlir::Operation *op) {
      auto mode = op->getAttrOfType<::mlir::StringAttr>(
          DraftAttrHelper::getNameStr());
      return mode ? mode.getValue() : ::llvm::StringRef();
    }
  }];
}

class LLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<LLM_Dialect, mnemonic, traits>;

#endif // LLMC_DIALECTS_LLM_LLMDIALECT_TD
