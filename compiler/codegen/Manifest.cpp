//===- Manifest.cpp - The FlatBuffers manifest of an artifact -------------===//

#include "compiler/codegen/Manifest.h"
#include "dialects/llm/LLMDialect.h"
#include "runtime/schema/manifest_generated.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;

namespace llmc {

static std::optional<fb::DType> toDType(Type type) {
  if (type.isF32())
    return fb::DType::f32;
  if (type.isF16())
    return fb::DType::f16;
  if (type.isBF16())
    return fb::DType::bf16;
  if (type.isF64())
    return fb::DType::f64;
  if (type.isInteger(1))
    return fb::DType::bool_;
  if (type.isInteger(8))
    return fb::DType::i8;
  if (type.isInteger(16))
    return fb::DType::i16;
  if (type.isInteger(32))
    return fb::DType::i32;
  if (type.isInteger(64))
    return fb::DType::i64;
  return std::nullopt;
}

static llvm::Error unsupportedType(Type type, StringRef where) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 where + ": element type " + text +
                                     " has no manifest dtype");
}

llvm::Expected<std::vector<EntryPointSignature>>
getEntryPoints(ModuleOp bufferized) {
  std::vector<EntryPointSignature> entries;
  for (auto func : bufferized.getOps<func::FuncOp>()) {
    if (!llm::LLMDialect::isEntryPoint(func))
      continue;
    EntryPointSignature entry;
    entry.name = func.getSymName().str();
    auto collect = [&](TypeRange types, auto attrsOf,
                       std::vector<ArgumentSignature> &out) -> llvm::Error {
      for (auto [i, type] : llvm::enumerate(types)) {
        auto memref = dyn_cast<MemRefType>(type);
        if (!memref)
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         "entry point '" + entry.name +
                                             "' has a non-memref argument");
        DictionaryAttr attrs = attrsOf(i);
        ArgumentSignature arg;
        auto name = attrs ? attrs.getAs<StringAttr>(llm::LLMDialect::kNameAttr)
                          : StringAttr();
        arg.name = name ? name.str() : "arg" + std::to_string(i);
        arg.type = memref;
        if (auto dims =
                attrs ? attrs.getAs<ArrayAttr>(llm::LLMDialect::kDimNamesAttr)
                      : ArrayAttr())
          for (Attribute d : dims)
            arg.dimNames.push_back(cast<StringAttr>(d).str());
        if (auto w = attrs ? attrs.getAs<StringAttr>(
                                 llm::LLMDialect::kDefaultWeightAttr)
                           : StringAttr())
          arg.defaultWeight = w.str();
        out.push_back(std::move(arg));
      }
      return llvm::Error::success();
    };
    if (llvm::Error err = collect(
            func.getArgumentTypes(),
            [&](unsigned i) { return func.getArgAttrDict(i); }, entry.inputs))
      return std::move(err);
    for (auto [i, arg] : llvm::enumerate(entry.inputs))
      arg.unused = func.getArgument(i).use_empty();
    if (llvm::Error err = collect(
            func.getResultTypes(),
            [&](unsigned i) { return func.getResultAttrDict(i); },
            entry.outputs))
      return std::move(err);
    entries.push_back(std::move(entry));
  }
  return entries;
}

