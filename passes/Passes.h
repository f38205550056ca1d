//===- Passes.h - llmc's transforms and lowerings ---------------*- C++ -*-===//

#ifndef LLMC_PASSES_PASSES_H
#define LLMC_PASSES_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class DialectRegistry;
class RewritePatternSet;
class TypeConverter;
} // namespace mlir

namespace llmc {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Adds the patterns that rewrite llm ops into linalg/tensor/arith/math.
/// `converter` maps `!llm.kv_cache` to its tensor form.
/// With `attentionKernel`, cached causal f32 attention becomes
/// `llm.flash_attention` (the runtime's kernel) instead of linalg.
void populateLLMToLinalgConversionPatterns(mlir::TypeConverter &converter,
                                           mlir::RewritePatternSet &patterns,
                                           bool attentionKernel = false);

/// Adds the patterns that lower `llm.attention` (in LowerAttention.cpp).
void populateAttentionLoweringPatterns(mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns,
                                       bool attentionKernel);

/// Bufferization of llmc's destination-style ops (llm.flash_attention).
void registerBufferizationInterfaces(mlir::DialectRegistry &registry);

/// The contiguous tensor form of a KV cache:
/// tensor<layers x 2 x capacity x kv_heads x head_dim x element>.
mlir::RankedTensorType getKVCacheTensorType(mlir::Type kvCacheType);

/// The tensor form of a paged KV pool: tensor<? x layers x 2 x block_size x
/// kv_heads x head_dim x element>, one entry of the first dimension per
/// block.
mlir::RankedTensorType getPagedKVCacheTensorType(mlir::Type pagedKVCacheType);

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace llmc

#endif // LLMC_PASSES_PASSES_H
