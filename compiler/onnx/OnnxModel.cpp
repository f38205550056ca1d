//===- OnnxModel.cpp - A loaded ONNX model and its tensor data ------------===//

#include "compiler/onnx/OnnxModel.h"
#include "compiler/onnx/MatMulNBits.h"
#include "compiler/support/FileError.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cmath>
#include <cstring>

using namespace llvm;

namespace llmc {

unsigned getOnnxElementSize(int32_t t) {
  switch (t) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    return 4;
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
    return 8;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
    return 2;
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

std::string getOnnxTypeName(int32_t t) {
  if (onnx::TensorProto::DataType_IsValid(t))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(t));
  return "type " + std::to_string(t);
}

Expected<std::unique_ptr<OnnxModel>> OnnxModel::load(StringRef path) {
  if (Error err = checkRegularFile(path))
    return std::move(err);
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return parse((*buffer)->getBuffer(), path);
}

Expected<std::unique_ptr<OnnxModel>> OnnxModel::parse(StringRef bytes,
                                                      StringRef path) {
  auto model = std::unique_ptr<OnnxModel>(new OnnxModel());
  model->path = path.str();
  model->dir = sys::path::parent_path(path).str();
  if (model->dir.empty())
    model->dir = ".";

  google::protobuf::io::ArrayInputStream raw(bytes.data(),
                                             static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT32_MAX);
  if (bytes.size() > INT32_MAX || !model->model.ParseFromCodedStream(&coded) ||
      !coded.ConsumedEntireMessage())
    return fileError(path, "not a valid ONNX model (protobuf parse failed)");
  if (!model->model.has_graph())
    return fileError(path, "the model has no graph");
  for (const onnx::TensorProto &init : model->model.graph().initializer()) {
    model->initializers[init.name()] = &init;
    // External data is checked (and mapped, not read) now, so that a bad
    // location is an error whatever stage the compiler stops at.
    if (init.data_location() == onnx::TensorProto::EXTERNAL)
      if (auto data = model->getData(init); !data)
        return data.takeError();
  }
  return std::move(model);
}

int64_t OnnxModel::getOpset(StringRef domain) const {
  bool defaultDomain = domain.empty() || domain == "ai.onnx";
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    StringRef d = opset.domain();
    if ((defaultDomain && (d.empty() || d == "ai.onnx")) || d == domain)
      return opset.version();
  }
  // IR version 2 models import no opset explicitly: opset 1.
  return defaultDomain && model.opset_import_size() == 0 ? 1 : 0;
}

const onnx::TensorProto *OnnxModel::getInitializer(StringRef name) const {
  auto it = initializers.find(name);
  return it == initializers.end() ? nullptr : it->second;
}

/// Copies a repeated typed field into little-endian bytes of `dataType`.
template <typename Field, typename Convert>
static std::shared_ptr<std::vector<uint8_t>>
pack(const Field &field, unsigned elementSize, Convert convert) {
  auto out = std::make_shared<std::vector<uint8_t>>(field.size() * elementSize);
  for (int i = 0; i < field.size(); ++i)
    convert(field.Get(i), out->data() + i * elementSize);
  return out;
}

