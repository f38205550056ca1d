//===- Model.h - A loaded, validated compiled model -------------*- C++ -*-===//

#ifndef LLMC_RUNTIME_MODEL_H
#define LLMC_RUNTIME_MODEL_H

#include "llmc/abi.h"
#include "llmc/llmc.h"
#include "runtime/schema/manifest_generated.h"

#include "tokenizer/Tokenizer.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace llmc::rt {
struct OnnxDecoderBinding;
struct KernelSet;
namespace cuda {
class ModelDevice;
}

/// A decoder entry point's facts, from its manifest signature.
struct DecoderEntry {
  llmc_packed_fn function = nullptr;
  /// Contiguous: [layers, 2, capacity, kv_heads, head_dim] f32. Paged
  /// (llm-page-kv-cache): one block, [layers, 2, block_size, kv_heads,
  /// head_dim] of kvType; the entry takes (weights, tokens, positions,
  /// sequences, block_tables, logit_rows, kv_pool).
  std::vector<int64_t> kvShape;
  bool paged = false;
  llmc_kv_dtype kvType = LLMC_KV_F32;
  int64_t blockSize = 0;
  /// Bytes of one block of the pool (paged only).
  uint64_t blockBytes = 0;
  int64_t outputSize = 0;
  int64_t vocabSize = 0;
  int64_t contextLength = 0;
  bool hasLMHead = true;
};
} // namespace llmc::rt

struct llmc_model {
  std::string path;
  void *library = nullptr;
  const llmc_model_descriptor *descriptor = nullptr;
  /// The manifest section read from the file (header, then FlatBuffers),
  /// and the verified manifest inside it.
  std::vector<uint8_t> manifestSection;
  const llmc::fb::Manifest *manifest = nullptr;
  uint64_t manifestChecksum = 0;

  /// The weights blob: copied into memory (residentWeights), or inside the
  /// library, or in a mapping of the side file.
  const uint8_t *weights = nullptr;
  uint64_t weightsSize = 0;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  /// The weights copied into this process's memory at load
  /// (ResidentWeights.h); nullptr when they are read from the file.
  const uint8_t *residentWeights = nullptr;
  size_t residentSize = 0;

  /// The decoder entry point `forward` and the facts a session needs
  /// (kvShape empty when the artifact has none).
  llmc::rt::DecoderEntry decoder;
  /// The artifact's self-draft (entry point `draft`), when it has one:
  /// kvShape empty when not.
  llmc::rt::DecoderEntry draft;
  /// Or, for an ONNX decoder export, how to drive its KV inputs.
  std::unique_ptr<llmc::rt::OnnxDecoderBinding> onnxDecoder;
  /// Why the graph is not a decoder `llmc run` can drive, when it is not.
  std::string notDecoder;
  /// Token ids are below vocabSize.
  int64_t vocabSize = 0;
  /// Floats `forward` returns per token: vocabSize logits, or the hidden
  /// size for a model without an LM head (it returns hidden states).
  int64_t outputSize = 0;
  bool hasLMHead = true;
  int64_t contextLength = 0;
  int64_t bosId = -1;
  std::vector<int64_t> stopIds;
  /// The embedded tokenizer, parsed at load; null when there is none.
  std::unique_ptr<llmc::rt::Tokenizer> tokenizer;
  /// The C API's handle for `tokenizer`, made on first request.
  std::unique_ptr<struct llmc_tokenizer, void (*)(struct llmc_tokenizer *)>
      tokenizerHandle{nullptr, llmc_tokenizer_free};

  /// Opened with LLMC_OPEN_MANIFEST_ONLY: no code or weights are mapped.
  bool manifestOnly = false;
  /// The weights' digest was recomputed and matched the model id.
  bool weightsVerified = false;
  /// Why this machine cannot run the code ("" when it can): a CPU feature
  /// it lacks or, for a CUDA artifact, no driver or no suitable GPU.
  std::string cpuProblem;
  /// A CUDA artifact's context, kernels and weights on its GPU.
  std::unique_ptr<llmc::rt::cuda::ModelDevice> gpu;

  /// The kernels compiled code calls, and how many threads they use.
  const llmc::rt::KernelSet *kernels = nullptr;
  int threads = 1;

  /// The caller's reference and one per session: a model stays loaded
  /// until llmc_model_free and the last session's llmc_session_free.
  std::atomic<int> references{1};

  llmc_model();
  ~llmc_model();
};

namespace llmc::rt {

/// Takes and drops a reference; the last drop frees the model.
void retainModel(llmc_model *model);
void releaseModel(llmc_model *model);

/// Checks `model.manifestSection` (header, checksum, schema) and reads
/// what the runtime takes from the manifest without the library's code: the
/// CPU features it needs, the decoder's facts, generation defaults, the
/// tokenizer. Loading and the manifest fuzzer share it.
llmc_status_t readManifest(llmc_model &model);

/// llmc_model_open_linked: a model linked into the program.
llmc_status_t openLinkedModel(const llmc_model_descriptor *descriptor,
                              llmc_model **out);

/// Loads `path` (llmc_model_open's `flags`); on failure returns a status
/// naming the file and the fault.
llmc_status_t loadModel(const std::string &path, uint32_t flags,
                        llmc_model **out);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_MODEL_H
