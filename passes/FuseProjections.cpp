//===- FuseProjections.cpp - One linear layer for projections of one input ===//
//
// Decoders project one normalized activation several times (q, k and v;
// gate and up). On the CPU each llm.linear is a kernel call whose threads
// meet at its end, so three small GEMVs cost more than one tall one: this
// pass stacks such weights by rows and splits the result by columns.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace llmc {
#define GEN_PASS_DEF_FUSEPROJECTIONS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// The parts a weight stands for: its own name, or those it fuses.
SmallVector<Attribute> partsOf(llm::WeightOp weight) {
  if (std::optional<ArrayAttr> parts = weight.getParts())
    return SmallVector<Attribute>(parts->begin(), parts->end());
  return {weight.getNameAttr()};
}

/// `weights` stacked by rows into one llm.weight, or null when they differ
/// in element type or width.
Value stack(OpBuilder &b, Location loc, ArrayRef<llm::WeightOp> weights) {
  auto first = llm::WeightOp(weights.front()).getType();
  int64_t rows = 0;
  SmallVector<Attribute> parts;
  SmallVector<std::string> names;
  for (llm::WeightOp w : weights) {
    auto type = w.getType();
    if (type.getElementType() != first.getElementType() ||
        type.getRank() != first.getRank() ||
        (type.getRank() == 2 && type.getDimSize(1) != first.getDimSize(1)))
      return nullptr;
    rows += type.getDimSize(0);
    llvm::append_range(parts, partsOf(w));
    names.push_back(w.getName().str());
  }
  SmallVector<int64_t> shape{rows};
  if (first.getRank() == 2)
    shape.push_back(first.getDimSize(1));
  auto type = RankedTensorType::get(shape, first.getElementType());
  return llm::WeightOp::create(b, loc, type,
                               b.getStringAttr(llvm::join(names, "+")),
                               b.getArrayAttr(parts));
}

struct FuseProjectionsPass : impl::FuseProjectionsBase<FuseProjectionsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Linear layers by input and block, in program order; only weights
    // that this linear alone reads, as stored.
    llvm::MapVector<std::pair<Value, Block *>, SmallVector<llm::LinearOp>>
        byInput;
    func.walk([&](llm::LinearOp linear) {
      auto weight = linear.getWeight().getDefiningOp<llm::WeightOp>();
      if (!weight || !weight->hasOneUse() ||
          !isa<FloatType>(weight.getType().getElementType()))
        return;
      if (Value bias = linear.getBias()) {
        auto b = bias.getDefiningOp<llm::WeightOp>();
        if (!b || !b->hasOneUse())
          return;
      }
      byInput[{linear.getInput(), linear->getBlock()}].push_back(linear);
    });
    for (auto &[input, linears] : byInput)
      if (linears.size() > 1)
        fuse(linears);
  }

  void fuse(SmallVector<llm::LinearOp> &linears) {
    bool biased = bool(linears.front().getBias());
    Type resultElement = linears.front().getType().getElementType();
    for (llm::LinearOp l : linears)
      if (bool(l.getBias()) != biased ||
          l.getType().getElementType() != resultElement)
        return;
    // At the first of them (in program order, one block): the input, the
    // first weight and bias, where the stacked ones go, come before it, and
    // every use of any of them after it.
    llm::LinearOp first = linears.front();
    OpBuilder b(first);
    Location loc = first.getLoc();
    SmallVector<llm::WeightOp> weights, biases;
    for (llm::LinearOp l : linears) {
      weights.push_back(l.getWeight().getDefiningOp<llm::WeightOp>());
      if (biased)
        biases.push_back(l.getBias().getDefiningOp<llm::WeightOp>());
    }
    // Weights live at the top of the function: the stacked ones go where
    // the first of them is.
    OpBuilder wb(weights.front());
    Value weight = stack(wb, weights.front().getLoc(), weights);
    if (!weight)
      return;
    Value bias;
    if (biased) {
      OpBuilder bb(biases.front());
      bias = stack(bb, biases.front().getLoc(), biases);
      if (!bias) {
        weight.getDefiningOp()->erase();
        return;
      }
    }
    int64_t total = cast<RankedTensorType>(weight.getType()).getDimSize(0);
    auto type =
        RankedTensorType::get({ShapedType::kDynamic, total}, resultElement);
    Value input = first.getInput();
    Value fused = llm::LinearOp::create(b, loc, type, input, weight, bias);
    OpFoldResult rows = tensor::getMixedSize(b, loc, input, 0);
    int64_t offset = 0;
    for (llm::LinearOp l : linears) {
      int64_t width = l.getType().getDimSize(1);
      SmallVector<OpFoldResult> offsets{b.getIndexAttr(0),
                                        b.getIndexAttr(offset)};
      SmallVector<OpFoldResult> sizes{rows, b.getIndexAttr(width)};
      SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
      Value part = tensor::ExtractSliceOp::create(b, loc, l.getType(), fused,
                                                  offsets, sizes, strides);
      l.replaceAllUsesWith(part);
      offset += width;
    }
    for (llm::LinearOp l : linears)
      l.erase();
    for (llm::WeightOp w : weights)
      w.erase();
    for (llm::WeightOp w : biases)
      w.erase();
  }
};

} // namespace
} // namespace llmc
