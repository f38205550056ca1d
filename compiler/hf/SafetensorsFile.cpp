//===- SafetensorsFile.cpp - A validated, memory-mapped safetensors file --===//

#include "compiler/hf/SafetensorsFile.h"
#include "compiler/support/FileError.h"
#include "compiler/support/ParseJson.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace llvm;

namespace llmc {

StringRef toString(SafetensorsDType dtype) {
  switch (dtype) {
  case SafetensorsDType::F64:
    return "F64";
  case SafetensorsDType::F32:
    return "F32";
  case SafetensorsDType::F16:
    return "F16";
  case SafetensorsDType::BF16:
    return "BF16";
  case SafetensorsDType::F8_E4M3:
    return "F8_E4M3";
  case SafetensorsDType::F8_E5M2:
    return "F8_E5M2";
  case SafetensorsDType::I64:
    return "I64";
  case SafetensorsDType::I32:
    return "I32";
  case SafetensorsDType::I16:
    return "I16";
  case SafetensorsDType::I8:
    return "I8";
  case SafetensorsDType::U64:
    return "U64";
  case SafetensorsDType::U32:
    return "U32";
  case SafetensorsDType::U16:
    return "U16";
  case SafetensorsDType::U8:
    return "U8";
  case SafetensorsDType::Bool:
    return "BOOL";
  }
  llvm_unreachable("unknown safetensors dtype");
}

std::optional<SafetensorsDType> parseSafetensorsDType(StringRef text) {
  return StringSwitch<std::optional<SafetensorsDType>>(text)
      .Case("F64", SafetensorsDType::F64)
      .Case("F32", SafetensorsDType::F32)
      .Case("F16", SafetensorsDType::F16)
      .Case("BF16", SafetensorsDType::BF16)
      .Case("F8_E4M3", SafetensorsDType::F8_E4M3)
      .Case("F8_E5M2", SafetensorsDType::F8_E5M2)
      .Case("I64", SafetensorsDType::I64)
      .Case("I32", SafetensorsDType::I32)
      .Case("I16", SafetensorsDType::I16)
      .Case("I8", SafetensorsDType::I8)
      .Case("U64", SafetensorsDType::U64)
      .Case("U32", SafetensorsDType::U32)
      .Case("U16", SafetensorsDType::U16)
      .Case("U8", SafetensorsDType::U8)
      .Case("BOOL", SafetensorsDType::Bool)
      .Default(std::nullopt);
}

unsigned getElementSize(SafetensorsDType dtype) {
  switch (dtype) {
  case SafetensorsDType::F64:
  case SafetensorsDType::I64:
  case SafetensorsDType::U64:
    return 8;
  case SafetensorsDType::F32:
  case SafetensorsDType::I32:
  case SafetensorsDType::U32:
    return 4;
  case SafetensorsDType::F16:
  case SafetensorsDType::BF16:
  case SafetensorsDType::I16:
  case SafetensorsDType::U16:
    return 2;
  case SafetensorsDType::F8_E4M3:
  case SafetensorsDType::F8_E5M2:
  case SafetensorsDType::I8:
  case SafetensorsDType::U8:
  case SafetensorsDType::Bool:
    return 1;
  }
  llvm_unreachable("unknown safetensors dtype");
}

uint64_t SafetensorsTensor::getNumElements() const {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= static_cast<uint64_t>(d);
  return n;
}

static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  // mmap, not read: a checkpoint can be many GiB and only spans are touched.
  if (Error err = checkRegularFile(path))
    return std::move(err);
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path, "cannot open: " + buffer.getError().message());
  return parse(std::move(*buffer), path);
}

