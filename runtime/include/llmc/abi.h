/*===- abi.h - The descriptor a compiled llmc model exports ----*- C -*-===*\
 *
 * A compiled model is a shared library exporting one symbol,
 * `llmc_model_get` (or `llmc_model_<name>`, `llmc compile --model-symbol`,
 * so that several models link into one program), which returns the
 * descriptor below. The compiler emits it; the runtime checks
 * `abi_version` before reading anything else.
 *
\*===----------------------------------------------------------------------===*/

#ifndef LLMC_ABI_H
#define LLMC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the layout below, the manifest's meaning or the calling
 * convention changes. */
#define LLMC_ABI_VERSION 8u

/* The manifest also lives in a section of its own, behind this header, so
 * that the runtime checks the ABI version and the CPU features an artifact
 * needs (and tools read it) from the file, before any of its code is
 * mapped. The descriptor's `manifest` points just past the header. */
#define LLMC_MANIFEST_SECTION ".llmc_manifest"
#define LLMC_MANIFEST_MAGIC "LLMCMAN1"

typedef struct llmc_manifest_header {
  char magic[8];        /* LLMC_MANIFEST_MAGIC, not NUL-terminated */
  uint32_t abi_version; /* LLMC_ABI_VERSION */
  uint32_t reserved;
  uint64_t size;     /* bytes of the FlatBuffers manifest that follows */
  uint64_t checksum; /* its FNV-1a 64 */
} llmc_manifest_header;

/* A weights side file starts with this header; the blob follows at offset
 * LLMC_WEIGHTS_HEADER_SIZE, so that it is page-aligned when mapped. */
#define LLMC_WEIGHTS_MAGIC "LLMCWTS1"
#define LLMC_WEIGHTS_HEADER_SIZE 4096u

typedef struct llmc_weights_header {
  char magic[8];    /* LLMC_WEIGHTS_MAGIC, not NUL-terminated */
  uint32_t version; /* LLMC_ABI_VERSION */
  uint32_t reserved;
  uint64_t data_size; /* bytes of the blob */
  char model_id[48];  /* the manifest's model_id, NUL-padded */
} llmc_weights_header;

/* An entry point, called with one array of pointers: for MLIR's C
 * interface, args[0] points to the struct of result memref descriptors (when
 * the function has results), then one pointer per input memref descriptor
 * (or to the value of a scalar input), in the manifest's order. */
typedef void (*llmc_packed_fn)(void **args);

typedef struct llmc_entry_point_ref {
  const char *name;
  llmc_packed_fn function;
} llmc_entry_point_ref;

/* Microkernels the compiled code calls: hand-written, per-ISA code in the
 * runtime, reached through a table of function pointers the model exports
 * and the runtime fills at load (so a model links against nothing). Each
 * computes y[0:m, 0:n] += x[0:m, 0:k] W^T, with W packed as weight_layout.h
 * describes; ldx and ldy are row strides in floats. Pointers travel as
 * 64-bit integers, which the x86-64 calling convention passes alike. */
typedef enum llmc_ukernel_id {
  LLMC_UKERNEL_LINEAR_F32 = 0,
  LLMC_UKERNEL_LINEAR_INT8 = 1,
  LLMC_UKERNEL_LINEAR_INT4 = 2,
  LLMC_UKERNEL_ATTENTION_F32 = 3,
  LLMC_UKERNEL_FAIL = 4,
  LLMC_UKERNEL_ALLOC = 5,
  LLMC_UKERNEL_FREE = 6,
  LLMC_UKERNEL_PAGED_ATTENTION = 7,
  /* A CUDA artifact's host code (--target=cuda) calls MLIR's GPU runtime
   * functions, with the signatures of MLIR's CUDA runtime wrappers
   * (mgpuModuleLoad, ...): the runtime implements them over the CUDA
   * driver API. Module handles are CUmodule, streams CUstream, and so on. */
  LLMC_UKERNEL_GPU_MODULE_LOAD = 8,
  LLMC_UKERNEL_GPU_MODULE_UNLOAD = 9,
  LLMC_UKERNEL_GPU_MODULE_GET_FUNCTION = 10,
  LLMC_UKERNEL_GPU_LAUNCH_KERNEL = 11,
  LLMC_UKERNEL_GPU_STREAM_CREATE = 12,
  LLMC_UKERNEL_GPU_STREAM_DESTROY = 13,
  LLMC_UKERNEL_GPU_STREAM_SYNCHRONIZE = 14,
  LLMC_UKERNEL_GPU_STREAM_WAIT_EVENT = 15,
  LLMC_UKERNEL_GPU_EVENT_CREATE = 16,
  LLMC_UKERNEL_GPU_EVENT_DESTROY = 17,
  LLMC_UKERNEL_GPU_EVENT_SYNCHRONIZE = 18,
  LLMC_UKERNEL_GPU_EVENT_RECORD = 19,
  LLMC_UKERNEL_GPU_MEM_ALLOC = 20,
  LLMC_UKERNEL_GPU_MEM_FREE = 21,
  LLMC_UKERNEL_PARALLEL_ROWS = 22,
  LLMC_NUM_UKERNELS = 23
} llmc_ukernel_id;

