//===- Call.cpp - Calling an entry point with run-time checked tensors ----===//
//
// The compiled code trusts its inputs' shapes; this is where they are
// checked against the manifest (dtype, rank, static dims, dims that share a
// symbolic name), so that a wrong input is an error, not an out-of-bounds
// access. Results come back as memrefs the callee allocated; they are copied
// into compact tensors the caller owns and the callee's buffers are freed.
//
//===----------------------------------------------------------------------===//

#include "Call.h"
#include "EntryCall.h"
#include "MemRef.h"
#include "Status.h"
#include "kernels/Kernels.h"

#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace llmc::rt {

size_t elementSize(fb::DType dtype) {
  switch (dtype) {
  case fb::DType::f64:
  case fb::DType::i64:
    return 8;
  case fb::DType::f32:
  case fb::DType::i32:
    return 4;
  case fb::DType::f16:
  case fb::DType::bf16:
  case fb::DType::i16:
    return 2;
  default:
    return 1;
  }
}

const fb::EntryPoint *findEntry(const llmc_model &model, const char *name) {
  if (!model.manifest->entry_points())
    return nullptr;
  for (const fb::EntryPoint *e : *model.manifest->entry_points())
    if (e->name() && (!name || e->name()->str() == name))
      return e;
  return nullptr;
}

bool takesWeights(const fb::EntryPoint &entry) {
  return entry.inputs() && entry.inputs()->size() > 0 &&
         entry.inputs()->Get(0)->name() &&
         entry.inputs()->Get(0)->name()->str() == "weights" &&
         entry.inputs()->Get(0)->dtype() == fb::DType::i8;
}

