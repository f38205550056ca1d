//===- LowerAsserts.cpp - llm.assert as a call into the runtime -----------===//
//
// A failed check calls llmc_ukernel_fail(message, v0, v1), which never
// returns: the runtime unwinds to the entry point's caller and returns the
// message as the call's error status.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"
#include "passes/RuntimeFunctions.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/StringMap.h"

namespace llmc {
#define GEN_PASS_DEF_LOWERASSERTS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

struct LowerAsserts : impl::LowerAssertsBase<LowerAsserts> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    llvm::StringMap<memref::GlobalOp> messages;
    module.walk([&](llm::AssertOp op) { lower(op, symbols, messages); });
  }

  /// The NUL-terminated bytes of `text` as a private constant global.
  memref::GlobalOp messageGlobal(ModuleOp module, StringRef text,
                                 SymbolTable &symbols,
                                 llvm::StringMap<memref::GlobalOp> &messages) {
    memref::GlobalOp &global = messages[text];
    if (global)
      return global;
    OpBuilder top(module.getBodyRegion());
    auto i8 = top.getI8Type();
    auto type = MemRefType::get({int64_t(text.size() + 1)}, i8);
    SmallVector<int8_t> bytes(text.begin(), text.end());
    bytes.push_back(0);
    auto tensorType = RankedTensorType::get(type.getShape(), i8);
    global = memref::GlobalOp::create(
        top, module.getLoc(), "llmc_assert_message",
        top.getStringAttr("private"), type,
        DenseElementsAttr::get(tensorType, ArrayRef<int8_t>(bytes)),
        /*constant=*/true, /*alignment=*/IntegerAttr());
    symbols.insert(global); // renames it uniquely
    return global;
  }

  void lower(llm::AssertOp op, SymbolTable &symbols,
             llvm::StringMap<memref::GlobalOp> &messages) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Type i64 = b.getI64Type();
    memref::GlobalOp global = messageGlobal(op->getParentOfType<ModuleOp>(),
                                            op.getMessage(), symbols, messages);
    func::FuncOp fail = declareRuntimeFunction(op, "llmc_ukernel_fail",
                                               {i64, i64, i64}, symbols);
    Value failed = arith::XOrIOp::create(
        b, loc, op.getCondition(), arith::ConstantIntOp::create(b, loc, 1, 1));
    auto branch = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
    b.setInsertionPointToStart(branch.thenBlock());
    Value text = memref::GetGlobalOp::create(b, loc, global.getType(),
                                             global.getSymName());
    Value pointer = arith::IndexCastOp::create(
        b, loc, i64,
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, text));
    SmallVector<Value> args{pointer};
    Value zero;
    for (unsigned i = 0; i < 2; ++i) {
      if (i >= op.getValues().size()) {
        if (!zero)
          zero = arith::ConstantIntOp::create(b, loc, i64, 0);
        args.push_back(zero);
        continue;
      }
      Value v = op.getValues()[i];
      if (v.getType().isIndex())
        args.push_back(arith::IndexCastOp::create(b, loc, i64, v));
      else if (v.getType().getIntOrFloatBitWidth() < 64)
        args.push_back(arith::ExtSIOp::create(b, loc, i64, v));
      else
        args.push_back(v);
    }
    func::CallOp::create(b, loc, fail, args);
    op.erase();
  }
};

} // namespace
} // namespace llmc