Expected<TensorBytes> OnnxModel::getData(const onnx::TensorProto &t) const {
  auto fail = [&](const Twine &what) {
    return fileError(path, "tensor '" + t.name() + "': " + what);
  };
  TensorBytes data;
  data.dataType = t.data_type();
  unsigned size = getOnnxElementSize(t.data_type());
  if (size == 0)
    return fail("data type " + getOnnxTypeName(t.data_type()) +
                " is not supported");
  unsigned __int128 count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return fail("negative dimension " + Twine(d));
    data.shape.push_back(d);
    count *= static_cast<uint64_t>(d);
    if (count > (uint64_t(1) << 48))
      return fail("too many elements");
  }
  uint64_t expected = static_cast<uint64_t>(count) * size;

  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    uint64_t offset = 0, length = expected;
    bool hasLength = false;
    for (const onnx::StringStringEntryProto &entry : t.external_data()) {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset" || entry.key() == "length") {
        uint64_t v;
        if (StringRef(entry.value()).getAsInteger(10, v))
          return fail("external data " + entry.key() + " '" + entry.value() +
                      "' is not a number");
        (entry.key() == "offset" ? offset : length) = v;
        hasLength |= entry.key() == "length";
      }
    }
    if (location.empty())
      return fail("external data has no location");
    // The location must name a file inside the model's folder.
    if (sys::path::is_absolute(location))
      return fail("external data location '" + location +
                  "' is an absolute path (it must be inside the model's "
                  "folder)");
    for (auto it = sys::path::begin(location), e = sys::path::end(location);
         it != e; ++it)
      if (*it == "..")
        return fail("external data location '" + location +
                    "' leaves the model's folder");
    SmallString<256> file(dir);
    sys::path::append(file, location);
    SmallString<256> realDir, realFile;
    if (sys::fs::real_path(dir, realDir) || sys::fs::real_path(file, realFile))
      return fail("cannot open external data '" + location + "'");
    if (!StringRef(realFile).starts_with((realDir + "/").str()))
      return fail("external data location '" + location +
                  "' resolves outside the model's folder");
    std::unique_ptr<MemoryBuffer> &mapped = files[location];
    if (!mapped) {
      if (Error err = checkRegularFile(realFile))
        return std::move(err);
      auto opened = MemoryBuffer::getFile(realFile, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
      if (!opened)
        return fail("cannot open external data '" + location +
                    "': " + opened.getError().message());
      mapped = std::move(*opened);
    }
    uint64_t fileSize = mapped->getBufferSize();
    if (hasLength && length != expected)
      return fail("external data length " + Twine(length) + " does not match " +
                  Twine(expected) + " bytes of its shape and type");
    if (offset > fileSize || expected > fileSize - offset)
      return fail("external data [" + Twine(offset) + ", " +
                  Twine(offset + expected) + ") runs past the end of '" +
                  location + "' (" + Twine(fileSize) + " bytes)");
    data.bytes = ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(mapped->getBufferStart()) + offset,
        expected);
    return data;
  }

  if (t.has_raw_data()) {
    if (t.raw_data().size() != expected)
      return fail("raw_data has " + Twine(t.raw_data().size()) +
                  " bytes, its shape and type need " + Twine(expected));
    data.bytes = ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(t.raw_data().data()), expected);
    return data;
  }

  // Typed fields: float_data, int32_data (also f16/bf16/bool/int8/16 bits),
  // int64_data, double_data.
  uint64_t fieldCount = 0;
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    fieldCount = t.float_data_size();
    data.owned = pack(t.float_data(), 4,
                      [](float v, uint8_t *p) { std::memcpy(p, &v, 4); });
    break;
  case onnx::TensorProto::DOUBLE:
    fieldCount = t.double_data_size();
    data.owned = pack(t.double_data(), 8,
                      [](double v, uint8_t *p) { std::memcpy(p, &v, 8); });
    break;
  case onnx::TensorProto::INT64:
    fieldCount = t.int64_data_size();
    data.owned = pack(t.int64_data(), 8,
                      [](int64_t v, uint8_t *p) { std::memcpy(p, &v, 8); });
    break;
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::UINT32:
    fieldCount = t.uint64_data_size();
    data.owned = pack(t.uint64_data(), size, [size](uint64_t v, uint8_t *p) {
      std::memcpy(p, &v, size);
    });
    break;
  default:
    fieldCount = t.int32_data_size();
    data.owned = pack(t.int32_data(), size, [size](int32_t v, uint8_t *p) {
      std::memcpy(p, &v, size);
    });
    break;
  }
  if (fieldCount != count)
    return fail("holds " + Twine(fieldCount) + " values, its shape needs " +
                Twine(uint64_t(count)));
  data.bytes = *data.owned;
  return data;
}

