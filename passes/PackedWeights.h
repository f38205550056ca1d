//===- PackedWeights.h - Reading !llm.packed_weight in linalg --*- C++ -*-===//
//
// The reference semantics of packed weights, shared by the llm-to-linalg
// patterns: a projection as one linalg.generic whose indexing maps walk the
// packed layout (and which llmc-lower-to-ukernels later replaces by a call
// to the runtime's kernel), and element-wise dequantization for lookups.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_PASSES_PACKEDWEIGHTS_H
#define LLMC_PASSES_PACKEDWEIGHTS_H

#include "dialects/llm/LLMOps.h"

#include "mlir/IR/Builders.h"

namespace llmc {

/// The attribute naming the kernel a linalg.generic computes, with the
/// facts the kernel call needs beyond its operands.
constexpr llvm::StringLiteral kUkernelAttrName = "llmc.ukernel";

/// init[m, n] + sum_k x[m, k] * W[n, k], W read from `view`'s buffers.
mlir::Value buildPackedProjection(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value x, llm::PackedViewOp view,
                                  mlir::Value init);

/// init[t, h] = W[ids[t], h] converted to init's element type.
mlir::Value buildPackedLookup(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value ids, llm::PackedViewOp view,
                              mlir::Value init);

} // namespace llmc

#endif // LLMC_PASSES_PACKEDWEIGHTS_H
