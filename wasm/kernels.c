/*
 * WebAssembly SIMD kernels of Embedding Diagnostics (built by wasm/build.sh into wasm/kernels.wasm).
 *
 * 1. One-pass statistics of float32 rows (stats_*): NaN/Inf/zero classification, row norms,
 *    a duplicate-detection key per row (and, for a dataset, each row's hashRow key: 1a), and
 *    mean + covariance. Finite rows are packed into
 *    chunks of CAP rows, each chunk is centred on its own mean (rounded to float32, so that
 *    x − centre is exact when x is near the centre), its cross-product is accumulated in
 *    float32 (sums of SB products, added in float32 over the chunk's CAP rows) and added into
 *    float64 once per chunk, and chunks
 *    are merged with the update of Chan, Golub & LeVeque — fused into that float64 addition:
 *      M2 += Σ y yᵀ − nb·e eᵀ + (na·nb/n)·δ δᵀ,
 *    e being the chunk mean minus its float32 centre and δ the chunk mean minus the running mean.
 *    A chunk whose centred values are outside [2⁻⁴⁰, 2⁴⁰] in magnitude (where float32 products
 *    could overflow or underflow) is accumulated in float64 instead.
 *
 * 2. Householder tridiagonalisation of a symmetric float64 matrix (tridiagonalize), the
 *    O(n³) part of the eigenvalue solver, with the rank-2 update of each step fused with the
 *    matrix–vector product of the next one.
 *    It lives in tridiagonal.h (with the blocked one), which eigenThreads.c shares.
 *
 * No libc: memory comes from a bump allocator over the module's own linear memory.
 */
#include "common.h"

/* ------------------------------------------------------------------------------------------ */
/* 1. Statistics of float32 rows                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Rows per chunk: a 1,024-dim chunk is 1 MB of float32, resident in L2 while the kernel runs. */
#define CAP 256
#define PW 8 /* dimensions per panel */

typedef struct {
  int32_t dim, dimPad, panels;
  int32_t rows;          /* rows in the pending chunk */
  double count;          /* finite rows merged */
  int32_t nanRows, infRows, zeroRows, wideChunks;
  float *chunk;          /* panels × CAP × PW: chunk[(p·CAP + r)·PW + k] = dim p·PW + k of row r */
  double *mean;          /* running mean (dimPad) */
  double *m2;            /* packed upper tiles: tile (pi ≤ pj) of PW×PW doubles */
  double *cmean;         /* chunk mean (dimPad) */
  double *err;           /* chunk mean − float32 centre (dimPad) */
  double *delta;         /* chunk mean − running mean before the merge (dimPad) */
  float *centre;         /* float32 centre of the chunk (dimPad) */
  int32_t shifted;       /* float64 rows: err holds the shift (first chunk's mean), mean is of shifted rows */
} Stats;

static inline int tile_index(int panels, int pi, int pj) {
  return pi * panels - (pi * (pi - 1)) / 2 + (pj - pi);
}

EXPORT(stats_create) Stats *stats_create(int32_t dim) {
  Stats *s = (Stats *)alloc(sizeof(Stats));
  if (!s) return 0;
  int dimPad = (dim + PW - 1) / PW * PW;
  int panels = dimPad / PW;
  s->dim = dim; s->dimPad = dimPad; s->panels = panels; s->rows = 0; s->count = 0;
  s->nanRows = s->infRows = s->zeroRows = s->wideChunks = 0;
  s->shifted = 0;
  uint32_t tiles = (uint32_t)panels * (uint32_t)(panels + 1) / 2;
  s->chunk = (float *)alloc((uint32_t)panels * CAP * PW * 4);
  s->mean = (double *)alloc(dimPad * 8);
  s->m2 = (double *)alloc(tiles * PW * PW * 8);
  s->cmean = (double *)alloc(dimPad * 8);
  s->err = (double *)alloc(dimPad * 8);
  s->delta = (double *)alloc(dimPad * 8);
  s->centre = (float *)alloc(dimPad * 4);
  if (!s->chunk || !s->mean || !s->m2 || !s->cmean || !s->err || !s->delta || !s->centre) return 0;
  __builtin_memset(s->chunk, 0, (uint32_t)panels * CAP * PW * 4);
  __builtin_memset(s->mean, 0, dimPad * 8);
  __builtin_memset(s->m2, 0, tiles * PW * PW * 8);
  return s;
}

EXPORT(stats_m2) double *stats_m2(Stats *s) { return s->m2; }
/** The mean of the rows minus stats_shift (after stats_flush / stats64_flush). */
EXPORT(stats_mean) double *stats_mean(Stats *s) { return s->mean; }
/** The shift subtracted from every row (float64 rows), or 0 when there is none. */
EXPORT(stats_shift) double *stats_shift(Stats *s) { return s->shifted ? s->err : 0; }
EXPORT(stats_count) double stats_count(Stats *s) { return s->count; }
EXPORT(stats_nan_rows) int32_t stats_nan_rows(Stats *s) { return s->nanRows; }
EXPORT(stats_inf_rows) int32_t stats_inf_rows(Stats *s) { return s->infRows; }
EXPORT(stats_zero_rows) int32_t stats_zero_rows(Stats *s) { return s->zeroRows; }
EXPORT(stats_wide_chunks) int32_t stats_wide_chunks(Stats *s) { return s->wideChunks; }
EXPORT(stats_dim_pad) int32_t stats_dim_pad(Stats *s) { return s->dimPad; }

/**
 * Rows per float32 partial sum. The chunk kernel sums SB products in float32 registers, adds
 * each such partial sum into a float32 tile accumulator (at most CAP/SB = 8 of them), and adds
 * that into float64 once per chunk: every float32 value covers at most CAP products, summed in
 * two levels (SB, then CAP/SB), so its rounding error is at most about (SB + CAP/SB)·2⁻²⁴ = 40·2⁻²⁴
 * of the sum of the products' magnitudes.
 */
