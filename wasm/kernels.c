/*
 * WebAssembly SIMD kernels of Embedding Diagnostics (built by wasm/build.sh into wasm/kernels.wasm).
 *
 * 1. One-pass statistics of float32 rows (stats_*): NaN/Inf/zero classification, row norms,
 *    a duplicate-detection key per row, and mean + covariance. Finite rows are packed into
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
 *
 * No libc: memory comes from a bump allocator over the module's own linear memory.
 */
#include <wasm_simd128.h>
#include <stdint.h>
#include <stddef.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/*
 * Multiply-adds. Built twice (wasm/build.sh): with -DRELAXED they are relaxed-SIMD madd
 * (a fused multiply-add where the hardware has one: fewer instructions, one rounding instead of
 * two), else a multiply and an add. The loader picks the relaxed build when the runtime has it.
 */
#ifdef RELAXED
#define MADD32(a, b, c) wasm_f32x4_relaxed_madd(a, b, c)   /* a·b + c */
#define MADD64(a, b, c) wasm_f64x2_relaxed_madd(a, b, c)   /* a·b + c */
#define NMADD64(a, b, c) wasm_f64x2_relaxed_nmadd(a, b, c) /* c − a·b */
#else
#define MADD32(a, b, c) wasm_f32x4_add(c, wasm_f32x4_mul(a, b))
#define MADD64(a, b, c) wasm_f64x2_add(c, wasm_f64x2_mul(a, b))
#define NMADD64(a, b, c) wasm_f64x2_sub(c, wasm_f64x2_mul(a, b))
#endif

extern unsigned char __heap_base;
static uintptr_t heap_top;

/** 64-byte aligned bump allocation; 0 when the memory cannot grow. */
EXPORT(alloc) void *alloc(uint32_t bytes) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + 63) & ~(uintptr_t)63;
  uintptr_t end = p + bytes;
  if (end < p) return 0;
  uint32_t need = (uint32_t)((end + 65535) >> 16);
  uint32_t have = (uint32_t)__builtin_wasm_memory_size(0);
  if (need > have && __builtin_wasm_memory_grow(0, need - have) == (uint32_t)-1) return 0;
  heap_top = end;
  return (void *)p;
}

/** Frees everything allocated so far. */
EXPORT(reset) void reset(void) { heap_top = (uintptr_t)&__heap_base; }

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

/**
 * Processes `rows` float32 rows at x (row-major, dim each). For each finite row (no NaN, no
 * ±Inf) writes its Euclidean norm to norms[k] and a 53-bit duplicate key to keys[k] (k counts
 * finite rows), and adds it to the statistics. Returns the number of finite rows.
 * The key hashes the row's float32 bit patterns, −0 as +0, through two independent families
 * of 8 lane-wise 32-bit chains, so that equal rows get equal keys and different rows collide
 * with probability about 2⁻⁵³.
 */
