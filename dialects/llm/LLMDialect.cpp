//===- LLMDialect.cpp - Registration of the llm dialect -------------------===//

#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace llmc::llm;

#include "dialects/llm/LLMDialect.cpp.inc"
#include "dialects/llm/LLMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/LLMAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/LLMTypes.cpp.inc"

void LLMDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/llm/LLMOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/llm/LLMTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/llm/LLMAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Attributes on other dialects' operations
//===----------------------------------------------------------------------===//

LogicalResult LLMDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto expect = [&](bool ok, StringRef what) -> LogicalResult {
    if (ok)
      return success();
    return op->emitError() << "expects '" << name << "' to be " << what;
  };
  if (name == EntryPointAttrHelper::getNameStr())
    return expect(isa<UnitAttr>(attr.getValue()) &&
                      isa<FunctionOpInterface>(op),
                  "a unit attribute of a function");
  if (name == DraftAttrHelper::getNameStr()) {
    auto mode = dyn_cast<StringAttr>(attr.getValue());
    return expect(
        mode && isa<FunctionOpInterface>(op) && isEntryPoint(op) &&
            llvm::is_contained({"none", "int8", "int4"}, mode.getValue()),
        "none, int8 or int4 on an entry point");
  }
  if (name == ModelAttrHelper::getNameStr())
    return expect(isa<DictionaryAttr>(attr.getValue()) && isa<ModuleOp>(op),
                  "a dictionary on the module");
  if (name == WeightsAttrHelper::getNameStr()) {
    auto table = dyn_cast<ArrayAttr>(attr.getValue());
    return expect(table && isa<ModuleOp>(op) &&
                      llvm::all_of(table, llvm::IsaPred<DictionaryAttr>),
                  "an array of dictionaries on the module");
  }
  if (name == WeightsSizeAttrHelper::getNameStr()) {
    auto size = dyn_cast<IntegerAttr>(attr.getValue());
    return expect(size && size.getType().isInteger(64) && size.getInt() >= 0 &&
                      isa<ModuleOp>(op),
                  "a non-negative i64 on the module");
  }
  return op->emitError() << "unknown llm attribute '" << name << "'";
}

/// Checks the argument or result attribute `attr` of entry point `op` on
/// a value of `type` (`isArg`: an argument).
static LogicalResult verifyEntryValueAttr(Operation *op, Type type,
                                          NamedAttribute attr, bool isArg) {
  StringRef name = attr.getName().getValue();
  if (name == LLMDialect::kNameAttr) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "expects '" << name << "' to be a string";
    return success();
  }
  if (isArg && name == LLMDialect::kDefaultWeightAttr) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "expects '" << name << "' to be a string";
    return success();
  }
  if (isArg && name == LLMDialect::kDimNamesAttr) {
    // One name per dim while the argument is a tensor (lowered to LLVM, it
    // is a pointer and the names stay for the manifest).
    auto names = dyn_cast<ArrayAttr>(attr.getValue());
    auto shaped = dyn_cast_if_present<ShapedType>(type);
    if (!names || !llvm::all_of(names, llvm::IsaPred<StringAttr>) ||
        (shaped && shaped.hasRank() &&
         int64_t(names.size()) != shaped.getRank()))
      return op->emitError()
             << "expects '" << name << "' to be one string per dim of " << type;
    return success();
  }
  return op->emitError() << "unknown llm " << (isArg ? "argument" : "result")
                         << " attribute '" << name << "'";
}

LogicalResult LLMDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  Region &region = op->getRegion(regionIndex);
  Type type =
      region.empty() ? Type() : region.front().getArgument(argIndex).getType();
  if (auto func = dyn_cast<FunctionOpInterface>(op))
    type = func.getArgumentTypes()[argIndex];
  return verifyEntryValueAttr(op, type, attr, /*isArg=*/true);
}

LogicalResult LLMDialect::verifyRegionResultAttribute(Operation *op,
                                                      unsigned regionIndex,
                                                      unsigned resultIndex,
                                                      NamedAttribute attr) {
  Type type;
  if (auto func = dyn_cast<FunctionOpInterface>(op))
    type = func.getResultTypes()[resultIndex];
  return verifyEntryValueAttr(op, type, attr, /*isArg=*/false);
}

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t layers, int64_t kvHeads,
                                  int64_t headDim, int64_t capacity,
                                  Type elementType) {
  if (layers <= 0 || kvHeads <= 0 || headDim <= 0 || capacity <= 0)
    return emitError() << "expects positive layers, kv_heads, head_dim and "
                          "capacity, got "
                       << layers << ", " << kvHeads << ", " << headDim << ", "
                       << capacity;
  if (!isa<FloatType>(elementType))
    return emitError() << "expects a floating-point element type, got "
                       << elementType;
  return success();
}

LogicalResult
PagedKVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t layers, int64_t kvHeads, int64_t headDim,
                         int64_t blockSize, Type elementType) {
  if (layers <= 0 || kvHeads <= 0 || headDim <= 0)
    return emitError() << "expects positive layers, kv_heads and head_dim, "
                          "got "
                       << layers << ", " << kvHeads << ", " << headDim;
  // Block ids and slots travel as 32-bit integers.
  if (blockSize <= 0 || blockSize > 4096)
    return emitError() << "expects a block_size in [1, 4096], got "
                       << blockSize;
  if (!elementType.isF32() && !elementType.isF16() &&
      !elementType.isSignlessInteger(8))
    return emitError() << "expects f32, f16 or i8 keys and values, got "
                       << elementType;
  return success();
}
