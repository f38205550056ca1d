/*===- weight_layout.h - How linear weights are laid out for the kernels -*- C
-*-===*\
 *
 * The compiler packs every linear layer's weight matrix W (N output rows by
 * K inputs, y = x W^T) into one of the layouts below when it writes the
 * artifact; the runtime's kernels read them. Both sides include this header,
 * so the index math exists once. docs/kernels.md explains the choices.
 *
 * f32 panels:  [ceil(N/32)][K][32] floats. Panel p holds rows 32p..32p+31,
 *              k-major, so a GEMM microkernel streams one contiguous panel
 *              and a GEMV reads memory strictly in order. Rows past N are 0.
 *
 * int8 (per output channel, symmetric):
 *   data       [ceil(N/16)][ceil(K/4)][16][4] bytes, u = q + 128 with
 *              q = round(w / s) in [-128, 127]: 16 rows times 4 consecutive
 *              k fill one 64-byte line, the operand of one VNNI vpdpbusd.
 *              Padding holds u = 128 (q = 0).
 *   scales     [ceil(N/16) * 16], f16 or f32; w ~= s[n] * (u - 128).
 *
 * int4 (group-wise over k, groups of G = 32, 64 or 128):
 *   data       [ceil(N/16)][ceil(K/G)][G/8][16][4] bytes. In chunk c of a
 *              group, byte (r, j) holds k = 8c + j in its low nibble and
 *              k = 8c + 4 + j in its high nibble, so one 64-byte line
 *              splits with a mask and a shift into two vpdpbusd operands.
 *              Nibbles are unsigned: u in [0, 15].
 *   scales     [ceil(N/16)][ceil(K/G)][16], f16 or f32.
 *   zeros      (asymmetric only) same shape, one byte each, in [0, 15];
 *              symmetric groups use the zero point 8.
 *              w ~= s[n, g] * (u - z[n, g]).
 *
 * Activations: the quantized kernels quantize x per row in blocks of 32 k
 * to int8 (symmetric, scale max|x| / 127), so that integer dot products
 * cover whole blocks; G is a multiple of the block.
 *
\*===----------------------------------------------------------------------===*/

#ifndef LLMC_WEIGHT_LAYOUT_H
#define LLMC_WEIGHT_LAYOUT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLMC_F32_PANEL 32
#define LLMC_Q_PANEL 16
#define LLMC_Q_KCHUNK 4
#define LLMC_ACT_BLOCK 32
/* Sub-arrays of one packed weight (data, scales, zeros) start this aligned
 * within its slot. */
#define LLMC_PACK_ALIGN 64

/* The kinds of packed linear weights; stored in the manifest. */
typedef enum llmc_weight_format {
  LLMC_WEIGHT_F32_PANELS = 1,
  LLMC_WEIGHT_INT8 = 2,
  LLMC_WEIGHT_INT4 = 3,
} llmc_weight_format;

static inline int64_t llmc_ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}
static inline int64_t llmc_align_up(int64_t a, int64_t b) {
  return llmc_ceil_div(a, b) * b;
}

/* Bytes of each sub-array. `scale_bytes` is 2 (f16) or 4 (f32); `group` is
 * ignored but for int4. */
static inline int64_t llmc_packed_data_bytes(llmc_weight_format format,
                                             int64_t n, int64_t k,
                                             int64_t group) {
  switch (format) {
  case LLMC_WEIGHT_F32_PANELS:
    return llmc_ceil_div(n, LLMC_F32_PANEL) * k * LLMC_F32_PANEL * 4;
  case LLMC_WEIGHT_INT8:
    return llmc_ceil_div(n, LLMC_Q_PANEL) * llmc_ceil_div(k, 4) * 64;
  case LLMC_WEIGHT_INT4:
    return llmc_ceil_div(n, LLMC_Q_PANEL) * llmc_ceil_div(k, group) *
           (group / 8) * 64;
  }
  return 0;
}

/* Scale (and zero point) entries. */
static inline int64_t llmc_packed_scale_count(llmc_weight_format format,
                                              int64_t n, int64_t k,
                                              int64_t group) {
  switch (format) {
  case LLMC_WEIGHT_F32_PANELS:
    return 0;
  case LLMC_WEIGHT_INT8:
    return llmc_align_up(n, LLMC_Q_PANEL);
  case LLMC_WEIGHT_INT4:
    return llmc_align_up(n, LLMC_Q_PANEL) * llmc_ceil_div(k, group);
  }
  return 0;
}

/* Offsets of the sub-arrays within the slot, and the slot's size. */
typedef struct llmc_packed_offsets {
  int64_t data, scales, zeros, total;
} llmc_packed_offsets;

static inline llmc_packed_offsets
llmc_packed_layout(llmc_weight_format format, int64_t n, int64_t k,
                   int64_t group, int64_t scale_bytes, int zero_points) {
  llmc_packed_offsets o;
  int64_t scales = llmc_packed_scale_count(format, n, k, group);
  o.data = 0;
  o.scales = llmc_align_up(llmc_packed_data_bytes(format, n, k, group),
                           LLMC_PACK_ALIGN);
  o.zeros = llmc_align_up(o.scales + scales * scale_bytes, LLMC_PACK_ALIGN);
  o.total = zero_points ? o.zeros + scales : o.scales + scales * scale_bytes;
  if (format == LLMC_WEIGHT_F32_PANELS)
    o.total = llmc_packed_data_bytes(format, n, k, group);
  return o;
}

/* Where element (row, col) of W lives. For f32 this is a float index; for
 * int8 a byte index; for int4 a byte index and which nibble (*high). */
static inline int64_t llmc_f32_panel_index(int64_t k_size, int64_t row,
                                           int64_t col) {
  return (row / LLMC_F32_PANEL) * k_size * LLMC_F32_PANEL +
         col * LLMC_F32_PANEL + row % LLMC_F32_PANEL;
}

static inline int64_t llmc_int8_index(int64_t k_size, int64_t row,
                                      int64_t col) {
  return ((row / 16) * llmc_ceil_div(k_size, 4) + col / 4) * 64 +
         (row % 16) * 4 + col % 4;
}

static inline int64_t llmc_int4_index(int64_t k_size, int64_t group,
                                      int64_t row, int64_t col, int *high) {
  int64_t groups = llmc_ceil_div(k_size, group);
  int64_t g = col / group, in = col % group;
  *high = (in % 8) >= 4;
  return (((row / 16) * groups + g) * (group / 8) + in / 8) * 64 +
         (row % 16) * 4 + in % 4;
}

/* Index of the scale (and zero point) of (row, col). */
static inline int64_t llmc_int4_scale_index(int64_t k_size, int64_t group,
                                            int64_t row, int64_t col) {
  return ((row / 16) * llmc_ceil_div(k_size, group) + col / group) * 16 +
         row % 16;
}

/* An IEEE binary16 scale as float (exact). */
static inline float llmc_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  float f;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { /* subnormal: renormalize */
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while (!(mant & 0x400));
      bits = sign | (uint32_t)(127 - 15 - e) << 23 | (mant & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  __builtin_memcpy(&f, &bits, 4);
  return f;
}

#ifdef __cplusplus
}
#endif

#endif /* LLMC_WEIGHT_LAYOUT_H */