typedef void (*llmc_linear_f32_fn)(const float *x, int64_t ldx, const float *w,
                                   float *y, int64_t ldy, int64_t m, int64_t n,
                                   int64_t k);
/* scale_bytes: 2 for f16 scales, 4 for f32. */
typedef void (*llmc_linear_int8_fn)(const float *x, int64_t ldx,
                                    const uint8_t *w, const void *scales,
                                    float *y, int64_t ldy, int64_t m, int64_t n,
                                    int64_t k, int64_t scale_bytes);
/* zeros is NULL for symmetric groups. */
typedef void (*llmc_linear_int4_fn)(const float *x, int64_t ldx,
                                    const uint8_t *w, const void *scales,
                                    const uint8_t *zeros, float *y, int64_t ldy,
                                    int64_t m, int64_t n, int64_t k,
                                    int64_t group, int64_t scale_bytes);

/* out[i, h, :] = softmax over the keys query i sees of
 * scale * q[i, h, :] . k[j, h / (heads / kv_heads), :], times v: causal
 * (positions j <= start + i), within `window` positions when window > 0.
 * k and v hold `ldkv` floats per position; q and out ldq / ldo per token. */
typedef void (*llmc_attention_f32_fn)(
    const float *q, int64_t ldq, const float *k, const float *v, int64_t ldkv,
    float *out, int64_t ldo, int64_t tokens, int64_t start, int64_t heads,
    int64_t kv_heads, int64_t head_dim, int64_t window, float scale);

/* How a paged KV pool stores keys and values. */
typedef enum llmc_kv_dtype {
  LLMC_KV_F32 = 0,
  LLMC_KV_F16 = 1,
  /* int8, symmetric, with an f32 scale per position and KV head: the keys'
   * [kv_heads][head_dim][block_size] int8 then [kv_heads][block_size]
   * scales, the values' [block_size][kv_heads][head_dim] int8 then
   * [block_size][kv_heads] scales (head_dim + 4 bytes per position and
   * head in all). */
  LLMC_KV_INT8 = 2
} llmc_kv_dtype;

/* Paged attention for a ragged batch (llm.paged_attention). The pool is
 * [num_blocks][num_layers][2][block_size * kv_heads * head_dim] of
 * `kv_dtype`: at index 0 of the third dimension the keys, transposed per KV
 * head ([kv_heads][head_dim][block_size]), at 1 the values as rows
 * ([block_size][kv_heads][head_dim]). Token t (of
 * `tokens`) is at positions[t] of sequence sequences[t], whose blocks are
 * row sequences[t] of block_tables ([num_sequences][max_blocks], int32):
 * position p lives in block table[p / block_size], slot p % block_size.
 * First every token's key and value are stored into layer `layer` there;
 * then out[t, h, :] = softmax over the sequence's positions j <= positions[t]
 * (and > positions[t] - window when window > 0) of scale * q[t, h, :] .
 * key_j[h / (heads / kv_heads)], times the values. Every sequence index,
 * position and block id is checked first; a bad one fails the call
 * (LLMC_UKERNEL_FAIL). Counts are the buffers' lengths: num_positions and
 * num_sequence_ids must equal `tokens`. */