llvm::Expected<std::vector<uint8_t>>
buildManifest(ModuleOp bufferized, const WeightsLayout &layout,
              const ManifestInputs &inputs) {
  flatbuffers::FlatBufferBuilder fbb(4096);
  auto model = bufferized->getAttrOfType<DictionaryAttr>(
      llm::LLMDialect::ModelAttrHelper::getNameStr());
  auto getInt = [&](StringRef key) -> int64_t {
    if (!model)
      return 0;
    auto attr = model.getAs<IntegerAttr>(key);
    return attr ? attr.getInt() : 0;
  };
  auto getFloat = [&](StringRef key) -> double {
    if (!model)
      return 0;
    auto attr = model.getAs<FloatAttr>(key);
    return attr ? attr.getValueAsDouble() : 0.0;
  };

  // Entry points.
  auto entries = getEntryPoints(bufferized);
  if (!entries)
    return entries.takeError();
  std::vector<flatbuffers::Offset<fb::EntryPoint>> entryOffsets;
  for (const EntryPointSignature &entry : *entries) {
    auto arguments = [&](const std::vector<ArgumentSignature> &args)
        -> llvm::Expected<std::vector<flatbuffers::Offset<fb::Argument>>> {
      std::vector<flatbuffers::Offset<fb::Argument>> out;
      for (const ArgumentSignature &arg : args) {
        std::optional<fb::DType> dtype = toDType(arg.type.getElementType());
        if (!dtype)
          return unsupportedType(arg.type.getElementType(), arg.name);
        std::vector<int64_t> shape;
        for (int64_t d : arg.type.getShape())
          shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
        std::vector<flatbuffers::Offset<flatbuffers::String>> dimNames;
        for (const std::string &n : arg.dimNames)
          dimNames.push_back(fbb.CreateString(n));
        out.push_back(fb::CreateArgumentDirect(
            fbb, arg.name.c_str(), *dtype, &shape,
            arg.dimNames.empty() ? nullptr : &dimNames,
            arg.defaultWeight.empty() ? nullptr : arg.defaultWeight.c_str(),
            arg.unused));
      }
      return out;
    };
    auto ins = arguments(entry.inputs);
    if (!ins)
      return ins.takeError();
    auto outs = arguments(entry.outputs);
    if (!outs)
      return outs.takeError();
    entryOffsets.push_back(
        fb::CreateEntryPointDirect(fbb, entry.name.c_str(), &*ins, &*outs));
  }

  // Tensors.
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const WeightSlot &slot : layout.slots) {
    std::optional<fb::DType> dtype = toDType(slot.type.getElementType());
    if (slot.packed)
      dtype = slot.packed->format == LLMC_WEIGHT_F32_PANELS ? fb::DType::f32
              : slot.packed->format == LLMC_WEIGHT_INT8     ? fb::DType::i8
                                                            : fb::DType::i4;
    if (!dtype)
      return unsupportedType(slot.type.getElementType(), slot.name);
    std::vector<int64_t> shape(slot.type.getShape().begin(),
                               slot.type.getShape().end());
    tensors.push_back(fb::CreateTensorDirect(
        fbb, slot.name.c_str(), *dtype, &shape, slot.offset, slot.bytes,
        slot.quantization.c_str(), slot.role.c_str(), slot.packed.has_value()));
  }

  // Architecture and KV cache.
  flatbuffers::Offset<fb::Architecture> architecture;
  if (model) {
    auto name = model.getAs<StringAttr>("architecture");
    auto tied = model.getAs<BoolAttr>("tie_word_embeddings");
    architecture = fb::CreateArchitectureDirect(
        fbb, name ? name.str().c_str() : "", getInt("vocab_size"),
        getInt("hidden_size"), getInt("intermediate_size"),
        getInt("num_layers"), getInt("num_heads"), getInt("num_kv_heads"),
        getInt("head_dim"), getInt("max_position_embeddings"),
        getFloat("rope_theta"), getFloat("rms_norm_eps"),
        tied && tied.getValue(), getInt("sliding_window"));
  }
  flatbuffers::Offset<fb::KVCache> kvCache;
  if (getInt("num_layers") > 0)
    kvCache = fb::CreateKVCache(fbb, getInt("num_layers"),
                                getInt("num_kv_heads"), getInt("head_dim"),
                                getInt("context_length"), fb::DType::f32);

  const GenerationDefaults &gen = inputs.generation;
  auto generation = fb::CreateGenerationDirect(
      fbb, gen.bosId.value_or(-1), gen.addBos, &gen.stopIds, gen.doSample,
      gen.temperature, gen.topK, gen.topP);

  flatbuffers::Offset<fb::Tokenizer> tokenizer;
  if (inputs.tokenizer)
    tokenizer = fb::CreateTokenizerDirect(
        fbb, inputs.tokenizer->type.c_str(), inputs.tokenizer->vocabSize,
        inputs.tokenizer->tokenizerJson.c_str(),
        inputs.tokenizer->tokenizerConfigJson.c_str());

  std::vector<flatbuffers::Offset<flatbuffers::String>> features;
  for (const std::string &feature : inputs.targetFeatures)
    features.push_back(fbb.CreateString(feature));
  std::vector<flatbuffers::Offset<fb::GPUImage>> gpuImages;
  for (const auto &[arch, cubin] : inputs.gpuImages)
    gpuImages.push_back(fb::CreateGPUImageDirect(fbb, arch.c_str(), cubin));
  auto manifest = fb::CreateManifestDirect(
      fbb, inputs.modelId.c_str(), architecture, getInt("context_length"),
      kvCache, &entryOffsets, &tensors, inputs.weightsFile.c_str(), layout.size,
      generation, tokenizer, inputs.target.c_str(), inputs.targetCpu.c_str(),
      &features, inputs.descriptorSymbol.c_str(),
      gpuImages.empty() ? nullptr : &gpuImages);
  fb::FinishManifestBuffer(fbb, manifest);
  return std::vector<uint8_t>(fbb.GetBufferPointer(),
                              fbb.GetBufferPointer() + fbb.GetSize());
}

} // namespace llmc
