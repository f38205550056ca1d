//===- PageKVCache.cpp - Contiguous KV caches to a paged pool -------------===//
//
// A decoder entry point built over `!llm.kv_cache` serves one sequence per
// call, its cache sized for the whole context. The runtime's engine serves
// many sequences at once from one pool of fixed-size blocks (vLLM's
// PagedAttention): this pass gives the entry point that form. The cache
// argument becomes the pool, preceded by what a ragged batch needs (each
// token's sequence, each sequence's block table, the tokens whose logits to
// compute), and each cached attention reads and writes through the tables.
//
//===----------------------------------------------------------------------===//

#include "dialects/llm/LLMOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace llmc {
#define GEN_PASS_DEF_PAGEKVCACHE
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Why `func` cannot be paged ("" when it can): the cache must flow from
/// its argument through cached, causal, f32 attention to its result.
std::string whyNotPageable(func::FuncOp func, unsigned cacheArg,
                           unsigned &cacheResult) {
  // (logits or hidden states [tokens, n], cache): the rows are selected.
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (ret.getNumOperands() != 2)
    return "it does not return one tensor besides its KV cache";
  Value cache = func.getArgument(cacheArg);
  while (true) {
    if (cache.use_empty())
      return "its KV cache is not used";
    if (!cache.hasOneUse())
      return "its KV cache is used more than once";
    Operation *user = *cache.getUsers().begin();
    if (isa<func::ReturnOp>(user)) {
      cacheResult = cache.getUses().begin()->getOperandNumber();
      auto output = dyn_cast<RankedTensorType>(
          ret.getOperand(cacheResult == 0 ? 1 : 0).getType());
      if (!output || output.getRank() != 2)
        return "it returns no [tokens, n] tensor besides its KV cache";
      return "";
    }
    auto attention = dyn_cast<llm::AttentionOp>(user);
    if (!attention || attention.getCache() != cache)
      return "its KV cache reaches an op other than llm.attention";
    if (!attention.getCausal())
      return "an attention over the cache is not causal";
    if (!attention.getQuery().getType().getElementType().isF32())
      return "an attention over the cache is not f32";
    cache = attention.getUpdatedCache();
  }
}

struct PageKVCachePass : impl::PageKVCacheBase<PageKVCachePass> {
  using PageKVCacheBase::PageKVCacheBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Type element;
    if (kvType == "f32")
      element = Float32Type::get(ctx);
    else if (kvType == "f16")
      element = Float16Type::get(ctx);
    else if (kvType == "int8")
      element = IntegerType::get(ctx, 8);
    else {
      getOperation().emitError()
          << "kv-type '" << kvType << "': expected f32, f16 or int8";
      return signalPassFailure();
    }
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!llm::LLMDialect::isEntryPoint(func))
        continue;
      std::optional<unsigned> cacheArg;
      for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
        if (isa<llm::KVCacheType>(type))
          cacheArg = i;
      if (!cacheArg)
        continue;
      unsigned cacheResult = 0;
      std::string why = whyNotPageable(func, *cacheArg, cacheResult);
      if (!why.empty()) {
        func.emitWarning() << "llm-page-kv-cache: entry point '"
                           << func.getSymName()
                           << "' keeps its contiguous KV cache: " << why;
        continue;
      }
      auto cache =
          cast<llm::KVCacheType>(func.getArgument(*cacheArg).getType());
      auto pool = llm::PagedKVCacheType::getChecked(
          [&] { return func.emitError(); }, ctx, cache.getLayers(),
          cache.getKvHeads(), cache.getHeadDim(), int64_t(blockSize), element);
      if (!pool)
        return signalPassFailure();
      page(func, *cacheArg, cacheResult, pool);
    }
  }

  void page(func::FuncOp func, unsigned cacheArg, unsigned cacheResult,
            llm::PagedKVCacheType pool) {
    OpBuilder b(func.getContext());
    Location loc = func.getLoc();
    Type i32 = b.getI32Type(), i64 = b.getI64Type();
    auto vector = [](Type element) {
      return RankedTensorType::get({ShapedType::kDynamic}, element);
    };
    auto name = [&](StringRef n) {
      return b.getDictionaryAttr(
          b.getNamedAttr(llm::LLMDialect::kNameAttr, b.getStringAttr(n)));
    };
    // (..., kv_cache) -> (..., sequences, block_tables, logit_rows, kv_pool).
    auto tables = RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic}, i32);
    if (failed(func.insertArguments(
            {cacheArg, cacheArg, cacheArg}, {vector(i32), tables, vector(i64)},
            {name("sequences"), name("block_tables"), name("logit_rows")},
            {loc, loc, loc})))
      return signalPassFailure();
    unsigned poolArg = cacheArg + 3;
    Value sequences = func.getArgument(cacheArg);
    Value blockTables = func.getArgument(cacheArg + 1);
    Value logitRows = func.getArgument(cacheArg + 2);
    BlockArgument poolValue = func.getArgument(poolArg);
    poolValue.setType(pool);
    func.setArgAttr(poolArg, llm::LLMDialect::kNameAttr,
                    b.getStringAttr("kv_pool"));

    // The chain of attention ops, each now reading and writing the pool.
    Value current = poolValue;
    while (auto attention =
               dyn_cast<llm::AttentionOp>(*current.getUsers().begin())) {
      b.setInsertionPoint(attention);
      auto paged = llm::PagedAttentionOp::create(
          b, attention.getLoc(),
          TypeRange{attention.getResult().getType(), pool},
          attention.getQuery(), attention.getKey(), attention.getValue(),
          attention.getPositions(), sequences, blockTables, current,
          attention.getNumHeadsAttr(), attention.getNumKvHeadsAttr(),
          attention.getScaleAttr(), attention.getSlidingWindowAttr(),
          b.getI64IntegerAttr(*attention.getLayer()));
      attention.getResult().replaceAllUsesWith(paged.getResult());
      attention.getUpdatedCache().replaceAllUsesWith(paged.getUpdatedPool());
      attention.erase();
      current = paged.getUpdatedPool();
    }

    // Only the rows the caller asks for reach the LM head (every step of a
    // batch needs one row per sequence, not one per token).
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    Value output = ret.getOperand(cacheResult == 0 ? 1 : 0);
    auto select = [&](Value rows) {
      auto type = cast<RankedTensorType>(rows.getType());
      auto selected = RankedTensorType::get(
          {ShapedType::kDynamic, type.getDimSize(1)}, type.getElementType());
      return llm::SelectRowsOp::create(b, rows.getLoc(), selected, rows,
                                       logitRows)
          .getResult();
    };
    if (auto head = output.getDefiningOp<llm::LMHeadOp>()) {
      b.setInsertionPoint(head);
      head.getInputMutable().assign(select(head.getInput()));
      // As many rows as the call asks for, whatever the tokens.
      auto type = head.getType();
      head.getResult().setType(RankedTensorType::get(
          {ShapedType::kDynamic, type.getDimSize(1)}, type.getElementType()));
    } else {
      b.setInsertionPoint(ret);
      ret->setOperand(cacheResult == 0 ? 1 : 0, select(output));
    }
    func.setResultAttr(cacheResult, llm::LLMDialect::kNameAttr,
                       b.getStringAttr("kv_pool"));
    func.setFunctionType(b.getFunctionType(
        func.getBody().front().getArgumentTypes(), ret.getOperandTypes()));
  }
};

} // namespace
} // namespace llmc
