//===- WeightsWriter.cpp - Stream weights into the artifact ---------------===//

#include "compiler/codegen/WeightsWriter.h"
#include "compiler/codegen/ParallelFileWriter.h"
#include "compiler/support/FileError.h"
#include "dialects/llm/LLMDialect.h"
#include "runtime/include/llmc/abi.h"
#include "runtime/include/llmc/weights_digest.h"

#include "llvm/BinaryFormat/ELF.h"

#include <cstddef>
#include <cstring>

using namespace llvm;

namespace llmc {

Expected<WeightsLayout> getWeightsLayout(mlir::ModuleOp module) {
  auto table = module->getAttrOfType<mlir::ArrayAttr>(
      llm::LLMDialect::WeightsAttrHelper::getNameStr());
  auto size = module->getAttrOfType<mlir::IntegerAttr>(
      llm::LLMDialect::WeightsSizeAttrHelper::getNameStr());
  if (!table || !size)
    return createStringError(inconvertibleErrorCode(),
                             "module has no weights layout (run "
                             "llm-bind-weights first)");
  WeightsLayout layout;
  layout.size = size.getInt();
  for (mlir::Attribute entry : table) {
    auto dict = cast<mlir::DictionaryAttr>(entry);
    WeightSlot slot;
    slot.name = dict.getAs<mlir::StringAttr>("name").str();
    slot.offset = dict.getAs<mlir::IntegerAttr>("offset").getInt();
    slot.bytes = dict.getAs<mlir::IntegerAttr>("bytes").getInt();
    slot.type = cast<mlir::RankedTensorType>(
        dict.getAs<mlir::TypeAttr>("type").getValue());
    if (auto role = dict.getAs<mlir::StringAttr>("role"))
      slot.role = role.str();
    if (auto packed = dict.getAs<mlir::TypeAttr>("packed")) {
      auto type = cast<llm::PackedWeightType>(packed.getValue());
      slot.packed = PackedFormat{type.getFormat(), type.getGroup(),
                                 type.getScaleBytes(), type.getZeroPoints()};
      slot.quantization = type.getSchemeName();
    }
    if (auto parts = dict.getAs<mlir::ArrayAttr>("parts"))
      for (mlir::Attribute part : parts)
        slot.parts.push_back(cast<mlir::StringAttr>(part).str());
    layout.slots.push_back(std::move(slot));
  }
  return layout;
}

/// The source tensor of `slot` as f32, row-major.
/// A weight's elements as f32: the source bytes themselves when they
/// already are (no copy of a tensor that may be hundreds of megabytes),
/// else a widened copy.
struct F32Values {
  std::vector<float> storage;
  const float *data = nullptr;
};

static Expected<F32Values> readAsF32(const WeightSlot &slot,
                                     ArrayRef<uint8_t> bytes) {
  mlir::Type element = slot.type.getElementType();
  size_t count = size_t(slot.type.getNumElements());
  F32Values values;
  if (element.isF32()) {
    if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float) == 0) {
      values.data = reinterpret_cast<const float *>(bytes.data());
      return values;
    }
    values.storage.resize(count);
    std::memcpy(values.storage.data(), bytes.data(), count * 4);
  } else if (element.isF16() || element.isBF16()) {
    values.storage.resize(count);
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes.data() + 2 * i, 2);
      if (element.isF16()) {
        values.storage[i] = halfToFloat(h);
      } else {
        uint32_t bits = uint32_t(h) << 16;
        std::memcpy(&values.storage[i], &bits, 4);
      }
    }
  } else {
    return createStringError(inconvertibleErrorCode(),
                             "weight '" + slot.name + "': cannot pack " +
                                 "elements of this type for the kernels");
  }
  values.data = values.storage.data();
  return values;
}

/// Memory slotBytes reuses from one slot to the next: a fresh buffer costs
/// a page fault per page, and on a virtual machine whose memory the host
/// backs lazily far more (this project's 2-core VMs: 4.4 GB first touched
/// in 5.6-9.9 s, touched again in 0.2 s). A 1.1B model's fused gate/up
/// weight alone is 92 MB per layer.
struct SlotBuffers {
  /// A fused weight's parts, concatenated.
  std::vector<uint8_t> fused;
  /// The bytes of a packed slot (or of an unpacked fused one).
  std::vector<uint8_t> packed;
};