EXPORT(stats_add_rows) int32_t stats_add_rows(Stats *s, const float *x, int32_t rows, double *norms, double *keys) {
  const int dim = s->dim, P = s->panels;
  const v128_t absMask = wasm_i32x4_splat(0x7fffffff), infBits = wasm_i32x4_splat(0x7f800000);
  const v128_t ma = wasm_i32x4_splat((int32_t)0xcc9e2d51), mb = wasm_i32x4_splat((int32_t)0x85ebca77);
  const v128_t ca = wasm_i32x4_splat((int32_t)0xe6546b64), cb = wasm_i32x4_splat((int32_t)0x165667b1);
  int32_t finite = 0;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (size_t)r * dim;
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
 * underflow (as StreamingStatistics does).
 */
EXPORT(stats64_add_rows) int32_t stats64_add_rows(Stats *s, const double *x, int32_t rows, double *norms, double *keys) {
  const int dim = s->dim, P = s->panels;
  const v128_t inf = wasm_f64x2_splat(__builtin_inf()), zero = wasm_f64x2_splat(0);
  const v128_t ma = wasm_i32x4_splat((int32_t)0xcc9e2d51), mb = wasm_i32x4_splat((int32_t)0x85ebca77);
  const v128_t ca = wasm_i32x4_splat((int32_t)0xe6546b64), cb = wasm_i32x4_splat((int32_t)0x165667b1);
  int32_t finite = 0;
  for (int r = 0; r < rows; r++) {
    const double *row = x + (size_t)r * dim;
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

/* ------------------------------------------------------------------------------------------ */
/* 2. Householder tridiagonalisation (eigenvalues only)                                        */
/* ------------------------------------------------------------------------------------------ */

/**
 * Turns the prefix w[i][0..i−1] into a Householder vector u in place and sets e[i].
 * Returns h = |u|²/2, or 0 when there is nothing to eliminate.
 */
static double householder_from_row(double *w, int n, int i, double *e) {
  const int l = i - 1;
  double *ri = w + (size_t)i * n;
  double scale = 0;
  if (l > 0) for (int k = 0; k <= l; k++) { double a = __builtin_fabs(ri[k]); if (a > scale) scale = a; }
  if (scale == 0) { e[i] = ri[l]; return 0; }
  double h = 0;
  const double inv = 1.0 / scale;
  int k = 0;
  v128_t hv = wasm_f64x2_splat(0);
  const v128_t iv = wasm_f64x2_splat(inv);
  for (; k + 2 <= l + 1; k += 2) {
    v128_t v = wasm_f64x2_mul(wasm_v128_load(ri + k), iv);
    wasm_v128_store(ri + k, v);
    hv = wasm_f64x2_add(hv, wasm_f64x2_mul(v, v));
  }
  h = wasm_f64x2_extract_lane(hv, 0) + wasm_f64x2_extract_lane(hv, 1);
  for (; k <= l; k++) { double v = ri[k] * inv; ri[k] = v; h += v * v; }
  const double f = ri[l];
  const double g = f >= 0 ? -__builtin_sqrt(h) : __builtin_sqrt(h);
  e[i] = scale * g;
  ri[l] = f - g;
  return h - f * g;
}

/** out[0..i−1] = A·u, u = w[i][0..i−1], A the leading i×i block (lower triangle). */
static void symmetric_times_row(const double *w, int n, int i, double *out) {
  const double *u = w + (size_t)i * n;
  for (int c = 0; c < i; c++) out[c] = 0;
  for (int r = 0; r < i; r++) {
    const double *rr = w + (size_t)r * n;
    const double ur = u[r];
    const v128_t urv = wasm_f64x2_splat(ur);
    v128_t sv = wasm_f64x2_splat(0);
    int c = 0;
    for (; c + 2 <= r; c += 2) {
      const v128_t x = wasm_v128_load(rr + c);
      sv = MADD64(x, wasm_v128_load(u + c), sv);
      wasm_v128_store(out + c, MADD64(x, urv, wasm_v128_load(out + c)));
    }
    double s = wasm_f64x2_extract_lane(sv, 0) + wasm_f64x2_extract_lane(sv, 1);
    for (; c < r; c++) { s += rr[c] * u[c]; out[c] += rr[c] * ur; }
    out[r] += s + rr[r] * ur;
  }
}

/** A ← A − uqᵀ − quᵀ on rows 0..l−1 (u = w[i][·]). */
static void update_only(double *w, int n, const double *u, int l, const double *q) {
  for (int r = 0; r < l; r++) {
    double *rr = w + (size_t)r * n;
    const double ur = u[r], qr = q[r];
    const v128_t urv = wasm_f64x2_splat(ur), qrv = wasm_f64x2_splat(qr);
    int c = 0;
    for (; c + 2 <= r + 1; c += 2) {
      v128_t x = wasm_v128_load(rr + c);
      x = NMADD64(qrv, wasm_v128_load(u + c), NMADD64(urv, wasm_v128_load(q + c), x));
      wasm_v128_store(rr + c, x);
    }
    for (; c <= r; c++) rr[c] -= ur * q[c] + qr * u[c];
  }
}

/**
 * Fused step: A ← A − uqᵀ − quᵀ on rows 0..l−1 and out[0..l−1] = A′·v for the updated A′,
 * v = w[l][·]. Rows go in pairs; the columns c < r of a pair run in f64x2 lanes.
 */
static void update_and_multiply(double *w, int n, const double *u, const double *v, int l, const double *q, double *out) {
  for (int c = 0; c < l; c++) out[c] = 0;
  int r = 0;
  /* Four rows at a time: each column c loads u, q, v and out once for four rows. */
  for (; r + 3 < l; r += 4) {
    double *r0 = w + (size_t)r * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
    const v128_t u0v = wasm_f64x2_splat(u[r]), u1v = wasm_f64x2_splat(u[r + 1]), u2v = wasm_f64x2_splat(u[r + 2]), u3v = wasm_f64x2_splat(u[r + 3]);
    const v128_t q0v = wasm_f64x2_splat(q[r]), q1v = wasm_f64x2_splat(q[r + 1]), q2v = wasm_f64x2_splat(q[r + 2]), q3v = wasm_f64x2_splat(q[r + 3]);
    const v128_t v0v = wasm_f64x2_splat(v[r]), v1v = wasm_f64x2_splat(v[r + 1]), v2v = wasm_f64x2_splat(v[r + 2]), v3v = wasm_f64x2_splat(v[r + 3]);
    v128_t s0v = wasm_f64x2_splat(0), s1v = s0v, s2v = s0v, s3v = s0v;
    int c = 0;
    for (; c + 2 <= r; c += 2) {
      const v128_t uc = wasm_v128_load(u + c), qc = wasm_v128_load(q + c), vc = wasm_v128_load(v + c);
      const v128_t x0 = NMADD64(q0v, uc, NMADD64(u0v, qc, wasm_v128_load(r0 + c)));
      const v128_t x1 = NMADD64(q1v, uc, NMADD64(u1v, qc, wasm_v128_load(r1 + c)));
      const v128_t x2 = NMADD64(q2v, uc, NMADD64(u2v, qc, wasm_v128_load(r2 + c)));
      const v128_t x3 = NMADD64(q3v, uc, NMADD64(u3v, qc, wasm_v128_load(r3 + c)));
      wasm_v128_store(r0 + c, x0); wasm_v128_store(r1 + c, x1); wasm_v128_store(r2 + c, x2); wasm_v128_store(r3 + c, x3);
      s0v = MADD64(x0, vc, s0v); s1v = MADD64(x1, vc, s1v); s2v = MADD64(x2, vc, s2v); s3v = MADD64(x3, vc, s3v);
      wasm_v128_store(out + c, MADD64(x3, v3v, MADD64(x2, v2v, MADD64(x1, v1v, MADD64(x0, v0v, wasm_v128_load(out + c))))));
    }
    double s[4] = {
      wasm_f64x2_extract_lane(s0v, 0) + wasm_f64x2_extract_lane(s0v, 1), wasm_f64x2_extract_lane(s1v, 0) + wasm_f64x2_extract_lane(s1v, 1),
      wasm_f64x2_extract_lane(s2v, 0) + wasm_f64x2_extract_lane(s2v, 1), wasm_f64x2_extract_lane(s3v, 0) + wasm_f64x2_extract_lane(s3v, 1),
    };
    double *rows[4] = {r0, r1, r2, r3};
    /* the remaining column (r odd) below the 4×4 corner, then the corner itself (lower triangle) */
    for (; c < r; c++) {
      const double uc = u[c], qc = q[c], vc = v[c];
      double o = 0;
      for (int k = 0; k < 4; k++) {
        const double x = rows[k][c] - u[r + k] * qc - q[r + k] * uc;
        rows[k][c] = x;
        s[k] += x * vc;
        o += x * v[r + k];
      }
      out[c] += o;
    }
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j <= k; j++) {
        const int cc = r + j;
        const double x = rows[k][cc] - u[r + k] * q[cc] - q[r + k] * u[cc];
        rows[k][cc] = x;
        /* x is entry (r+k, r+j) = (r+j, r+k): it contributes to both rows' products */
        s[k] += x * v[cc];
        if (j < k) s[j] += x * v[r + k];
      }
    }
    for (int k = 0; k < 4; k++) out[r + k] += s[k];
  }
  for (; r + 1 < l; r += 2) {
    double *r0 = w + (size_t)r * n, *r1 = r0 + n;
    const double u0 = u[r], u1 = u[r + 1], q0 = q[r], q1 = q[r + 1], v0 = v[r], v1 = v[r + 1];
    double s0 = 0, s1 = 0;
    for (int c = 0; c < r; c++) {
      const double uc = u[c], qc = q[c], vc = v[c];
      const double x0 = r0[c] - u0 * qc - q0 * uc;
      const double x1 = r1[c] - u1 * qc - q1 * uc;
      r0[c] = x0; r1[c] = x1;
      s0 += x0 * vc; s1 += x1 * vc;
      out[c] += x0 * v0 + x1 * v1;
    }
    const double x00 = r0[r] - 2 * u0 * q0;
    const double x10 = r1[r] - u1 * q0 - q1 * u0;
    const double x11 = r1[r + 1] - 2 * u1 * q1;
    r0[r] = x00; r1[r] = x10; r1[r + 1] = x11;
    out[r] += s0 + x00 * v0 + x10 * v1;
    out[r + 1] += s1 + x10 * v0 + x11 * v1;
  }
  if (r < l) {
    double *r0 = w + (size_t)r * n;
    const double u0 = u[r], q0 = q[r], v0 = v[r];
    double s0 = 0;
    for (int c = 0; c < r; c++) {
      const double x0 = r0[c] - u0 * q[c] - q0 * u[c];
      r0[c] = x0;
      s0 += x0 * v[c];
      out[c] += x0 * v0;
    }
    const double x00 = r0[r] - 2 * u0 * q0;
    r0[r] = x00;
    out[r] += s0 + x00 * v0;
  }
}

/**
 * Householder reduction of the symmetric n×n matrix w (lower triangle read, overwritten) to
 * tridiagonal form: diagonal d, subdiagonal e (e[i] couples i−1 and i; e[0] = 0).
 * q and next are scratch vectors of n doubles.
 */
EXPORT(tridiagonalize) void tridiagonalize(double *w, int32_t n, double *d, double *e, double *q, double *next) {
  double h = n > 1 ? householder_from_row(w, n, n - 1, e) : 0;
  if (h > 0) symmetric_times_row(w, n, n - 1, q);
  for (int i = n - 1; i >= 1; i--) {
    const int l = i - 1;
    double *ri = w + (size_t)i * n;
    double *rl = w + (size_t)l * n;
    if (h > 0) {
      double up = 0;
      const double invh = 1.0 / h;
      for (int r = 0; r <= l; r++) { q[r] *= invh; up += ri[r] * q[r]; }
      const double k = up / (2 * h);
      for (int r = 0; r <= l; r++) q[r] -= k * ri[r];
      const double ul = ri[l], ql = q[l];
      for (int c = 0; c <= l; c++) rl[c] -= ul * q[c] + ql * ri[c];
    }
    d[i] = ri[i];
    const double hNext = l >= 1 ? householder_from_row(w, n, l, e) : 0;
    if (h > 0) {
      if (hNext > 0) update_and_multiply(w, n, ri, rl, l, q, next);
      else update_only(w, n, ri, l, q);
    } else if (hNext > 0) {
      symmetric_times_row(w, n, l, next);
    }
    h = hNext;
    double *t = q; q = next; next = t;
  }
  if (n > 0) d[0] = w[0];
  e[0] = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* 3. Blocked Householder tridiagonalisation (LAPACK dsytrd/dlatrd-style)                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * The same reduction and the same order as tridiagonalize (rows eliminated from the last one
 * upwards, the Householder vectors of householder_from_row), but the rank-2 updates of TB
 * consecutive steps are not applied at once: the leading block stays as it was, each step
 * brings only its own row up to date and corrects its matrix–vector product for the pending
 * updates, and every TB steps one rank-2·TB update (a syr2k) is applied to the leading block.
 * Per step the trailing triangle is then only read (by the product) instead of read and
 * written; the update streams it once per TB steps, in register tiles. That halves the memory
 * traffic, which is what bounds the unblocked reduction once the matrix leaves the cache.
 */
#define TB 32

/** Doubles of scratch that tridiagonalize_blocked needs for an n×n matrix. */
EXPORT(tridiagonalize_blocked_scratch) uint32_t tridiagonalize_blocked_scratch(int32_t n) {
  const uint32_t n4 = ((uint32_t)n + 3) & ~3u;
  return (uint32_t)n + 2u * TB * (uint32_t)n + 4u * TB * n4 + 2u * TB;
}

/**
 * out[0..i−1] = A·u, u = w[i][0..i−1], A the leading i×i block (lower triangle), four rows at a
 * time: each column block loads u and out once for four rows, and the pointers walk (their
 * offsets fold into the loads), four columns per iteration.
 */
static void symv_rows4(const double *w, int n, int i, double *out) {
  const double *u = w + (size_t)i * n;
  for (int c = 0; c < i; c++) out[c] = 0;
  int r = 0;
  for (; r + 3 < i; r += 4) {
    const double *r0 = w + (size_t)r * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
    const v128_t u0 = wasm_f64x2_splat(u[r]), u1 = wasm_f64x2_splat(u[r + 1]), u2 = wasm_f64x2_splat(u[r + 2]), u3 = wasm_f64x2_splat(u[r + 3]);
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0, s2 = s0, s3 = s0;
    const double *p0 = r0, *p1 = r1, *p2 = r2, *p3 = r3, *pu = u;
    double *po = out;
    const int c4 = r & ~3;
    for (int c = 0; c < c4; c += 4, p0 += 4, p1 += 4, p2 += 4, p3 += 4, pu += 4, po += 4) {
      const v128_t ua = wasm_v128_load(pu), ub = wasm_v128_load(pu + 2);
      v128_t x = wasm_v128_load(p0), y = wasm_v128_load(p0 + 2);
      s0 = MADD64(x, ua, s0); s0 = MADD64(y, ub, s0);
      v128_t oa = MADD64(x, u0, wasm_v128_load(po)), ob = MADD64(y, u0, wasm_v128_load(po + 2));
      x = wasm_v128_load(p1); y = wasm_v128_load(p1 + 2);
      s1 = MADD64(x, ua, s1); s1 = MADD64(y, ub, s1);
      oa = MADD64(x, u1, oa); ob = MADD64(y, u1, ob);
      x = wasm_v128_load(p2); y = wasm_v128_load(p2 + 2);
      s2 = MADD64(x, ua, s2); s2 = MADD64(y, ub, s2);
      oa = MADD64(x, u2, oa); ob = MADD64(y, u2, ob);
      x = wasm_v128_load(p3); y = wasm_v128_load(p3 + 2);
      s3 = MADD64(x, ua, s3); s3 = MADD64(y, ub, s3);
      oa = MADD64(x, u3, oa); ob = MADD64(y, u3, ob);
      wasm_v128_store(po, oa); wasm_v128_store(po + 2, ob);
    }
    double s[4] = {
      wasm_f64x2_extract_lane(s0, 0) + wasm_f64x2_extract_lane(s0, 1), wasm_f64x2_extract_lane(s1, 0) + wasm_f64x2_extract_lane(s1, 1),
      wasm_f64x2_extract_lane(s2, 0) + wasm_f64x2_extract_lane(s2, 1), wasm_f64x2_extract_lane(s3, 0) + wasm_f64x2_extract_lane(s3, 1),
    };
    const double *rows[4] = {r0, r1, r2, r3};
    for (int c = c4; c < r; c++) {
      double o = 0;
      for (int k = 0; k < 4; k++) { s[k] += rows[k][c] * u[c]; o += rows[k][c] * u[r + k]; }
      out[c] += o;
    }
    /* the 4×4 corner (lower triangle): entry (r+k, r+j), j ≤ k */
    for (int k = 0; k < 4; k++) {
      for (int j = 0; j <= k; j++) {
        const double x = rows[k][r + j];
        s[k] += x * u[r + j];
        if (j < k) s[j] += x * u[r + k];
      }
    }
    for (int k = 0; k < 4; k++) out[r + k] += s[k];
  }
  for (; r < i; r++) {
    const double *rr = w + (size_t)r * n;
    const double ur = u[r];
    double s = 0;
    for (int c = 0; c < r; c++) { s += rr[c] * u[c]; out[c] += rr[c] * ur; }
    out[r] += s + rr[r] * ur;
  }
}

/**
 * A ← A − X Yᵀ on the lower triangle of the leading L×L block, with X = [u₁…uₘ q₁…qₘ] and
 * Y = [q₁…qₘ u₁…uₘ] (so X Yᵀ = Σₖ uₖ qₖᵀ + qₖ uₖᵀ), from panels packed four rows at a time:
 * xp[(g·K + k)·4 + j] = X[4g + j][k], K = 2m, zero beyond L. Register tiles of 4 rows × 4
 * columns: per k, 2 vector loads, 4 splat loads and 8 multiply-adds; the columns go in passes of
 * SYR2K_CB so that their panel stays in cache across all the rows. The diagonal tiles also
 * write the upper entries of their rows, which nothing reads.
 */
#define SYR2K_CB 128 /* columns per pass: their Y panel (CB·2·TB doubles, 64 KB) stays in L2 */
static void syr2k_lower(double *w, int n, int L, int K, const double *xp, const double *yp) {
  const int L4 = L & ~3;
  for (int cb = 0; cb < L4; cb += SYR2K_CB)
  for (int r0 = cb; r0 < L4; r0 += 4) {
    const double *xr = xp + (size_t)(r0 >> 2) * K * 4;
    const int cEnd = r0 < cb + SYR2K_CB - 4 ? r0 : cb + SYR2K_CB - 4;
    for (int c = cb; c <= cEnd; c += 4) {
      const double *yc = yp + (size_t)(c >> 2) * K * 4, *x = xr;
      v128_t a00 = wasm_f64x2_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      for (int k = 0; k < K; k++, x += 4, yc += 4) {
        const v128_t y0 = wasm_v128_load(yc), y1 = wasm_v128_load(yc + 2);
        v128_t s = wasm_v128_load64_splat(x);
        a00 = MADD64(s, y0, a00); a01 = MADD64(s, y1, a01);
        s = wasm_v128_load64_splat(x + 1);
        a10 = MADD64(s, y0, a10); a11 = MADD64(s, y1, a11);
        s = wasm_v128_load64_splat(x + 2);
        a20 = MADD64(s, y0, a20); a21 = MADD64(s, y1, a21);
        s = wasm_v128_load64_splat(x + 3);
        a30 = MADD64(s, y0, a30); a31 = MADD64(s, y1, a31);
      }
      double *t0 = w + (size_t)r0 * n + c, *t1 = t0 + n, *t2 = t1 + n, *t3 = t2 + n;
      wasm_v128_store(t0, wasm_f64x2_sub(wasm_v128_load(t0), a00)); wasm_v128_store(t0 + 2, wasm_f64x2_sub(wasm_v128_load(t0 + 2), a01));
      wasm_v128_store(t1, wasm_f64x2_sub(wasm_v128_load(t1), a10)); wasm_v128_store(t1 + 2, wasm_f64x2_sub(wasm_v128_load(t1 + 2), a11));
      wasm_v128_store(t2, wasm_f64x2_sub(wasm_v128_load(t2), a20)); wasm_v128_store(t2 + 2, wasm_f64x2_sub(wasm_v128_load(t2 + 2), a21));
      wasm_v128_store(t3, wasm_f64x2_sub(wasm_v128_load(t3), a30)); wasm_v128_store(t3 + 2, wasm_f64x2_sub(wasm_v128_load(t3 + 2), a31));
    }
  }
  /* the last L mod 4 rows, one entry at a time */
  for (int r = L4; r < L; r++) {
    const double *xr = xp + (size_t)(r >> 2) * K * 4 + (r & 3);
    double *row = w + (size_t)r * n;
    for (int c = 0; c <= r; c++) {
      const double *yc = yp + (size_t)(c >> 2) * K * 4 + (c & 3);
      double s = 0;
      for (int k = 0; k < K; k++) s += xr[4 * k] * yc[4 * k];
      row[c] -= s;
    }
  }
}

/**
 * Householder reduction of the symmetric n×n matrix w (lower triangle read, overwritten) to
 * tridiagonal form, like tridiagonalize, blocked (see above). scratch holds
 * tridiagonalize_blocked_scratch(n) doubles.
 */
EXPORT(tridiagonalize_blocked) void tridiagonalize_blocked(double *w, int32_t n, double *d, double *e, double *scratch) {
  const int n4 = (n + 3) & ~3;
  double *p = scratch;                         /* n: the step's product, then its q */
  double *ub = p + n, *qb = ub + (size_t)TB * n; /* TB rows of n: the block's u and q vectors */
  double *up = qb + (size_t)TB * n, *qp = up + (size_t)2 * TB * n4; /* X and Y of syr2k_lower, packed */
  double *alpha = qp + (size_t)2 * TB * n4, *beta = alpha + TB;
  int m = 0; /* reflectors pending in this block */
  for (int i = n - 1; i >= 1; i--) {
    const int l = i - 1;
    double *ri = w + (size_t)i * n;
    /* bring row i (entries 0..i) up to date with the pending reflectors */
    for (int k = 0; k < m; k++) {
      const double *uk = ub + (size_t)k * n, *qk = qb + (size_t)k * n;
      const v128_t uki = wasm_f64x2_splat(uk[i]), qki = wasm_f64x2_splat(qk[i]);
      int c = 0;
      for (; c + 2 <= i + 1; c += 2) {
        v128_t x = wasm_v128_load(ri + c);
        x = NMADD64(qki, wasm_v128_load(uk + c), NMADD64(uki, wasm_v128_load(qk + c), x));
        wasm_v128_store(ri + c, x);
      }
      for (; c <= i; c++) ri[c] -= uk[i] * qk[c] + qk[i] * uk[c];
    }
    d[i] = ri[i];
    const double h = householder_from_row(w, n, i, e);
    if (h > 0) {
      /* p = A·u with A the up-to-date leading i×i block = stored − Σₖ (uₖ qₖᵀ + qₖ uₖᵀ) */
      symv_rows4(w, n, i, p);
      for (int k = 0; k < m; k++) {
        const double *uk = ub + (size_t)k * n, *qk = qb + (size_t)k * n;
        v128_t av = wasm_f64x2_splat(0), bv = av;
        int c = 0;
        for (; c + 2 <= i; c += 2) {
          const v128_t uc = wasm_v128_load(ri + c);
          av = MADD64(wasm_v128_load(qk + c), uc, av);
          bv = MADD64(wasm_v128_load(uk + c), uc, bv);
        }
        double a = wasm_f64x2_extract_lane(av, 0) + wasm_f64x2_extract_lane(av, 1);
        double b = wasm_f64x2_extract_lane(bv, 0) + wasm_f64x2_extract_lane(bv, 1);
        for (; c < i; c++) { a += qk[c] * ri[c]; b += uk[c] * ri[c]; }
        alpha[k] = a; beta[k] = b;
      }
      for (int k = 0; k < m; k++) {
        const double *uk = ub + (size_t)k * n, *qk = qb + (size_t)k * n;
        const v128_t av = wasm_f64x2_splat(alpha[k]), bv = wasm_f64x2_splat(beta[k]);
        int c = 0;
        for (; c + 2 <= i; c += 2) {
          v128_t x = wasm_v128_load(p + c);
          x = NMADD64(bv, wasm_v128_load(qk + c), NMADD64(av, wasm_v128_load(uk + c), x));
          wasm_v128_store(p + c, x);
        }
        for (; c < i; c++) p[c] -= alpha[k] * uk[c] + beta[k] * qk[c];
      }
      /* q = p/h − K·u, K = uᵀp/(2h²) (as tridiagonalize) */
      const double invh = 1.0 / h;
      double upd = 0;
      for (int c = 0; c <= l; c++) { p[c] *= invh; upd += ri[c] * p[c]; }
      const double K = upd / (2 * h);
      for (int c = 0; c <= l; c++) p[c] -= K * ri[c];
      double *uk = ub + (size_t)m * n, *qk = qb + (size_t)m * n;
      for (int c = 0; c < i; c++) { uk[c] = ri[c]; qk[c] = p[c]; }
      for (int c = i; c < n; c++) { uk[c] = 0; qk[c] = 0; }
      m++;
    }
    /* a full block, or the last step: apply the pending update to the leading i×i block */
    if (m > 0 && (m == TB || i == 1)) {
      const int L = i;
      const int L4 = (L + 3) & ~3;
      const int K = 2 * m;
      for (int g = 0; g < L4 / 4; g++) {
        for (int k = 0; k < m; k++) {
          for (int j = 0; j < 4; j++) {
            const int c = 4 * g + j;
            const double uv = c < L ? ub[(size_t)k * n + c] : 0, qv = c < L ? qb[(size_t)k * n + c] : 0;
            up[((size_t)g * K + k) * 4 + j] = uv; up[((size_t)g * K + m + k) * 4 + j] = qv; /* X = [U Q] */
            qp[((size_t)g * K + k) * 4 + j] = qv; qp[((size_t)g * K + m + k) * 4 + j] = uv; /* Y = [Q U] */
          }
        }
      }
      syr2k_lower(w, n, L, K, up, qp);
      m = 0;
    }
  }
  if (n > 0) d[0] = w[0];
  e[0] = 0;
  (void)n4;
}
