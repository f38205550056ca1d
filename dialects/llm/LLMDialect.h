//===- LLMDialect.h - The llm dialect, its types and attributes -*- C++ -*-===//

#ifndef LLMC_DIALECTS_LLM_LLMDIALECT_H
#define LLMC_DIALECTS_LLM_LLMDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"
#include "runtime/include/llmc/weight_layout.h"

#include <string>

#include "dialects/llm/LLMDialect.h.inc"
#include "dialects/llm/LLMEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llm/LLMAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/llm/LLMTypes.h.inc"

#endif // LLMC_DIALECTS_LLM_LLMDIALECT_H
