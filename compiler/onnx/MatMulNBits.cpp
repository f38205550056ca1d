//===- MatMulNBits.cpp - com.microsoft::MatMulNBits weights ---------------===//

#include "compiler/onnx/MatMulNBits.h"
#include "compiler/onnx/OnnxModel.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace llvm;

namespace llmc {
namespace {

std::optional<int64_t> intAttr(const onnx::NodeProto &node, StringRef name) {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INT)
      return a.i();
  return std::nullopt;
}

std::string shapeText(const onnx::TensorProto &t) {
  return "[" +
         join(map_range(t.dims(), [](int64_t d) { return itostr(d); }), ", ") +
         "]";
}

Error failure(const Twine &what) {
  return createStringError(inconvertibleErrorCode(), what);
}

/// The initializer behind input `index` of `node`.
Expected<const onnx::TensorProto *>
initializerInput(const OnnxModel &model, const onnx::NodeProto &node, int index,
                 StringRef what) {
  const onnx::TensorProto *t = model.getInitializer(node.input(index));
  if (!t)
    return failure(what + " '" + node.input(index) +
                   "' must be an initializer");
  return t;
}

int64_t elementCount(const onnx::TensorProto &t) {
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    std::optional<int64_t> product = checkedMul(count, d);
    if (d < 0 || !product)
      return -1;
    count = *product;
  }
  return count;
}

} // namespace

bool isMatMulNBits(const onnx::NodeProto &node) {
  return node.op_type() == "MatMulNBits" && node.domain() == "com.microsoft";
}

std::string getNBitsWeightName(StringRef codes) {
  return (codes + OnnxModel::kNBitsSuffix).str();
}

Expected<MatMulNBitsWeight> readMatMulNBits(const OnnxModel &model,
                                            const onnx::NodeProto &node) {
  auto has = [&](int i) {
    return node.input_size() > i && !node.input(i).empty();
  };
  if (!has(0) || !has(1) || !has(2))
    return failure("expected inputs A, B and scales");
  if (node.input_size() > 6)
    return failure("has " + Twine(node.input_size()) +
                   " inputs; the operator takes 3 to 6");
  auto k = intAttr(node, "K"), n = intAttr(node, "N"),
       bits = intAttr(node, "bits"), block = intAttr(node, "block_size");
  if (!k || !n || !block)
    return failure("expected integer attributes K, N and block_size");
  if (*k <= 0 || *n <= 0 || *k > INT32_MAX || *n > INT32_MAX)
    return failure("K = " + Twine(*k) + " and N = " + Twine(*n) +
                   " must be in [1, 2^31)");
  if (bits.value_or(4) != 4)
    return failure("bits = " + Twine(*bits) + " is not supported (4 only)");
  if (*block != 32 && *block != 64 && *block != 128)
    return failure("block_size = " + Twine(*block) +
                   " is not supported (32, 64 or 128)");
  if (has(4))
    return failure("g_idx (act-order) is not supported");

  MatMulNBitsWeight w;
  w.shape.n = *n;
  w.shape.k = *k;
  w.shape.block = *block;
  int64_t blocks = w.shape.blocks();

  auto codes = initializerInput(model, node, 1, "B");
  if (!codes)
    return codes.takeError();
  const onnx::TensorProto &b = **codes;
  if (b.data_type() != onnx::TensorProto::UINT8 || b.dims_size() != 3 ||
      b.dims(0) != *n || b.dims(1) != blocks || b.dims(2) != *block / 2)
    return failure("B '" + node.input(1) + "' is " +
                   getOnnxTypeName(b.data_type()) + " " + shapeText(b) +
                   ", expected UINT8 [N, ceil(K / block_size), block_size / "
                   "2] = [" +
                   Twine(*n) + ", " + Twine(blocks) + ", " + Twine(*block / 2) +
                   "]");
  w.codes = node.input(1);

  auto scales = initializerInput(model, node, 2, "scales");
  if (!scales)
    return scales.takeError();
  const onnx::TensorProto &s = **scales;
  w.scaleType = s.data_type();
  if (s.data_type() != onnx::TensorProto::FLOAT &&
      s.data_type() != onnx::TensorProto::FLOAT16)
    return failure("scales '" + node.input(2) + "' are " +
                   getOnnxTypeName(s.data_type()) +
                   ", expected FLOAT or FLOAT16");
  w.shape.scaleBytes = s.data_type() == onnx::TensorProto::FLOAT ? 4 : 2;
  if (elementCount(s) != w.shape.scaleCount())
    return failure("scales '" + node.input(2) + "' have shape " + shapeText(s) +
                   ", expected N * ceil(K / block_size) = " +
                   Twine(w.shape.scaleCount()) + " elements");
  w.scales = node.input(2);

  if (has(3)) {
    auto zeros = initializerInput(model, node, 3, "zero_points");
    if (!zeros)
      return zeros.takeError();
    const onnx::TensorProto &z = **zeros;
    if (z.data_type() != onnx::TensorProto::UINT8)
      return failure("zero_points '" + node.input(3) + "' are " +
                     getOnnxTypeName(z.data_type()) +
                     ", only packed UINT8 zero points are supported");
    w.shape.zeroPoints = true;
    if (elementCount(z) != w.shape.zeroBytes())
      return failure("zero_points '" + node.input(3) + "' have shape " +
                     shapeText(z) + ", expected N * ceil(blocks / 2) = " +
                     Twine(w.shape.zeroBytes()) + " bytes");
    w.zeroPoints = node.input(3);
  }
  if (has(5))
    w.bias = node.input(5);
  return w;
}

} // namespace llmc
