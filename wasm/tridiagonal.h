/* Included by kernels.c (and the two-thread eigen module): Householder tridiagonalisation. */
#include "common.h"

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
 * out[0..rb−1] = the part of A·u that rows ra..rb−1 of A's lower triangle contribute (ra a
 * multiple of 4; ra = 0, rb = i: all of A·u), u = w[i][0..i−1], A the leading i×i block, four
 * rows at a time: each column block loads u and out once for four rows, and the pointers walk (their
 * offsets fold into the loads), four columns per iteration.
 */
static void symv_rows4(const double *w, int n, int i, int ra, int rb, double *out) {
  const double *u = w + (size_t)i * n;
  for (int c = 0; c < rb; c++) out[c] = 0;
  int r = ra;
  for (; r + 3 < rb; r += 4) {
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
  for (; r < rb; r++) {
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
 * write the upper entries of their rows, which nothing reads. Only rows ra..rb−1 (ra a multiple
 * of 4; 0 and L: all), so that two threads can share the update.
 */
#define SYR2K_CB 128 /* columns per pass: their Y panel (CB·2·TB doubles, 64 KB) stays in L2 */
static void syr2k_lower(double *w, int n, int L, int K, const double *xp, const double *yp, int ra, int rb) {
  const int L4 = L & ~3, rEnd = rb < L4 ? rb : L4;
  for (int cb = 0; cb < rEnd; cb += SYR2K_CB)
  for (int r0 = cb > ra ? cb : ra; r0 < rEnd; r0 += 4) {
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
  /* the last L mod 4 rows, one entry at a time (by whoever has the range's end) */
  for (int r = L4; r < rb; r++) {
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

/*
 * The two O(n²)-per-call parts of the blocked reduction, shared out between threads by the
 * two-thread build (eigenThreads.c, which defines THREADS and these); one thread does all here.
 */
typedef struct Team Team;
#ifdef THREADS
static void team_symv(Team *team, const double *w, int n, int i, double *out);
static void team_syr2k(Team *team, double *w, int n, int L, int K, const double *xp, const double *yp);
#else
static inline void team_symv(Team *team, const double *w, int n, int i, double *out) { (void)team; symv_rows4(w, n, i, 0, i, out); }
static inline void team_syr2k(Team *team, double *w, int n, int L, int K, const double *xp, const double *yp) { (void)team; syr2k_lower(w, n, L, K, xp, yp, 0, L); }
#endif

/**
 * Householder reduction of the symmetric n×n matrix w (lower triangle read, overwritten) to
 * tridiagonal form, like tridiagonalize, blocked (see above). scratch holds
 * tridiagonalize_blocked_scratch(n) doubles.
 * team: NULL for one thread.
 */
static void blocked_reduction(double *w, int32_t n, double *d, double *e, double *scratch, Team *team) {
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
      team_symv(team, w, n, i, p);
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
      team_syr2k(team, w, n, L, K, up, qp);
      m = 0;
    }
  }
  if (n > 0) d[0] = w[0];
  e[0] = 0;
  (void)n4;
}

/** The blocked reduction on one thread. */
EXPORT(tridiagonalize_blocked) void tridiagonalize_blocked(double *w, int32_t n, double *d, double *e, double *scratch) {
  blocked_reduction(w, n, d, e, scratch, NULL);
}

#include "twoStage.h"
