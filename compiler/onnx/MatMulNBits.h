//===- MatMulNBits.h - com.microsoft::MatMulNBits weights -------*- C++ -*-===//
//
// onnxruntime's quantizers (and onnxruntime-genai's builder) write 4-bit
// linear layers as MatMulNBits(A, B, scales[, zero_points[, g_idx[, bias]]])
// with attributes K, N, bits and block_size. This reads one node's weight
// and checks it against the attributes, so that lifting can serve it to the
// kernels as it is (compiler/quant/NBitsWeights.h) and the generic importer
// can dequantize it.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_COMPILER_ONNX_MATMULNBITS_H
#define LLMC_COMPILER_ONNX_MATMULNBITS_H

#include "compiler/quant/NBitsWeights.h"

#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace llmc {

class OnnxModel;

/// A MatMulNBits node's weight: its shape and the initializers holding it.
struct MatMulNBitsWeight {
  NBitsShape shape;
  std::string codes, scales, zeroPoints; // zeroPoints: empty when absent
  std::string bias;                      // empty when absent
  int32_t scaleType = 0;                 // FLOAT or FLOAT16
};

/// Whether `node` is a com.microsoft::MatMulNBits.
bool isMatMulNBits(const onnx::NodeProto &node);

/// The weight of the MatMulNBits `node`, or what is wrong with it (without
/// the node's name, which callers add): bits other than 4, a block size the
/// int4 layout lacks (32, 64 and 128 only), g_idx, float zero points, or
/// initializers whose shapes or types disagree with K, N and block_size.
llvm::Expected<MatMulNBitsWeight> readMatMulNBits(const OnnxModel &model,
                                                  const onnx::NodeProto &node);

/// The name under which the model serves the weight whose codes are the
/// initializer `codes`, already in the int4 layout (WeightSource::
/// servesPacked).
std::string getNBitsWeightName(llvm::StringRef codes);

} // namespace llmc

#endif // LLMC_COMPILER_ONNX_MATMULNBITS_H