#ifndef SB
#define SB 32
#endif

static inline v128_t lo_f64(v128_t a) { return wasm_f64x2_promote_low_f32x4(a); }
static inline v128_t hi_f64(v128_t a) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 0, 1)); }

/**
 * t[0..3] += lo/hi(c) − ce·ej[0..3] + cd·dj[0..3] in float64: one float32 row of four sums with the
 * rank-1 corrections of the centring (ce = nb·err_i) and of Chan's merge (cd = w·δ_i).
 */
static inline void add_row4(double *t, v128_t c, v128_t ce, v128_t cd, const double *ej, const double *dj) {
  v128_t lo = wasm_f64x2_add(wasm_f64x2_sub(lo_f64(c), wasm_f64x2_mul(ce, wasm_v128_load(ej))), wasm_f64x2_mul(cd, wasm_v128_load(dj)));
  v128_t hi = wasm_f64x2_add(wasm_f64x2_sub(hi_f64(c), wasm_f64x2_mul(ce, wasm_v128_load(ej + 2))), wasm_f64x2_mul(cd, wasm_v128_load(dj + 2)));
  wasm_v128_store(t, wasm_f64x2_add(wasm_v128_load(t), lo));
  wasm_v128_store(t + 2, wasm_f64x2_add(wasm_v128_load(t + 2), hi));
}

/**
 * The chunk's cross-product: for each 4×8 block of the upper triangle, float32 partial sums over
 * SB rows at a time (8 accumulators in registers), added into a float32 block accumulator; that
 * goes into the float64 M2 tile once, with the rank-1 corrections of the centring and of Chan's
 * merge. The inner loop walks two pointers with constant offsets (folded into the loads), so per
 * row it is 2 vector loads, 4 splat loads and 8 multiply-adds.
 */
static void chunk_kernel_f32(Stats *s, int nb, double w) {
  const int P = s->panels;
  for (int pi = 0; pi < P; pi++) {
    const float *A = s->chunk + (size_t)pi * CAP * PW;
    for (int h = 0; h < 2; h++) {
      const int i0 = pi * PW + 4 * h;
      for (int pj = pi; pj < P; pj++) {
        const float *B = s->chunk + (size_t)pj * CAP * PW;
        v128_t C0 = wasm_f32x4_splat(0), C1 = C0, C2 = C0, C3 = C0, C4 = C0, C5 = C0, C6 = C0, C7 = C0;
        for (int r0 = 0; r0 < nb; r0 += SB) {
          const int cnt = r0 + SB < nb ? SB : nb - r0;
          const float *a = A + 4 * h + r0 * PW, *b = B + r0 * PW;
          v128_t c0 = wasm_f32x4_splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
          for (int r = 0; r < cnt; r++, a += PW, b += PW) {
            const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
            v128_t x = wasm_v128_load32_splat(a);
            c0 = MADD32(x, b0, c0); c1 = MADD32(x, b1, c1);
            x = wasm_v128_load32_splat(a + 1);
            c2 = MADD32(x, b0, c2); c3 = MADD32(x, b1, c3);
            x = wasm_v128_load32_splat(a + 2);
            c4 = MADD32(x, b0, c4); c5 = MADD32(x, b1, c5);
            x = wasm_v128_load32_splat(a + 3);
            c6 = MADD32(x, b0, c6); c7 = MADD32(x, b1, c7);
          }
          C0 = wasm_f32x4_add(C0, c0); C1 = wasm_f32x4_add(C1, c1); C2 = wasm_f32x4_add(C2, c2); C3 = wasm_f32x4_add(C3, c3);
          C4 = wasm_f32x4_add(C4, c4); C5 = wasm_f32x4_add(C5, c5); C6 = wasm_f32x4_add(C6, c6); C7 = wasm_f32x4_add(C7, c7);
        }
        double *t = s->m2 + (size_t)tile_index(P, pi, pj) * PW * PW + 4 * h * PW;
        const int j0 = pj * PW;
        const double *ei = s->err + i0, *di = s->delta + i0, *ej = s->err + j0, *dj = s->delta + j0;
        const v128_t Cs[8] = {C0, C1, C2, C3, C4, C5, C6, C7};
        for (int i = 0; i < 4; i++) {
          const v128_t ce = wasm_f64x2_splat(nb * ei[i]), cd = wasm_f64x2_splat(w * di[i]);
          add_row4(t + i * 8, Cs[2 * i], ce, cd, ej, dj);
          add_row4(t + i * 8 + 4, Cs[2 * i + 1], ce, cd, ej + 4, dj + 4);
        }
      }
    }
  }
}

/** The same in float64 (for chunks with values too large or too small for float32 products). */
static void chunk_kernel_f64(Stats *s, int nb, double w) {
  const int P = s->panels;
  double acc[PW * PW];
  for (int pi = 0; pi < P; pi++) {
    const float *A = s->chunk + (size_t)pi * CAP * PW;
    for (int pj = pi; pj < P; pj++) {
      const float *B = s->chunk + (size_t)pj * CAP * PW;
      for (int k = 0; k < PW * PW; k++) acc[k] = 0;
      for (int r = 0; r < nb; r++) {
        for (int i = 0; i < PW; i++) {
          double a = A[r * PW + i];
          for (int k = 0; k < PW; k++) acc[i * PW + k] += a * (double)B[r * PW + k];
        }
      }
      double *t = s->m2 + (size_t)tile_index(P, pi, pj) * PW * PW;
      for (int i = 0; i < PW; i++) {
        const int gi = pi * PW + i;
        for (int k = 0; k < PW; k++) {
          const int gj = pj * PW + k;
          t[i * PW + k] += (acc[i * PW + k] - nb * s->err[gi] * s->err[gj]) + w * s->delta[gi] * s->delta[gj];
        }
      }
    }
  }
}

