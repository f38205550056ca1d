//===- InspectCommand.cpp - llmc inspect ----------------------------------===//

#include "tools/llmc/Commands.h"
#include "tools/llmc/Options.h"
#include "tools/llmc/RuntimeHandles.h"

#include "llmc/abi.h"
#include "runtime/schema/manifest_generated.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace llmc::cli {

static StringRef str(const flatbuffers::String *s) {
  return s ? StringRef(s->c_str(), s->size()) : StringRef();
}

static std::string shapeText(const flatbuffers::Vector<int64_t> *shape) {
  std::string text = "[";
  if (shape)
    for (unsigned i = 0; i < shape->size(); ++i)
      text +=
          (i ? ", " : "") + (shape->Get(i) < 0 ? std::string("?")
                                               : std::to_string(shape->Get(i)));
  return text + "]";
}

/// Writes the manifest as the JSON object CLI.md specifies.
static void writeJson(json::OStream &out, const fb::Manifest &m,
                      const llmc_model_t *model) {
  auto shape = [&](const flatbuffers::Vector<int64_t> *dims) {
    out.attributeArray("shape", [&] {
      if (dims)
        for (int64_t d : *dims)
          out.value(d);
    });
  };
  out.object([&] {
    out.attribute("abi_version", int64_t(LLMC_ABI_VERSION));
    out.attribute("model_id", str(m.model_id()));
    out.attributeObject("target", [&] {
      out.attribute("name", str(m.target()));
      out.attribute("cpu", str(m.target_cpu()));
      out.attributeArray("features", [&] {
        if (m.target_features())
          for (const flatbuffers::String *f : *m.target_features())
            out.value(str(f));
      });
      // A CUDA artifact's kernel images.
      if (m.gpu_images() && m.gpu_images()->size())
        out.attributeArray("gpu_images", [&] {
          for (const fb::GPUImage *image : *m.gpu_images())
            out.object([&] {
              out.attribute("arch", str(image->arch()));
              out.attribute("cubin", image->cubin());
            });
        });
      StringRef problem = llmc_model_cpu_check(model);
      out.attribute("runs_here", problem.empty());
      if (!problem.empty())
        out.attribute("cpu_problem", problem);
    });
    out.attributeObject("architecture", [&] {
      if (const fb::Architecture *a = m.architecture()) {
        out.attribute("name", str(a->name()));
        out.attribute("vocab_size", a->vocab_size());
        out.attribute("hidden_size", a->hidden_size());
        out.attribute("intermediate_size", a->intermediate_size());
        out.attribute("num_layers", a->num_layers());
        out.attribute("num_heads", a->num_heads());
        out.attribute("num_kv_heads", a->num_kv_heads());
        out.attribute("head_dim", a->head_dim());
        out.attribute("max_position_embeddings", a->max_position_embeddings());
        out.attribute("rope_theta", a->rope_theta());
        out.attribute("rms_norm_eps", a->rms_norm_eps());
        out.attribute("tie_word_embeddings", a->tie_word_embeddings());
        if (a->sliding_window())
          out.attribute("sliding_window", a->sliding_window());
      }
    });
    out.attribute("context_length", m.context_length());
    out.attributeArray("entry_points", [&] {
      if (!m.entry_points())
        return;
      for (const fb::EntryPoint *e : *m.entry_points()) {
        auto arguments =
            [&](const char *key,
                const flatbuffers::Vector<flatbuffers::Offset<fb::Argument>>
                    *args) {
              out.attributeArray(key, [&] {
                if (!args)
                  return;
                for (const fb::Argument *arg : *args)
                  out.object([&] {
                    out.attribute("name", str(arg->name()));
                    out.attribute("dtype", fb::EnumNameDType(arg->dtype()));
                    shape(arg->shape());
                  });
              });
            };
        out.object([&] {
          out.attribute("name", str(e->name()));
          arguments("inputs", e->inputs());
          arguments("outputs", e->outputs());
        });
      }
    });
    out.attributeArray("tensors", [&] {
      if (!m.tensors())
        return;
      for (const fb::Tensor *t : *m.tensors())
        out.object([&] {
          out.attribute("name", str(t->name()));
          out.attribute("dtype", fb::EnumNameDType(t->dtype()));
          shape(t->shape());
          if (t->quantization() && t->quantization()->size())
            out.attribute("quantization", str(t->quantization()));
          else
            out.attribute("quantization", nullptr);
          out.attribute("offset", int64_t(t->offset()));
          out.attribute("bytes", int64_t(t->bytes()));
          out.attribute("role", str(t->role()));
          out.attribute("packed", t->packed());
        });
    });
    if (str(m.weights_file()).empty())
      out.attribute("weights", "embedded");
    else
      out.attribute("weights", str(m.weights_file()));
    out.attribute("weights_bytes", int64_t(m.weights_size()));
    if (inspectVerify)
      out.attribute("weights_verified", true);
    out.attribute("weight_bytes_per_token",
                  int64_t(llmc_model_weight_bytes_per_token(model)));
    out.attribute("kernels", llmc_model_kernels(model));
    if (const fb::Tokenizer *t = m.tokenizer())
      out.attributeObject("tokenizer", [&] {
        out.attribute("type", str(t->type()));
        out.attribute("vocab_size", t->vocab_size());
      });
    else
      out.attribute("tokenizer", nullptr);
    out.attributeObject("generation", [&] {
      const fb::Generation *g = m.generation();
      if (!g)
        return;
      if (g->bos_id() >= 0)
        out.attribute("bos_id", g->bos_id());
      else
        out.attribute("bos_id", nullptr);
      out.attribute("add_bos", g->add_bos());
      out.attributeArray("stop_ids", [&] {
        if (g->stop_ids())
          for (int64_t id : *g->stop_ids())
            out.value(id);
      });
      out.attribute("do_sample", g->do_sample());
      out.attribute("temperature", double(g->temperature()));
      out.attribute("top_k", int64_t(g->top_k()));
      out.attribute("top_p", double(g->top_p()));
    });
  });
}

