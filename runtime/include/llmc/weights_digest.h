/*===- weights_digest.h - The digest of a weights blob ------------*- C -*-===*\
 *
 * An artifact's model id is this digest of its weights blob as stored
 * (padding included), as 16 lowercase hex digits: it ties a library to its
 * side file, and `llmc inspect --verify` or LLMC_OPEN_VERIFY_WEIGHTS
 * recompute it to catch a corrupted byte. Four lanes of multiply-xorshift
 * over 32-byte stripes: fast enough to check gigabytes, a bijection per
 * word, so any change to one word changes the digest. Not cryptographic.
 *
\*===----------------------------------------------------------------------===*/

#ifndef LLMC_WEIGHTS_DIGEST_H
#define LLMC_WEIGHTS_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct llmc_digest {
  uint64_t lanes[4];
  uint64_t length;
  unsigned char pending[32];
  uint32_t pending_size;
} llmc_digest;

static inline void llmc_digest_init(llmc_digest *d) {
  d->lanes[0] = 0x9e3779b97f4a7c15ull;
  d->lanes[1] = 0xbf58476d1ce4e5b9ull;
  d->lanes[2] = 0x94d049bb133111ebull;
  d->lanes[3] = 0xcbf29ce484222325ull;
  d->length = 0;
  d->pending_size = 0;
}

static inline uint64_t llmc_digest_mix(uint64_t lane, uint64_t word) {
  lane = (lane ^ word) * 0x9fb21c651e98df25ull;
  return lane ^ (lane >> 29);
}

static inline void llmc_digest_stripe(llmc_digest *d,
                                      const unsigned char *stripe) {
  for (int i = 0; i < 4; ++i) {
    uint64_t word;
    memcpy(&word, stripe + 8 * i, 8);
    d->lanes[i] = llmc_digest_mix(d->lanes[i], word);
  }
}

static inline void llmc_digest_update(llmc_digest *d, const void *data,
                                      size_t size) {
  const unsigned char *bytes = (const unsigned char *)data;
  d->length += size;
  if (d->pending_size) {
    size_t take = 32 - d->pending_size;
    if (take > size)
      take = size;
    memcpy(d->pending + d->pending_size, bytes, take);
    d->pending_size += (uint32_t)take;
    bytes += take;
    size -= take;
    if (d->pending_size < 32)
      return;
    llmc_digest_stripe(d, d->pending);
    d->pending_size = 0;
  }
  for (; size >= 32; bytes += 32, size -= 32)
    llmc_digest_stripe(d, bytes);
  memcpy(d->pending, bytes, size);
  d->pending_size = (uint32_t)size;
}

static inline uint64_t llmc_digest_final(const llmc_digest *d) {
  llmc_digest last = *d;
  unsigned char tail[32] = {0};
  memcpy(tail, last.pending, last.pending_size);
  llmc_digest_stripe(&last, tail);
  uint64_t h = last.length * 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < 4; ++i)
    h = llmc_digest_mix(h, last.lanes[i]);
  return h;
}

/* The 16 hex digits (and a NUL) of `digest` into `out`. */
static inline void llmc_digest_hex(uint64_t digest, char out[17]) {
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, digest >>= 4)
    out[i] = hex[digest & 15];
  out[16] = '\0';
}

#endif /* LLMC_WEIGHTS_DIGEST_H */