void OnnxModel::release(ArrayRef<uint8_t> bytes) const {
  for (auto it = converted.begin(); it != converted.end(); ++it) {
    ArrayRef<uint8_t> held = it->second.bytes;
    if (!(it->first().ends_with(kTransposedSuffix) ||
          it->first().ends_with(kNBitsSuffix) ||
          it->first().ends_with(kDequantizedSuffix)) ||
        held.empty() || bytes.empty() ||
        bytes.data() + bytes.size() != held.end() || bytes.data() < held.data())
      continue;
    converted.erase(it);
    return;
  }
  evictPages(bytes);
}

void OnnxModel::evictPages(ArrayRef<uint8_t> bytes) const {
  for (const auto &[location, file] : files) {
    auto *start = reinterpret_cast<const uint8_t *>(file->getBufferStart());
    if (bytes.data() >= start &&
        bytes.data() + bytes.size() <= start + file->getBufferSize())
      releaseMappedPages(*file, bytes);
  }
}

/// The transpose of the 2-D `data`, whose elements are `size` bytes.
static TensorBytes transpose2D(const TensorBytes &data, unsigned size) {
  TensorBytes result;
  result.dataType = data.dataType;
  uint64_t rows = data.shape[0], cols = data.shape[1];
  result.shape = {data.shape[1], data.shape[0]};
  result.owned = std::make_shared<std::vector<uint8_t>>(data.bytes.size());
  uint8_t *out = result.owned->data();
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c)
      std::memcpy(out + (c * rows + r) * size,
                  data.bytes.data() + (r * cols + c) * size, size);
  result.bytes = *result.owned;
  return result;
}

/// The initializer whose MatMulNBits weight `name` is, as `suffix` says
/// it is served, or "".
static StringRef nbitsCodes(const OnnxModel &model, StringRef name,
                            StringRef suffix) {
  StringRef codes = name;
  if (!codes.consume_back(suffix) || model.getInitializer(name) ||
      !model.getInitializer(codes))
    return "";
  return codes;
}

bool OnnxModel::servesPacked(StringRef name) const {
  return !nbitsCodes(*this, name, kNBitsSuffix).empty();
}

Expected<MatMulNBitsWeight> OnnxModel::getNBitsWeight(StringRef codes) const {
  std::optional<MatMulNBitsWeight> weight;
  for (const onnx::NodeProto &node : getGraph().node()) {
    if (!isMatMulNBits(node) || node.input_size() < 2 || node.input(1) != codes)
      continue;
    auto w = readMatMulNBits(*this, node);
    if (!w)
      return fileError(path, "node '" + node.name() +
                                 "' (com.microsoft::MatMulNBits): " +
                                 toString(w.takeError()));
    if (weight &&
        (weight->scales != w->scales || weight->zeroPoints != w->zeroPoints ||
         weight->shape.k != w->shape.k ||
         weight->shape.block != w->shape.block))
      return fileError(path, "node '" + node.name() +
                                 "' (com.microsoft::MatMulNBits) reads B '" +
                                 codes +
                                 "' with other scales, zero points, "
                                 "K or block_size than another");
    weight = *w;
  }
  if (!weight)
    return fileError(path, "no MatMulNBits node reads initializer '" + codes +
                               "' as its B");
  return *weight;
}

