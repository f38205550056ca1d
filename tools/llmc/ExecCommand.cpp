//===- ExecCommand.cpp - llmc exec ----------------------------------------===//

#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"
#include "tools/llmc/RuntimeHandles.h"
#include "tools/llmc/TensorFiles.h"

#include "runtime/schema/manifest_generated.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace llvm;

namespace llmc::cli {

static Error usage(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message.str());
}

/// Characters outside [A-Za-z0-9._-] become '_' in output file names.
static std::string fileNameFor(StringRef name) {
  std::string out = name.str();
  for (char &c : out)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      c = '_';
  return out;
}

Error runExec() {
  auto model = loadModel(execModel);
  if (!model)
    return model.takeError();
  size_t size;
  const fb::Manifest *manifest =
      fb::GetManifest(llmc_model_manifest(model->get(), &size));
  if (!manifest->entry_points() || manifest->entry_points()->size() == 0)
    return usage(execModel + ": the model has no entry point");
  const fb::EntryPoint *entry = manifest->entry_points()->Get(0);
  for (const fb::EntryPoint *e : *manifest->entry_points())
    if (e->name() && e->name()->str() == execEntry)
      entry = e;

  // Inputs by name; the weights blob is passed implicitly.
  std::map<std::string, HostArray> given;
  for (const std::string &spec : execInputs) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage("--input: expected NAME=FILE, got '" + spec + "'");
    auto array = readTensorFile(spec.substr(eq + 1));
    if (!array)
      return array.takeError();
    if (!given.emplace(spec.substr(0, eq), std::move(*array)).second)
      return usage("--input: '" + spec.substr(0, eq) + "' given twice");
  }
  std::vector<llmc_tensor> inputs;
  std::vector<HostArray> used; // keeps the inputs' bytes alive
  used.reserve(given.size());
  bool skipWeights = entry->inputs() && entry->inputs()->size() &&
                     entry->inputs()->Get(0)->name()->str() == "weights" &&
                     entry->inputs()->Get(0)->dtype() == fb::DType::i8;
  size_t first = skipWeights ? 1 : 0;
  size_t numInputs = entry->inputs() ? entry->inputs()->size() : 0;
  for (size_t i = first; i < numInputs; ++i) {
    std::string name = entry->inputs()->Get(i)->name()->str();
    auto it = given.find(name);
    llmc_tensor t{};
    if (it != given.end()) {
      used.push_back(std::move(it->second));
      given.erase(it);
      HostArray &a = used.back();
      if (a.bytes.empty())
        a.bytes.resize(1); // data must not be NULL (NULL means "default")
      t.dtype = a.dtype;
      t.rank = int32_t(a.shape.size());
      t.shape = a.shape.data();
      t.data = a.bytes.data();
    } else if (!entry->inputs()->Get(i)->default_weight()) {
      return usage("missing --input " + name);
    }
    inputs.push_back(t);
  }
  if (!given.empty())
    return usage("--input: the model has no input '" + given.begin()->first +
                 "'");

  size_t numOutputs = entry->outputs() ? entry->outputs()->size() : 0;
  std::vector<llmc_tensor> outputs(numOutputs);
  if (Error err = toError(llmc_model_call(model->get(), entry->name()->c_str(),
                                          inputs.data(), inputs.size(),
                                          outputs.data(), outputs.size())))
    return err;
  if (std::error_code ec = sys::fs::create_directories(execOutputDir))
    return usage(execOutputDir + ": cannot create: " + ec.message());
  Error result = Error::success();
  for (size_t i = 0; i < numOutputs; ++i) {
    SmallString<256> path(execOutputDir);
    sys::path::append(
        path, fileNameFor(entry->outputs()->Get(i)->name()->str()) + ".npy");
    if (!result)
      if (Error err = writeNpy(path, outputs[i]))
        result = std::move(err);
    llmc_tensor_free(&outputs[i]);
  }
  return result;
}

} // namespace llmc::cli