/// The bytes `slot` occupies in the blob: the source's, or packed from
/// them. `buffers.packed` keeps packed bytes alive for the caller.
static Expected<ArrayRef<uint8_t>> slotBytes(const WeightSlot &slot,
                                             const WeightSource &source,
                                             bool packSlots,
                                             SlotBuffers &buffers) {
  // A fused weight is its parts' bytes one after another: row-major rows
  // of one width stack by concatenation.
  std::vector<uint8_t> &fused = buffers.fused;
  std::vector<uint8_t> &packed = buffers.packed;
  fused.clear();
  // Kept for the next fused weight unless a larger tensor comes first (an
  // LM head): the peak memory matters more there.
  if (slot.parts.empty() && slot.bytes > fused.capacity())
    std::vector<uint8_t>().swap(fused);
  std::vector<uint64_t> partEnds; // byte offset where each part ends
  Expected<ArrayRef<uint8_t>> bytes = ArrayRef<uint8_t>();
  if (slot.parts.empty()) {
    bytes = source.getTensorBytes(slot.name);
  } else {
    for (const std::string &part : slot.parts) {
      if (source.servesPacked(part))
        return createStringError(inconvertibleErrorCode(),
                                 "weight '" + part +
                                     "' is pre-quantized and cannot be "
                                     "fused into '" +
                                     slot.name + "'");
      Expected<ArrayRef<uint8_t>> partBytes = source.getTensorBytes(part);
      if (!partBytes)
        return partBytes.takeError();
      fused.insert(fused.end(), partBytes->begin(), partBytes->end());
      partEnds.push_back(fused.size());
      source.release(*partBytes);
    }
    bytes = ArrayRef<uint8_t>(fused);
  }
  if (!bytes)
    return bytes.takeError();
  bool prepacked = slot.parts.empty() && source.servesPacked(slot.name);
  if (prepacked && !slot.packed)
    return createStringError(inconvertibleErrorCode(),
                             "weight '" + slot.name +
                                 "' is pre-quantized but read unpacked");
  uint64_t expected =
      slot.packed && !prepacked
          ? (slot.type.getNumElements() * slot.type.getElementTypeBitWidth() +
             7) /
                8
          : slot.bytes;
  if (bytes->size() != expected)
    return createStringError(inconvertibleErrorCode(),
                             "weight '" + slot.name + "' has " +
                                 Twine(bytes->size()) + " bytes, expected " +
                                 Twine(expected));
  if (!slot.packed || !packSlots || prepacked) {
    if (fused.empty())
      return *bytes;
    packed.swap(fused); // the caller keeps it alive
    return ArrayRef<uint8_t>(packed);
  }
  auto values = readAsF32(slot, *bytes);
  if (!values)
    return values.takeError();
  // The source's pages go once nothing reads them: after the copy, or
  // after packing when the values are the source bytes.
  auto releaseSource = [&] {
    if (fused.empty())
      source.release(*bytes);
    else
      fused.clear();
  };
  if (!values->storage.empty())
    releaseSource();
  // A non-finite element of a fused weight is named in its part.
  int64_t cols = slot.type.getRank() == 2 ? slot.type.getDimSize(1) : 1;
  uint64_t elementBytes = (slot.type.getElementTypeBitWidth() + 7) / 8;
  for (size_t i = 0, begin = 0; i < partEnds.size(); begin = partEnds[i++]) {
    int64_t firstRow = int64_t(begin / elementBytes) / cols;
    int64_t rows = int64_t((partEnds[i] - begin) / elementBytes) / cols;
    std::string problem =
        findNonFinite(values->data + firstRow * cols, rows, cols, *slot.packed);
    if (!problem.empty())
      return createStringError(inconvertibleErrorCode(),
                               "weight '" + slot.parts[i] + "': " + problem);
  }
  // Packing from the source's bytes themselves: a mapping's pages go as
  // the rows they hold are packed, so the source and the packed tensor are
  // not both resident. (release() could free a converted copy still being
  // read: evictPages only drops pages.)
  RowsPacked rowsPacked;
  if (values->storage.empty() && fused.empty()) {
    uint64_t rowBytes = uint64_t(cols) * elementBytes;
    rowsPacked = [&source, &bytes, rowBytes](int64_t begin, int64_t end) {
      source.evictPages(bytes->slice(uint64_t(begin) * rowBytes,
                                     uint64_t(end - begin) * rowBytes));
    };
  }
  packed.assign(slot.bytes, 0);
  std::string error =
      packWeight(values->data, slot.type.getDimSize(0), slot.type.getDimSize(1),
                 *slot.packed, packed.data(), rowsPacked);
  if (values->storage.empty())
    releaseSource();
  if (!error.empty())
    return createStringError(inconvertibleErrorCode(),
                             "weight '" + slot.name + "': " + error);
  return ArrayRef<uint8_t>(packed);
}

