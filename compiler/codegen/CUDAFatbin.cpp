//===- CUDAFatbin.cpp - A CUDA artifact's kernels as one fatbin -----------===//
//
// MLIR's gpu-module-to-binary makes one object per target. The driver loads
// a fatbin and picks from it what suits the GPU it runs on: a cubin of the
// GPU's architecture, or else PTX of an older one, which it compiles. The
// toolkit's ptxas and fatbinary build it.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/CUDAFatbin.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;

namespace llmc {

Expected<std::string> findCUDAToolkit() {
  const char *home = std::getenv("CUDA_HOME");
  std::string root = home && *home ? home : "/usr/local/cuda";
  for (const char *tool : {"ptxas", "fatbinary"}) {
    SmallString<128> path(root);
    sys::path::append(path, "bin", tool);
    if (!sys::fs::can_execute(path))
      return createStringError(
          inconvertibleErrorCode(),
          "--target=cuda needs the CUDA toolkit: no executable " + path +
              " (install the toolkit or set CUDA_HOME)");
  }
  return root;
}

namespace {

/// Scratch files, removed when it goes out of scope.
struct ScratchFiles {
  std::vector<std::string> paths;
  ~ScratchFiles() {
    for (const std::string &path : paths)
      sys::fs::remove(path);
  }
  Expected<std::string> create(StringRef suffix) {
    SmallString<128> path;
    if (std::error_code ec =
            sys::fs::createTemporaryFile("llmc-cuda", suffix, path))
      return createStringError(ec, "cannot create a temporary file: " +
                                       ec.message());
    paths.push_back(path.str().str());
    return paths.back();
  }
};

/// Runs `tool` of the toolkit; its first line of diagnostics on failure.
Error runTool(StringRef toolkit, StringRef tool, ArrayRef<std::string> args,
              ScratchFiles &scratch) {
  SmallString<128> program(toolkit);
  sys::path::append(program, "bin", tool);
  auto log = scratch.create("log");
  if (!log)
    return log.takeError();
  std::vector<StringRef> argv{program};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(*log),
                                          StringRef(*log)};
  std::string message;
  int rc =
      sys::ExecuteAndWait(program, argv, /*Env=*/std::nullopt, redirects,
                          /*SecondsToWait=*/0, /*MemoryLimit=*/0, &message);
  if (rc == 0)
    return Error::success();
  if (auto text = MemoryBuffer::getFile(*log))
    for (StringRef line : llvm::split((*text)->getBuffer(), '\n'))
      if (!line.trim().empty()) {
        message = line.trim().str();
        break;
      }
  return createStringError(inconvertibleErrorCode(),
                           tool + " failed: " + message);
}

Error writeFile(StringRef path, StringRef bytes) {
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return createStringError(ec, path + ": " + ec.message());
  os << bytes;
  return Error::success();
}

} // namespace

Error assembleFatbins(mlir::ModuleOp module, ArrayRef<GPUImage> images,
                      StringRef toolkit) {
  SmallVector<mlir::gpu::BinaryOp> binaries(
      module.getOps<mlir::gpu::BinaryOp>());
  for (mlir::gpu::BinaryOp binary : binaries) {
    ScratchFiles scratch;
    // The PTX of each architecture.
    StringMap<std::string> ptxFiles;
    for (mlir::Attribute attr : binary.getObjectsAttr()) {
      auto object = cast<mlir::gpu::ObjectAttr>(attr);
      auto target = dyn_cast<mlir::NVVM::NVVMTargetAttr>(object.getTarget());
      if (!target ||
          object.getFormat() != mlir::gpu::CompilationTarget::Assembly)
        return createStringError(inconvertibleErrorCode(),
                                 "GPU binary @" + binary.getName() +
                                     ": expected NVVM PTX objects");
      auto path = scratch.create("ptx");
      if (!path)
        return path.takeError();
      if (Error err = writeFile(*path, object.getObject().getValue()))
        return err;
      ptxFiles[target.getChip()] = *path;
    }

    std::vector<std::string> fatbinArgs;
    // Each architecture's PTX assembled once, whether its cubin is kept or
    // the assembly only checks the PTX.
    StringMap<std::string> cubins;
    for (const GPUImage &image : images) {
      auto ptx = ptxFiles.find(image.arch);
      if (ptx == ptxFiles.end())
        return createStringError(inconvertibleErrorCode(),
                                 "GPU binary @" + binary.getName() +
                                     ": no PTX for " + image.arch);
      auto [cubin, assemble] = cubins.try_emplace(image.arch);
      if (assemble) {
        auto path = scratch.create("cubin");
        if (!path)
          return path.takeError();
        cubin->second = *path;
        if (Error err = runTool(toolkit, "ptxas",
                                {"-arch=" + image.arch, "-O3", ptx->second,
                                 "-o", cubin->second},
                                scratch))
          return createStringError(inconvertibleErrorCode(),
                                   "GPU kernels for " + image.arch + ": " +
                                       toString(std::move(err)));
      }
      StringRef number = StringRef(image.arch).drop_front(3);
      fatbinArgs.push_back(
          ("--image3=kind=" + Twine(image.cubin ? "elf" : "ptx") + ",sm=" +
           number + ",file=" + (image.cubin ? cubin->second : ptx->second))
              .str());
    }
    auto fatbin = scratch.create("fatbin");
    if (!fatbin)
      return fatbin.takeError();
    fatbinArgs.insert(fatbinArgs.begin(), {"--create=" + *fatbin, "-64"});
    if (Error err = runTool(toolkit, "fatbinary", fatbinArgs, scratch))
      return err;
    auto bytes = MemoryBuffer::getFile(*fatbin, /*IsText=*/false,
                                       /*RequiresNullTerminator=*/false);
    if (!bytes)
      return createStringError(bytes.getError(),
                               *fatbin + ": " + bytes.getError().message());

    // One object: the driver chooses within the fatbin.
    mlir::MLIRContext *context = module.getContext();
    mlir::Attribute firstTarget =
        cast<mlir::gpu::ObjectAttr>(binary.getObjectsAttr()[0]).getTarget();
    auto object = mlir::gpu::ObjectAttr::get(
        context, firstTarget, mlir::gpu::CompilationTarget::Fatbin,
        mlir::StringAttr::get(context, (*bytes)->getBuffer()),
        /*properties=*/nullptr, /*kernels=*/nullptr);
    binary.setObjectsAttr(mlir::ArrayAttr::get(context, {object}));
  }
  return Error::success();
}

} // namespace llmc
