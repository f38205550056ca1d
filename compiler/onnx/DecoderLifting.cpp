//===- DecoderLifting.cpp - An ONNX decoder export in llm ops -------------===//

#include "compiler/onnx/DecoderLifting.h"
#include "compiler/hf/DecoderBuilder.h"
#include "compiler/onnx/ImportContext.h"
#include "compiler/onnx/MatMulNBits.h"
#include "compiler/support/FileError.h"
#include "dialects/llm/LLMOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace llvm;

namespace llmc {
namespace {

/// Serves each Hugging Face tensor role from the initializer the
/// recognizer found for it, checking its shape and element type.
class InitializerWeights : public DecoderWeights {
public:
  InitializerWeights(const OnnxModel &model, const RecognizedDecoder &decoder)
      : model(model), decoder(decoder) {}

  Expected<DecoderWeight> lookup(StringRef role, ArrayRef<int64_t> shape,
                                 mlir::MLIRContext *context) override {
    auto it = decoder.weights.find(role);
    if (it == decoder.weights.end())
      return fileError(model.getPath(),
                       "the recognized decoder has no '" + role + "'");
    const LiftedWeight &lifted = it->second;
    if (lifted.nbits)
      return lookupNBits(role, shape, *lifted.nbits, context);
    const onnx::TensorProto *tensor = model.getInitializer(lifted.initializer);
    if (!tensor)
      return fileError(model.getPath(),
                       "no initializer '" + lifted.initializer + "'");
    SmallVector<int64_t> dims(tensor->dims().begin(), tensor->dims().end());
    SmallVector<int64_t> stored(shape);
    if (lifted.transposed)
      std::reverse(stored.begin(), stored.end());
    // A norm weight may be stored [1, 1, hidden]: the same elements.
    auto product = [](ArrayRef<int64_t> s) -> int64_t {
      int64_t n = 1;
      for (int64_t d : s) {
        std::optional<int64_t> next = checkedMul(n, d);
        if (!next)
          return -1; // no shape of that many elements matches
        n = *next;
      }
      return n;
    };
    bool sameElements =
        shape.size() == 1 && product(dims) == shape[0] &&
        llvm::count_if(dims, [](int64_t d) { return d != 1; }) <= 1;
    if (dims != ArrayRef<int64_t>(stored) && !sameElements)
      return fileError(
          model.getPath(),
          "initializer '" + lifted.initializer + "' has shape [" +
              join(map_range(dims, [](int64_t d) { return itostr(d); }), ", ") +
              "], expected [" +
              join(map_range(stored, [](int64_t d) { return itostr(d); }),
                   ", ") +
              "] for " + role);
    mlir::Type element =
        onnx_import::getElementType(context, tensor->data_type());
    if (!element || !(element.isF32() || element.isF16() || element.isBF16()))
      return fileError(model.getPath(),
                       "initializer '" + lifted.initializer + "' is " +
                           getOnnxTypeName(tensor->data_type()) +
                           ", expected FLOAT, FLOAT16 or BFLOAT16 for " + role);
    std::string name = lifted.transposed
                           ? OnnxModel::getTransposedName(lifted.initializer)
                           : lifted.initializer;
    if (lifted.transposed && model.getInitializer(name))
      return fileError(model.getPath(),
                       "initializer '" + name +
                           "' takes the name llmc gives a transposed weight");
    return DecoderWeight{name, element, {}};
  }

private:
  /// A MatMulNBits weight, served in the int4 layout as it is.
  Expected<DecoderWeight> lookupNBits(StringRef role, ArrayRef<int64_t> shape,
                                      const onnx::NodeProto &node,
                                      mlir::MLIRContext *context) {
    auto w = readMatMulNBits(model, node);
    if (!w)
      return fileError(model.getPath(), "node '" + node.name() +
                                            "' (com.microsoft::MatMulNBits): " +
                                            toString(w.takeError()));
    if (shape.size() != 2 || shape[0] != w->shape.n || shape[1] != w->shape.k)
      return fileError(model.getPath(),
                       "node '" + node.name() +
                           "' (com.microsoft::MatMulNBits)"
                           " has N = " +
                           Twine(w->shape.n) + " and K = " + Twine(w->shape.k) +
                           ", expected " + Twine(shape[0]) + " and " +
                           Twine(shape.back()) + " for " + role);
    std::string name = getNBitsWeightName(w->codes);
    if (model.getInitializer(name))
      return fileError(model.getPath(),
                       "initializer '" + name +
                           "' takes the name llmc gives a MatMulNBits weight");
    mlir::Type scale = w->shape.scaleBytes == 4
                           ? mlir::Type(mlir::Float32Type::get(context))
                           : mlir::Float16Type::get(context);
    auto i4 = mlir::IntegerType::get(context, 4);
    auto packed =
        llm::PackedWeightType::get(context, w->shape.n, w->shape.k, i4,
                                   w->shape.block, scale, w->shape.zeroPoints);
    return DecoderWeight{name, i4, packed};
  }

  const OnnxModel &model;
  const RecognizedDecoder &decoder;
};

} // namespace

Error liftDecoder(mlir::ModuleOp module, const OnnxModel &model,
                  const RecognizedDecoder &decoder, int64_t contextLength,
                  const DecoderEntry *draft) {
  InitializerWeights weights(model, decoder);
  if (Error err = buildDecoder(module, decoder.config, weights, contextLength))
    return err;
  if (!draft)
    return Error::success();
  return buildDecoder(module, decoder.config, weights, contextLength, *draft);
}

} // namespace llmc