/// Calls `visit(slot, chunk, offset)` for consecutive chunks of every
/// slot's bytes (after checking their size), releasing each chunk's pages
/// once visited. Without `packSlots`, packed slots yield their source bytes.
static Error forEachChunk(
    const WeightsLayout &layout, const WeightSource &source, bool packSlots,
    function_ref<Error(const WeightSlot &, ArrayRef<uint8_t>, uint64_t)>
        visit) {
  constexpr uint64_t kChunk = 16ull << 20;
  SlotBuffers buffers;
  std::vector<uint8_t> &packed = buffers.packed;
  for (const WeightSlot &slot : layout.slots) {
    Expected<ArrayRef<uint8_t>> bytes =
        slotBytes(slot, source, packSlots, buffers);
    if (!bytes)
      return bytes.takeError();
    for (uint64_t offset = 0; offset < bytes->size(); offset += kChunk) {
      ArrayRef<uint8_t> chunk = bytes->slice(
          offset, std::min<uint64_t>(kChunk, bytes->size() - offset));
      if (Error err = visit(slot, chunk, offset))
        return err;
      if (packed.empty())
        source.release(chunk);
    }
    packed.clear();
  }
  return Error::success();
}

/// Receives the blob's bytes at their offsets in the blob, in increasing
/// order; the bytes between them are zero.
using BlobStore = function_ref<Error(uint64_t, ArrayRef<uint8_t>)>;

/// Produces the blob for `store` (zero padding between tensors), and sets
/// `modelId` to its digest (runtime/include/llmc/weights_digest.h).
static Error writeBlob(const WeightsLayout &layout, const WeightSource &source,
                       std::string &modelId, WeightsProgress progress,
                       BlobStore store) {
  llmc_digest digest;
  llmc_digest_init(&digest);
  static const char zeros[4096] = {};
  auto pad = [&](uint64_t count) {
    for (; count > 0; count -= std::min<uint64_t>(count, sizeof(zeros)))
      llmc_digest_update(&digest, zeros,
                         std::min<uint64_t>(count, sizeof(zeros)));
  };
  uint64_t position = 0;
  Error err =
      forEachChunk(layout, source, /*packSlots=*/true,
                   [&](const WeightSlot &slot, ArrayRef<uint8_t> bytes,
                       uint64_t offset) -> Error {
                     pad(slot.offset + offset - position);
                     if (Error err = store(slot.offset + offset, bytes))
                       return err;
                     llmc_digest_update(&digest, bytes.data(), bytes.size());
                     position = slot.offset + offset + bytes.size();
                     progress(position);
                     return Error::success();
                   });
  if (err)
    return err;
  pad(layout.size - position);
  progress(layout.size);
  char hex[17];
  llmc_digest_hex(llmc_digest_final(&digest), hex);
  modelId = hex;
  return Error::success();
}

Expected<std::string> digestWeights(const WeightsLayout &layout,
                                    const WeightSource &source,
                                    WeightsProgress progress) {
  std::string modelId;
  if (Error err = writeBlob(layout, source, modelId, progress,
                            [](uint64_t, ArrayRef<uint8_t>) -> Error {
                              return Error::success();
                            }))
    return std::move(err);
  return modelId;
}

