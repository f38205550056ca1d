//===- LowerToUkernels.cpp - Tagged linalg ops to runtime kernel calls ----===//

#include "dialects/llm/LLMOps.h"
#include "passes/PackedWeights.h"
#include "passes/Passes.h"
#include "passes/RuntimeFunctions.h"
#include "runtime/include/llmc/abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSwitch.h"

namespace llmc {
#define GEN_PASS_DEF_LOWERTOUKERNELS
#include "passes/Passes.h.inc"
} // namespace llmc

using namespace mlir;

namespace llmc {
namespace {

/// Builds the 64-bit integer arguments of a runtime kernel call before
/// `b`'s insertion point: pointers travel as integers (abi.h).
struct KernelArgs {
  OpBuilder &b;
  Location loc;

  Value toI64(Value index) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  }
  Value constant(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
  }
  /// The address of a buffer's first element.
  Value address(Value memref) {
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
    int64_t bytes =
        cast<MemRefType>(memref.getType()).getElementTypeBitWidth() / 8;
    Value offset =
        arith::MulIOp::create(b, loc, meta.getOffset(),
                              arith::ConstantIndexOp::create(b, loc, bytes));
    return toI64(arith::AddIOp::create(b, loc, base, offset));
  }
  /// The distance between a buffer's rows, in elements.
  Value rowStride(Value memref) {
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    return toI64(meta.getStrides()[0]);
  }
  Value dim(Value memref, int64_t d) {
    return toI64(memref::DimOp::create(b, loc, memref, d));
  }
};

/// Whether each row of a [tokens, heads, head_dim] buffer is contiguous,
/// as the attention kernels read it.
bool hasContiguousRows(Value v) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides[2] == 1 && strides[1] == type.getDimSize(2);
}

/// Whether `type` is a rank-2 memref whose rows are contiguous.
bool hasUnitStrideRows(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || memref.getRank() != 2)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(memref.getStridesAndOffset(strides, offset)) &&
         strides[1] == 1;
}

/// Whether `type` is a 1-D memref of consecutive elements.
bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || memref.getRank() != 1)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(memref.getStridesAndOffset(strides, offset)) &&
         strides[0] == 1;
}

/// Checks the llmc.ukernel tag of `op`: a kernel the runtime has, with the
/// sizes its call passes and as many weight parts as it reads.
LogicalResult verifyKernelTag(linalg::GenericOp op, DictionaryAttr info) {
  auto kernel = info ? info.getAs<StringAttr>("kernel") : StringAttr();
  if (!kernel)
    return op.emitOpError() << "expects " << kUkernelAttrName
                            << " to be a dictionary naming a kernel";
  unsigned parts = llvm::StringSwitch<unsigned>(kernel.getValue())
                       .Case("linear_f32", 1)
                       .Case("linear_int8", 2)
                       .Case("linear_int4", 3)
                       .Default(0);
  if (!parts)
    return op.emitOpError() << "names kernel '" << kernel.getValue()
                            << "', which the runtime does not have "
                               "(linear_f32, linear_int8, linear_int4)";
  for (StringRef field : {"n", "k", "group", "scale_bytes"})
    if (!info.getAs<IntegerAttr>(field))
      return op.emitOpError() << "expects an integer '" << field << "' in its "
                              << kUkernelAttrName;
  unsigned weights = op.getNumDpsInputs() - 1;
  if (op.getNumDpsInits() != 1 || weights < 1 || weights > parts ||
      (parts < 3 && weights != parts))
    return op.emitOpError() << "reads " << weights << " weight parts, which "
                            << kernel.getValue() << " does not take";
  return success();
}

/// Why the kernel cannot be called on `op`'s operands, or "" when it can.
std::string whyNotCallable(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return "it is not on buffers";
  if (!hasUnitStrideRows(op.getDpsInputs()[0].getType()) ||
      !hasUnitStrideRows(op.getDpsInits()[0].getType()))
    return "its activation rows are not unit-stride";
  // The kernels read the weight's parts as contiguous arrays. (The inputs
  // are a temporary vector: kept alive for the loop.)
  SmallVector<Value> inputs = op.getDpsInputs();
  for (Value part : llvm::drop_begin(inputs))
    if (!isContiguous(part.getType()))
      return "a weight part is not contiguous";
  return "";
}