/** Centres the pending chunk, accumulates it and merges it into the running mean and M2. */
static void flush(Stats *s) {
  const int nb = s->rows;
  if (nb == 0) return;
  const int P = s->panels, dimPad = s->dimPad;
  /* chunk mean in float64 */
  for (int p = 0; p < P; p++) {
    const float *A = s->chunk + (size_t)p * CAP * PW;
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0, s2 = s0, s3 = s0;
    for (int r = 0; r < nb; r++) {
      v128_t a = wasm_v128_load(A + r * PW), b = wasm_v128_load(A + r * PW + 4);
      s0 = wasm_f64x2_add(s0, wasm_f64x2_promote_low_f32x4(a));
      s1 = wasm_f64x2_add(s1, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 0, 1)));
      s2 = wasm_f64x2_add(s2, wasm_f64x2_promote_low_f32x4(b));
      s3 = wasm_f64x2_add(s3, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 0, 1)));
    }
    double *m = s->cmean + p * PW;
    wasm_v128_store(m, s0); wasm_v128_store(m + 2, s1); wasm_v128_store(m + 4, s2); wasm_v128_store(m + 6, s3);
    for (int k = 0; k < PW; k++) {
      m[k] /= nb;
      const float c = (float)m[k];
      s->centre[p * PW + k] = c;
      s->err[p * PW + k] = m[k] - (double)c;
    }
  }
  /* centre the rows (float32; exact near the centre) and find the largest magnitude */
  v128_t vmax = wasm_f32x4_splat(0);
  for (int p = 0; p < P; p++) {
    float *A = s->chunk + (size_t)p * CAP * PW;
    const v128_t c0 = wasm_v128_load(s->centre + p * PW), c1 = wasm_v128_load(s->centre + p * PW + 4);
    for (int r = 0; r < nb; r++) {
      v128_t a = wasm_f32x4_sub(wasm_v128_load(A + r * PW), c0);
      v128_t b = wasm_f32x4_sub(wasm_v128_load(A + r * PW + 4), c1);
      wasm_v128_store(A + r * PW, a);
      wasm_v128_store(A + r * PW + 4, b);
      vmax = wasm_f32x4_pmax(vmax, wasm_f32x4_pmax(wasm_f32x4_abs(a), wasm_f32x4_abs(b)));
    }
  }
  float mx = wasm_f32x4_extract_lane(vmax, 0);
  for (int k = 1; k < 4; k++) {
    float v = k == 1 ? wasm_f32x4_extract_lane(vmax, 1) : k == 2 ? wasm_f32x4_extract_lane(vmax, 2) : wasm_f32x4_extract_lane(vmax, 3);
    if (v > mx) mx = v;
  }
  /* Chan merge weights */
  const double na = s->count, n = na + nb;
  double w = 0;
  if (na > 0) {
    w = na * nb / n;
    for (int k = 0; k < dimPad; k++) {
      const double d = s->cmean[k] - s->mean[k];
      s->delta[k] = d;
      s->mean[k] += d * nb / n;
    }
  } else {
    for (int k = 0; k < dimPad; k++) { s->mean[k] = s->cmean[k]; s->delta[k] = 0; }
  }
  if (mx == 0 || (mx <= 0x1p40f && mx >= 0x1p-40f)) {
    chunk_kernel_f32(s, nb, w);
  } else {
    s->wideChunks++;
    chunk_kernel_f64(s, nb, w);
  }
  s->count = n;
  s->rows = 0;
}

EXPORT(stats_flush) void stats_flush(Stats *s) { flush(s); }

static inline v128_t rotl32(v128_t x, int r) { return wasm_v128_or(wasm_i32x4_shl(x, r), wasm_u32x4_shr(x, 32 - r)); }

static inline uint32_t murmur_round(uint32_t h, uint32_t k) {
  k *= 0xcc9e2d51u; k = (k << 15) | (k >> 17); k *= 0x1b873593u;
  h ^= k; h = (h << 13) | (h >> 19);
  return h * 5u + 0xe6546b64u;
}
static inline uint32_t fmix32(uint32_t h) {
  h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; return h ^ (h >> 16);
}

/* ------------------------------------------------------------------------------------------ */
/* 1a. Row keys of a dataset (hashRow of src/core/stats/rowHash.ts, bit for bit)               */
/* ------------------------------------------------------------------------------------------ */

/*
 * hashRow is two serial chains of 32-bit rounds over a row's float64 words (a float32 row is
 * widened first, so a row has one key whichever type it was read as): within a row nothing runs
 * in parallel, and one row at a time is latency-bound (~4 ns a value in JS). Here each SIMD lane
 * runs one row's chains, and KEY_VECTORS vectors of 4 rows are in flight, enough independent
 * chains to hide the multiplies' latency; the results equal rowHash.ts's for every row.
 */
#define KEY_VECTORS 4
#define KEY_ROWS (4 * KEY_VECTORS)

