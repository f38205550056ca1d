//===- BindWeights.cpp - Lay weights out in one blob, read them via views -===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

namespace llmc {
#define GEN_PASS_DEF_BINDWEIGHTS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

struct BindWeightsPass : impl::BindWeightsBase<BindWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
      module.emitError() << "alignment must be a power of two, got "
                         << alignment;
      return signalPassFailure();
    }

    // One slot per distinct name, in order of first use.
    llvm::MapVector<StringAttr, RankedTensorType> slots;
    WalkResult walk = module.walk([&](llm::WeightOp op) -> WalkResult {
      auto [it, inserted] = slots.insert({op.getNameAttr(), op.getType()});
      if (!inserted && it->second != op.getType())
        return op.emitOpError()
               << "refers to weight '" << op.getName() << "' as "
               << op.getType() << ", but it was used as " << it->second;
      if (!op->getParentOfType<func::FuncOp>()->hasAttr("llm.entry_point"))
        return op.emitOpError("expects weights only inside entry points");
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // Entry-point arguments whose default is a weight (ONNX initializers
    // listed as graph inputs) need a slot too.
    for (auto func : module.getOps<func::FuncOp>())
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (auto name =
                func.getArgAttrOfType<StringAttr>(i, "llm.default_weight"))
          slots.insert(
              {name, cast<RankedTensorType>(func.getArgument(i).getType())});

    OpBuilder builder(ctx);
    llvm::DenseMap<StringAttr, int64_t> offsets;
    SmallVector<Attribute> table;
    int64_t size = 0;
    for (auto [name, type] : slots) {
      int64_t bits = type.getElementTypeBitWidth();
      int64_t bytes = (type.getNumElements() * bits + 7) / 8;
      size = llvm::alignTo(size, alignment);
      offsets[name] = size;
      table.push_back(builder.getDictionaryAttr({
          builder.getNamedAttr("name", name),
          builder.getNamedAttr("offset", builder.getI64IntegerAttr(size)),
          builder.getNamedAttr("bytes", builder.getI64IntegerAttr(bytes)),
          builder.getNamedAttr("type", TypeAttr::get(type)),
      }));
      size += bytes;
    }
    module->setAttr("llm.weights", builder.getArrayAttr(table));
    module->setAttr("llm.weights_size", builder.getI64IntegerAttr(size));

    auto blobType =
        MemRefType::get({ShapedType::kDynamic}, builder.getI8Type());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func->hasAttr("llm.entry_point") || func.isExternal())
        continue;
      auto name = builder.getDictionaryAttr(
          builder.getNamedAttr("llm.name", builder.getStringAttr("weights")));
      if (failed(func.insertArgument(0, blobType, name, func.getLoc())))
        return signalPassFailure();
      Block &entry = func.getBody().front();
      Value blob = entry.getArgument(0);
      builder.setInsertionPointToStart(&entry);

      // One view per weight and function, however often it is used (a tied
      // embedding feeds both the lookup and the LM head). The weight ops are
      // erased only after every view exists: the insertion point may be one
      // of them.
      SmallVector<llm::WeightOp> weights;
      func.walk([&](llm::WeightOp op) { weights.push_back(op); });
      llvm::DenseMap<StringAttr, Value> views;
      for (llm::WeightOp op : weights) {
        Value &view = views[op.getNameAttr()];
        if (view)
          continue;
        Location loc = op.getLoc();
        RankedTensorType type = op.getType();
        Value offset = arith::ConstantIndexOp::create(
            builder, loc, offsets[op.getNameAttr()]);
        auto memrefType =
            MemRefType::get(type.getShape(), type.getElementType());
        Value buffer = memref::ViewOp::create(builder, loc, memrefType, blob,
                                              offset, ValueRange{});
        view = bufferization::ToTensorOp::create(builder, loc, type, buffer,
                                                 /*restrict=*/true,
                                                 /*writable=*/false);
      }
      for (llm::WeightOp op : weights) {
        op.replaceAllUsesWith(views[op.getNameAttr()]);
        op.erase();
      }
    }
  }
};

} // namespace
} // namespace llmc
