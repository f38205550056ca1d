//===- TensorFiles.h - .npy and ONNX TensorProto files for llmc exec -*- C++
//-*-===//

#ifndef LLMC_TOOLS_LLMC_TENSORFILES_H
#define LLMC_TOOLS_LLMC_TENSORFILES_H

#include "llmc/llmc.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::cli {

/// A tensor read from a file, owning its bytes.
struct HostArray {
  llmc_dtype dtype = LLMC_F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// Reads a .npy file (version 1-3, C order, little-endian or single-byte
/// dtypes) or an ONNX TensorProto .pb file.
llvm::Expected<HostArray> readTensorFile(llvm::StringRef path);

/// Writes `tensor` as a version 1.0 .npy file.
llvm::Error writeNpy(llvm::StringRef path, const llmc_tensor &tensor);

} // namespace llmc::cli

#endif // LLMC_TOOLS_LLMC_TENSORFILES_H