static inline uint32_t xx_round(uint32_t h, uint32_t k) {
  h += k * 0x85ebca77u; h = (h << 13) | (h >> 19);
  return h * 0x9e3779b1u;
}
static inline v128_t murmur_round_v(v128_t h, v128_t k) {
  k = wasm_i32x4_mul(k, wasm_i32x4_splat((int32_t)0xcc9e2d51));
  k = wasm_i32x4_mul(rotl32(k, 15), wasm_i32x4_splat(0x1b873593));
  h = rotl32(wasm_v128_xor(h, k), 13);
  /* h·5 as h·4 + h: a shift and an add, off the slow multiply */
  return wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_shl(h, 2), h), wasm_i32x4_splat((int32_t)0xe6546b64));
}
static inline v128_t xx_round_v(v128_t h, v128_t k) {
  h = wasm_i32x4_add(h, wasm_i32x4_mul(k, wasm_i32x4_splat((int32_t)0x85ebca77)));
  return wasm_i32x4_mul(rotl32(h, 13), wasm_i32x4_splat((int32_t)0x9e3779b1));
}
/** One float64 value per lane, as its low and high words (zeroed for ±0). */
static inline void key_step(v128_t *h1, v128_t *h2, v128_t lo, v128_t hi) {
  *h1 = murmur_round_v(murmur_round_v(*h1, lo), hi);
  *h2 = xx_round_v(xx_round_v(*h2, hi), lo);
}
/** One scalar float64 value of one row (the tail of a row shorter than the SIMD steps). */
static inline void key_step_scalar(uint32_t *h1, uint32_t *h2, double v) {
  uint32_t w[2] = {0, 0};
  if (v != 0) __builtin_memcpy(w, &v, 8);
  *h1 = murmur_round(murmur_round(*h1, w[0]), w[1]);
  *h2 = xx_round(xx_round(*h2, w[1]), w[0]);
}
static inline double key_finish(uint32_t h1, uint32_t h2, int32_t dim) {
  h1 = fmix32(h1 ^ (uint32_t)dim);
  h2 ^= (uint32_t)dim;
  h2 = fmix32((h2 ^ (h2 >> 15)) * 0x85ebca77u);
  return (double)h1 * 2097152.0 + (double)(h2 >> 11); /* an exact 53-bit integer */
}

/** The keys of the group's rows: each lane's chains over the values from j on (fewer than a SIMD step), then finished. */
static void keys_finish(const v128_t *h1, const v128_t *h2, int32_t rows, int32_t dim, int j, const void *const *p, int f64, double *out) {
  uint32_t l1[KEY_ROWS], l2[KEY_ROWS];
  for (int g = 0; g < KEY_VECTORS; g++) { wasm_v128_store(l1 + 4 * g, h1[g]); wasm_v128_store(l2 + 4 * g, h2[g]); }
  for (int i = 0; i < rows; i++) {
    for (int k = j; k < dim; k++) key_step_scalar(&l1[i], &l2[i], f64 ? ((const double *)p[i])[k] : (double)((const float *)p[i])[k]);
    out[i] = key_finish(l1[i], l2[i], dim);
  }
}

/**
 * The hashRow key of each of `rows` (at most KEY_ROWS) float32 rows at x into out[0..rows).
 * Lanes past the last row hash the last row again (their keys are not written).
 */
static void row_keys_f32_group(const float *x, int32_t rows, int32_t dim, double *out) {
  const float *p[KEY_ROWS];
  for (int i = 0; i < KEY_ROWS; i++) p[i] = x + (size_t)(i < rows ? i : rows - 1) * dim;
  const v128_t zero = wasm_f32x4_splat(0);
  v128_t h1[KEY_VECTORS], h2[KEY_VECTORS];
  for (int g = 0; g < KEY_VECTORS; g++) { h1[g] = wasm_i32x4_splat((int32_t)0x9747b28c); h2[g] = wasm_i32x4_splat(0x165667b1); }
  int j = 0;
  for (; j + 4 <= dim; j += 4) {
    for (int g = 0; g < KEY_VECTORS; g++) {
      /* 4 rows × 4 values, transposed: column t holds value j + t of the 4 rows */
      const v128_t a = wasm_v128_load(p[4 * g] + j), b = wasm_v128_load(p[4 * g + 1] + j);
      const v128_t c = wasm_v128_load(p[4 * g + 2] + j), d = wasm_v128_load(p[4 * g + 3] + j);
      const v128_t ab0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
      const v128_t cd0 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), cd1 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
      const v128_t col[4] = {
        wasm_i32x4_shuffle(ab0, cd0, 0, 1, 4, 5), wasm_i32x4_shuffle(ab0, cd0, 2, 3, 6, 7),
        wasm_i32x4_shuffle(ab1, cd1, 0, 1, 4, 5), wasm_i32x4_shuffle(ab1, cd1, 2, 3, 6, 7) };
      for (int t = 0; t < 4; t++) {
        const v128_t nz = wasm_f32x4_ne(col[t], zero);
        const v128_t d01 = wasm_f64x2_promote_low_f32x4(col[t]);
        const v128_t d23 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(col[t], col[t], 2, 3, 0, 1));
        key_step(&h1[g], &h2[g], wasm_v128_and(wasm_i32x4_shuffle(d01, d23, 0, 2, 4, 6), nz),
                 wasm_v128_and(wasm_i32x4_shuffle(d01, d23, 1, 3, 5, 7), nz));
      }
    }
  }
  keys_finish(h1, h2, rows, dim, j, (const void *const *)p, 0, out);
}

/** row_keys_f32_group for float64 rows. */
static void row_keys_f64_group(const double *x, int32_t rows, int32_t dim, double *out) {
  const double *p[KEY_ROWS];
  for (int i = 0; i < KEY_ROWS; i++) p[i] = x + (size_t)(i < rows ? i : rows - 1) * dim;
  const v128_t zero = wasm_f64x2_splat(0);
  v128_t h1[KEY_VECTORS], h2[KEY_VECTORS];
  for (int g = 0; g < KEY_VECTORS; g++) { h1[g] = wasm_i32x4_splat((int32_t)0x9747b28c); h2[g] = wasm_i32x4_splat(0x165667b1); }
  int j = 0;
  for (; j + 2 <= dim; j += 2) {
    for (int g = 0; g < KEY_VECTORS; g++) {
      v128_t v[4];
      for (int i = 0; i < 4; i++) {
        const v128_t x2 = wasm_v128_load(p[4 * g + i] + j);
        v[i] = wasm_v128_and(x2, wasm_f64x2_ne(x2, zero));
      }
      /* words of value j (then j + 1) of the 4 rows */
      const v128_t a0 = wasm_i32x4_shuffle(v[0], v[1], 0, 1, 4, 5), b0 = wasm_i32x4_shuffle(v[2], v[3], 0, 1, 4, 5);
      const v128_t a1 = wasm_i32x4_shuffle(v[0], v[1], 2, 3, 6, 7), b1 = wasm_i32x4_shuffle(v[2], v[3], 2, 3, 6, 7);
      key_step(&h1[g], &h2[g], wasm_i32x4_shuffle(a0, b0, 0, 2, 4, 6), wasm_i32x4_shuffle(a0, b0, 1, 3, 5, 7));
      key_step(&h1[g], &h2[g], wasm_i32x4_shuffle(a1, b1, 0, 2, 4, 6), wasm_i32x4_shuffle(a1, b1, 1, 3, 5, 7));
    }
  }
  keys_finish(h1, h2, rows, dim, j, (const void *const *)p, 1, out);
}