struct LowerToUkernelsPass : impl::LowerToUkernelsBase<LowerToUkernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::GenericOp> ops;
    WalkResult tags = module.walk([&](linalg::GenericOp op) {
      if (!op->hasAttr(kUkernelAttrName))
        return WalkResult::advance();
      auto info = op->getAttrOfType<DictionaryAttr>(kUkernelAttrName);
      if (failed(verifyKernelTag(op, info)))
        return WalkResult::interrupt();
      // Correct but slow loops: said, never silent.
      std::string why = whyNotCallable(op);
      if (!why.empty()) {
        op.emitWarning() << "cannot call llmc_ukernel_"
                         << info.getAs<StringAttr>("kernel").getValue() << ": "
                         << why << "; it stays loops";
        return WalkResult::advance();
      }
      ops.push_back(op);
      return WalkResult::advance();
    });
    if (tags.wasInterrupted())
      return signalPassFailure();
    SymbolTable symbols(module);
    for (linalg::GenericOp op : ops)
      lower(op, symbols);
    WalkResult result = module.walk([&](Operation *op) {
      LogicalResult lowered = success();
      if (auto flash = dyn_cast<llm::FlashAttentionOp>(op);
          flash && flash.getNumResults() == 0)
        lowered = lower(flash, symbols);
      else if (auto paged = dyn_cast<llm::PagedFlashAttentionOp>(op);
               paged && paged.getNumResults() == 0)
        lowered = lower(paged, symbols);
      return succeeded(lowered) ? WalkResult::advance()
                                : WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// llmc_ukernel_paged_attention (abi.h's llmc_paged_attention_fn): the
  /// rows of q, k, v and out must be contiguous [heads, head_dim], the
  /// index buffers and the pool contiguous, as the lowering makes them.
  LogicalResult lower(llm::PagedFlashAttentionOp op, SymbolTable &symbols) {
    auto type = [](Value v) { return cast<MemRefType>(v.getType()); };
    for (Value v : {op.getQuery(), op.getKey(), op.getValue(), op.getInit()})
      if (!hasContiguousRows(v))
        return op.emitOpError("expects buffers whose rows are contiguous "
                              "[heads, head_dim] for the runtime kernel");
    for (Value v : {op.getPositions(), op.getSequences(), op.getBlockTables(),
                    op.getPool()})
      if (!type(v).getLayout().isIdentity())
        return op.emitOpError("expects contiguous index buffers and pool for "
                              "the runtime kernel");
    OpBuilder b(op);
    Location loc = op.getLoc();
    KernelArgs k{b, loc};
    MemRefType pool = type(op.getPool());
    SmallVector<Value> args{
        k.address(op.getQuery()),
        k.rowStride(op.getQuery()),
        k.address(op.getKey()),
        k.rowStride(op.getKey()),
        k.address(op.getValue()),
        k.rowStride(op.getValue()),
        k.address(op.getInit()),
        k.rowStride(op.getInit()),
        k.dim(op.getQuery(), 0),
        k.address(op.getPositions()),
        k.dim(op.getPositions(), 0),
        k.address(op.getSequences()),
        k.dim(op.getSequences(), 0),
        k.address(op.getBlockTables()),
        k.dim(op.getBlockTables(), 0),
        k.dim(op.getBlockTables(), 1),
        k.address(op.getPool()),
        k.dim(op.getPool(), 0),
        k.constant(pool.getDimSize(1)),
        k.constant(op.getLayer()),
        k.constant(pool.getDimSize(3)),
        k.constant(pool.getElementType().isF16()   ? LLMC_KV_F16
                   : pool.getElementType().isF32() ? LLMC_KV_F32
                                                   : LLMC_KV_INT8),
        k.constant(op.getNumHeads()),
        k.constant(op.getNumKvHeads()),
        k.constant(cast<MemRefType>(op.getQuery().getType()).getDimSize(2)),
        k.constant(op.getSlidingWindow().value_or(0)),
        arith::ConstantOp::create(
            b, loc, b.getF32FloatAttr(op.getScale().convertToDouble()))};
    func::FuncOp callee =
        declareRuntimeFunction(op, "llmc_ukernel_paged_attention",
                               ValueRange(args).getTypes(), symbols);
    func::CallOp::create(b, loc, callee, args);
    op.erase();
    return success();
  }

  /// llmc_ukernel_attention_f32(q, ldq, k, v, ldkv, out, ldo, tokens, start,
  /// heads, kv_heads, head_dim, window, scale): every row of q, the cache
  /// and out must be [.., heads or kv_heads, head_dim] with unit strides
  /// inside, as the lowering creates them.
  LogicalResult lower(llm::FlashAttentionOp op, SymbolTable &symbols) {
    for (Value v : {op.getQuery(), op.getKeys(), op.getValues(), op.getInit()})
      if (!hasContiguousRows(v))
        return op.emitOpError("expects buffers whose rows are contiguous "
                              "[heads, head_dim] for the runtime kernel");
    OpBuilder b(op);
    Location loc = op.getLoc();
    KernelArgs k{b, loc};
    int64_t headDim = cast<MemRefType>(op.getQuery().getType()).getDimSize(2);
    SmallVector<Value> args{
        k.address(op.getQuery()),
        k.rowStride(op.getQuery()),
        k.address(op.getKeys()),
        k.address(op.getValues()),
        k.rowStride(op.getKeys()),
        k.address(op.getInit()),
        k.rowStride(op.getInit()),
        k.dim(op.getQuery(), 0),
        k.toI64(op.getStart()),
        k.constant(op.getNumHeads()),
        k.constant(op.getNumKvHeads()),
        k.constant(headDim),
        k.constant(op.getSlidingWindow().value_or(0)),
        arith::ConstantOp::create(
            b, loc, b.getF32FloatAttr(op.getScale().convertToDouble()))};
    func::FuncOp callee = declareRuntimeFunction(
        op, "llmc_ukernel_attention_f32", ValueRange(args).getTypes(), symbols);
    func::CallOp::create(b, loc, callee, args);
    op.erase();
    return success();
  }

  void lower(linalg::GenericOp op, SymbolTable &symbols) {
    auto info = op->getAttrOfType<DictionaryAttr>(kUkernelAttrName);
    StringRef kernel = info.getAs<StringAttr>("kernel").getValue();
    OpBuilder b(op);
    Location loc = op.getLoc();
    Type i64 = b.getI64Type();
    KernelArgs k{b, loc};
    auto constant = [&](StringRef name) {
      return k.constant(info.getAs<IntegerAttr>(name).getInt());
    };

    SmallVector<Value> inputs = op.getDpsInputs();
    Value x = inputs[0], y = op.getDpsInits()[0];
    Value rows = k.dim(x, 0);
    SmallVector<Value> args{k.address(x), k.rowStride(x), k.address(inputs[1])};
    if (kernel != "linear_f32")
      args.push_back(k.address(inputs[2]));
    if (kernel == "linear_int4")
      args.push_back(inputs.size() > 3
                         ? k.address(inputs[3])
                         : Value(arith::ConstantIntOp::create(b, loc, i64, 0)));
    args.append(
        {k.address(y), k.rowStride(y), rows, constant("n"), constant("k")});
    if (kernel == "linear_int4")
      args.push_back(constant("group"));
    if (kernel != "linear_f32")
      args.push_back(constant("scale_bytes"));

    func::FuncOp callee =
        declareRuntimeFunction(op, ("llmc_ukernel_" + kernel).str(),
                               SmallVector<Type>(args.size(), i64), symbols);
    func::CallOp::create(b, loc, callee, args);
    op.erase();
  }
};

} // namespace
} // namespace llmc
