//===- BindWeights.cpp - Lay weights out in one blob, read them via views -===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

namespace llmc {
#define GEN_PASS_DEF_BINDWEIGHTS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// A weight's name and the packed form it is read in (null: as stored).
using SlotKey = std::pair<StringAttr, llm::PackedWeightType>;

/// What the blob holds for one weight name and form.
struct Slot {
  RankedTensorType type;        // as stored in the model files
  llm::PackedWeightType packed; // the layout written, when packed
  std::set<std::string> roles;  // linear, lm_head, embedding, norm, ...
  ArrayAttr parts;              // a fused weight's parts, in row order
};

std::string describe(const Slot &slot) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "'" << slot.type << "'";
  if (slot.packed)
    os << " packed as '" << slot.packed << "'";
  return text;
}

/// The packed type every reader of `op` asks for, or null when they read
/// it as stored; mixing the two fails (the blob holds one of them).
FailureOr<llm::PackedWeightType> packedTypeOf(llm::WeightOp op) {
  llm::PackedWeightType packed;
  bool raw = false;
  for (Operation *user : op->getUsers()) {
    auto pack = dyn_cast<llm::PackWeightOp>(user);
    if (!pack) {
      raw = true;
      continue;
    }
    if (packed && pack.getType() != packed)
      return op.emitOpError()
             << "is packed both as " << packed << " and as " << pack.getType();
    packed = pack.getType();
  }
  if (packed && raw)
    return op.emitOpError()
           << "is read both as stored and packed as " << packed;
  return packed;
}

