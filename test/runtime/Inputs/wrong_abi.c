/* A library that looks like an llmc model but speaks another ABI version:
 * ABI (default 99) in its manifest section and descriptor. With
 * -DNO_MANIFEST_SECTION it has no manifest section, as artifacts of ABI
 * version 2 and older had none. */
#include <stddef.h>
#include <stdint.h>

#ifndef ABI
#define ABI 99
#endif

#ifndef NO_MANIFEST_SECTION
__attribute__((section(".llmc_manifest"), used)) static const struct {
  char magic[8];
  uint32_t abi_version, reserved;
  uint64_t size, checksum;
} header = {{'L', 'L', 'M', 'C', 'M', 'A', 'N', '1'}, ABI, 0, 0, 0};
#endif

struct descriptor {
  uint32_t abi_version;
  uint32_t num_entry_points;
  const void *rest[6];
};

static const struct descriptor d = {ABI, 0, {NULL}};

#ifndef SYMBOL
#define SYMBOL llmc_model_get
#endif
const struct descriptor *SYMBOL(void) { return &d; }