/** The hashRow key of every row (finite or not) of `rows` float32 rows (row-major, dim each). */
EXPORT(row_keys_f32) void row_keys_f32(const float *x, int32_t rows, int32_t dim, double *out) {
  for (int r = 0; r < rows; r += KEY_ROWS) row_keys_f32_group(x + (size_t)r * dim, rows - r < KEY_ROWS ? rows - r : KEY_ROWS, dim, out + r);
}
/** row_keys_f32 for float64 rows. */
EXPORT(row_keys_f64) void row_keys_f64(const double *x, int32_t rows, int32_t dim, double *out) {
  for (int r = 0; r < rows; r += KEY_ROWS) row_keys_f64_group(x + (size_t)r * dim, rows - r < KEY_ROWS ? rows - r : KEY_ROWS, dim, out + r);
}

/**
 * Processes `rows` float32 rows at x (row-major, dim each). For each finite row (no NaN, no
 * ±Inf) writes its Euclidean norm to norms[k] and a 53-bit duplicate key to keys[k] (k counts
 * finite rows), and adds it to the statistics. Returns the number of finite rows.
 * The key hashes the row's float32 bit patterns, −0 as +0, through two independent families
 * of 8 lane-wise 32-bit chains, so that equal rows get equal keys and different rows collide
 * with probability about 2⁻⁵³. With rowKeys (else 0), also writes each finite row's hashRow key
 * (row_keys_f32) to rowKeys[k], hashing KEY_ROWS rows just before the statistics take them,
 * while they are in cache.
 */
EXPORT(stats_add_rows) int32_t stats_add_rows(Stats *s, const float *x, int32_t rows, double *norms, double *keys, double *rowKeys) {
  const int dim = s->dim, P = s->panels;
  const v128_t absMask = wasm_i32x4_splat(0x7fffffff), infBits = wasm_i32x4_splat(0x7f800000);
  const v128_t ma = wasm_i32x4_splat((int32_t)0xcc9e2d51), mb = wasm_i32x4_splat((int32_t)0x85ebca77);
  const v128_t ca = wasm_i32x4_splat((int32_t)0xe6546b64), cb = wasm_i32x4_splat((int32_t)0x165667b1);
  int32_t finite = 0;
  double groupKeys[KEY_ROWS];
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * dim;
    if (rowKeys && r % KEY_ROWS == 0) row_keys_f32_group(row, rows - r < KEY_ROWS ? rows - r : KEY_ROWS, dim, groupKeys);
    v128_t nanAny = wasm_i32x4_splat(0), infAny = nanAny, nzAny = nanAny;
    v128_t ha0 = wasm_i32x4_make(1, 2, 3, 4), ha1 = wasm_i32x4_make(5, 6, 7, 8);
    v128_t hb0 = wasm_i32x4_make(11, 12, 13, 14), hb1 = wasm_i32x4_make(15, 16, 17, 18);
    v128_t q0 = wasm_f64x2_splat(0), q1 = q0, q2 = q0, q3 = q0;
    int j = 0;
    for (; j + 8 <= dim; j += 8) {
      const v128_t v0 = wasm_v128_load(row + j), v1 = wasm_v128_load(row + j + 4);
      const v128_t a0 = wasm_v128_and(v0, absMask), a1 = wasm_v128_and(v1, absMask);
      nanAny = wasm_v128_or(nanAny, wasm_v128_or(wasm_i32x4_gt(a0, infBits), wasm_i32x4_gt(a1, infBits)));
      infAny = wasm_v128_or(infAny, wasm_v128_or(wasm_i32x4_eq(a0, infBits), wasm_i32x4_eq(a1, infBits)));
      nzAny = wasm_v128_or(nzAny, wasm_v128_or(a0, a1));
      /* −0 → +0: keep the bits only where the magnitude is not zero */
      const v128_t k0 = wasm_v128_and(v0, wasm_i32x4_ne(a0, wasm_i32x4_splat(0)));
      const v128_t k1 = wasm_v128_and(v1, wasm_i32x4_ne(a1, wasm_i32x4_splat(0)));
      ha0 = wasm_i32x4_add(rotl32(wasm_i32x4_mul(wasm_v128_xor(ha0, k0), ma), 15), ca);
      ha1 = wasm_i32x4_add(rotl32(wasm_i32x4_mul(wasm_v128_xor(ha1, k1), ma), 15), ca);
      hb0 = wasm_v128_xor(rotl32(wasm_i32x4_mul(wasm_i32x4_add(hb0, k0), mb), 13), cb);
      hb1 = wasm_v128_xor(rotl32(wasm_i32x4_mul(wasm_i32x4_add(hb1, k1), mb), 13), cb);
      q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(v0), wasm_f64x2_promote_low_f32x4(v0)));
      const v128_t v0h = wasm_i32x4_shuffle(v0, v0, 2, 3, 0, 1), v1h = wasm_i32x4_shuffle(v1, v1, 2, 3, 0, 1);
      q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(v0h), wasm_f64x2_promote_low_f32x4(v0h)));
      q2 = wasm_f64x2_add(q2, wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(v1), wasm_f64x2_promote_low_f32x4(v1)));
      q3 = wasm_f64x2_add(q3, wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(v1h), wasm_f64x2_promote_low_f32x4(v1h)));
    }
    uint32_t lanes[16];
    wasm_v128_store(lanes, ha0); wasm_v128_store(lanes + 4, ha1); wasm_v128_store(lanes + 8, hb0); wasm_v128_store(lanes + 12, hb1);
    int nan = wasm_v128_any_true(nanAny), inf = wasm_v128_any_true(infAny), nz = wasm_v128_any_true(nzAny);
    double sumSq = wasm_f64x2_extract_lane(q0, 0) + wasm_f64x2_extract_lane(q0, 1) + wasm_f64x2_extract_lane(q1, 0) + wasm_f64x2_extract_lane(q1, 1)
                 + wasm_f64x2_extract_lane(q2, 0) + wasm_f64x2_extract_lane(q2, 1) + wasm_f64x2_extract_lane(q3, 0) + wasm_f64x2_extract_lane(q3, 1);
    uint32_t tailA = 0x9747b28cu, tailB = 0x165667b1u;
    for (; j < dim; j++) {
      uint32_t b;
      __builtin_memcpy(&b, row + j, 4);
      const uint32_t a = b & 0x7fffffffu;
      if (a > 0x7f800000u) nan = 1;
      else if (a == 0x7f800000u) inf = 1;
      if (a) nz = 1;
      const uint32_t k = a ? b : 0;
      tailA = murmur_round(tailA, k);
      tailB = murmur_round(tailB ^ 0x5bd1e995u, k);
      const double v = row[j];
      sumSq += v * v;
    }
    if (nan) { s->nanRows++; continue; }
    if (inf) { s->infRows++; continue; }
    if (!nz) s->zeroRows++;
    uint32_t h1 = 0x3c6ef372u, h2 = 0xa54ff53au;
    for (int k = 0; k < 16; k++) {
      h1 = murmur_round(h1, lanes[k]);
      h2 = murmur_round(h2 ^ 0x27d4eb2fu, lanes[15 - k]);
    }
    h1 = fmix32(murmur_round(h1, tailA) ^ (uint32_t)dim);
    h2 = fmix32(murmur_round(h2, tailB) ^ (uint32_t)dim ^ 0x9e3779b9u);
    keys[finite] = (double)h1 * 2097152.0 + (double)(h2 >> 11);
    norms[finite] = __builtin_sqrt(sumSq);
    if (rowKeys) rowKeys[finite] = groupKeys[r % KEY_ROWS];
    finite++;

    /* pack into the chunk (raw values; flush centres them) */
    const int slot = s->rows;
    int p = 0;
    for (; p < P && (p + 1) * PW <= dim; p++) {
      float *dst = s->chunk + ((size_t)p * CAP + slot) * PW;
      wasm_v128_store(dst, wasm_v128_load(row + p * PW));
      wasm_v128_store(dst + 4, wasm_v128_load(row + p * PW + 4));
    }
    if (p < P) {
      float *dst = s->chunk + ((size_t)p * CAP + slot) * PW;
      for (int k = 0; k < PW; k++) dst[k] = p * PW + k < dim ? row[p * PW + k] : 0.0f;
    }
    if (++s->rows == CAP) flush(s);
  }
  return finite;
}

