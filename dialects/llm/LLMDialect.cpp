//===- LLMDialect.cpp - Registration of the llm dialect -------------------===//

#include "dialects/llm/LLMDialect.h"
#include "dialects/llm/LLMOps.h"

#include "mlir/IR/DialectImplementation.h"
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
