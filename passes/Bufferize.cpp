//===- Bufferize.cpp - One-shot bufferization with llmc's conventions -----===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/Dialect/Bufferization/Transforms/Bufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"

namespace llmc {
#define GEN_PASS_DEF_BUFFERIZE
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Gives each user its own copy of the values that one-shot analysis handles
/// in time quadratic in their uses: tensor constants, and the tensor.empty (or
/// a fill of one) that destination-passing ops write into. For every tensor
/// operand, the analysis gathers the reads and writes of all aliases of its
/// value, so a value that N ops use costs O(N) per use. CSE and the importers
/// share such values freely (every Add of a chain reads one bias, a chain of
/// matmuls accumulates into one zero fill), and a 100,000-node ONNX chain
/// would not bufferize. The copies cost nothing at run time: equal constants
/// become one global, and all but one writer of a shared destination would
/// get a copy of it anyway.
static void unshareTensors(ModuleOp module) {
  SmallVector<Operation *> shared;
  module.walk([&](Operation *op) {
    if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      if (fill.hasPureTensorSemantics() &&
          fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
        shared.push_back(op);
    } else if (isa<tensor::EmptyOp>(op) ||
               (isa<arith::ConstantOp>(op) &&
                isa<TensorType>(op->getResult(0).getType()))) {
      shared.push_back(op);
    }
  });
  // Users first: the fills cloned here each write into the empty tensor they
  // fill, which the empty tensor's own turn then splits. Each copy goes just
  // before its user, so the buffer it becomes is allocated there.
  OpBuilder builder(module.getContext());
  for (Operation *op : llvm::reverse(shared)) {
    // Constants are copied for each reader, destinations for each writer.
    bool isConstant = isa<arith::ConstantOp>(op);
    for (OpOperand &use :
         llvm::make_early_inc_range(op->getResult(0).getUses())) {
      auto writer = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
      if (!isConstant && (!writer || !writer.isDpsInit(&use)))
        continue;
      builder.setInsertionPoint(use.getOwner());
      use.set(builder.clone(*op)->getResult(0));
    }
    if (op->use_empty())
      op->erase();
  }
}

struct BufferizePass : impl::BufferizeBase<BufferizePass> {
  void runOnOperation() override {
    unshareTensors(getOperation());
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    options.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                          Value to) -> LogicalResult {
      linalg::CopyOp::create(b, loc, from, to);
      return success();
    };
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotModuleBufferize(getOperation(), options,
                                                        state)))
      return signalPassFailure();
  }
};

/// The kernel ops (llm.flash_attention, llm.paged_flash_attention) write
/// their inits in place and read the rest: the op again on buffers, its
/// results the inits' buffers.
template <typename OpTy>
struct KernelOpBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<
          KernelOpBufferization<OpTy>, OpTy> {
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (!isa<TensorType>(operand.getType())) {
        operands.push_back(operand);
        continue;
      }
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      operands.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    OpTy::create(rewriter, op->getLoc(), TypeRange{}, operands, op->getAttrs());
    SmallVector<Value> results;
    for (OpOperand &init : cast<OpTy>(op).getDpsInitsMutable())
      results.push_back(operands[init.getOperandNumber()]);
    bufferization::replaceOpWithBufferizedValues(rewriter, op, results);
    return success();
  }
};

} // namespace

void registerBufferizationInterfaces(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, llm::LLMDialect *) {
    llm::FlashAttentionOp::attachInterface<
        KernelOpBufferization<llm::FlashAttentionOp>>(*ctx);
    llm::PagedFlashAttentionOp::attachInterface<
        KernelOpBufferization<llm::PagedFlashAttentionOp>>(*ctx);
  });
}

} // namespace llmc
