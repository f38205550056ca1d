//===- Model.cpp - A loaded, validated compiled model ---------------------===//
//
// Loading trusts nothing it has not checked: the ELF structure before
// dlopen, the ABI version before the rest of the descriptor, the manifest's
// checksum and schema before its contents, the side file's header before its
// data, and the decoder's signature before the first call.
//
//===----------------------------------------------------------------------===//

#include "Model.h"
#include "AvailableCpus.h"
#include "AvailableMemory.h"
#include "CpuFeatures.h"
#include "ElfCheck.h"
#include "OnnxDecoder.h"
#include "RegularFile.h"
#include "ResidentWeights.h"
#include "Status.h"
#include "cuda/CudaLauncher.h"
#include "kernels/Kernels.h"
#include "llmc/weights_digest.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

llmc_model::llmc_model() = default;

/// LLMC_NUM_THREADS, or one thread per CPU this process may use.
static int defaultThreadCount() {
  if (const char *env = std::getenv("LLMC_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0)
      return n;
  }
  return llmc::rt::availableCpus();
}

llmc_model::~llmc_model() {
  // Its kernels are unloaded by code in the library.
  gpu.reset();
  if (mapping)
    munmap(mapping, mappingSize);
  if (residentWeights)
    munmap(const_cast<uint8_t *>(residentWeights), residentSize);
  if (library)
    dlclose(library);
}

namespace llmc::rt {
namespace {

uint64_t fnv1a64(const uint8_t *bytes, uint64_t size) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint64_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Maps the side file and checks its header against the manifest.
llmc_status_t mapWeightsFile(llmc_model &model, const std::string &name) {
  if (name.find('/') != std::string::npos || name == "." || name == "..")
    return error(model.path + ": manifest names weights file '" + name +
                 "' outside the library's folder");
  std::string path = directoryOf(model.path) + "/" + name;
  int fd;
  uint64_t size;
  std::string problem = openRegularFile(path, fd, size);
  if (!problem.empty())
    return error(path + ": the weights file: " + problem);
  uint64_t expected;
  if (__builtin_add_overflow(uint64_t(LLMC_WEIGHTS_HEADER_SIZE),
                             model.manifest->weights_size(), &expected) ||
      size < expected) {
    close(fd);
    return error(path + ": truncated weights file: " + std::to_string(size) +
                 " bytes, expected " +
                 std::to_string(LLMC_WEIGHTS_HEADER_SIZE) + " + " +
                 std::to_string(model.manifest->weights_size()));
  }
  void *mapping = mmap(nullptr, expected, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (mapping == MAP_FAILED)
    return error(path + ": cannot map: " + std::strerror(errno));
  model.mapping = mapping;
  model.mappingSize = expected;

  llmc_weights_header header;
  std::memcpy(&header, mapping, sizeof(header));
  if (std::memcmp(header.magic, LLMC_WEIGHTS_MAGIC, sizeof(header.magic)) != 0)
    return error(path + ": not an llmc weights file (bad magic)");
  if (header.version != LLMC_ABI_VERSION)
    return error(path + ": weights file version " +
                 std::to_string(header.version) + ", expected " +
                 std::to_string(LLMC_ABI_VERSION));
  header.model_id[sizeof(header.model_id) - 1] = '\0';
  const char *id =
      model.manifest->model_id() ? model.manifest->model_id()->c_str() : "";
  if (std::strcmp(header.model_id, id) != 0)
    return error(path + ": weights belong to model " + header.model_id +
                 ", the library is model " + id);
  if (header.data_size != model.manifest->weights_size())
    return error(path + ": weights file holds " +
                 std::to_string(header.data_size) + " bytes, expected " +
                 std::to_string(model.manifest->weights_size()));
  model.weights =
      static_cast<const uint8_t *>(mapping) + LLMC_WEIGHTS_HEADER_SIZE;
  model.weightsSize = header.data_size;
  return ok();
}

/// Checks that `entry` has a decoder signature the runtime drives:
/// (weights i8[?], tokens i32[?], positions i64[?], kv_cache f32[5 dims]),
/// or its paged form (weights, tokens, positions, sequences i32[?],
/// block_tables i32[?, ?], logit_rows i64[?], kv_pool f32|f16[?, 5 dims]),
/// -> logits f32[?, vocab], or hidden_states f32[?, hidden] for a model
/// without an LM head (its vocabulary from the manifest's architecture).
llmc_status_t checkDecoder(const llmc_model &model, const fb::EntryPoint *entry,
                           DecoderEntry &out) {
  std::string name = entry->name() ? entry->name()->str() : "";
  auto fail = [&](const std::string &what) {
    return error(model.path + ": entry point '" + name + "' " + what);
  };
  out = DecoderEntry{};
  size_t numInputs = entry->inputs() ? entry->inputs()->size() : 0;
  if ((numInputs != 4 && numInputs != 7) || !entry->outputs() ||
      entry->outputs()->size() != 1)
    return fail("does not take (weights, tokens, positions, kv_cache) or "
                "its paged form, and return logits");
  out.paged = numInputs == 7;
  std::vector<fb::DType> expected{fb::DType::i8, fb::DType::i32,
                                  fb::DType::i64};
  std::vector<size_t> ranks{1, 1, 1};
  if (out.paged) {
    expected.insert(expected.end(),
                    {fb::DType::i32, fb::DType::i32, fb::DType::i64});
    ranks.insert(ranks.end(), {1, 2, 1});
  }
  for (unsigned i = 0; i < expected.size(); ++i) {
    const fb::Argument *arg = entry->inputs()->Get(i);
    if (arg->dtype() != expected[i] || !arg->shape() ||
        arg->shape()->size() != ranks[i])
      return fail("has an unexpected input " + std::to_string(i));
  }
  const fb::Argument *kv = entry->inputs()->Get(numInputs - 1);
  if (!kv->shape() || kv->shape()->size() != (out.paged ? 6 : 5) ||
      !(kv->dtype() == fb::DType::f32 ||
        (out.paged &&
         (kv->dtype() == fb::DType::f16 || kv->dtype() == fb::DType::i8))))
    return fail("has an unexpected KV cache input");
  out.kvType = kv->dtype() == fb::DType::f16  ? LLMC_KV_F16
               : kv->dtype() == fb::DType::i8 ? LLMC_KV_INT8
                                              : LLMC_KV_F32;
  uint64_t bytes = out.kvType == LLMC_KV_F16    ? 2
                   : out.kvType == LLMC_KV_INT8 ? 1
                                                : 4;
  for (size_t i = out.paged ? 1 : 0; i < kv->shape()->size(); ++i) {
    int64_t d = kv->shape()->Get(i);
    if (d <= 0 || __builtin_mul_overflow(bytes, uint64_t(d), &bytes))
      return fail("has a KV cache with a non-positive or overflowing "
                  "dimension");
    out.kvShape.push_back(d);
  }
  if (out.paged && (out.kvShape[1] != 2 || out.kvShape[2] > 4096 ||
                    (out.kvType == LLMC_KV_INT8 && out.kvShape[4] <= 4)))
    return fail("has a KV pool of an unexpected geometry");
  const fb::Argument *logits = entry->outputs()->Get(0);
  if (logits->dtype() != fb::DType::f32 || !logits->shape() ||
      logits->shape()->size() != 2 || logits->shape()->Get(1) <= 0)
    return fail("does not return f32 logits [tokens, vocab]");
  out.outputSize = logits->shape()->Get(1);
  out.vocabSize = out.outputSize;
  if (logits->name() && logits->name()->str() == "hidden_states") {
    const fb::Architecture *arch = model.manifest->architecture();
    if (!arch || arch->vocab_size() <= 0)
      return fail("returns hidden states but the manifest has no vocabulary");
    out.hasLMHead = false;
    out.vocabSize = arch->vocab_size();
  } else if (!logits->name() || logits->name()->str() != "logits") {
    return fail("returns neither logits nor hidden_states");
  }
  if (!out.paged) {
    out.contextLength = out.kvShape[2];
    return ok();
  }
  out.blockSize = out.kvShape[2];
  out.blockBytes = bytes;
  out.contextLength = model.manifest->context_length();
  if (out.contextLength <= 0 || out.contextLength > INT32_MAX)
    return fail("has a paged KV cache but the manifest gives no context "
                "length");
  return ok();
}

/// Maps the embedded weights straight from the file (the `.llmc.weights`
/// section), for verifying an artifact whose code is not loaded.
llmc_status_t mapEmbeddedWeights(llmc_model &model, const std::string &path) {
  uint64_t offset, length;
  std::string problem = findSection(path, ".llmc.weights", offset, length);
  if (!problem.empty())
    return error(model.path + ": the embedded weights: " + problem);
  if (length != model.manifest->weights_size())
    return error(model.path + ": embedded weights hold " +
                 std::to_string(length) + " bytes, the manifest expects " +
                 std::to_string(model.manifest->weights_size()));
  if (length == 0)
    return ok();
  int fd;
  uint64_t size;
  problem = openRegularFile(path, fd, size);
  if (!problem.empty())
    return error(model.path + ": " + problem);
  uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
  uint64_t start = offset / page * page;
  void *mapping = mmap(nullptr, length + (offset - start), PROT_READ,
                       MAP_PRIVATE, fd, off_t(start));
  close(fd);
  if (mapping == MAP_FAILED)
    return error(model.path +
                 ": cannot map the embedded weights: " + std::strerror(errno));
  model.mapping = mapping;
  model.mappingSize = length + (offset - start);
  model.weights = static_cast<const uint8_t *>(mapping) + (offset - start);
  model.weightsSize = length;
  return ok();
}

/// Recomputes the weights' digest: it must be the model id.
llmc_status_t verifyWeights(const llmc_model &model) {
  llmc_digest digest;
  llmc_digest_init(&digest);
  llmc_digest_update(&digest, model.weights, model.weightsSize);
  char hex[17];
  llmc_digest_hex(llmc_digest_final(&digest), hex);
  const char *id =
      model.manifest->model_id() ? model.manifest->model_id()->c_str() : "";
  if (std::strcmp(hex, id) != 0)
    return error(model.path + ": the weights' digest is " + hex +
                 ", the model id is " + id +
                 ": the weights are corrupt (or not this model's)");
  return ok();
}

/// Whether every vector of 64-bit values is 8-byte aligned, which
/// FlatBuffers' verifier (2.0.8) checks only for table fields: a hostile
/// manifest could otherwise make reads of shapes and ids misaligned.
bool vectorsAligned(const fb::Manifest &manifest) {
  auto aligned = [](const flatbuffers::Vector<int64_t> *v) {
    // (An empty vector has nothing to read, and the builder leaves it
    // unaligned.)
    return !v || v->size() == 0 ||
           reinterpret_cast<uintptr_t>(v->data()) % alignof(int64_t) == 0;
  };
  auto arguments =
      [&](const flatbuffers::Vector<flatbuffers::Offset<fb::Argument>> *args) {
        if (args)
          for (const fb::Argument *arg : *args)
            if (!aligned(arg->shape()))
              return false;
        return true;
      };
  if (manifest.entry_points())
    for (const fb::EntryPoint *entry : *manifest.entry_points())
      if (!arguments(entry->inputs()) || !arguments(entry->outputs()))
        return false;
  if (manifest.tensors())
    for (const fb::Tensor *tensor : *manifest.tensors())
      if (!aligned(tensor->shape()))
        return false;
  return !manifest.generation() || aligned(manifest.generation()->stop_ids());
}

/// Whether the weights stay in the file's pages: LLMC_OPEN_MAP_WEIGHTS, or
/// LLMC_MAP_WEIGHTS set (and not "0") in the environment.
bool keepWeightsMapped(uint32_t flags) {
  const char *env = std::getenv("LLMC_MAP_WEIGHTS");
  return (flags & LLMC_OPEN_MAP_WEIGHTS) || (env && std::strcmp(env, "0") != 0);
}

/// Copies the weights of a CPU model into this process's memory when they
/// fit (ResidentWeights.h); otherwise, or if the memory cannot be had,
/// they are read from the file's pages as mapped.
void copyWeightsIntoMemory(llmc_model &model) {
  if (model.weightsSize == 0 ||
      !weightsFitInMemory(model.weightsSize, availableMemory()))
    return;
  size_t size;
  const uint8_t *copy =
      copyIntoMemory(model.weights, model.weightsSize, model.threads, size);
  if (!copy)
    return;
  model.residentWeights = copy;
  model.residentSize = size;
  model.weights = copy;
  if (model.mapping) {
    munmap(model.mapping, model.mappingSize);
    model.mapping = nullptr;
  }
}

/// Takes the library's descriptor (checked against the manifest), fills its
/// kernel table, and maps the weights: embedded, or from the side file;
/// then, for a CPU model, copies them into memory unless `flags` (or the
/// environment) say to keep them mapped.
llmc_status_t bindDescriptor(llmc_model &model,
                             const llmc_model_descriptor *descriptor,
                             uint32_t flags) {
  const std::string &name = model.path;
  const fb::Manifest *manifest = model.manifest;
  if (!descriptor)
    return error(name + ": the library returned no descriptor");
  if (descriptor->abi_version != LLMC_ABI_VERSION)
    return error(name + ": ABI version " +
                 std::to_string(descriptor->abi_version) +
                 ", this runtime supports " + std::to_string(LLMC_ABI_VERSION));
  model.descriptor = descriptor;
  if (descriptor->manifest_size !=
          model.manifestSection.size() - sizeof(llmc_manifest_header) ||
      descriptor->manifest_checksum != model.manifestChecksum)
    return error(name + ": the descriptor's manifest is not the one in the "
                        "manifest section (corrupt or tampered artifact)");
  if (!descriptor->ukernels || descriptor->num_ukernels < LLMC_NUM_UKERNELS)
    return error(name + ": the descriptor has no kernel table");
  bindUkernels(descriptor->ukernels);

  const flatbuffers::String *weightsFile = manifest->weights_file();
  if (weightsFile && weightsFile->size() > 0) {
    if (llmc_status_t status = mapWeightsFile(model, weightsFile->str()))
      return status;
  } else {
    if (descriptor->weights_size != manifest->weights_size() ||
        (manifest->weights_size() > 0 && !descriptor->weights))
      return error(name + ": embedded weights hold " +
                   std::to_string(descriptor->weights_size) +
                   " bytes, the manifest expects " +
                   std::to_string(manifest->weights_size()));
    model.weights = descriptor->weights;
    model.weightsSize = descriptor->weights_size;
  }
  if (manifest->tensors())
    for (const fb::Tensor *tensor : *manifest->tensors())
      if (tensor->offset() + tensor->bytes() > model.weightsSize ||
          tensor->offset() + tensor->bytes() < tensor->offset())
        return error(name + ": tensor '" +
                     (tensor->name() ? tensor->name()->str() : "") +
                     "' lies outside the weights");
  if (manifest->gpu_images() && manifest->gpu_images()->size()) {
    std::string problem;
    model.gpu = cuda::ModelDevice::open(*descriptor, model.weights,
                                        model.weightsSize, problem);
    if (!model.gpu)
      return error(name + ": " + problem);
  } else if (!keepWeightsMapped(flags)) {
    copyWeightsIntoMemory(model);
  }
  return ok();
}

/// Maps the library with dlopen and binds its descriptor.
llmc_status_t mapCode(llmc_model &model, const std::string &path,
                      uint32_t flags) {
  const std::string &name = model.path;
  const fb::Manifest *manifest = model.manifest;
  model.library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model.library)
    return error(name + ": cannot load: " + dlerror());
  std::string symbol = manifest->descriptor_symbol()
                           ? manifest->descriptor_symbol()->str()
                           : "llmc_model_get";
  auto get =
      reinterpret_cast<llmc_model_get_fn>(dlsym(model.library, symbol.c_str()));
  if (!get)
    return error(name + ": not an llmc model (no " + symbol + ")");
  return bindDescriptor(model, get(), flags);
}

/// The decoder's facts from the manifest: the `forward` entry point, or an
/// ONNX decoder export.
llmc_status_t readDecoderFacts(llmc_model &model) {
  const fb::Manifest *manifest = model.manifest;
  const fb::EntryPoint *forward = nullptr;
  if (manifest->entry_points())
    for (const fb::EntryPoint *entry : *manifest->entry_points())
      if (entry->name() && entry->name()->str() == "forward")
        forward = entry;
  if (forward) {
    DecoderEntry facts;
    if (llmc_status_t status = checkDecoder(model, forward, facts))
      return status;
    model.decoder = facts;
    model.outputSize = facts.outputSize;
    model.vocabSize = facts.vocabSize;
    model.hasLMHead = facts.hasLMHead;
    model.contextLength = facts.contextLength;
    // A self-draft (llmc compile --draft-quantize): the same signature, the
    // same vocabulary and context, and logits.
    for (const fb::EntryPoint *entry : *manifest->entry_points()) {
      if (!entry->name() || entry->name()->str() != "draft")
        continue;
      if (!model.draft.kvShape.empty())
        return error(model.path + ": the manifest lists entry point 'draft' "
                                  "twice");
      if (llmc_status_t status = checkDecoder(model, entry, model.draft))
        return status;
      if (!model.draft.hasLMHead || model.draft.vocabSize != model.vocabSize ||
          model.draft.contextLength != model.contextLength)
        return error(model.path + ": entry point 'draft' does not share the "
                                  "model's vocabulary and context");
    }
    return ok();
  }
  if (manifest->entry_points() && manifest->entry_points()->size() == 1) {
    auto binding = std::make_unique<OnnxDecoderBinding>();
    model.notDecoder =
        bindOnnxDecoder(*manifest->entry_points()->Get(0), *binding);
    if (model.notDecoder.empty()) {
      model.vocabSize =
          binding->entry->outputs()->Get(binding->logits)->shape()->Get(2);
      model.outputSize = model.vocabSize;
      model.contextLength = manifest->context_length();
      model.onnxDecoder = std::move(binding);
    }
  }
  return ok();
}

/// The decoder's functions, once the code is mapped.
llmc_status_t bindForward(llmc_model &model) {
  for (auto [entry, name] : {std::pair{&model.decoder, "forward"},
                             std::pair{&model.draft, "draft"}}) {
    if (entry->kvShape.empty())
      continue; // not in the manifest
    for (uint32_t i = 0; i < model.descriptor->num_entry_points; ++i)
      if (std::strcmp(model.descriptor->entry_points[i].name, name) == 0)
        entry->function = model.descriptor->entry_points[i].function;
    if (!entry->function)
      return error(model.path + ": the manifest lists '" + name +
                   "' but the library does not export it");
  }
  return ok();
}

} // namespace

void retainModel(llmc_model *model) {
  model->references.fetch_add(1, std::memory_order_relaxed);
}

void releaseModel(llmc_model *model) {
  if (model->references.fetch_sub(1, std::memory_order_acq_rel) == 1)
    delete model;
}

/// Why this machine cannot run the kernels of a CUDA artifact ("" when it
/// can).
static std::string checkGPU(const fb::Manifest &manifest,
                            const std::string &target) {
  std::string prefix = "compiled for --target=" + target + " (NVIDIA GPU), ";
  std::vector<cuda::KernelImage> images;
  std::string wanted;
  for (const fb::GPUImage *image : *manifest.gpu_images()) {
    std::string_view arch =
        image->arch() ? image->arch()->string_view() : std::string_view();
    // sm_NM: major N, minor M.
    if (arch.size() != 5 || arch.substr(0, 3) != "sm_" || arch[3] < '1' ||
        arch[3] > '9' || arch[4] < '0' || arch[4] > '9')
      return prefix + "an unknown GPU architecture '" + std::string(arch) +
             "' in its manifest";
    images.push_back({arch[3] - '0', arch[4] - '0', image->cubin()});
    wanted += (wanted.empty() ? "" : ", ") + std::string(arch) +
              (image->cubin() ? " (cubin)" : " or newer (PTX)");
  }
  std::string problem;
  const cuda::Driver *driver = cuda::getDriver(problem);
  cuda::Device device;
  if (!driver || !cuda::selectDevice(*driver, device, problem))
    return prefix + problem;
  for (const cuda::KernelImage &image : images)
    if (cuda::canLoad(image, device.major, device.minor))
      return "";
  return prefix + "its kernels are for " + wanted + ", and GPU " +
         std::to_string(device.ordinal) + " (" + device.name + ") is sm_" +
         std::to_string(device.major) + std::to_string(device.minor);
}

llmc_status_t readManifest(llmc_model &model) {
  const std::string &name = model.path;
  const std::vector<uint8_t> &section = model.manifestSection;
  llmc_manifest_header header;
  if (section.size() < sizeof(header))
    return error(name + ": the manifest section is truncated");
  std::memcpy(&header, section.data(), sizeof(header));
  if (std::memcmp(header.magic, LLMC_MANIFEST_MAGIC, sizeof(header.magic)))
    return error(name + ": the manifest section has a bad magic");
  if (header.abi_version != LLMC_ABI_VERSION)
    return error(name + ": ABI version " + std::to_string(header.abi_version) +
                 ", this runtime supports " + std::to_string(LLMC_ABI_VERSION));
  const uint8_t *bytes = section.data() + sizeof(header);
  if (header.size != section.size() - sizeof(header))
    return error(name + ": the manifest section holds " +
                 std::to_string(section.size() - sizeof(header)) +
                 " bytes, its header says " + std::to_string(header.size));
  if (fnv1a64(bytes, header.size) != header.checksum)
    return error(name + ": manifest checksum mismatch (corrupt or tampered "
                        "artifact)");
  flatbuffers::Verifier verifier(bytes, header.size);
  if (!fb::VerifyManifestBuffer(verifier))
    return error(name + ": manifest fails schema verification");
  const fb::Manifest *manifest = fb::GetManifest(bytes);
  if (!vectorsAligned(*manifest))
    return error(name + ": manifest fails schema verification (a vector of "
                        "64-bit values is misaligned)");
  model.manifest = manifest;
  model.manifestChecksum = header.checksum;

  std::vector<std::string_view> features;
  if (manifest->target_features())
    for (const flatbuffers::String *feature : *manifest->target_features())
      features.push_back(feature->string_view());
  std::string problem = checkCpuFeatures(features);
  std::string target =
      manifest->target() ? manifest->target()->str() : std::string("?");
  if (!problem.empty())
    model.cpuProblem = "compiled for --target=" + target + ", " + problem;
  else if (manifest->gpu_images() && manifest->gpu_images()->size())
    model.cpuProblem = checkGPU(*manifest, target);

  if (llmc_status_t status = readDecoderFacts(model))
    return status;
  if (const fb::Generation *generation = manifest->generation()) {
    model.bosId = generation->bos_id();
    if (generation->stop_ids())
      model.stopIds.assign(generation->stop_ids()->begin(),
                           generation->stop_ids()->end());
  }
  if (const fb::Tokenizer *tokenizer = manifest->tokenizer()) {
    auto text = [](const flatbuffers::String *s) {
      return s ? std::string_view(s->c_str(), s->size()) : std::string_view();
    };
    model.tokenizer =
        Tokenizer::create(text(tokenizer->tokenizer_json()),
                          text(tokenizer->tokenizer_config_json()), problem);
    if (!model.tokenizer)
      return error(name + ": embedded tokenizer: " + problem);
    if (model.vocabSize > 0 && !model.onnxDecoder &&
        model.tokenizer->vocabSize() > model.vocabSize)
      return error(name + ": the tokenizer has " +
                   std::to_string(model.tokenizer->vocabSize()) +
                   " tokens, the model's vocabulary only " +
                   std::to_string(model.vocabSize));
  }
  return ok();
}

llmc_status_t loadModel(const std::string &pathIn, uint32_t flags,
                        llmc_model **out) {
  // dlopen searches the library path for names without a slash.
  std::string path =
      pathIn.find('/') == std::string::npos ? "./" + pathIn : pathIn;
  std::string problem = checkSharedObject(path);
  if (!problem.empty())
    return error(pathIn + ": " + problem);

  // The manifest, read from the file: the ABI version and the CPU features
  // are checked before any of the library's code is mapped.
  auto model = std::make_unique<llmc_model>();
  model->path = pathIn;
  problem = readSection(path, LLMC_MANIFEST_SECTION, model->manifestSection);
  if (problem == "no " LLMC_MANIFEST_SECTION " section")
    return error(pathIn + ": not an llmc model of ABI version " +
                 std::to_string(LLMC_ABI_VERSION) + " (no " +
                 LLMC_MANIFEST_SECTION +
                 " section; an artifact of an older llmc must be recompiled)");
  if (!problem.empty())
    return error(pathIn + ": " + problem);
  if (llmc_status_t status = readManifest(*model))
    return status;
  std::string kernelProblem;
  model->kernels = selectKernels(kernelProblem);
  model->threads = defaultThreadCount();

  model->manifestOnly = flags & LLMC_OPEN_MANIFEST_ONLY;
  if (!model->kernels && !model->manifestOnly)
    return error(pathIn + ": " + kernelProblem);
  if (!model->manifestOnly) {
    if (!model->cpuProblem.empty())
      return error(pathIn + ": " + model->cpuProblem);
    if (llmc_status_t status = mapCode(*model, path, flags))
      return status;
    if (llmc_status_t status = bindForward(*model))
      return status;
  }
  const char *verifyEnv = std::getenv("LLMC_VERIFY_WEIGHTS");
  if ((flags & LLMC_OPEN_VERIFY_WEIGHTS) ||
      (verifyEnv && std::strcmp(verifyEnv, "0") != 0)) {
    if (model->manifestOnly) {
      const flatbuffers::String *file = model->manifest->weights_file();
      llmc_status_t status = file && file->size()
                                 ? mapWeightsFile(*model, file->str())
                                 : mapEmbeddedWeights(*model, path);
      if (status)
        return status;
    }
    if (llmc_status_t status = verifyWeights(*model))
      return status;
    model->weightsVerified = true;
  }
  *out = model.release();
  return ok();
}

llmc_status_t openLinkedModel(const llmc_model_descriptor *descriptor,
                              llmc_model **out) {
  // The library that holds the descriptor names the model in messages and
  // says where a side weights file is.
  Dl_info info{};
  std::string path = dladdr(descriptor, &info) && info.dli_fname
                         ? info.dli_fname
                         : "linked model";
  if (descriptor->abi_version != LLMC_ABI_VERSION)
    return error(path + ": ABI version " +
                 std::to_string(descriptor->abi_version) +
                 ", this runtime supports " + std::to_string(LLMC_ABI_VERSION));
  if (!descriptor->manifest || descriptor->manifest_size == 0)
    return error(path + ": the descriptor has no manifest");
  auto model = std::make_unique<llmc_model>();
  model->path = path;
  // The same checks as for a file: the descriptor's manifest behind the
  // header its section would have.
  llmc_manifest_header header{};
  std::memcpy(header.magic, LLMC_MANIFEST_MAGIC, sizeof(header.magic));
  header.abi_version = descriptor->abi_version;
  header.size = descriptor->manifest_size;
  header.checksum = descriptor->manifest_checksum;
  model->manifestSection.resize(sizeof(header) + header.size);
  std::memcpy(model->manifestSection.data(), &header, sizeof(header));
  std::memcpy(model->manifestSection.data() + sizeof(header),
              descriptor->manifest, header.size);
  if (llmc_status_t status = readManifest(*model))
    return status;
  if (!model->cpuProblem.empty())
    return error(path + ": " + model->cpuProblem);
  std::string kernelProblem;
  model->kernels = selectKernels(kernelProblem);
  if (!model->kernels)
    return error(path + ": " + kernelProblem);
  model->threads = defaultThreadCount();
  if (llmc_status_t status = bindDescriptor(*model, descriptor, 0))
    return status;
  if (llmc_status_t status = bindForward(*model))
    return status;
  *out = model.release();
  return ok();
}

} // namespace llmc::rt