/// How the model uses a weight, for the manifest (tools such as
/// `llmc bench` count bytes per decode step by role).
std::set<std::string> rolesOf(llm::WeightOp op) {
  std::set<std::string> roles;
  SmallVector<OpOperand *> readers;
  for (OpOperand &use : op->getUses()) {
    if (auto pack = dyn_cast<llm::PackWeightOp>(use.getOwner())) {
      for (OpOperand &packUse : pack->getUses())
        readers.push_back(&packUse);
    } else {
      readers.push_back(&use);
    }
  }
  for (OpOperand *use : readers) {
    Operation *owner = use->getOwner();
    // What a self-draft reads counts toward no role of the model: a decode
    // step of the model does not read it.
    if (auto func = owner->getParentOfType<func::FuncOp>();
        func && !llm::LLMDialect::getDraftQuantization(func).empty()) {
      roles.insert("draft");
      continue;
    }
    if (auto linear = dyn_cast<llm::LinearOp>(owner))
      roles.insert(use->getOperandNumber() == 1 ? "linear" : "bias");
    else if (isa<llm::LMHeadOp>(owner))
      roles.insert("lm_head");
    else if (isa<llm::EmbeddingOp>(owner))
      roles.insert("embedding");
    else if (isa<llm::RmsNormOp, llm::LayerNormOp>(owner))
      roles.insert("norm");
    else
      roles.insert("other");
  }
  return roles;
}

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

    // One slot per distinct name and form, in order of first use: the
    // tensor as stored, or packed when every reader of the op is one
    // `llm.pack_weight`. A weight one entry point reads as stored and
    // another packed (an ONNX graph and its lifted decoder) has both.
    llvm::MapVector<SlotKey, Slot> slots;
    llvm::DenseMap<StringAttr, RankedTensorType> storedTypes;
    WalkResult walk = module.walk([&](llm::WeightOp op) -> WalkResult {
      if (!llm::LLMDialect::isEntryPoint(op->getParentOfType<func::FuncOp>()))
        return op.emitOpError("expects weights only inside entry points");
      FailureOr<llm::PackedWeightType> packed = packedTypeOf(op);
      if (failed(packed))
        return WalkResult::interrupt();
      Slot slot{op.getType(), *packed, rolesOf(op),
                op.getParts() ? *op.getParts() : ArrayAttr()};
      auto [stored, first] =
          storedTypes.insert({op.getNameAttr(), op.getType()});
      if (!first && stored->second != slot.type)
        return op.emitOpError()
               << "refers to weight '" << op.getName() << "' as "
               << describe(slot) << ", but it was used as " << stored->second;
      auto [it, inserted] =
          slots.insert({SlotKey{op.getNameAttr(), *packed}, slot});
      if (!inserted && it->second.parts != slot.parts)
        return op.emitOpError() << "refers to weight '" << op.getName()
                                << "' with other parts than another use of it";
      if (!inserted)
        it->second.roles.insert(slot.roles.begin(), slot.roles.end());
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // Entry-point arguments whose default is a weight (ONNX initializers
    // listed as graph inputs) need a slot too.
    for (auto func : module.getOps<func::FuncOp>())
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (auto name = func.getArgAttrOfType<StringAttr>(
                i, llm::LLMDialect::kDefaultWeightAttr))
          slots.insert(
              {SlotKey{name, {}},
               Slot{cast<RankedTensorType>(func.getArgument(i).getType()),
                    {},
                    {"input"},
                    {}}});

    OpBuilder builder(ctx);
    llvm::DenseMap<SlotKey, int64_t> offsets;
    SmallVector<Attribute> table;
    int64_t size = 0;
    for (auto &[key, slot] : slots) {
      StringAttr name = key.first;
      int64_t bytes;
      if (slot.packed) {
        bytes = slot.packed.getLayout().total;
      } else {
        int64_t bits = slot.type.getElementTypeBitWidth();
        bytes = (slot.type.getNumElements() * bits + 7) / 8;
      }
      size = llvm::alignTo(size, alignment);
      offsets[key] = size;
      SmallVector<NamedAttribute> entry{
          builder.getNamedAttr("name", name),
          builder.getNamedAttr("offset", builder.getI64IntegerAttr(size)),
          builder.getNamedAttr("bytes", builder.getI64IntegerAttr(bytes)),
          builder.getNamedAttr("type", TypeAttr::get(slot.type)),
          builder.getNamedAttr(
              "role", builder.getStringAttr(llvm::join(slot.roles, "+"))),
      };
      if (slot.packed)
        entry.push_back(
            builder.getNamedAttr("packed", TypeAttr::get(slot.packed)));
      if (slot.parts)
        entry.push_back(builder.getNamedAttr("parts", slot.parts));
      table.push_back(builder.getDictionaryAttr(entry));
      size += bytes;
    }
    module->setAttr(llm::LLMDialect::WeightsAttrHelper::getNameStr(),
                    builder.getArrayAttr(table));
    module->setAttr(llm::LLMDialect::WeightsSizeAttrHelper::getNameStr(),
                    builder.getI64IntegerAttr(size));

    auto blobType =
        MemRefType::get({ShapedType::kDynamic}, builder.getI8Type());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!llm::LLMDialect::isEntryPoint(func) || func.isExternal())
        continue;
      auto name = builder.getDictionaryAttr(builder.getNamedAttr(
          llm::LLMDialect::kNameAttr, builder.getStringAttr("weights")));
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
      llvm::DenseMap<SlotKey, Value> views;
      auto keyOf = [](llm::WeightOp op) {
        return SlotKey{op.getNameAttr(), *packedTypeOf(op)};
      };
      for (llm::WeightOp op : weights) {
        SlotKey key = keyOf(op);
        Value &view = views[key];
        if (view)
          continue;
        Location loc = op.getLoc();
        int64_t offset = offsets[key];
        auto viewAt = [&](int64_t at, RankedTensorType type) -> Value {
          if (!type)
            return {};
          Value position = arith::ConstantIndexOp::create(builder, loc, at);
          auto memrefType =
              MemRefType::get(type.getShape(), type.getElementType());
          Value buffer = memref::ViewOp::create(builder, loc, memrefType, blob,
                                                position, ValueRange{});
          return bufferization::ToTensorOp::create(builder, loc, type, buffer,
                                                   /*restrict=*/true,
                                                   /*writable=*/false);
        };
        llm::PackedWeightType packed = key.second;
        if (!packed) {
          view = viewAt(offset, op.getType());
          continue;
        }
        llmc_packed_offsets layout = packed.getLayout();
        view = llm::PackedViewOp::create(
            builder, loc, packed,
            viewAt(offset + layout.data, packed.getDataType()),
            viewAt(offset + layout.scales, packed.getScalesType()),
            viewAt(offset + layout.zeros, packed.getZerosType()));
      }
      // A packed weight's readers read the view in place of the pack.
      for (llm::WeightOp op : weights) {
        Value view = views[keyOf(op)];
        for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
          if (auto pack = dyn_cast<llm::PackWeightOp>(user)) {
            pack.replaceAllUsesWith(view);
            pack.erase();
          }
        op.replaceAllUsesWith(view);
        op.erase();
      }
    }
  }
};

} // namespace
} // namespace llmc
