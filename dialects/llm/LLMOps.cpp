//===- LLMOps.cpp - Verifiers of the llm dialect's operations -------------===//

#include "dialects/llm/LLMOps.h"

#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace llmc::llm;

/// Two dimensions agree when either is dynamic or both are equal.
static bool dimsAgree(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimString(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

/// Checks that `type` has rank `rank`; names the operand in the message.
static LogicalResult expectRank(Operation *op, RankedTensorType type,
                                int64_t rank, StringRef what) {
  if (type.getRank() == rank)
    return success();
  return op->emitOpError() << "expects " << what << " of rank " << rank
                           << ", got " << type;
}

/// Checks that dimension `dim` of `type` agrees with `expected`.
static LogicalResult expectDim(Operation *op, RankedTensorType type,
                               int64_t dim, int64_t expected, StringRef what) {
  if (dimsAgree(type.getDimSize(dim), expected))
    return success();
  return op->emitOpError() << "expects dimension " << dim << " of " << what
                           << " to be " << dimString(expected) << ", got "
                           << dimString(type.getDimSize(dim));
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult AssertOp::verify() {
  if (getValues().size() > 2)
    return emitOpError() << "expects at most 2 values, got "
                         << getValues().size();
  if (getMessage().empty())
    return emitOpError("expects a message");
  // Every {N} must name a value.
  StringRef message = getMessage();
  for (size_t at = message.find('{'); at != StringRef::npos;
       at = message.find('{', at + 1)) {
    size_t end = message.find('}', at);
    unsigned index;
    if (end == StringRef::npos ||
        message.slice(at + 1, end).getAsInteger(10, index))
      continue;
    if (index >= getValues().size())
      return emitOpError() << "message refers to value {" << index
                           << "} but has " << getValues().size() << " values";
  }
  return success();
}

LogicalResult WeightOp::verify() {
  if (getName().empty())
    return emitOpError("expects a non-empty weight name");
  if (!getType().hasStaticShape())
    return emitOpError() << "expects a statically shaped weight, got "
                         << getType();
  if (std::optional<ArrayAttr> parts = getParts()) {
    if (parts->size() < 2)
      return emitOpError("expects at least two parts");
    if (getType().getRank() < 1 || getType().getRank() > 2)
      return emitOpError() << "expects a fused weight of rank 1 or 2, got "
                           << getType();
    for (Attribute part : *parts)
      if (cast<StringAttr>(part).getValue().empty())
        return emitOpError("expects non-empty part names");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// PackWeightOp and PackedViewOp
//===----------------------------------------------------------------------===//

LogicalResult PackWeightOp::verify() {
  auto weight = cast<RankedTensorType>(getWeight().getType());
  PackedWeightType packed = getType();
  if (failed(expectRank(*this, weight, 2, "a weight")))
    return failure();
  if (weight.getDimSize(0) != packed.getRows() ||
      weight.getDimSize(1) != packed.getCols())
    return emitOpError() << "expects a " << packed.getRows() << "x"
                         << packed.getCols() << " weight for " << packed
                         << ", got " << weight;
  if (weight.getElementType().isInteger(4) &&
      packed.getFormat() != LLMC_WEIGHT_INT4)
    return emitOpError() << "expects an i4 layout for pre-quantized i4 codes, "
                            "got "
                         << packed;
  return success();
}

/// Checks that part `what` of a packed weight has `expected` type.
static LogicalResult expectPart(Operation *op, Value part,
                                RankedTensorType expected, StringRef what) {
  if (!expected && !part)
    return success();
  if (!expected)
    return op->emitOpError() << "expects no " << what;
  if (!part)
    return op->emitOpError() << "expects " << what << " of type " << expected;
  if (part.getType() != expected)
    return op->emitOpError() << "expects " << what << " of type " << expected
                             << ", got " << part.getType();
  return success();
}

LogicalResult PackedViewOp::verify() {
  PackedWeightType packed = getType();
  return success(
      succeeded(expectPart(*this, getData(), packed.getDataType(), "data")) &&
      succeeded(
          expectPart(*this, getScales(), packed.getScalesType(), "scales")) &&
      succeeded(
          expectPart(*this, getZeros(), packed.getZerosType(), "zero points")));
}

/// The [rows, cols] of a weight matrix, stored or packed.
static SmallVector<int64_t, 2> matrixShape(Type type) {
  if (auto packed = dyn_cast<PackedWeightType>(type))
    return {packed.getRows(), packed.getCols()};
  return llvm::to_vector<2>(cast<RankedTensorType>(type).getShape());
}

static LogicalResult expectMatrix(Operation *op, Type type, StringRef what) {
  if (matrixShape(type).size() == 2)
    return success();
  return op->emitOpError() << "expects " << what << " of rank 2, got " << type;
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  Type table = getTable().getType();
  auto ids = getIds().getType();
  auto result = getResult().getType();
  if (failed(expectMatrix(*this, table, "a table")) ||
      failed(expectRank(*this, ids, 1, "ids")) ||
      failed(expectRank(*this, result, 2, "a result")) ||
      failed(expectDim(*this, result, 0, ids.getDimSize(0), "the result")) ||
      failed(expectDim(*this, result, 1, matrixShape(table)[1], "the result")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp and LMHeadOp
//===----------------------------------------------------------------------===//

/// Shared shape rule of x W^T: input [..., K], weight [N, K], result [..., N].
static LogicalResult verifyProjection(Operation *op, RankedTensorType input,
                                      Type weightType,
                                      RankedTensorType result) {
  if (failed(expectMatrix(op, weightType, "a weight")))
    return failure();
  SmallVector<int64_t, 2> weight = matrixShape(weightType);
  // Rows are tokens: the lowering and the kernels take [tokens, features].
  if (input.getRank() != 2)
    return op->emitOpError() << "expects an input of rank 2 [tokens, "
                                "in_features], got "
                             << input;
  if (result.getRank() != input.getRank())
    return op->emitOpError() << "expects a result of rank " << input.getRank()
                             << " like the input, got " << result;
  int64_t last = input.getRank() - 1;
  if (!dimsAgree(input.getDimSize(last), weight[1]))
    return op->emitOpError() << "expects the input's last dimension ("
                             << dimString(input.getDimSize(last))
                             << ") to match the weight's in_features ("
                             << dimString(weight[1]) << ")";
  for (int64_t d = 0; d < last; ++d)
    if (failed(expectDim(op, result, d, input.getDimSize(d), "the result")))
      return failure();
  return expectDim(op, result, last, weight[0], "the result");
}

LogicalResult LinearOp::verify() {
  Type weight = getWeight().getType();
  if (failed(verifyProjection(*this, getInput().getType(), weight,
                              getResult().getType())))
    return failure();
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (failed(expectRank(*this, biasType, 1, "a bias")) ||
        failed(
            expectDim(*this, biasType, 0, matrixShape(weight)[0], "the bias")))
      return failure();
  }
  return success();
}

LogicalResult LMHeadOp::verify() {
  return verifyProjection(*this, getInput().getType(), getWeight().getType(),
                          getResult().getType());
}

//===----------------------------------------------------------------------===//
// RmsNormOp
//===----------------------------------------------------------------------===//

/// What RMSNorm and LayerNorm share: a positive, finite epsilon, a result
/// shaped as the input, and per-feature parameters ([width]) `params`.
static LogicalResult
verifyNorm(Operation *op, APFloat epsilon, RankedTensorType input,
           RankedTensorType result,
           ArrayRef<std::pair<Value, const char *>> params) {
  double eps = epsilon.convertToDouble();
  if (!(eps > 0.0) || !std::isfinite(eps))
    return op->emitOpError() << "expects a positive epsilon, got " << eps;
  if (input.getRank() < 1)
    return op->emitOpError("expects an input of rank at least 1");
  if (input.getShape() != result.getShape())
    return op->emitOpError()
           << "expects the result shape to match the input, got " << result
           << " for " << input;
  int64_t width = input.getDimSize(input.getRank() - 1);
  for (auto [value, what] : params) {
    auto type = cast<RankedTensorType>(value.getType());
    if (failed(expectRank(op, type, 1, what)) ||
        failed(expectDim(op, type, 0, width, what)))
      return failure();
  }
  return success();
}

LogicalResult RmsNormOp::verify() {
  return verifyNorm(*this, getEpsilon(), getInput().getType(),
                    getResult().getType(), {{getWeight(), "the weight"}});
}

//===----------------------------------------------------------------------===//
// LayerNormOp
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  return verifyNorm(*this, getEpsilon(), getInput().getType(),
                    getResult().getType(),
                    {{getWeight(), "the weight"}, {getBias(), "the bias"}});
}

//===----------------------------------------------------------------------===//
// RotaryEmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult RotaryEmbeddingOp::verify() {
  auto input = getInput().getType();
  auto positions = getPositions().getType();
  if (failed(
          expectRank(*this, input, 3, "an input [tokens, heads, head_dim]")) ||
      failed(expectRank(*this, positions, 1, "positions")) ||
      failed(expectDim(*this, positions, 0, input.getDimSize(0), "positions")))
    return failure();
  if (input.getShape() != getResult().getType().getShape())
    return emitOpError() << "expects the result shape to match the input, got "
                         << getResult().getType() << " for " << input;
  int64_t headDim = input.getDimSize(2);
  if (ShapedType::isDynamic(headDim) || headDim % 2 != 0)
    return emitOpError() << "expects a static, even head_dim, got "
                         << dimString(headDim);
  if (getTheta().convertToDouble() <= 0.0)
    return emitOpError() << "expects a positive theta, got "
                         << getTheta().convertToDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  int64_t numHeads = getNumHeads();
  int64_t numKvHeads = getNumKvHeads();
  if (numHeads <= 0 || numKvHeads <= 0)
    return emitOpError() << "expects positive num_heads and num_kv_heads, got "
                         << numHeads << " and " << numKvHeads;
  if (numHeads % numKvHeads != 0)
    return emitOpError() << "expects num_heads (" << numHeads
                         << ") to be a multiple of num_kv_heads (" << numKvHeads
                         << ")";
  if (getScale().convertToDouble() <= 0.0)
    return emitOpError() << "expects a positive scale, got "
                         << getScale().convertToDouble();
  if (auto window = getSlidingWindow()) {
    if (*window <= 0)
      return emitOpError() << "expects a positive sliding_window, got "
                           << *window;
    if (!getCausal())
      return emitOpError("expects sliding_window only on causal attention");
  }

  auto query = getQuery().getType();
  auto key = getKey().getType();
  auto value = getValue().getType();
  auto result = getResult().getType();
  auto positions = getPositions().getType();
  if (failed(
          expectRank(*this, query, 3, "a query [tokens, heads, head_dim]")) ||
      failed(expectRank(*this, key, 3, "a key [tokens, kv_heads, head_dim]")) ||
      failed(expectRank(*this, value, 3,
                        "a value [tokens, kv_heads, head_dim]")) ||
      failed(expectRank(*this, result, 3, "a result")) ||
      failed(expectRank(*this, positions, 1, "positions")))
    return failure();
  Type element = query.getElementType();
  for (auto [type, what] :
       {std::pair{key, "the key"}, std::pair{value, "the value"},
        std::pair{result, "the result"}})
    if (type.getElementType() != element)
      return emitOpError() << "expects " << what << " to have the query's "
                           << "element type " << element << ", got "
                           << type.getElementType();
  int64_t headDim = query.getDimSize(2);
  if (ShapedType::isDynamic(headDim))
    return emitOpError("expects a static head_dim");
  if (failed(expectDim(*this, query, 1, numHeads, "the query")) ||
      failed(expectDim(*this, key, 1, numKvHeads, "the key")) ||
      failed(expectDim(*this, value, 1, numKvHeads, "the value")) ||
      failed(expectDim(*this, key, 2, headDim, "the key")) ||
      failed(expectDim(*this, value, 2, headDim, "the value")) ||
      failed(expectDim(*this, value, 0, key.getDimSize(0), "the value")) ||
      failed(
          expectDim(*this, positions, 0, query.getDimSize(0), "positions")) ||
      failed(expectDim(*this, result, 0, query.getDimSize(0), "the result")) ||
      failed(expectDim(*this, result, 1, numHeads, "the result")) ||
      failed(expectDim(*this, result, 2, headDim, "the result")))
    return failure();

  Value cache = getCache();
  Value updated = getUpdatedCache();
  if (!cache) {
    if (updated)
      return emitOpError("expects no updated cache result without a cache");
    if (getLayer())
      return emitOpError("expects a layer only with a cache operand");
    return success();
  }
  auto cacheType = cast<KVCacheType>(cache.getType());
  if (!updated || updated.getType() != cacheType)
    return emitOpError() << "expects the updated cache result to have type "
                         << cacheType;
  std::optional<int64_t> layer = getLayer();
  if (!layer)
    return emitOpError("expects a layer attribute with a cache operand");
  if (*layer < 0 || *layer >= cacheType.getLayers())
    return emitOpError() << "expects layer " << *layer << " to be in [0, "
                         << cacheType.getLayers() << ")";
  // New keys and values are stored into the cache as they are.
  if (cacheType.getElementType() != element)
    return emitOpError() << "expects a cache of the query's element type "
                         << element << ", got " << cacheType;
  if (cacheType.getKvHeads() != numKvHeads || cacheType.getHeadDim() != headDim)
    return emitOpError() << "expects a cache of " << numKvHeads
                         << " kv_heads x head_dim " << headDim << ", got "
                         << cacheType;
  if (!dimsAgree(key.getDimSize(0), query.getDimSize(0)))
    return emitOpError() << "expects as many new keys as queries with a cache, "
                            "got "
                         << dimString(key.getDimSize(0)) << " and "
                         << dimString(query.getDimSize(0));
  return success();
}

//===----------------------------------------------------------------------===//
// PagedAttentionOp
//===----------------------------------------------------------------------===//

/// What every form of attention requires of its heads, scale and window.
static LogicalResult verifyHeads(Operation *op, int64_t numHeads,
                                 int64_t numKvHeads, double scale,
                                 std::optional<int64_t> window) {
  if (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0)
    return op->emitOpError() << "expects num_heads (" << numHeads
                             << ") to be a positive multiple of num_kv_heads ("
                             << numKvHeads << ")";
  if (!(scale > 0.0))
    return op->emitOpError() << "expects a positive scale, got " << scale;
  if (window && *window <= 0)
    return op->emitOpError()
           << "expects a positive sliding_window, got " << *window;
  return success();
}

LogicalResult PagedAttentionOp::verify() {
  int64_t numHeads = getNumHeads(), numKvHeads = getNumKvHeads();
  if (failed(verifyHeads(*this, numHeads, numKvHeads,
                         getScale().convertToDouble(), getSlidingWindow())))
    return failure();
  auto query = getQuery().getType();
  auto key = getKey().getType();
  auto value = getValue().getType();
  auto result = getResult().getType();
  if (failed(
          expectRank(*this, query, 3, "a query [tokens, heads, head_dim]")) ||
      failed(expectRank(*this, key, 3, "a key [tokens, kv_heads, head_dim]")) ||
      failed(expectRank(*this, value, 3,
                        "a value [tokens, kv_heads, head_dim]")) ||
      failed(expectRank(*this, result, 3, "a result")) ||
      failed(expectRank(*this, getPositions().getType(), 1, "positions")) ||
      failed(expectRank(*this, getSequences().getType(), 1, "sequences")) ||
      failed(expectRank(*this, getBlockTables().getType(), 2,
                        "block tables [sequences, blocks]")))
    return failure();
  for (auto [type, what] :
       {std::pair{query, "the query"}, std::pair{key, "the key"},
        std::pair{value, "the value"}, std::pair{result, "the result"}})
    if (!type.getElementType().isF32())
      return emitOpError() << "expects " << what << " to be f32, got " << type;
  if (!getSequences().getType().getElementType().isInteger(32) ||
      !getBlockTables().getType().getElementType().isInteger(32) ||
      !getPositions().getType().getElementType().isInteger(64))
    return emitOpError("expects i64 positions, i32 sequences and i32 block "
                       "tables");
  int64_t headDim = query.getDimSize(2);
  if (ShapedType::isDynamic(headDim))
    return emitOpError("expects a static head_dim");
  int64_t tokens = query.getDimSize(0);
  if (failed(expectDim(*this, query, 1, numHeads, "the query")) ||
      failed(expectDim(*this, key, 1, numKvHeads, "the key")) ||
      failed(expectDim(*this, value, 1, numKvHeads, "the value")) ||
      failed(expectDim(*this, key, 2, headDim, "the key")) ||
      failed(expectDim(*this, value, 2, headDim, "the value")) ||
      failed(expectDim(*this, key, 0, tokens, "the key")) ||
      failed(expectDim(*this, value, 0, tokens, "the value")) ||
      failed(
          expectDim(*this, getPositions().getType(), 0, tokens, "positions")) ||
      failed(
          expectDim(*this, getSequences().getType(), 0, tokens, "sequences")) ||
      failed(expectDim(*this, result, 0, tokens, "the result")) ||
      failed(expectDim(*this, result, 1, numHeads, "the result")) ||
      failed(expectDim(*this, result, 2, headDim, "the result")))
    return failure();
  PagedKVCacheType pool = getPool().getType();
  if (getUpdatedPool().getType() != pool)
    return emitOpError() << "expects the updated pool to have type " << pool;
  int64_t layer = getLayerAttr().getInt();
  if (layer < 0 || layer >= pool.getLayers())
    return emitOpError() << "expects layer " << layer << " to be in [0, "
                         << pool.getLayers() << ")";
  if (pool.getKvHeads() != numKvHeads || pool.getHeadDim() != headDim)
    return emitOpError() << "expects a pool of " << numKvHeads
                         << " kv_heads x head_dim " << headDim << ", got "
                         << pool;
  return success();
}

//===----------------------------------------------------------------------===//
// SelectRowsOp
//===----------------------------------------------------------------------===//

LogicalResult SelectRowsOp::verify() {
  auto input = getInput().getType();
  auto result = getResult().getType();
  if (failed(expectRank(*this, input, 2, "an input")) ||
      failed(expectRank(*this, getRows().getType(), 1, "rows")) ||
      failed(expectRank(*this, result, 2, "a result")))
    return failure();
  if (result.getElementType() != input.getElementType())
    return emitOpError() << "expects a result of the input's element type "
                         << input.getElementType();
  if (failed(expectDim(*this, result, 1, input.getDimSize(1), "the result")) ||
      failed(expectDim(*this, result, 0, getRows().getType().getDimSize(0),
                       "the result")))
    return failure();
  return success();
}

#define GET_OP_CLASSES
#include "dialects/llm/LLMOps.cpp.inc"

//===----------------------------------------------------------------------===//
// FlashAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult FlashAttentionOp::verify() {
  auto shaped = [](Value v) { return cast<ShapedType>(v.getType()); };
  ShapedType query = shaped(getQuery()), keys = shaped(getKeys()),
             values = shaped(getValues()), init = shaped(getInit());
  for (auto [type, what] :
       {std::pair{query, "the query"}, std::pair{keys, "the keys"},
        std::pair{values, "the values"}, std::pair{init, "the init"}})
    if (!type.hasRank() || type.getRank() != 3 ||
        !type.getElementType().isF32())
      return emitOpError() << "expects " << what << " to be rank-3 f32, got "
                           << type;
  bool tensors = isa<RankedTensorType>(init);
  if (tensors != (getNumResults() == 1) ||
      (tensors && getResult()[0].getType() != init))
    return emitOpError("expects one result of the init's type on tensors, "
                       "none on buffers");
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads();
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return emitOpError() << "expects num_heads (" << heads
                         << ") to be a positive multiple of num_kv_heads ("
                         << kvHeads << ")";
  int64_t headDim = query.getDimSize(2);
  if (query.getDimSize(1) != heads || init.getDimSize(1) != heads ||
      init.getDimSize(2) != headDim ||
      !dimsAgree(query.getDimSize(0), init.getDimSize(0)))
    return emitOpError() << "expects query and init of [tokens, " << heads
                         << ", head_dim], got " << query << " and " << init;
  if (keys.getShape() != values.getShape() || keys.getDimSize(1) != kvHeads ||
      keys.getDimSize(2) != headDim)
    return emitOpError() << "expects keys and values of [capacity, " << kvHeads
                         << ", " << dimString(headDim) << "], got " << keys
                         << " and " << values;
  if (auto window = getSlidingWindow(); window && *window <= 0)
    return emitOpError() << "expects a positive sliding_window, got "
                         << *window;
  return success();
}

/// On buffers a kernel op reads every buffer operand and writes its inits;
/// on tensors it is pure.
static void addKernelOpEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    effects.emplace_back(MemoryEffects::Read::get(), &operand,
                         SideEffects::DefaultResource::get());
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

void FlashAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  addKernelOpEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// PagedFlashAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult PagedFlashAttentionOp::verify() {
  if (failed(verifyHeads(*this, getNumHeads(), getNumKvHeads(),
                         getScale().convertToDouble(), getSlidingWindow())))
    return failure();
  auto shaped = [](Value v) { return cast<ShapedType>(v.getType()); };
  for (auto [v, what] :
       {std::pair{getQuery(), "the query"}, std::pair{getKey(), "the key"},
        std::pair{getValue(), "the value"}, std::pair{getInit(), "the init"}}) {
    ShapedType type = shaped(v);
    if (!type.hasRank() || type.getRank() != 3 ||
        !type.getElementType().isF32())
      return emitOpError() << "expects " << what << " to be rank-3 f32, got "
                           << type;
  }
  ShapedType pool = shaped(getPool());
  if (!pool.hasRank() || pool.getRank() != 6 ||
      !(pool.getElementType().isF32() || pool.getElementType().isF16() ||
        pool.getElementType().isSignlessInteger(8)) ||
      pool.getDimSize(2) != 2)
    return emitOpError() << "expects a pool [blocks, layers, 2, block_size, "
                            "kv_heads, head_dim] of f32, f16 or i8, got "
                         << pool;
  for (int64_t d = 1; d < 6; ++d)
    if (ShapedType::isDynamic(pool.getDimSize(d)))
      return emitOpError() << "expects a pool whose dimensions past the "
                              "first are static, got "
                           << pool;
  for (auto [v, rank, what] :
       {std::tuple{getPositions(), 1, "positions"},
        std::tuple{getSequences(), 1, "sequences"},
        std::tuple{getBlockTables(), 2, "block tables"}}) {
    ShapedType type = shaped(v);
    unsigned bits = v == getPositions() ? 64 : 32;
    if (!type.hasRank() || type.getRank() != rank ||
        !type.getElementType().isInteger(bits))
      return emitOpError() << "expects " << what << " of rank " << rank
                           << " and i" << bits << ", got " << type;
  }
  bool tensors = isa<RankedTensorType>(getInit().getType());
  if (tensors != isa<RankedTensorType>(getPool().getType()))
    return emitOpError("expects the pool and the init both tensors or both "
                       "buffers");
  if (tensors != (getNumResults() == 2) ||
      (tensors && (getResult()[0].getType() != pool ||
                   getResult()[1].getType() != getInit().getType())))
    return emitOpError("expects results of the pool's and the init's types "
                       "on tensors, none on buffers");
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads();
  ShapedType query = shaped(getQuery()), init = shaped(getInit());
  // An i8 pool's rows end in their f32 scale.
  int64_t headDim =
      pool.getDimSize(5) - (pool.getElementType().isSignlessInteger(8) ? 4 : 0);
  if (query.getDimSize(1) != heads || query.getDimSize(2) != headDim ||
      init.getShape() != query.getShape() || pool.getDimSize(4) != kvHeads)
    return emitOpError() << "expects query and init of [tokens, " << heads
                         << ", " << headDim << "] over a pool of " << kvHeads
                         << " kv_heads, got " << query << ", " << init
                         << " and " << pool;
  for (Value v : {getKey(), getValue()})
    if (shaped(v).getDimSize(1) != kvHeads ||
        shaped(v).getDimSize(2) != headDim)
      return emitOpError() << "expects keys and values of [tokens, " << kvHeads
                           << ", " << headDim << "], got " << v.getType();
  int64_t tokens = query.getDimSize(0);
  for (Value v : {getKey(), getValue(), getPositions(), getSequences()})
    if (!dimsAgree(shaped(v).getDimSize(0), tokens))
      return emitOpError() << "expects " << dimString(tokens)
                           << " tokens in every per-token operand, got "
                           << v.getType();
  int64_t layer = getLayerAttr().getInt();
  if (layer < 0 || layer >= pool.getDimSize(1))
    return emitOpError() << "expects layer " << layer << " to be in [0, "
                         << pool.getDimSize(1) << ")";
  return success();
}

void PagedFlashAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  addKernelOpEffects(*this, effects);
}