/// Appends `value`'s bytes to `out`.
template <typename T>
static void appendStruct(std::vector<uint8_t> &out, const T &value) {
  const auto *bytes = reinterpret_cast<const uint8_t *>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

Error writeWeightsObject(StringRef path, const WeightsLayout &layout,
                         const WeightSource &source, std::string &modelId,
                         WeightsProgress progress) {
  // Layout: header | blob (at 4096) | symtab | strtab | shstrtab | sections.
  const char shstrtab[] = "\0.llmc.weights\0.symtab\0.strtab\0"
                          ".shstrtab\0.note.GNU-stack\0";
  enum : uint32_t {
    kNameWeights = 1,
    kNameSymtab = 15,
    kNameStrtab = 23,
    kNameShstrtab = 31,
    kNameStack = 41
  };
  const char strtab[] = "\0llmc_weights\0";
  const uint64_t blobOffset = 4096;
  uint64_t symtabOffset = alignTo(blobOffset + layout.size, 8);
  uint64_t strtabOffset = symtabOffset + 2 * sizeof(ELF::Elf64_Sym);
  uint64_t shstrtabOffset = strtabOffset + sizeof(strtab);
  uint64_t sectionsOffset = alignTo(shstrtabOffset + sizeof(shstrtab), 8);
  const unsigned kSections = 6;
  uint64_t fileSize = sectionsOffset + kSections * sizeof(ELF::Elf64_Shdr);

  auto file = ParallelFileWriter::create(path, fileSize);
  if (!file)
    return file.takeError();

  ELF::Elf64_Ehdr header{};
  std::memcpy(header.e_ident, ELF::ElfMagic, 4);
  header.e_ident[ELF::EI_CLASS] = ELF::ELFCLASS64;
  header.e_ident[ELF::EI_DATA] = ELF::ELFDATA2LSB;
  header.e_ident[ELF::EI_VERSION] = ELF::EV_CURRENT;
  header.e_type = ELF::ET_REL;
  header.e_machine = ELF::EM_X86_64;
  header.e_version = ELF::EV_CURRENT;
  header.e_shoff = sectionsOffset;
  header.e_ehsize = sizeof(ELF::Elf64_Ehdr);
  header.e_shentsize = sizeof(ELF::Elf64_Shdr);
  header.e_shnum = kSections;
  header.e_shstrndx = 4;
  std::vector<uint8_t> head;
  appendStruct(head, header);
  if (Error err = (*file)->write(0, head))
    return err;
  if (Error err = writeBlob(layout, source, modelId, progress,
                            [&](uint64_t offset, ArrayRef<uint8_t> bytes) {
                              return (*file)->write(blobOffset + offset, bytes);
                            }))
    return err;

  std::vector<uint8_t> tail;
  ELF::Elf64_Sym null{}, weights{};
  weights.st_name = 1;
  weights.setBindingAndType(ELF::STB_GLOBAL, ELF::STT_OBJECT);
  weights.st_other = ELF::STV_HIDDEN;
  weights.st_shndx = 1;
  weights.st_size = layout.size;
  appendStruct(tail, null);
  appendStruct(tail, weights);
  tail.insert(tail.end(), strtab, strtab + sizeof(strtab));
  tail.insert(tail.end(), shstrtab, shstrtab + sizeof(shstrtab));
  tail.resize(sectionsOffset - symtabOffset);

  auto section = [&](uint32_t name, uint32_t type, uint64_t flags, uint64_t at,
                     uint64_t size, uint64_t align) {
    ELF::Elf64_Shdr s{};
    s.sh_name = name;
    s.sh_type = type;
    s.sh_flags = flags;
    s.sh_offset = at;
    s.sh_size = size;
    s.sh_addralign = align;
    return s;
  };
  appendStruct(tail, ELF::Elf64_Shdr{});
  appendStruct(tail, section(kNameWeights, ELF::SHT_PROGBITS, ELF::SHF_ALLOC,
                             blobOffset, layout.size, 4096));
  ELF::Elf64_Shdr symtab = section(kNameSymtab, ELF::SHT_SYMTAB, 0,
                                   symtabOffset, 2 * sizeof(ELF::Elf64_Sym), 8);
  symtab.sh_link = 3;
  symtab.sh_info = 1;
  symtab.sh_entsize = sizeof(ELF::Elf64_Sym);
  appendStruct(tail, symtab);
  appendStruct(tail, section(kNameStrtab, ELF::SHT_STRTAB, 0, strtabOffset,
                             sizeof(strtab), 1));
  appendStruct(tail, section(kNameShstrtab, ELF::SHT_STRTAB, 0, shstrtabOffset,
                             sizeof(shstrtab), 1));
  appendStruct(tail,
               section(kNameStack, ELF::SHT_PROGBITS, 0, sectionsOffset, 0, 1));
  if (Error err = (*file)->write(symtabOffset, tail))
    return err;
  return (*file)->close();
}

Error writeWeightsFile(StringRef path, const WeightsLayout &layout,
                       const WeightSource &source, std::string &modelId,
                       WeightsProgress progress) {
  auto file =
      ParallelFileWriter::create(path, LLMC_WEIGHTS_HEADER_SIZE + layout.size);
  if (!file)
    return file.takeError();
  if (Error err = writeBlob(layout, source, modelId, progress,
                            [&](uint64_t offset, ArrayRef<uint8_t> bytes) {
                              return (*file)->write(
                                  LLMC_WEIGHTS_HEADER_SIZE + offset, bytes);
                            }))
    return err;
  // The header last: the id is the blob's digest, known once it is written.
  llmc_weights_header header{};
  std::memcpy(header.magic, LLMC_WEIGHTS_MAGIC, sizeof(header.magic));
  header.version = LLMC_ABI_VERSION;
  header.data_size = layout.size;
  std::memcpy(header.model_id, modelId.data(),
              std::min(modelId.size(), sizeof(header.model_id) - 1));
  std::vector<uint8_t> head;
  appendStruct(head, header);
  if (Error err = (*file)->write(0, head))
    return err;
  return (*file)->close();
}

} // namespace llmc