Error runInspect() {
  // The manifest only: inspecting runs none of the artifact's code.
  auto model = loadModel(inspectModel,
                         LLMC_OPEN_MANIFEST_ONLY |
                             (inspectVerify ? LLMC_OPEN_VERIFY_WEIGHTS : 0));
  if (!model)
    return model.takeError();
  size_t size;
  const fb::Manifest &m =
      *fb::GetManifest(llmc_model_manifest(model->get(), &size));
  if (inspectJson) {
    json::OStream out(outs(), 2);
    writeJson(out, m, model->get());
    outs() << "\n";
    return Error::success();
  }

  raw_ostream &os = outs();
  os << inspectModel << ": llmc model, ABI version " << LLMC_ABI_VERSION
     << ", id " << str(m.model_id()) << "\n";
  os << "  target: " << str(m.target()) << " (cpu " << str(m.target_cpu())
     << ")\n  features:";
  if (m.target_features())
    for (const flatbuffers::String *f : *m.target_features())
      os << " " << str(f);
  StringRef problem = llmc_model_cpu_check(model->get());
  if (m.gpu_images())
    for (const fb::GPUImage *image : *m.gpu_images())
      os << "\n  GPU kernels: " << str(image->arch())
         << (image->cubin() ? " cubin" : " PTX");
  os << "\n  this CPU: "
     << (problem.empty() ? StringRef("can run it") : problem) << "\n";
  if (const fb::Architecture *a = m.architecture())
    os << "  architecture: " << str(a->name()) << ", " << a->num_layers()
       << " layers, hidden " << a->hidden_size() << ", " << a->num_heads()
       << " heads / " << a->num_kv_heads() << " kv heads x " << a->head_dim()
       << ", vocab " << a->vocab_size() << "\n";
  os << "  context length: " << m.context_length() << "\n";
  if (m.entry_points())
    for (const fb::EntryPoint *e : *m.entry_points()) {
      os << "  entry point " << str(e->name()) << "(";
      if (e->inputs())
        for (unsigned i = 0; i < e->inputs()->size(); ++i) {
          const fb::Argument *arg = e->inputs()->Get(i);
          os << (i ? ", " : "") << str(arg->name()) << ": "
             << fb::EnumNameDType(arg->dtype()) << shapeText(arg->shape());
        }
      os << ") -> (";
      if (e->outputs())
        for (unsigned i = 0; i < e->outputs()->size(); ++i) {
          const fb::Argument *arg = e->outputs()->Get(i);
          os << (i ? ", " : "") << str(arg->name()) << ": "
             << fb::EnumNameDType(arg->dtype()) << shapeText(arg->shape());
        }
      os << ")\n";
    }
  os << "  weights: "
     << (str(m.weights_file()).empty() ? StringRef("embedded")
                                       : str(m.weights_file()))
     << ", " << m.weights_size() << " bytes in "
     << (m.tensors() ? m.tensors()->size() : 0) << " tensors"
     << (inspectVerify ? "; digest verified" : "") << "\n";
  if (m.tensors())
    for (const fb::Tensor *t : *m.tensors()) {
      os << "    " << str(t->name()) << ": " << fb::EnumNameDType(t->dtype())
         << shapeText(t->shape());
      if (t->quantization() && t->quantization()->size())
        os << " " << str(t->quantization());
      if (t->packed())
        os << " packed";
      os << ", " << t->bytes() << " bytes\n";
    }
  os << "  weight bytes per decode step: "
     << llmc_model_weight_bytes_per_token(model->get()) << "\n";
  os << "  kernels: " << llmc_model_kernels(model->get()) << "\n";
  if (const fb::Generation *g = m.generation()) {
    os << "  generation: bos " << g->bos_id() << ", stop ids [";
    if (g->stop_ids())
      for (unsigned i = 0; i < g->stop_ids()->size(); ++i)
        os << (i ? ", " : "") << g->stop_ids()->Get(i);
    os << "], " << (g->do_sample() ? "sampling" : "greedy") << "\n";
  }
  return Error::success();
}

} // namespace llmc::cli