Expected<TensorBytes> OnnxModel::convertNBitsWeight(StringRef codes,
                                                    bool dequantize) const {
  auto weight = getNBitsWeight(codes);
  if (!weight)
    return weight.takeError();
  const NBitsShape &shape = weight->shape;
  auto read = [&](StringRef name, uint64_t bytes) -> Expected<TensorBytes> {
    auto data = getData(*getInitializer(name));
    if (!data)
      return data.takeError();
    if (data->bytes.size() != bytes)
      return fileError(path, "initializer '" + name + "' holds " +
                                 Twine(data->bytes.size()) +
                                 " bytes, expected " + Twine(bytes));
    return data;
  };
  auto b = read(weight->codes, shape.codeBytes());
  if (!b)
    return b.takeError();
  auto scales = read(weight->scales, shape.scaleCount() * shape.scaleBytes);
  if (!scales)
    return scales.takeError();
  std::optional<TensorBytes> zeros;
  if (shape.zeroPoints) {
    auto z = read(weight->zeroPoints, shape.zeroBytes());
    if (!z)
      return z.takeError();
    zeros = std::move(*z);
  }
  const uint8_t *zeroBytes = zeros ? zeros->bytes.data() : nullptr;
  TensorBytes result;
  std::string error;
  if (dequantize) {
    // W^T [K, N] in f32, as x @ W^T reads it: (code - zero) * scale is
    // exact in f32.
    result.dataType = onnx::TensorProto::FLOAT;
    result.shape = {shape.k, shape.n};
    result.owned =
        std::make_shared<std::vector<uint8_t>>(size_t(shape.k * shape.n * 4));
    auto *out = reinterpret_cast<float *>(result.owned->data());
    for (int64_t row = 0; row < shape.n && error.empty(); ++row)
      for (int64_t col = 0; col < shape.k; ++col) {
        float w = dequantizeNBits(shape, b->bytes.data(), scales->bytes.data(),
                                  zeroBytes, row, col);
        if (!std::isfinite(w)) {
          error = "the scale of row " + std::to_string(row) + ", block " +
                  std::to_string(col / shape.block) + " is not finite";
          break;
        }
        out[col * shape.n + row] = w;
      }
  } else {
    result.dataType = onnx::TensorProto::UINT8;
    result.shape = {shape.n, shape.k};
    result.owned = std::make_shared<std::vector<uint8_t>>(
        size_t(shape.format().layout(shape.n, shape.k).total));
    error = repackNBits(shape, b->bytes.data(), scales->bytes.data(), zeroBytes,
                        result.owned->data());
  }
  release(b->bytes);
  if (!error.empty())
    return fileError(path, "MatMulNBits weight '" + codes + "': " + error);
  result.bytes = *result.owned;
  return result;
}

Expected<ArrayRef<uint8_t>> OnnxModel::getTensorBytes(StringRef name) const {
  auto it = converted.find(name);
  if (it == converted.end()) {
    StringRef packed = nbitsCodes(*this, name, kNBitsSuffix),
              dequantized = nbitsCodes(*this, name, kDequantizedSuffix);
    if (!packed.empty() || !dequantized.empty()) {
      auto bytes = convertNBitsWeight(packed.empty() ? dequantized : packed,
                                      packed.empty());
      if (!bytes)
        return bytes.takeError();
      it = converted.insert({name, std::move(*bytes)}).first;
    }
  }
  if (it == converted.end() && name.ends_with(kTransposedSuffix) &&
      !getInitializer(name)) {
    StringRef base = name.drop_back(kTransposedSuffix.size());
    const onnx::TensorProto *tensor = getInitializer(base);
    if (!tensor)
      return fileError(path, "no initializer '" + base + "'");
    auto data = getData(*tensor);
    if (!data)
      return data.takeError();
    if (data->shape.size() != 2)
      return fileError(path, "initializer '" + base + "' is not 2-D");
    TensorBytes transposed =
        transpose2D(*data, getOnnxElementSize(data->dataType));
    release(data->bytes);
    it = converted.insert({name, std::move(transposed)}).first;
  }
  if (it == converted.end()) {
    const onnx::TensorProto *tensor = getInitializer(name);
    if (!tensor)
      return fileError(path, "no initializer '" + name + "'");
    auto data = getData(*tensor);
    if (!data)
      return data.takeError();
    it = converted.insert({name, std::move(*data)}).first;
  }
  return it->second.bytes;
}

} // namespace llmc
