//===- OnnxDecoder.h - Driving an ONNX decoder export's KV inputs -*- C++
//-*-===//
//
// A decoder exported to ONNX takes its KV cache as inputs and returns the
// grown cache as outputs (past_key_values.N.key -> present.N.key, or
// past_N -> present_N). A session keeps the presents of one call and feeds
// them as the pasts of the next, so `llmc run` works on such graphs too.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_ONNXDECODER_H
#define LLMC_RUNTIME_ONNXDECODER_H

#include "Model.h"

#include <string>
#include <vector>

namespace llmc::rt {

/// Which inputs and outputs of the graph play which role.
struct OnnxDecoderBinding {
  const fb::EntryPoint *entry = nullptr;
  enum class Role { Ids, Mask, Positions, Past };
  struct Input {
    Role role;
    size_t pastIndex = 0; // for Role::Past
  };
  std::vector<Input> inputs;  // per graph input (without weights)
  int logits = -1;            // output index
  std::vector<int> presentOf; // output index per past
  std::vector<std::vector<int64_t>> pastShapes; // -1 for batch and sequence
  std::vector<int> pastSeqAxis;
};

/// Recognizes a decoder graph; returns "" on success, else why not.
std::string bindOnnxDecoder(const fb::EntryPoint &entry,
                            OnnxDecoderBinding &binding);

/// The session state: the presents of the last call.
struct OnnxDecoderState {
  std::vector<llmc_tensor> pasts;
  ~OnnxDecoderState();
};

/// Keeps the first `position` entries of every past along its sequence
/// axis (position <= the pasts' length).
void truncateOnnxDecoderState(const llmc_model &model, OnnxDecoderState &state,
                              int64_t position);

llmc_status_t onnxDecoderForward(llmc_model &model, OnnxDecoderState &state,
                                 int64_t position, const int32_t *tokens,
                                 size_t count, float *logits, bool allLogits);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_ONNXDECODER_H