/// Parses one header entry into `tensor`; the caller checks spans.
static Error parseEntry(StringRef path, StringRef name,
                        const json::Value &value, uint64_t dataSize,
                        SafetensorsTensor &tensor) {
  auto fail = [&](const Twine &what) {
    return fileError(path, "tensor '" + name + "': " + what);
  };
  const json::Object *entry = value.getAsObject();
  if (!entry)
    return fail("header entry is not a JSON object");

  std::optional<StringRef> dtypeText = entry->getString("dtype");
  if (!dtypeText)
    return fail("missing string field 'dtype'");
  std::optional<SafetensorsDType> dtype = parseSafetensorsDType(*dtypeText);
  if (!dtype)
    return fail("unknown dtype '" + *dtypeText + "'");

  const json::Array *shape = entry->getArray("shape");
  if (!shape)
    return fail("missing array field 'shape'");
  tensor.name = name.str();
  tensor.dtype = *dtype;
  // Count bytes in 128 bits so that overflow is detected, not wrapped.
  unsigned __int128 bytes = getElementSize(*dtype);
  for (const json::Value &dim : *shape) {
    std::optional<int64_t> d = dim.getAsInteger();
    if (!d)
      return fail("shape has a non-integer dimension");
    if (*d < 0)
      return fail("shape has a negative dimension " + Twine(*d));
    tensor.shape.push_back(*d);
    bytes *= static_cast<uint64_t>(*d);
    if (bytes > std::numeric_limits<uint64_t>::max())
      return fail("shape " + formatShape(tensor.shape) +
                  " overflows a 64-bit byte size");
  }

  const json::Array *offsets = entry->getArray("data_offsets");
  if (!offsets || offsets->size() != 2)
    return fail("missing field 'data_offsets' = [begin, end]");
  std::optional<uint64_t> begin = (*offsets)[0].getAsUINT64();
  std::optional<uint64_t> end = (*offsets)[1].getAsUINT64();
  if (!begin || !end)
    return fail("data_offsets must be two non-negative integers");
  if (*begin > *end)
    return fail("data_offsets [" + Twine(*begin) + ", " + Twine(*end) +
                "] are reversed");
  if (*end > dataSize)
    return fail("data_offsets [" + Twine(*begin) + ", " + Twine(*end) +
                "] run past the end of the data section (" + Twine(dataSize) +
                " bytes)");
  if (bytes != *end - *begin)
    return fail("shape " + formatShape(tensor.shape) + " of " +
                toString(*dtype) + " is " + Twine(uint64_t(bytes)) +
                " bytes, but data_offsets span " + Twine(*end - *begin));
  tensor.begin = *begin;
  tensor.end = *end;
  return Error::success();
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::parse(std::unique_ptr<MemoryBuffer> buffer, StringRef path) {
  StringRef bytes = buffer->getBuffer();
  if (bytes.size() < 8)
    return fileError(path, "truncated: " + Twine(bytes.size()) +
                               " bytes, a safetensors file starts with an "
                               "8-byte header length");
  uint64_t headerSize = support::endian::read64le(
      reinterpret_cast<const uint8_t *>(bytes.data()));
  if (headerSize > kMaxHeaderBytes)
    return fileError(path, "header length " + Twine(headerSize) +
                               " exceeds the " + Twine(kMaxHeaderBytes >> 20) +
                               " MiB limit");
  if (headerSize > bytes.size() - 8)
    return fileError(path, "header length " + Twine(headerSize) +
                               " runs past the end of the file (" +
                               Twine(bytes.size()) + " bytes)");
  if (headerSize == 0)
    return fileError(path, "empty header");

  StringRef headerText = bytes.substr(8, headerSize);
  Expected<json::Value> header = parseJson(path, headerText, "header");
  if (!header)
    return header.takeError();
  const json::Object *entries = header->getAsObject();
  if (!entries)
    return fileError(path, "header is not a JSON object");

  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->path = path.str();
  StringRef data = bytes.substr(8 + headerSize);
  for (const auto &[key, value] : *entries) {
    if (key == "__metadata__")
      continue;
    SafetensorsTensor tensor;
    if (Error err = parseEntry(path, key, value, data.size(), tensor))
      return std::move(err);
    tensor.data = ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(data.data()) + tensor.begin,
        tensor.end - tensor.begin);
    file->tensors.push_back(std::move(tensor));
  }

  // Spans must not overlap: two tensors sharing bytes is either corruption
  // or an attempt to alias weights behind the compiler's back.
  std::sort(file->tensors.begin(), file->tensors.end(),
            [](const SafetensorsTensor &a, const SafetensorsTensor &b) {
              return std::tie(a.begin, a.end, a.name) <
                     std::tie(b.begin, b.end, b.name);
            });
  const SafetensorsTensor *previous = nullptr;
  for (const SafetensorsTensor &tensor : file->tensors) {
    if (tensor.begin == tensor.end)
      continue;
    if (previous && tensor.begin < previous->end)
      return fileError(
          path, "tensor '" + tensor.name + "': data_offsets [" +
                    Twine(tensor.begin) + ", " + Twine(tensor.end) +
                    "] overlap tensor '" + previous->name + "' at [" +
                    Twine(previous->begin) + ", " + Twine(previous->end) + "]");
    previous = &tensor;
  }
  for (size_t i = 0; i < file->tensors.size(); ++i)
    file->index[file->tensors[i].name] = i;
  file->buffer = std::move(buffer);
  return std::move(file);
}

const SafetensorsTensor *SafetensorsFile::lookup(StringRef name) const {
  auto it = index.find(name);
  return it == index.end() ? nullptr : &tensors[it->second];
}

} // namespace llmc
