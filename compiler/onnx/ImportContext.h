//===- ImportContext.h - State shared by ONNX node importers ----*- C++ -*-===//
//
// Each ONNX op is imported by one handler, keyed by (domain, op type, the
// version it was introduced or changed in). A handler reads its node's
// inputs and attributes through NodeContext and defines its outputs.
//
// Values carry what is known at import time: the contents of constants and
// folded shape arithmetic (`constant`), and, for small 1-D integer tensors,
// each element as a constant or an index-typed SSA value (`elements`) so
// that Shape -> Gather -> Concat -> Reshape chains give static result types
// wherever the dims are static, and runtime dims where they are not.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_ONNX_IMPORTCONTEXT_H
#define LLMC_COMPILER_ONNX_IMPORTCONTEXT_H

#include "compiler/onnx/OnnxModel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>

namespace llmc::onnx_import {

/// Contents known at import time, as int64 or double values.
struct HostTensor {
  mlir::RankedTensorType type;
  std::vector<int64_t> ints;
  std::vector<double> floats;

  bool isFloat() const {
    return mlir::isa<mlir::FloatType>(type.getElementType());
  }
  int64_t size() const { return type.getNumElements(); }
  int64_t getInt(int64_t i) const {
    return isFloat() ? int64_t(floats[i]) : ints[i];
  }
  double getDouble(int64_t i) const {
    return isFloat() ? floats[i] : double(ints[i]);
  }
  mlir::DenseElementsAttr toAttr() const;
};

struct OnnxValue {
  mlir::RankedTensorType type;
  /// The tensor, materialized on first use when only its contents are known.
  mlir::Value tensor;
  std::optional<HostTensor> constant;
  /// For 0/1-D integer tensors of a few elements: each element, as an
  /// IntegerAttr when known, else an index-typed Value.
  std::optional<llvm::SmallVector<mlir::OpFoldResult>> elements;
  /// For a weight: its name, materialized as `llm.weight` on first use.
  std::string weightName;
};

class GraphImporter;

class NodeContext {
public:
  NodeContext(GraphImporter &graph, const onnx::NodeProto &node, int64_t opset);

  mlir::OpBuilder &b;
  mlir::Location loc;
  const onnx::NodeProto &node;
  int64_t opset;

  // Inputs.
  unsigned numInputs() const { return node.input_size(); }
  /// Whether optional input `i` is present.
  bool has(unsigned i) const;
  OnnxValue &in(unsigned i);
  mlir::Value tensor(unsigned i);
  mlir::RankedTensorType type(unsigned i) { return in(i).type; }
  mlir::Type elementType(unsigned i) { return type(i).getElementType(); }
  /// The contents of input `i` when known at import time.
  const HostTensor *constant(unsigned i);
  /// Input `i` as a list of integers, when all are known (axes, shapes).
  std::optional<llvm::SmallVector<int64_t>> constantInts(unsigned i);
  /// Input `i` (a 0/1-D integer tensor) element by element.
  std::optional<llvm::SmallVector<mlir::OpFoldResult>> elements(unsigned i);

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t getInt(llvm::StringRef name, int64_t fallback) const;
  float getFloat(llvm::StringRef name, float fallback) const;
  std::string getString(llvm::StringRef name, llvm::StringRef fallback) const;
  std::optional<llvm::SmallVector<int64_t>> getInts(llvm::StringRef name) const;

  // Outputs.
  unsigned numOutputs() const { return node.output_size(); }
  bool wantsOutput(unsigned i) const;
  void set(unsigned i, mlir::Value value);
  void set(unsigned i, OnnxValue value);
  /// Defines output `i` by its known contents (materialized lazily).
  void setConstant(unsigned i, HostTensor value);
  void setElements(unsigned i, mlir::RankedTensorType type,
                   llvm::SmallVector<mlir::OpFoldResult> elements);

  /// Records "node 'x' (domain::Op, opset N): <what>" and returns failure.
  mlir::LogicalResult fail(const llvm::Twine &what);
  /// A run-time check (llm.assert): unless `condition` holds, the call
  /// fails with "node 'x' (domain::Op, opset N): <what>", where {0} and {1}
  /// stand for `values`.
  void check(mlir::Value condition, const llvm::Twine &what,
             mlir::ValueRange values = {});

  /// The size of dim `d` of `value`: an attribute when static.
  mlir::OpFoldResult dim(mlir::Value value, int64_t d);
  /// An index-typed value for `ofr`.
  mlir::Value toIndex(mlir::OpFoldResult ofr);

  /// The model, for data of tensor attributes.
  OnnxModel &model();

private:
  GraphImporter &graph;
};

using OpHandler = std::function<mlir::LogicalResult(NodeContext &)>;

/// Handlers by op type; each entry covers the opsets from `sinceVersion` on.
class OpRegistry {
public:
  void add(llvm::StringRef opType, int sinceVersion, OpHandler handler,
           llvm::StringRef domain = "");
  /// The handler for `opType` at `opset`, or null.
  const OpHandler *lookup(llvm::StringRef domain, llvm::StringRef opType,
                          int64_t opset) const;
  /// Every (domain, op type) with a handler, for documentation.
  std::vector<std::string> listOps() const;

private:
  llvm::StringMap<std::vector<std::pair<int, OpHandler>>> handlers;
};

void registerElementwiseOps(OpRegistry &registry);
void registerShapeOps(OpRegistry &registry);
void registerMathOps(OpRegistry &registry);
void registerContribOps(OpRegistry &registry);

/// The MLIR element type of an ONNX data type, or null when unsupported.
mlir::Type getElementType(mlir::MLIRContext *ctx, int32_t onnxType);

} // namespace llmc::onnx_import

#endif // LLMC_COMPILER_ONNX_IMPORTCONTEXT_H
