//===- Kernels.h - CPU microkernels for linear layers ----------*- C++ -*-===//
//
// One set of kernels per instruction set (scalar, AVX2, AVX-512 with VNNI),
// each computing a range of output panels; Linear.cpp quantizes activations,
// splits panels across the thread pool and calls the set the CPU and the
// model's target allow. docs/kernels.md has the design.
//
//===----------------------------------------------------------------------===//

#ifndef LLMC_RUNTIME_KERNELS_KERNELS_H
#define LLMC_RUNTIME_KERNELS_KERNELS_H

#include "llmc/abi.h"
#include "llmc/weight_layout.h"

#include <cstdint>
#include <string>

namespace llmc::rt {

/// The instruction-set levels the runtime has kernels for; the CPU picks
/// one at load, whatever the artifact's code was compiled for.
enum llmc_isa {
  LLMC_ISA_X86_64 = 0,
  LLMC_ISA_AVX2 = 1,  /* AVX2, FMA, F16C */
  LLMC_ISA_AVX512 = 2 /* F, BW, VL, DQ and VNNI */
};

/// y += x W^T for f32 panels [p0, p1) of LLMC_F32_PANEL rows each.
struct LinearF32Args {
  const float *x;
  int64_t ldx;
  const float *w;
  float *y;
  int64_t ldy, m, n, k;
  /// Distinct for every call: a kernel that prepares per-thread state (the
  /// AVX-512 one packs the activations) reuses it across the panel ranges
  /// of one call.
  uint64_t call = 0;
};

/// Activations quantized per row in blocks of LLMC_ACT_BLOCK: `xq` holds
/// `blocks` * LLMC_ACT_BLOCK bytes per row (zero past k), `xScale` and `xSum`
/// one entry per block (scale, and the sum of the block's int8 values).
struct QuantizedRows {
  const int8_t *xq;
  const float *xScale;
  const int32_t *xSum;
  int64_t blocks;
};

/// y += x W^T for quantized panels [p0, p1) of LLMC_Q_PANEL rows each.
struct LinearQArgs {
  QuantizedRows x;
  /// Per row and weight group (one group for int8): the sum over the
  /// group's blocks of xSum * xScale, for applying zero points.
  const float *xGroupSum;
  const uint8_t *w;
  const void *scales;
  const uint8_t *zeros; // int4 with zero points only
  float *y;
  int64_t ldy, m, n, k;
  int64_t group; // int4 only
  int64_t scaleBytes;
};

/// Attention of `tokens` new queries over a cache layer (see abi.h).
struct AttentionArgs {
  const float *q;
  int64_t ldq;
  const float *k, *v;
  int64_t ldkv;
  float *out;
  int64_t ldo, tokens, start, heads, kvHeads, headDim, window;
  float scale;
};

/// Paged attention of a ragged batch (abi.h's llmc_paged_attention_fn),
/// its indices already checked.
struct PagedAttentionArgs {
  const float *q;
  int64_t ldq;
  float *out;
  int64_t ldo;
  const int64_t *positions;
  const int32_t *sequences;
  const int32_t *blockTables;
  int64_t maxBlocks;
  const void *pool;
  int64_t numLayers, layer, blockSize, kvType;
  int64_t heads, kvHeads, headDim, window;
  float scale;
  /// The tasks, each a range of one token's positions for one KV head.
  const struct PagedAttentionTask *tasks;
  /// Where a task with `partial` >= 0 leaves, per query head of its group,
  /// its maximum score, its sum of exponentials and its unnormalized
  /// weighted values (head_dim + 2 floats each).
  float *partials;
};

/// Positions [first, last] of `token` for KV head `kv`: the whole context
/// it sees (partial -1: the output is written), or one of the slices a long
/// context is split into (partial >= 0: combined afterwards). A task with
/// `tokens` > 1 is a tile of a prefill: tokens token + i of one sequence at
/// consecutive positions, each seeing [first, last + i] (partial -1), whose
/// keys and values are read once for the whole tile.
struct PagedAttentionTask {
  int64_t token, kv, first, last, partial, tokens;
};

/// The most consecutive tokens of one sequence a task attends together:
/// 4 x a group of 3 query heads reuse each block 12 times while it is in
/// L1, against 3 times for one token, so a prefill reads its keys and
/// values from L2/L3 a quarter as often (docs/kernels.md: a few percent;
/// what remains is multiply-adds).
constexpr int64_t kAttentionTile = 4;

/// Contexts longer than this are split into slices of it, so that one long
/// sequence keeps every core busy. A fixed length, so that how a token's
/// attention is summed depends on its position only.
constexpr int64_t kAttentionSlice = 512;

struct KernelSet {
  const char *name;
  llmc_isa isa;
  void (*linearF32)(const LinearF32Args &, int64_t p0, int64_t p1);
  void (*linearInt8)(const LinearQArgs &, int64_t p0, int64_t p1);
  void (*linearInt4)(const LinearQArgs &, int64_t p0, int64_t p1);
  /// Tasks [begin, end) of token-major (token, kv head) pairs.
  void (*attention)(const AttentionArgs &, int64_t begin, int64_t end);
  /// PagedAttentionArgs::tasks [begin, end).
  void (*pagedAttention)(const PagedAttentionArgs &, int64_t begin,
                         int64_t end);
  /// Quantizes the k floats of `x` into `blocks` blocks (see QuantizedRows).
  void (*quantizeRow)(const float *x, int64_t k, int8_t *xq, float *scale,
                      int32_t *sum);
};

/// The portable activation quantizer (the AVX-512 one computes the same).
void quantizeRowScalar(const float *x, int64_t k, int8_t *xq, float *scale,
                       int32_t *sum);

const KernelSet &scalarKernels();
const KernelSet &avx2Kernels();
const KernelSet &avx512Kernels();

/// The best kernel level this CPU supports (see CpuFeatures.h).
llmc_isa hostIsa();

/// The best kernels for this CPU.
const KernelSet &hostKernels();

/// The kernels a model uses: this CPU's best, or the set LLMC_KERNELS
/// (scalar, avx2 or avx512) names. Null, with `problem` set, for an
/// unknown name or a set this CPU cannot run.
const KernelSet *selectKernels(std::string &problem);

/// Fills a model's ukernel table with the entry points below, which run
/// the kernels and thread count of currentKernelContext().
void bindUkernels(void **table);

/// The kernel set and thread count entry points called from this thread
/// use; set around each call into a model.
struct KernelContext {
  const KernelSet *kernels = nullptr;
  int threads = 1;
};
KernelContext &currentKernelContext();

/// Sets the current context for the lifetime of the object.
class ScopedKernelContext {
public:
  ScopedKernelContext(const KernelSet *kernels, int threads)
      : saved(currentKernelContext()) {
    currentKernelContext() = {kernels, threads};
  }
  ~ScopedKernelContext() { currentKernelContext() = saved; }

private:
  KernelContext saved;
};

/// The C entry points the table holds (exposed for tests and benchmarks).
extern "C" {
void llmc_rt_linear_f32(const float *x, int64_t ldx, const float *w, float *y,
                        int64_t ldy, int64_t m, int64_t n, int64_t k);
void llmc_rt_linear_int8(const float *x, int64_t ldx, const uint8_t *w,
                         const void *scales, float *y, int64_t ldy, int64_t m,
                         int64_t n, int64_t k, int64_t scaleBytes);
void llmc_rt_attention_f32(const float *q, int64_t ldq, const float *k,
                           const float *v, int64_t ldkv, float *out,
                           int64_t ldo, int64_t tokens, int64_t start,
                           int64_t heads, int64_t kvHeads, int64_t headDim,
                           int64_t window, float scale);
void llmc_rt_paged_attention(
    const float *q, int64_t ldq, const float *k, int64_t ldk, const float *v,
    int64_t ldv, float *out, int64_t ldo, int64_t tokens,
    const int64_t *positions, int64_t numPositions, const int32_t *sequences,
    int64_t numSequenceIds, const int32_t *blockTables, int64_t numSequences,
    int64_t maxBlocks, void *pool, int64_t numBlocks, int64_t numLayers,
    int64_t layer, int64_t blockSize, int64_t kvType, int64_t heads,
    int64_t kvHeads, int64_t headDim, int64_t window, float scale);
void llmc_rt_linear_int4(const float *x, int64_t ldx, const uint8_t *w,
                         const void *scales, const uint8_t *zeros, float *y,
                         int64_t ldy, int64_t m, int64_t n, int64_t k,
                         int64_t group, int64_t scaleBytes);
void llmc_rt_parallel_rows(void (*task)(void *frame, int64_t begin,
                                        int64_t end),
                           void *frame, int64_t lo, int64_t hi, int64_t work);
}

inline float loadScale(const void *scales, int64_t i, int64_t scaleBytes) {
  if (scaleBytes == 2)
    return llmc_half_to_float(static_cast<const uint16_t *>(scales)[i]);
  return static_cast<const float *>(scales)[i];
}

} // namespace llmc::rt

#endif // LLMC_RUNTIME_KERNELS_KERNELS_H
