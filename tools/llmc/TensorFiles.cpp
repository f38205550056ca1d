//===- TensorFiles.cpp - .npy and ONNX TensorProto files for llmc exec ----===//

#include "tools/llmc/TensorFiles.h"
#include "compiler/onnx/OnnxModel.h"
#include "compiler/support/FileError.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;

namespace llmc::cli {

namespace {
struct DtypeName {
  llmc_dtype dtype;
  const char *npy;
  size_t size;
};
const DtypeName kDtypes[] = {
    {LLMC_F32, "<f4", 4}, {LLMC_F16, "<f2", 2}, {LLMC_F64, "<f8", 8},
    {LLMC_I8, "|i1", 1},  {LLMC_I16, "<i2", 2}, {LLMC_I32, "<i4", 4},
    {LLMC_I64, "<i8", 8}, {LLMC_U8, "|u1", 1},  {LLMC_BOOL, "|b1", 1},
};
// numpy has no bfloat16; bf16 tensors travel as raw 16-bit words.
const DtypeName kBf16 = {LLMC_BF16, "<u2", 2};

size_t sizeOf(llmc_dtype dtype) {
  if (dtype == LLMC_BF16)
    return 2;
  for (const DtypeName &d : kDtypes)
    if (d.dtype == dtype)
      return d.size;
  return 1;
}

/// The value of `key` in a .npy header dict ('descr': '<f4', ...).
std::optional<StringRef> headerField(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  return rest.ltrim();
}

Expected<HostArray> readNpy(StringRef path, StringRef bytes) {
  auto fail = [&](const Twine &what) { return fileError(path, what); };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return fail("not a .npy file");
  uint8_t major = bytes[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = uint8_t(bytes[8]) | (uint8_t(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated .npy header");
    headerLength = uint32_t(uint8_t(bytes[8])) |
                   (uint32_t(uint8_t(bytes[9])) << 8) |
                   (uint32_t(uint8_t(bytes[10])) << 16) |
                   (uint32_t(uint8_t(bytes[11])) << 24);
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + Twine(int(major)));
  }
  if (headerStart + headerLength > bytes.size())
    return fail("truncated .npy header");
  StringRef header = bytes.substr(headerStart, headerLength);
  auto descr = headerField(header, "descr");
  auto order = headerField(header, "fortran_order");
  auto shapeText = headerField(header, "shape");
  if (!descr || !order || !shapeText)
    return fail("malformed .npy header");
  if (order->starts_with("True"))
    return fail("Fortran-ordered arrays are not supported");
  HostArray array;
  StringRef d =
      descr->drop_front().take_until([](char c) { return c == '\''; });
  // '<' and '|' (no byte order) are fine; '>' (big-endian) is not.
  bool found = false;
  for (const DtypeName &entry :
       {kDtypes[0], kDtypes[1], kDtypes[2], kDtypes[3], kDtypes[4], kDtypes[5],
        kDtypes[6], kDtypes[7], kDtypes[8], kBf16})
    if ((d.starts_with("<") || d.starts_with("|")) &&
        d.drop_front() == StringRef(entry.npy).drop_front())
      array.dtype = entry.dtype, found = true;
  if (!found)
    return fail("unsupported dtype '" + d + "'");
  StringRef dims =
      shapeText->drop_front().take_until([](char c) { return c == ')'; });
  SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, false);
  size_t count = 1;
  for (StringRef p : parts) {
    if (p.trim().empty())
      continue;
    int64_t v;
    if (p.trim().getAsInteger(10, v) || v < 0)
      return fail("malformed shape");
    array.shape.push_back(v);
    count *= size_t(v);
  }
  size_t dataStart = headerStart + headerLength;
  size_t size = count * sizeOf(array.dtype);
  if (bytes.size() - dataStart < size)
    return fail("truncated data: " + Twine(bytes.size() - dataStart) +
                " bytes, the shape needs " + Twine(size));
  array.bytes.assign(bytes.begin() + dataStart,
                     bytes.begin() + dataStart + size);
  return array;
}

Expected<HostArray> readTensorProto(StringRef path, StringRef bytes) {
  onnx::TensorProto proto;
  if (!proto.ParseFromArray(bytes.data(), int(bytes.size())))
    return fileError(path, "not a .npy file or an ONNX TensorProto");
  static const struct {
    int32_t onnx;
    llmc_dtype dtype;
  } kTypes[] = {{onnx::TensorProto::FLOAT, LLMC_F32},
                {onnx::TensorProto::FLOAT16, LLMC_F16},
                {onnx::TensorProto::BFLOAT16, LLMC_BF16},
                {onnx::TensorProto::DOUBLE, LLMC_F64},
                {onnx::TensorProto::INT8, LLMC_I8},
                {onnx::TensorProto::INT16, LLMC_I16},
                {onnx::TensorProto::INT32, LLMC_I32},
                {onnx::TensorProto::INT64, LLMC_I64},
                {onnx::TensorProto::UINT8, LLMC_U8},
                // bf16 data travels as raw 16-bit words (numpy has no bf16).
                {onnx::TensorProto::UINT16, LLMC_BF16},
                {onnx::TensorProto::BOOL, LLMC_BOOL}};
  HostArray array;
  bool found = false;
  for (auto t : kTypes)
    if (t.onnx == proto.data_type())
      array.dtype = t.dtype, found = true;
  if (!found)
    return fileError(path, "data type " + getOnnxTypeName(proto.data_type()) +
                               " is not supported");
  size_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0)
      return fileError(path, "negative dimension");
    array.shape.push_back(d);
    count *= size_t(d);
  }
  size_t size = count * sizeOf(array.dtype);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != size)
      return fileError(path, "raw_data does not match the shape");
    array.bytes.assign(proto.raw_data().begin(), proto.raw_data().end());
    return array;
  }
  array.bytes.resize(size);
  auto copyField = [&](const auto &field, auto tag) -> Error {
    if (size_t(field.size()) != count)
      return fileError(path, "holds " + Twine(field.size()) +
                                 " values, the shape needs " + Twine(count));
    for (size_t i = 0; i < count; ++i) {
      decltype(tag) v = static_cast<decltype(tag)>(field.Get(i));
      std::memcpy(array.bytes.data() + i * sizeOf(array.dtype), &v,
                  sizeOf(array.dtype));
    }
    return Error::success();
  };
  Error err = Error::success();
  switch (array.dtype) {
  case LLMC_F32:
    err = copyField(proto.float_data(), float());
    break;
  case LLMC_F64:
    err = copyField(proto.double_data(), double());
    break;
  case LLMC_I64:
    err = copyField(proto.int64_data(), int64_t());
    break;
  default: {
    // int32_data carries the narrower types, f16 and bf16 as raw bits.
    if (size_t(proto.int32_data_size()) != count)
      return fileError(path, "holds " + Twine(proto.int32_data_size()) +
                                 " values, the shape needs " + Twine(count));
    for (size_t i = 0; i < count; ++i) {
      int32_t v = proto.int32_data(i);
      std::memcpy(array.bytes.data() + i * sizeOf(array.dtype), &v,
                  sizeOf(array.dtype));
    }
  }
  }
  if (err)
    return std::move(err);
  return array;
}
} // namespace

Expected<HostArray> readTensorFile(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();
  if (bytes.starts_with("\x93NUMPY"))
    return readNpy(path, bytes);
  return readTensorProto(path, bytes);
}

Error writeNpy(StringRef path, const llmc_tensor &tensor) {
  const char *descr = kBf16.npy;
  for (const DtypeName &d : kDtypes)
    if (d.dtype == tensor.dtype)
      descr = d.npy;
  std::string shape = "(";
  size_t count = 1;
  for (int32_t i = 0; i < tensor.rank; ++i) {
    shape += std::to_string(tensor.shape[i]) + (tensor.rank == 1 ? "," : "");
    if (i + 1 < tensor.rank)
      shape += ", ";
    count *= size_t(tensor.shape[i]);
  }
  shape += ")";
  std::string header = "{'descr': '" + std::string(descr) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts at a multiple of 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return fileError(path, "cannot write: " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0);
  os << char(header.size() & 0xff) << char(header.size() >> 8);
  os << header;
  os.write(static_cast<const char *>(tensor.data),
           count * sizeOf(tensor.dtype));
  return Error::success();
}

} // namespace llmc::cli