/* ------------------------------------------------------------------------------------------ */
/* 1b. Statistics of float64 rows (stats64_*): the same scheme in float64 throughout            */
/* ------------------------------------------------------------------------------------------ */

#define PW64 4 /* dimensions per panel of doubles */

/*
 * Same Stats struct; chunk holds doubles (panels of PW64), M2 tiles are PW64×PW64, and every
 * product and sum is float64, as in the JS StreamingStatistics: all rows are shifted by the first
 * chunk's mean (kept in err; x − shift is exact near the shift, by Sterbenz's lemma, so a large
 * common offset costs no precision in the merge), then each chunk is centred on its own mean.
 */
EXPORT(stats64_create) Stats *stats64_create(int32_t dim) {
  Stats *s = (Stats *)alloc(sizeof(Stats));
  if (!s) return 0;
  int dimPad = (dim + PW64 - 1) / PW64 * PW64;
  int panels = dimPad / PW64;
  s->dim = dim; s->dimPad = dimPad; s->panels = panels; s->rows = 0; s->count = 0;
  s->nanRows = s->infRows = s->zeroRows = s->wideChunks = 0;
  s->shifted = 0;
  uint32_t tiles = (uint32_t)panels * (uint32_t)(panels + 1) / 2;
  s->chunk = (float *)alloc((uint32_t)panels * CAP * PW64 * 8);
  s->mean = (double *)alloc(dimPad * 8);
  s->m2 = (double *)alloc(tiles * PW64 * PW64 * 8);
  s->cmean = (double *)alloc(dimPad * 8);
  s->err = (double *)alloc(dimPad * 8);
  s->delta = (double *)alloc(dimPad * 8);
  s->centre = (float *)alloc(dimPad * 4);
  if (!s->chunk || !s->mean || !s->m2 || !s->cmean || !s->err || !s->delta || !s->centre) return 0;
  __builtin_memset(s->chunk, 0, (uint32_t)panels * CAP * PW64 * 8);
  __builtin_memset(s->mean, 0, dimPad * 8);
  __builtin_memset(s->m2, 0, tiles * PW64 * PW64 * 8);
  return s;
}

