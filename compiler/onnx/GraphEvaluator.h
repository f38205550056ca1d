//===- GraphEvaluator.h - Evaluating small ONNX subgraphs -------*- C++ -*-===//
//
// Computes the value of a small subgraph (an attention mask built from
// shapes, Range and comparisons) for chosen graph inputs, at compile time.
// The decoder recognizer uses it to check what a mask does rather than what
// it looks like: a mask that is not causal (anti-causal, a sliding window,
// padding-dependent) must not be lifted as a causal one.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_ONNX_GRAPHEVALUATOR_H
#define LLMC_COMPILER_ONNX_GRAPHEVALUATOR_H

#include "compiler/onnx/OnnxModel.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace llmc {

/// A tensor evaluated at compile time. Elements are doubles: exact for the
/// integers (below 2^53), booleans and floats of mask subgraphs. A bound
/// input may leave `values` empty: then only Shape may read it.
struct EvaluatedTensor {
  int32_t dataType = 0; // onnx::TensorProto::DataType
  std::vector<int64_t> shape;
  std::vector<double> values;

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
};

/// Evaluates values of `model`'s main graph from bound graph inputs,
/// initializers and Constant nodes, for the ops mask subgraphs use (shape
/// arithmetic, Range, comparisons, logic, Where, Expand, Tile, Trilu, ...).
/// Anything else, or a tensor over 2^20 elements, is an error naming the
/// node.
/// Which node, and which of its outputs, produces each value of a graph.
using ProducerIndex = llvm::StringMap<std::pair<const onnx::NodeProto *, int>>;
ProducerIndex indexProducers(const onnx::GraphProto &graph);

class GraphEvaluator {
public:
  explicit GraphEvaluator(const OnnxModel &model);
  /// Shares `producers` (indexProducers of the model's graph), so that
  /// making an evaluator costs nothing per node.
  GraphEvaluator(const OnnxModel &model, const ProducerIndex &producers);

  /// Gives graph input `name` the value `tensor` (or, with no values, only
  /// its shape).
  void bind(llvm::StringRef name, EvaluatedTensor tensor);
  llvm::Expected<EvaluatedTensor> evaluate(llvm::StringRef value);

private:
  llvm::Expected<EvaluatedTensor> evaluateNode(const onnx::NodeProto &node,
                                               int output, unsigned depth);
  llvm::Expected<EvaluatedTensor> evaluate(llvm::StringRef value,
                                           unsigned depth);

  const OnnxModel &model;
  ProducerIndex ownProducers;
  const ProducerIndex &producers;
  llvm::StringMap<EvaluatedTensor> known;
};

} // namespace llmc

#endif // LLMC_COMPILER_ONNX_GRAPHEVALUATOR_H
