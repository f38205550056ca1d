//===- OnnxDecoder.cpp - Driving an ONNX decoder export's KV inputs -------===//

#include "OnnxDecoder.h"
#include "Call.h"
#include "Status.h"

#include <cstdlib>
#include <cstring>
#include <regex>

namespace llmc::rt {

static std::string nameOf(const fb::Argument *arg) {
  return arg->name() ? arg->name()->str() : "";
}

std::string bindOnnxDecoder(const fb::EntryPoint &entry,
                            OnnxDecoderBinding &binding) {
  binding.entry = &entry;
  bool weights = takesWeights(entry);
  size_t numInputs = entry.inputs() ? entry.inputs()->size() : 0;
  std::vector<std::string> pastNames;
  bool hasIds = false;
  for (size_t i = weights ? 1 : 0; i < numInputs; ++i) {
    const fb::Argument *arg = entry.inputs()->Get(i);
    std::string name = nameOf(arg);
    bool integer =
        arg->dtype() == fb::DType::i64 || arg->dtype() == fb::DType::i32;
    size_t rank = arg->shape() ? arg->shape()->size() : 0;
    OnnxDecoderBinding::Input input;
    if (name == "input_ids" && integer && rank == 2) {
      input.role = OnnxDecoderBinding::Role::Ids;
      hasIds = true;
    } else if (name == "attention_mask" && integer && rank == 2) {
      input.role = OnnxDecoderBinding::Role::Mask;
    } else if (name == "position_ids" && integer && rank == 2) {
      input.role = OnnxDecoderBinding::Role::Positions;
    } else if (std::regex_match(
                   name,
                   std::regex(
                       R"(past_key_values\.\d+\.(key|value)|past_\d+)")) &&
               arg->dtype() == fb::DType::f32) {
      input.role = OnnxDecoderBinding::Role::Past;
      input.pastIndex = pastNames.size();
      pastNames.push_back(name);
      // The sequence axis: the one dynamic dim that is not the batch.
      std::vector<int64_t> shape(arg->shape()->begin(), arg->shape()->end());
      int seqAxis = -1, dynamic = 0;
      for (size_t d = 0; d < shape.size(); ++d) {
        const flatbuffers::String *symbol =
            arg->dim_names() && d < arg->dim_names()->size()
                ? arg->dim_names()->Get(d)
                : nullptr;
        bool batch = symbol && std::string(symbol->c_str()).find("batch") !=
                                   std::string::npos;
        if (shape[d] < 0 && !batch) {
          seqAxis = int(d);
          ++dynamic;
        }
      }
      if (dynamic != 1)
        return "input '" + name + "' has no single sequence dimension";
      binding.pastShapes.push_back(shape);
      binding.pastSeqAxis.push_back(seqAxis);
    } else {
      return "input '" + name + "' has no role in a decoder";
    }
    binding.inputs.push_back(input);
  }
  if (!hasIds)
    return "there is no input_ids";
  size_t numOutputs = entry.outputs() ? entry.outputs()->size() : 0;
  binding.presentOf.assign(pastNames.size(), -1);
  for (size_t o = 0; o < numOutputs; ++o) {
    std::string name = nameOf(entry.outputs()->Get(o));
    if (name == "logits") {
      const fb::Argument *arg = entry.outputs()->Get(o);
      if (arg->dtype() != fb::DType::f32 || arg->shape()->size() != 3 ||
          arg->shape()->Get(2) <= 0)
        return "logits are not f32 [batch, tokens, vocab]";
      binding.logits = int(o);
      continue;
    }
    for (size_t p = 0; p < pastNames.size(); ++p) {
      std::string want = pastNames[p];
      size_t at = want.find("past_key_values.");
      if (at == 0)
        want = "present." + want.substr(16);
      else
        want = "present_" + want.substr(5);
      if (name == want)
        binding.presentOf[p] = int(o);
    }
  }
  if (binding.logits < 0)
    return "there is no logits output";
  for (size_t p = 0; p < pastNames.size(); ++p)
    if (binding.presentOf[p] < 0)
      return "input '" + pastNames[p] + "' has no matching present output";
  return "";
}

OnnxDecoderState::~OnnxDecoderState() {
  for (llmc_tensor &t : pasts)
    llmc_tensor_free(&t);
}

void truncateOnnxDecoderState(const llmc_model &model, OnnxDecoderState &state,
                              int64_t position) {
  const OnnxDecoderBinding &b = *model.onnxDecoder;
  size_t first = takesWeights(*b.entry) ? 1 : 0;
  for (size_t i = 0; i < b.inputs.size(); ++i) {
    const OnnxDecoderBinding::Input &in = b.inputs[i];
    if (in.role != OnnxDecoderBinding::Role::Past ||
        in.pastIndex >= state.pasts.size())
      continue;
    llmc_tensor &t = state.pasts[in.pastIndex];
    int axis = b.pastSeqAxis[in.pastIndex];
    // Row-major: `outer` blocks of [length][inner] become [position][inner],
    // moved left in place.
    size_t inner = elementSize(b.entry->inputs()->Get(first + i)->dtype());
    size_t outer = 1;
    for (int d = 0; d < t.rank; ++d)
      if (d < axis)
        outer *= size_t(t.shape[d]);
      else if (d > axis)
        inner *= size_t(t.shape[d]);
    size_t length = size_t(t.shape[axis]), kept = size_t(position);
    auto *data = static_cast<uint8_t *>(t.data);
    for (size_t o = 0; o < outer; ++o)
      std::memmove(data + o * kept * inner, data + o * length * inner,
                   kept * inner);
    t.shape[axis] = position;
  }
}

llmc_status_t onnxDecoderForward(llmc_model &model, OnnxDecoderState &state,
                                 int64_t position, const int32_t *tokens,
                                 size_t count, float *logits, bool allLogits) {
  const OnnxDecoderBinding &b = *model.onnxDecoder;
  const fb::EntryPoint &entry = *b.entry;
  size_t first = takesWeights(entry) ? 1 : 0;
  int64_t n = int64_t(count);
  static uint8_t empty[8];

  // Inputs: ids, a mask of ones, positions, and the previous presents.
  std::vector<std::vector<uint8_t>> storage;
  std::vector<std::vector<int64_t>> shapes;
  storage.reserve(b.inputs.size());
  shapes.reserve(b.inputs.size());
  std::vector<llmc_tensor> inputs;
  for (size_t i = 0; i < b.inputs.size(); ++i) {
    const fb::Argument *arg = entry.inputs()->Get(first + i);
    const OnnxDecoderBinding::Input &in = b.inputs[i];
    llmc_tensor t{};
    t.dtype = static_cast<llmc_dtype>(arg->dtype());
    if (in.role == OnnxDecoderBinding::Role::Past) {
      if (state.pasts.size() > in.pastIndex) {
        t = state.pasts[in.pastIndex];
      } else {
        shapes.push_back(b.pastShapes[in.pastIndex]);
        for (int64_t &d : shapes.back())
          if (d < 0)
            d = (&d - shapes.back().data()) == b.pastSeqAxis[in.pastIndex] ? 0
                                                                           : 1;
        t.rank = int32_t(shapes.back().size());
        t.shape = shapes.back().data();
        t.data = empty;
      }
      inputs.push_back(t);
      continue;
    }
    int64_t length =
        in.role == OnnxDecoderBinding::Role::Mask ? position + n : n;
    shapes.push_back({1, length});
    size_t size = elementSize(arg->dtype());
    storage.emplace_back(std::max<size_t>(1, size_t(length) * size));
    for (int64_t j = 0; j < length; ++j) {
      int64_t v = in.role == OnnxDecoderBinding::Role::Ids    ? tokens[j]
                  : in.role == OnnxDecoderBinding::Role::Mask ? 1
                                                              : position + j;
      if (size == 8)
        std::memcpy(storage.back().data() + j * 8, &v, 8);
      else {
        int32_t v32 = int32_t(v);
        std::memcpy(storage.back().data() + j * 4, &v32, 4);
      }
    }
    t.rank = 2;
    t.shape = shapes.back().data();
    t.data = storage.back().data();
    inputs.push_back(t);
  }

  size_t numOutputs = entry.outputs()->size();
  std::vector<llmc_tensor> outputs(numOutputs);
  if (llmc_status_t status =
          callEntry(model, entry, inputs.data(), inputs.size(), outputs.data(),
                    outputs.size()))
    return status;

  const llmc_tensor &out = outputs[b.logits];
  int64_t vocab = model.vocabSize;
  bool shapeOk = out.rank == 3 && out.shape[0] == 1 && out.shape[1] == n &&
                 out.shape[2] == vocab;
  if (shapeOk) {
    const float *data = static_cast<const float *>(out.data);
    if (allLogits)
      std::memcpy(logits, data, sizeof(float) * n * vocab);
    else
      std::memcpy(logits, data + (n - 1) * vocab, sizeof(float) * vocab);
  }
  // Keep the presents as the next pasts; free everything else.
  std::vector<llmc_tensor> next(b.presentOf.size());
  for (size_t o = 0; o < numOutputs; ++o) {
    auto it = std::find(b.presentOf.begin(), b.presentOf.end(), int(o));
    if (it != b.presentOf.end())
      next[it - b.presentOf.begin()] = outputs[o];
    else
      llmc_tensor_free(&outputs[o]);
  }
  for (llmc_tensor &t : state.pasts)
    llmc_tensor_free(&t);
  state.pasts = std::move(next);
  if (!shapeOk)
    return error(model.path + ": the graph returned logits of an unexpected "
                              "shape");
  return ok();
}

} // namespace llmc::rt