/** The chunk's cross-product in float64: 4×4 blocks, 8 accumulators, added into M2 with Chan's term. */
static void chunk_kernel_64(Stats *s, int nb, double w) {
  const int P = s->panels;
  const double *chunk = (const double *)s->chunk;
  for (int pi = 0; pi < P; pi++) {
    const double *A = chunk + (size_t)pi * CAP * PW64;
    for (int pj = pi; pj < P; pj++) {
      const double *B = chunk + (size_t)pj * CAP * PW64;
      v128_t c0 = wasm_f64x2_splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
      for (int r = 0; r < nb; r++) {
        const v128_t b0 = wasm_v128_load(B + r * PW64), b1 = wasm_v128_load(B + r * PW64 + 2);
        const double *a = A + r * PW64;
        v128_t x = wasm_v128_load64_splat(a);
        c0 = MADD64(x, b0, c0); c1 = MADD64(x, b1, c1);
        x = wasm_v128_load64_splat(a + 1);
        c2 = MADD64(x, b0, c2); c3 = MADD64(x, b1, c3);
        x = wasm_v128_load64_splat(a + 2);
        c4 = MADD64(x, b0, c4); c5 = MADD64(x, b1, c5);
        x = wasm_v128_load64_splat(a + 3);
        c6 = MADD64(x, b0, c6); c7 = MADD64(x, b1, c7);
      }
      double f[16];
      wasm_v128_store(f, c0); wasm_v128_store(f + 2, c1); wasm_v128_store(f + 4, c2); wasm_v128_store(f + 6, c3);
      wasm_v128_store(f + 8, c4); wasm_v128_store(f + 10, c5); wasm_v128_store(f + 12, c6); wasm_v128_store(f + 14, c7);
      double *t = s->m2 + (size_t)tile_index(P, pi, pj) * PW64 * PW64;
      const double *di = s->delta + pi * PW64, *dj = s->delta + pj * PW64;
      for (int i = 0; i < PW64; i++) {
        const double cd = w * di[i];
        for (int k = 0; k < PW64; k++) t[i * PW64 + k] += f[i * PW64 + k] + cd * dj[k];
      }
    }
  }
}

static void flush64(Stats *s) {
  const int nb = s->rows;
  if (nb == 0) return;
  const int P = s->panels, dimPad = s->dimPad;
  double *chunk = (double *)s->chunk;
  if (!s->shifted) {
    /* the shift: mean of the first chunk, summed as residuals from its first row */
    for (int p = 0; p < P; p++) {
      const double *A = chunk + (size_t)p * CAP * PW64;
      for (int k = 0; k < PW64; k++) {
        const double ref = A[k];
        double t = 0;
        for (int r = 0; r < nb; r++) t += A[r * PW64 + k] - ref;
        s->err[p * PW64 + k] = ref + t / nb;
      }
    }
    s->shifted = 1;
  }
  for (int p = 0; p < P; p++) {
    double *A = chunk + (size_t)p * CAP * PW64;
    const v128_t h0 = wasm_v128_load(s->err + p * PW64), h1 = wasm_v128_load(s->err + p * PW64 + 2);
    for (int r = 0; r < nb; r++) {
      wasm_v128_store(A + r * PW64, wasm_f64x2_sub(wasm_v128_load(A + r * PW64), h0));
      wasm_v128_store(A + r * PW64 + 2, wasm_f64x2_sub(wasm_v128_load(A + r * PW64 + 2), h1));
    }
  }
  for (int p = 0; p < P; p++) {
    double *A = chunk + (size_t)p * CAP * PW64;
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0;
    for (int r = 0; r < nb; r++) {
      s0 = wasm_f64x2_add(s0, wasm_v128_load(A + r * PW64));
      s1 = wasm_f64x2_add(s1, wasm_v128_load(A + r * PW64 + 2));
    }
    double *m = s->cmean + p * PW64;
    wasm_v128_store(m, s0); wasm_v128_store(m + 2, s1);
    for (int k = 0; k < PW64; k++) m[k] /= nb;
    const v128_t m0 = wasm_v128_load(m), m1 = wasm_v128_load(m + 2);
    for (int r = 0; r < nb; r++) {
      wasm_v128_store(A + r * PW64, wasm_f64x2_sub(wasm_v128_load(A + r * PW64), m0));
      wasm_v128_store(A + r * PW64 + 2, wasm_f64x2_sub(wasm_v128_load(A + r * PW64 + 2), m1));
    }
  }
  const double na = s->count, n = na + nb;
  double w = 0;
  if (na > 0) {
    w = na * nb / n;
    for (int k = 0; k < dimPad; k++) {
      const double d = s->cmean[k] - s->mean[k];
      s->delta[k] = d;
      s->mean[k] += d * nb / n;
    }
  } else {
    for (int k = 0; k < dimPad; k++) { s->mean[k] = s->cmean[k]; s->delta[k] = 0; }
  }
  chunk_kernel_64(s, nb, w);
  s->count = n;
  s->rows = 0;
}

EXPORT(stats64_flush) void stats64_flush(Stats *s) { flush64(s); }

/**
 * stats_add_rows for float64 rows: the key hashes the float64 bit patterns (−0 as +0), the
 * norm is rescaled by the largest magnitude when the plain sum of squares could overflow or
 * underflow (as StreamingStatistics does); rowKeys as there (row_keys_f64).
 */
