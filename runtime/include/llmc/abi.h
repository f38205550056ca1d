/*===- abi.h - The descriptor a compiled llmc model exports ----*- C -*-===*\
 *
 * A compiled model is a shared library exporting one symbol,
 * `llmc_model_get`, which returns the descriptor below. The compiler emits
 * it; the runtime checks `abi_version` before reading anything else.
 *
\*===----------------------------------------------------------------------===*/

#ifndef LLMC_ABI_H
#define LLMC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the layout below or the calling convention changes. */
#define LLMC_ABI_VERSION 1u

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
} llmc_model_descriptor;

typedef const llmc_model_descriptor *(*llmc_model_get_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* LLMC_ABI_H */
