//===- HFCheckpoint.cpp - A Hugging Face checkpoint folder ----------------===//

#include "compiler/hf/HFCheckpoint.h"
#include "compiler/support/FileError.h"
#include "compiler/support/ParseJson.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace llvm;

namespace llmc {

static std::string join(StringRef dir, StringRef file) {
  SmallString<256> path(dir);
  sys::path::append(path, file);
  return std::string(path);
}

/// A shard named in an index must be a plain file name in the checkpoint's
/// folder: the index must not make the compiler read elsewhere.
static bool isPlainFileName(StringRef name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of("/\\") == StringRef::npos;
}

Expected<std::unique_ptr<HFCheckpoint>> HFCheckpoint::open(StringRef dir) {
  if (!sys::fs::is_directory(dir))
    return fileError(dir, "not a directory (expected a Hugging Face "
                          "checkpoint folder with config.json)");
  auto checkpoint = std::unique_ptr<HFCheckpoint>(new HFCheckpoint());
  checkpoint->dir = dir.str();

  Expected<HFConfig> config = parseHFConfig(join(dir, "config.json"));
  if (!config)
    return config.takeError();
  checkpoint->config = std::move(*config);

  std::string single = join(dir, "model.safetensors");
  std::string indexPath = join(dir, "model.safetensors.index.json");
  if (sys::fs::exists(single)) {
    auto file = SafetensorsFile::open(single);
    if (!file)
      return file.takeError();
    for (const SafetensorsTensor &tensor : (*file)->getTensors())
      checkpoint->owner[tensor.name] = file->get();
    checkpoint->shards.push_back(std::move(*file));
    checkpoint->weightsPath = single;
    return std::move(checkpoint);
  }
  if (!sys::fs::exists(indexPath))
    return fileError(dir, "no model.safetensors or "
                          "model.safetensors.index.json");

  checkpoint->weightsPath = indexPath;
  if (Error err = checkRegularFile(indexPath))
    return std::move(err);
  auto buffer = MemoryBuffer::getFile(indexPath, /*IsText=*/true);
  if (!buffer)
    return fileError(indexPath, "cannot open: " + buffer.getError().message());
  Expected<json::Value> root = parseJson(indexPath, (*buffer)->getBuffer());
  if (!root)
    return root.takeError();
  const json::Object *weightMap =
      root->getAsObject() ? root->getAsObject()->getObject("weight_map")
                          : nullptr;
  if (!weightMap)
    return fileError(indexPath, "missing object 'weight_map'");

  StringMap<const SafetensorsFile *> shardByName;
  for (const auto &[name, value] : *weightMap) {
    std::optional<StringRef> shardName = value.getAsString();
    if (!shardName)
      return fileError(indexPath, "weight_map entry '" + StringRef(name) +
                                      "' is not a file name");
    if (!isPlainFileName(*shardName))
      return fileError(indexPath, "weight_map entry '" + StringRef(name) +
                                      "' names '" + *shardName +
                                      "', which is not a file in the "
                                      "checkpoint folder");
    const SafetensorsFile *&shard = shardByName[*shardName];
    if (!shard) {
      auto file = SafetensorsFile::open(join(dir, *shardName));
      if (!file)
        return file.takeError();
      shard = file->get();
      checkpoint->shards.push_back(std::move(*file));
    }
    if (!shard->lookup(name))
      return fileError(
          shard->getPath(),
          "has no tensor '" + StringRef(name) +
              "', which model.safetensors.index.json places there");
    checkpoint->owner[name] = shard;
  }
  return std::move(checkpoint);
}

const SafetensorsTensor *HFCheckpoint::lookup(StringRef name) const {
  auto it = owner.find(name);
  return it == owner.end() ? nullptr : it->second->lookup(name);
}

Expected<ArrayRef<uint8_t>> HFCheckpoint::getTensorBytes(StringRef name) const {
  if (const SafetensorsTensor *tensor = lookup(name))
    return tensor->data;
  StringRef base = name;
  const SafetensorsTensor *tensor = nullptr;
  if (base.consume_back(kTransposedSuffix))
    tensor = lookup(base);
  if (!tensor)
    return fileError(weightsPath, "missing tensor '" + name + "'");
  auto it = transposes.find(name);
  if (it != transposes.end())
    return ArrayRef<uint8_t>(it->second);
  uint64_t size = getElementSize(tensor->dtype);
  if (tensor->shape.size() != 2 || !size ||
      uint64_t(tensor->shape[0]) * uint64_t(tensor->shape[1]) * size !=
          tensor->data.size())
    return fileError(getFileOf(base),
                     "tensor '" + base + "' cannot be transposed");
  uint64_t rows = tensor->shape[0], cols = tensor->shape[1];
  std::vector<uint8_t> out(tensor->data.size());
  const uint8_t *in = tensor->data.data();
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c)
      std::memcpy(out.data() + (c * rows + r) * size,
                  in + (r * cols + c) * size, size);
  release(tensor->data);
  return ArrayRef<uint8_t>(
      transposes.insert({name, std::move(out)}).first->second);
}

void HFCheckpoint::release(ArrayRef<uint8_t> bytes) const { evictPages(bytes); }

void HFCheckpoint::evictPages(ArrayRef<uint8_t> bytes) const {
  for (const auto &shard : shards)
    if (shard->contains(bytes))
      releaseMappedPages(shard->getBuffer(), bytes);
}

std::vector<std::string> HFCheckpoint::getTensorNames() const {
  std::vector<std::string> names;
  for (const auto &entry : owner)
    names.push_back(entry.first().str());
  llvm::sort(names);
  return names;
}

StringRef HFCheckpoint::getFileOf(StringRef name) const {
  auto it = owner.find(name);
  return it == owner.end() ? StringRef() : it->second->getPath();
}

} // namespace llmc
