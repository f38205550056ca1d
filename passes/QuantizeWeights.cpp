//===- QuantizeWeights.cpp - Choose each weight's packed layout -----------===//
//
// The policy lives here, the arithmetic in compiler/quant/WeightPacking.cpp
// (run when the artifact is written): this pass only says, in the IR, which
// weight becomes which `!llm.packed_weight`. A self-draft entry point
// (`llm.draft = "int4"`) quantizes its linear layers its own way; its
// embedding and LM head follow the model's policy, so they are shared.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace llmc {
#define GEN_PASS_DEF_QUANTIZEWEIGHTS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

enum class Role { Linear, LMHead, Embedding };

/// Formats from narrowest to widest; a weight with several roles gets the
/// widest any of them asks for.
enum class Width { Keep, Int4, Int8, F32 };

struct Use {
  OpOperand *operand;
  Role role;
  /// The self-draft's mode for a linear layer of the draft, else "".
  StringRef draftMode;
};

struct QuantizeWeightsPass : impl::QuantizeWeightsBase<QuantizeWeightsPass> {
  using Base::Base;

  LogicalResult checkOptions(ModuleOp module) {
    if (mode != "none" && mode != "int8" && mode != "int4")
      return module.emitError() << "unknown quantization mode '" << mode
                                << "' (expected none, int8 or int4)";
    if (groupSize != 32 && groupSize != 64 && groupSize != 128)
      return module.emitError()
             << "unsupported int4 group size " << int64_t(groupSize)
             << " (expected 32, 64 or 128)";
    if (scaleType != "f16" && scaleType != "f32")
      return module.emitError() << "unknown scale type '" << scaleType
                                << "' (expected f16 or f32)";
    for (const std::string &c : keepPrecision)
      if (c != "embeddings" && c != "lm_head")
        return module.emitError() << "unknown --keep-precision class '" << c
                                  << "' (expected embeddings or lm_head)";
    bool int4Draft = false;
    module.walk([&](func::FuncOp func) {
      int4Draft |= llm::LLMDialect::getDraftQuantization(func) == "int4";
    });
    if (zeroPoints && mode != "int4" && !int4Draft)
      return module.emitError() << "zero points apply to int4 only";
    return success();
  }

  bool keeps(StringRef cls) const {
    return llvm::is_contained(keepPrecision, cls.str());
  }

  Width widthFor(Role role, StringRef draftMode = "") const {
    Width width = packedWidthFor(role, draftMode);
    return width == Width::F32 && !packF32 ? Width::Keep : width;
  }

  Width packedWidthFor(Role role, StringRef draftMode) const {
    StringRef linearMode = draftMode.empty() ? StringRef(mode) : draftMode;
    switch (role) {
    case Role::Linear:
      return linearMode == "int4"   ? Width::Int4
             : linearMode == "int8" ? Width::Int8
                                    : Width::F32;
    case Role::LMHead:
      if (keeps("lm_head"))
        return Width::F32;
      return mode == "none" ? Width::F32 : Width::Int8;
    case Role::Embedding:
      return keeps("embeddings") || mode == "none" ? Width::Keep : Width::Int8;
    }
    return Width::Keep;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkOptions(module)))
      return signalPassFailure();
    MLIRContext *ctx = module.getContext();

    // Who reads each weight, and as what, by name: the same weight may be
    // several llm.weight ops (in several functions), stored once. A
    // self-draft's linear layers are their own group: the same tensor in
    // another layout.
    llvm::MapVector<std::pair<StringAttr, StringRef>, SmallVector<Use>> uses;
    module.walk([&](Operation *op) {
      auto record = [&](OpOperand &operand, Role role) {
        auto weight = operand.get().getDefiningOp<llm::WeightOp>();
        if (!weight)
          return;
        StringRef draftMode;
        if (role == Role::Linear)
          if (auto func = op->getParentOfType<func::FuncOp>())
            draftMode = llm::LLMDialect::getDraftQuantization(func);
        uses[{weight.getNameAttr(), draftMode}].push_back(
            {&operand, role, draftMode});
      };
      if (auto linear = dyn_cast<llm::LinearOp>(op))
        record(linear.getWeightMutable(), Role::Linear);
      else if (auto head = dyn_cast<llm::LMHeadOp>(op))
        record(head.getWeightMutable(), Role::LMHead);
      else if (auto embedding = dyn_cast<llm::EmbeddingOp>(op))
        record(embedding.getTableMutable(), Role::Embedding);
    });

    Type f32 = Float32Type::get(ctx);
    Type scale = scaleType == "f16" ? Type(Float16Type::get(ctx)) : f32;
    for (auto &[key, readers] : uses) {
      Width width = Width::Keep;
      bool tied = false, kept = false;
      for (const Use &use : readers) {
        width = std::max(width, widthFor(use.role, use.draftMode));
        tied |= use.role == Role::Embedding;
        kept |= (use.role == Role::Embedding && keeps("embeddings")) ||
                (use.role == Role::LMHead && keeps("lm_head"));
      }
      // A tied table kept at full precision for either role stays so for
      // both: the projection still needs the f32 panels.
      if (kept && width != Width::Keep && tied && readers.size() > 1)
        width = Width::F32;
      if (width == Width::Keep)
        continue;

      auto type =
          cast<RankedTensorType>(readers.front().operand->get().getType());
      int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
      PackedWeightTypeArgs args{rows, cols};
      switch (width) {
      case Width::F32:
        args.storage = f32;
        break;
      case Width::Int8:
        args.storage = IntegerType::get(ctx, 8);
        args.scale = scale;
        break;
      case Width::Int4:
        args.storage = IntegerType::get(ctx, 4);
        args.scale = scale;
        args.group = groupSize;
        args.zeroPoints = zeroPoints;
        break;
      case Width::Keep:
        break;
      }
      auto packed =
          llm::PackedWeightType::get(ctx, args.rows, args.cols, args.storage,
                                     args.group, args.scale, args.zeroPoints);
      // One pack per llm.weight op, right after it.
      OpBuilder builder(ctx);
      llvm::DenseMap<Value, Value> packs;
      for (const Use &use : readers) {
        Value weight = use.operand->get();
        Value &pack = packs[weight];
        if (!pack) {
          builder.setInsertionPointAfterValue(weight);
          pack = llm::PackWeightOp::create(builder, weight.getLoc(), packed,
                                           weight);
        }
        use.operand->set(pack);
      }
    }
  }

  struct PackedWeightTypeArgs {
    int64_t rows, cols;
    Type storage = {};
    int64_t group = 0;
    Type scale = {};
    bool zeroPoints = false;
  };
};

} // namespace
} // namespace llmc