typedef void (*llmc_paged_attention_fn)(
    const float *q, int64_t ldq, const float *k, int64_t ldk, const float *v,
    int64_t ldv, float *out, int64_t ldo, int64_t tokens,
    const int64_t *positions, int64_t num_positions, const int32_t *sequences,
    int64_t num_sequence_ids, const int32_t *block_tables,
    int64_t num_sequences, int64_t max_blocks, void *pool, int64_t num_blocks,
    int64_t num_layers, int64_t layer, int64_t block_size, int64_t kv_dtype,
    int64_t heads, int64_t kv_heads, int64_t head_dim, int64_t window,
    float scale);

/* Ends the current entry-point call with an error: `message`, with "{0}"
 * and "{1}" replaced by v0 and v1 (llm.assert). Never returns: the runtime
 * unwinds to where it made the call, frees what the call allocated and
 * returns the message as the call's status. */
typedef void (*llmc_fail_fn)(const char *message, int64_t v0, int64_t v1);
/* Every heap buffer of the generated code comes from the runtime (MLIR's
 * generic allocation functions), which refuses sizes it cannot allocate
 * (a failed call, not a crash) and frees what a failed call leaves. */
typedef void *(*llmc_alloc_fn)(uint64_t bytes);
typedef void (*llmc_free_fn)(void *pointer);

/* Runs task(frame, begin, end) over row ranges covering [lo, hi) on the
 * runtime's threads (all of it on the caller when `work`, the call's
 * element count, is small), each row exactly once, and returns when all are
 * done: the generated code's row-split kernels (llmc-outline-kernels). */
typedef void (*llmc_parallel_rows_fn)(void (*task)(void *frame, int64_t begin,
                                                   int64_t end),
                                      void *frame, int64_t lo, int64_t hi,
                                      int64_t work);

/* The GPU runtime functions (LLMC_UKERNEL_GPU_*), as MLIR's gpu-to-llvm
 * lowering calls them; handles are the CUDA driver's, as void *. A failure
 * ends the entry-point call like LLMC_UKERNEL_FAIL. */
typedef void *(*llmc_gpu_module_load_fn)(const void *image, uint64_t bytes);
typedef void (*llmc_gpu_module_unload_fn)(void *module);
typedef void *(*llmc_gpu_module_get_function_fn)(void *module,
                                                 const char *name);
typedef void (*llmc_gpu_launch_kernel_fn)(
    void *function, intptr_t grid_x, intptr_t grid_y, intptr_t grid_z,
    intptr_t block_x, intptr_t block_y, intptr_t block_z, int32_t shared_bytes,
    void *stream, void **params, void **extra, uint64_t num_params);
typedef void *(*llmc_gpu_stream_create_fn)(void);
typedef void (*llmc_gpu_stream_fn)(void *stream);
typedef void (*llmc_gpu_stream_wait_event_fn)(void *stream, void *event);
typedef void *(*llmc_gpu_event_create_fn)(void);
typedef void (*llmc_gpu_event_fn)(void *event);
typedef void (*llmc_gpu_event_record_fn)(void *event, void *stream);
typedef void *(*llmc_gpu_mem_alloc_fn)(uint64_t bytes, void *stream,
                                       uint8_t host_shared);
typedef void (*llmc_gpu_mem_free_fn)(void *pointer, void *stream);

/* A CUDA artifact loads its kernels (one fatbin) when the runtime calls
 * gpu_load, after it has filled the table and made a CUDA context current,
 * and unloads them in gpu_unload. Both are NULL in a CPU artifact. */
typedef void (*llmc_gpu_init_fn)(void);

typedef struct llmc_model_descriptor {
  uint32_t abi_version;
  uint32_t num_entry_points;
  /* FlatBuffers manifest (runtime/schema/manifest.fbs) and its FNV-1a 64. */
  const uint8_t *manifest;
  uint64_t manifest_size;
  uint64_t manifest_checksum;
  /* The embedded weights blob, or NULL when they are in a side file. */
  const uint8_t *weights;
  uint64_t weights_size;
  const llmc_entry_point_ref *entry_points;
  /* LLMC_NUM_UKERNELS writable slots, indexed by llmc_ukernel_id. */
  void **ukernels;
  uint32_t num_ukernels;
  llmc_gpu_init_fn gpu_load;
  llmc_gpu_init_fn gpu_unload;
} llmc_model_descriptor;

typedef const llmc_model_descriptor *(*llmc_model_get_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* LLMC_ABI_H */