EXPORT(stats64_add_rows) int32_t stats64_add_rows(Stats *s, const double *x, int32_t rows, double *norms, double *keys, double *rowKeys) {
  const int dim = s->dim, P = s->panels;
  const v128_t inf = wasm_f64x2_splat(__builtin_inf()), zero = wasm_f64x2_splat(0);
  const v128_t ma = wasm_i32x4_splat((int32_t)0xcc9e2d51), mb = wasm_i32x4_splat((int32_t)0x85ebca77);
  const v128_t ca = wasm_i32x4_splat((int32_t)0xe6546b64), cb = wasm_i32x4_splat((int32_t)0x165667b1);
  int32_t finite = 0;
  double groupKeys[KEY_ROWS];
  for (int r = 0; r < rows; r++) {
    const double *row = x + (size_t)r * dim;
    if (rowKeys && r % KEY_ROWS == 0) row_keys_f64_group(row, rows - r < KEY_ROWS ? rows - r : KEY_ROWS, dim, groupKeys);
    v128_t nanAny = wasm_i32x4_splat(0), infAny = nanAny, nzAny = nanAny;
    v128_t ha0 = wasm_i32x4_make(1, 2, 3, 4), ha1 = wasm_i32x4_make(5, 6, 7, 8);
    v128_t hb0 = wasm_i32x4_make(11, 12, 13, 14), hb1 = wasm_i32x4_make(15, 16, 17, 18);
    v128_t q0 = wasm_f64x2_splat(0), q1 = q0, mx = q0;
    int j = 0;
    for (; j + 4 <= dim; j += 4) {
      const v128_t v0 = wasm_v128_load(row + j), v1 = wasm_v128_load(row + j + 2);
      const v128_t a0 = wasm_f64x2_abs(v0), a1 = wasm_f64x2_abs(v1);
      nanAny = wasm_v128_or(nanAny, wasm_v128_or(wasm_f64x2_ne(v0, v0), wasm_f64x2_ne(v1, v1)));
      infAny = wasm_v128_or(infAny, wasm_v128_or(wasm_f64x2_eq(a0, inf), wasm_f64x2_eq(a1, inf)));
      const v128_t nz0 = wasm_f64x2_ne(a0, zero), nz1 = wasm_f64x2_ne(a1, zero);
      nzAny = wasm_v128_or(nzAny, wasm_v128_or(nz0, nz1));
      const v128_t k0 = wasm_v128_and(v0, nz0), k1 = wasm_v128_and(v1, nz1);
      ha0 = wasm_i32x4_add(rotl32(wasm_i32x4_mul(wasm_v128_xor(ha0, k0), ma), 15), ca);
      ha1 = wasm_i32x4_add(rotl32(wasm_i32x4_mul(wasm_v128_xor(ha1, k1), ma), 15), ca);
      hb0 = wasm_v128_xor(rotl32(wasm_i32x4_mul(wasm_i32x4_add(hb0, k0), mb), 13), cb);
      hb1 = wasm_v128_xor(rotl32(wasm_i32x4_mul(wasm_i32x4_add(hb1, k1), mb), 13), cb);
      q0 = MADD64(v0, v0, q0);
      q1 = MADD64(v1, v1, q1);
      mx = wasm_f64x2_pmax(mx, wasm_f64x2_pmax(a0, a1));
    }
    uint32_t lanes[16];
    wasm_v128_store(lanes, ha0); wasm_v128_store(lanes + 4, ha1); wasm_v128_store(lanes + 8, hb0); wasm_v128_store(lanes + 12, hb1);
    int nan = wasm_v128_any_true(nanAny), isInf = wasm_v128_any_true(infAny), nz = wasm_v128_any_true(nzAny);
    double sumSq = wasm_f64x2_extract_lane(q0, 0) + wasm_f64x2_extract_lane(q0, 1) + wasm_f64x2_extract_lane(q1, 0) + wasm_f64x2_extract_lane(q1, 1);
    double maxAbs = wasm_f64x2_extract_lane(mx, 0) > wasm_f64x2_extract_lane(mx, 1) ? wasm_f64x2_extract_lane(mx, 0) : wasm_f64x2_extract_lane(mx, 1);
    uint32_t tailA = 0x9747b28cu, tailB = 0x165667b1u;
    for (; j < dim; j++) {
      const double v = row[j];
      const double a = __builtin_fabs(v);
      if (v != v) nan = 1;
      else if (a == __builtin_inf()) isInf = 1;
      if (a != 0) nz = 1;
      uint32_t b[2] = {0, 0};
      if (a != 0) __builtin_memcpy(b, row + j, 8);
      tailA = murmur_round(murmur_round(tailA, b[0]), b[1]);
      tailB = murmur_round(murmur_round(tailB ^ 0x5bd1e995u, b[1]), b[0]);
      sumSq += v * v;
      if (a > maxAbs) maxAbs = a;
    }
    if (nan) { s->nanRows++; continue; }
    if (isInf) { s->infRows++; continue; }
    if (!nz) s->zeroRows++;
    uint32_t h1 = 0x3c6ef372u, h2 = 0xa54ff53au;
    for (int k = 0; k < 16; k++) {
      h1 = murmur_round(h1, lanes[k]);
      h2 = murmur_round(h2 ^ 0x27d4eb2fu, lanes[15 - k]);
    }
    h1 = fmix32(murmur_round(h1, tailA) ^ (uint32_t)dim);
    h2 = fmix32(murmur_round(h2, tailB) ^ (uint32_t)dim ^ 0x9e3779b9u);
    keys[finite] = (double)h1 * 2097152.0 + (double)(h2 >> 11);
    double norm;
    if (maxAbs == 0) norm = 0;
    else if (maxAbs < 1e150 && maxAbs > 1e-150) norm = __builtin_sqrt(sumSq);
    else {
      double t = 0;
      for (int k = 0; k < dim; k++) { const double v = row[k] / maxAbs; t += v * v; }
      norm = maxAbs * __builtin_sqrt(t);
    }
    norms[finite] = norm;
    if (rowKeys) rowKeys[finite] = groupKeys[r % KEY_ROWS];
    finite++;

    const int slot = s->rows;
    double *chunk = (double *)s->chunk;
    int p = 0;
    for (; p < P && (p + 1) * PW64 <= dim; p++) {
      double *dst = chunk + ((size_t)p * CAP + slot) * PW64;
      wasm_v128_store(dst, wasm_v128_load(row + p * PW64));
      wasm_v128_store(dst + 2, wasm_v128_load(row + p * PW64 + 2));
    }
    if (p < P) {
      double *dst = chunk + ((size_t)p * CAP + slot) * PW64;
      for (int k = 0; k < PW64; k++) dst[k] = p * PW64 + k < dim ? row[p * PW64 + k] : 0.0;
    }
    if (++s->rows == CAP) flush64(s);
  }
  return finite;
}

#include "tridiagonal.h"