static std::string shapeText(const int64_t *shape, int32_t rank) {
  std::string s = "[";
  for (int32_t i = 0; i < rank; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

llmc_status_t callEntry(llmc_model &model, const fb::EntryPoint &entry,
                        const llmc_tensor *inputs, size_t numInputs,
                        llmc_tensor *outputs, size_t numOutputs) {
  const std::string &path = model.path;
  if (model.manifestOnly)
    return error(path + ": opened to read its manifest only; load it to run "
                        "it");
  bool weights = takesWeights(entry);
  size_t declared = entry.inputs() ? entry.inputs()->size() : 0;
  size_t expectedInputs = declared - (weights ? 1 : 0);
  size_t expectedOutputs = entry.outputs() ? entry.outputs()->size() : 0;
  if (numInputs != expectedInputs || numOutputs != expectedOutputs)
    return error(path + ": entry point '" + entry.name()->str() + "' takes " +
                 std::to_string(expectedInputs) + " inputs and returns " +
                 std::to_string(expectedOutputs) + " outputs");

  // Check every input, resolve defaults, and build descriptors.
  std::vector<MemRefDescriptor> descriptors;
  std::vector<std::vector<int64_t>> shapes;
  std::map<std::string, int64_t> symbols;
  if (weights)
    descriptors.emplace_back(model.weights,
                             std::vector<int64_t>{int64_t(model.weightsSize)});
  for (size_t i = 0; i < numInputs; ++i) {
    const fb::Argument *arg = entry.inputs()->Get(i + (weights ? 1 : 0));
    std::string name = arg->name() ? arg->name()->str() : "";
    const llmc_tensor &t = inputs[i];
    auto fail = [&](const std::string &what) {
      return error("input '" + name + "': " + what);
    };
    const void *data = t.data;
    std::vector<int64_t> shape;
    if (!data) {
      // The default weight of an initializer listed as a graph input.
      if (!arg->default_weight() || !model.manifest->tensors())
        return fail("is required");
      const fb::Tensor *found = nullptr;
      for (const fb::Tensor *w : *model.manifest->tensors())
        if (w->name() && w->name()->str() == arg->default_weight()->str())
          found = w;
      if (!found)
        return fail("its default weight is missing");
      data = model.weights + found->offset();
      shape.assign(arg->shape()->begin(), arg->shape()->end());
    } else {
      if (int32_t(t.dtype) != int32_t(arg->dtype()))
        return fail("expected dtype " +
                    std::string(fb::EnumNameDType(arg->dtype())) + ", got " +
                    fb::EnumNameDType(static_cast<fb::DType>(t.dtype)));
      size_t rank = arg->shape() ? arg->shape()->size() : 0;
      if (arg->unused()) {
        // Never read: any shape will do (CastLike only reads the type).
        // The descriptor still has the declared rank the callee unpacks.
        std::vector<int64_t> declared(arg->shape()->begin(),
                                      arg->shape()->end());
        for (int64_t &d : declared)
          d = 0;
        descriptors.emplace_back(t.data, declared);
        continue;
      }
      if (size_t(t.rank) != rank)
        return fail("expected rank " + std::to_string(rank) + ", got shape " +
                    shapeText(t.shape, t.rank));
      for (size_t d = 0; d < rank; ++d) {
        int64_t want = arg->shape()->Get(d);
        if (t.shape[d] < 0 || (want >= 0 && t.shape[d] != want))
          return fail("dimension " + std::to_string(d) + " must be " +
                      std::to_string(want) + ", got shape " +
                      shapeText(t.shape, t.rank));
        const flatbuffers::String *symbol =
            arg->dim_names() && d < arg->dim_names()->size()
                ? arg->dim_names()->Get(d)
                : nullptr;
        if (symbol && symbol->size()) {
          auto [it, inserted] = symbols.emplace(symbol->str(), t.shape[d]);
          if (!inserted && it->second != t.shape[d])
            return fail("dimension '" + symbol->str() + "' is " +
                        std::to_string(t.shape[d]) + " here but " +
                        std::to_string(it->second) + " in an earlier input");
        }
      }
      shape.assign(t.shape, t.shape + t.rank);
    }
    descriptors.emplace_back(data, shape);
  }

  // Results: one descriptor per output, laid out back to back.
  std::vector<size_t> resultOffsets;
  size_t resultWords = 0;
  for (size_t i = 0; i < numOutputs; ++i) {
    resultOffsets.push_back(resultWords);
    resultWords += 3 + 2 * entry.outputs()->Get(i)->shape()->size();
  }
  std::vector<uint64_t> results(std::max<size_t>(resultWords, 1), 0);
  std::vector<void *> args;
  if (numOutputs)
    args.push_back(results.data());
  for (MemRefDescriptor &d : descriptors)
    args.push_back(d.get());
  llmc_packed_fn fn = nullptr;
  for (uint32_t i = 0; i < model.descriptor->num_entry_points; ++i)
    if (entry.name()->str() == model.descriptor->entry_points[i].name)
      fn = model.descriptor->entry_points[i].function;
  if (!fn)
    return error(path + ": the library does not export entry point '" +
                 entry.name()->str() + "'");
  {
    ScopedKernelContext kernels(model.kernels, model.threads);
    std::string failure = invokeEntryPoint(fn, args.data());
    if (!failure.empty())
      return error(path + ": " + failure);
  }

  // Copy each result out compactly (the callee's strides may not be), then
  // free the callee's buffers, each once: results may be views of one
  // buffer, so nothing is freed before everything is copied.
  std::set<void *> allocations;
  for (size_t i = 0; i < numOutputs; ++i) {
    const fb::Argument *arg = entry.outputs()->Get(i);
    size_t rank = arg->shape()->size();
    const uint64_t *w = results.data() + resultOffsets[i];
    llmc_tensor &out = outputs[i];
    out.dtype = static_cast<llmc_dtype>(arg->dtype());
    out.rank = int32_t(rank);
    out.shape =
        static_cast<int64_t *>(std::malloc(sizeof(int64_t) * (rank + 1)));
    size_t count = 1;
    for (size_t d = 0; d < rank; ++d) {
      out.shape[d] = int64_t(w[3 + d]);
      count *= size_t(out.shape[d]);
    }
    size_t size = elementSize(arg->dtype());
    out.data = std::malloc(std::max<size_t>(1, count * size));
    const uint8_t *base =
        reinterpret_cast<const uint8_t *>(w[1]) + int64_t(w[2]) * size;
    // Walk the elements in row-major order through the result's strides.
    std::vector<int64_t> index(rank, 0);
    for (size_t e = 0; e < count; ++e) {
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d)
        offset += index[d] * int64_t(w[3 + rank + d]);
      std::memcpy(static_cast<uint8_t *>(out.data) + e * size,
                  base + offset * int64_t(size), size);
      for (size_t d = rank; d-- > 0;) {
        if (++index[d] < out.shape[d])
          break;
        index[d] = 0;
      }
    }
    allocations.insert(reinterpret_cast<void *>(w[0]));
  }
  for (void *allocated : allocations)
    std::free(allocated);
  return ok();
}

} // namespace llmc::rt

extern "C" {

llmc_status_t llmc_model_call(llmc_model_t *model, const char *entry,
                              const llmc_tensor *inputs, size_t numInputs,
                              llmc_tensor *outputs, size_t numOutputs) {
  const llmc::fb::EntryPoint *e = llmc::rt::findEntry(*model, entry);
  if (!e)
    return llmc::rt::error(model->path + ": no entry point '" +
                           std::string(entry ? entry : "") + "'");
  return llmc::rt::callEntry(*model, *e, inputs, numInputs, outputs,
                             numOutputs);
}

void llmc_tensor_free(llmc_tensor *tensor) {
  std::free(tensor->data);
  std::free(tensor->shape);
  tensor->data = nullptr;
  tensor->shape = nullptr;
}

} // extern "C"
