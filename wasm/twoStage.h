/*
 * Included by tridiagonal.h: the two-stage reduction to tridiagonal form (eigenvalues only), our
 * own take on LAPACK's dsytrd_sy2sb + dsytrd_sb2st.
 *
 * Stage 1, dense → band of bandwidth nb: each panel of nb columns below the band gets a QR
 * factorisation Q = I − V T Vᵀ (compact WY), and the trailing matrix A₂₂ ← QᵀA₂₂Q is updated at
 * once as A₂₂ − V Wᵀ − W Vᵀ, W = X − ½ V (Tᵀ Vᵀ X), X = A₂₂ V T. The trailing triangle is thus
 * streamed twice per PANEL (the product A₂₂V and the rank-2nb update, both register-tiled and
 * split between two threads), where the one-stage reduction streams it once per COLUMN.
 * Stage 2, band → tridiagonal: bulge chasing with Householder reflectors of length nb on the
 * band alone (n × 2nb doubles, in cache), column by column (dsb2st's kernels: annihilate a
 * column, then chase the bulge's first column down the band).
 */

/** Doubles of scratch that tridiagonalize_two_stage needs (nb a multiple of 4, 8 ≤ nb ≤ 64). */
EXPORT(two_stage_scratch) uint32_t two_stage_scratch(int32_t n, int32_t nb) {
  const uint32_t n4 = ((uint32_t)n + 7) & ~3u, b = (uint32_t)nb;
  return b * (uint32_t)n   /* panel, column-major */
       + 3u * b * b        /* T, V ᵀX, Z */
       + 5u * b * n4       /* V (k-block major), V and X (row-major), X's transposed parts (two threads) */
       + 4u * b * n4       /* X and Y of syr2k_lower, packed */
       + 2u * b * (uint32_t)n /* the band */
       + 6u * b + 64u;     /* vectors (two threads' in stage 2) */
}

/*
 * The product of the panel, x = A V, for the row tiles t ∈ [t0, t1) (rows 4t..4t+3 < m4 = m & ~3)
 * of the symmetric m×m matrix a (lower triangle, row stride n), reading only the tiles' own rows
 * (four contiguous streams: a strided walk down the columns would touch a page per row). vk holds
 * V in k-blocks of four columns: vk[(kb·mp + c)·4 + k] = V[c][4kb + k] (mp rows, zero-padded).
 * A tile's entries A[i][c], c < i0, contribute A[i][c]·V[c] to its own rows of x (row-major,
 * stride nbk: written) and A[i][c]·V[i] to rows c < i0, which go to xt (laid out as vk; added to,
 * so that two threads with an xt each may share the tiles). A tile costs ∝ i0.
 */
static void symm_tiles(const double *a, int n, int m, const double *vk, int mp, int nbk, double *x, double *xt, int t0, int t1) {
  const int m4 = m & ~3;
  for (int t = t0; t < t1; t++) {
    const int i0 = 4 * t;
    const double *p0 = a + (size_t)i0 * n, *p1 = p0 + n, *p2 = p1 + n, *p3 = p2 + n;
    for (int kb = 0; kb < nbk / 4; kb++) {
      const double *v = vk + (size_t)kb * mp * 4;
      v128_t a00 = wasm_f64x2_splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
      for (int c = 0; c < i0; c++) {
        const v128_t y0 = wasm_v128_load(v + 4 * c), y1 = wasm_v128_load(v + 4 * c + 2);
        v128_t s = wasm_v128_load64_splat(p0 + c);
        a00 = MADD64(s, y0, a00); a01 = MADD64(s, y1, a01);
        s = wasm_v128_load64_splat(p1 + c);
        a10 = MADD64(s, y0, a10); a11 = MADD64(s, y1, a11);
        s = wasm_v128_load64_splat(p2 + c);
        a20 = MADD64(s, y0, a20); a21 = MADD64(s, y1, a21);
        s = wasm_v128_load64_splat(p3 + c);
        a30 = MADD64(s, y0, a30); a31 = MADD64(s, y1, a31);
      }
      double *x0 = x + (size_t)i0 * nbk + 4 * kb;
      wasm_v128_store(x0, a00); wasm_v128_store(x0 + 2, a01);
      wasm_v128_store(x0 + nbk, a10); wasm_v128_store(x0 + nbk + 2, a11);
      wasm_v128_store(x0 + 2 * nbk, a20); wasm_v128_store(x0 + 2 * nbk + 2, a21);
      wasm_v128_store(x0 + 3 * nbk, a30); wasm_v128_store(x0 + 3 * nbk + 2, a31);
      /* the transposed part: xt[c] += Σⱼ A[i0+j][c]·V[i0+j] */
      const v128_t v00 = wasm_v128_load(v + 4 * i0), v01 = wasm_v128_load(v + 4 * i0 + 2);
      const v128_t v10 = wasm_v128_load(v + 4 * i0 + 4), v11 = wasm_v128_load(v + 4 * i0 + 6);
      const v128_t v20 = wasm_v128_load(v + 4 * i0 + 8), v21 = wasm_v128_load(v + 4 * i0 + 10);
      const v128_t v30 = wasm_v128_load(v + 4 * i0 + 12), v31 = wasm_v128_load(v + 4 * i0 + 14);
      double *o = xt + (size_t)kb * mp * 4;
      for (int c = 0; c < i0; c++) {
        v128_t o0 = wasm_v128_load(o + 4 * c), o1 = wasm_v128_load(o + 4 * c + 2);
        v128_t s = wasm_v128_load64_splat(p0 + c);
        o0 = MADD64(s, v00, o0); o1 = MADD64(s, v01, o1);
        s = wasm_v128_load64_splat(p1 + c);
        o0 = MADD64(s, v10, o0); o1 = MADD64(s, v11, o1);
        s = wasm_v128_load64_splat(p2 + c);
        o0 = MADD64(s, v20, o0); o1 = MADD64(s, v21, o1);
        s = wasm_v128_load64_splat(p3 + c);
        o0 = MADD64(s, v30, o0); o1 = MADD64(s, v31, o1);
        wasm_v128_store(o + 4 * c, o0); wasm_v128_store(o + 4 * c + 2, o1);
      }
    }
    /* the 4×4 diagonal block, and the last m mod 4 rows below the tile */
    for (int ii = 0; ii < 4; ii++) {
      const int i = i0 + ii;
      double *xi = x + (size_t)i * nbk;
      for (int c = i0; c < i0 + 4; c++) {
        const double aic = c <= i ? a[(size_t)i * n + c] : a[(size_t)c * n + i];
        for (int k = 0; k < nbk; k++) xi[k] += aic * vk[((size_t)(k >> 2) * mp + c) * 4 + (k & 3)];
      }
      for (int r = m4; r < m; r++) {
        const double ari = a[(size_t)r * n + i];
        for (int k = 0; k < nbk; k++) xi[k] += ari * vk[((size_t)(k >> 2) * mp + r) * 4 + (k & 3)];
      }
    }
  }
}

/** Adds xt (laid out as vk) to the rows 0..m4−1 of x. */
static void symm_add(double *x, const double *xt, int m, int mp, int nbk) {
  for (int r = 0; r < (m & ~3); r++)
    for (int k = 0; k < nbk; k++) x[(size_t)r * nbk + k] += xt[((size_t)(k >> 2) * mp + r) * 4 + (k & 3)];
}

/** The product rows m & ~3 .. m−1 (one entry at a time: at most three rows). */
static void symm_last_rows(const double *a, int n, int m, const double *vk, int mp, int nbk, double *x) {
  for (int i = m & ~3; i < m; i++) {
    double *xi = x + (size_t)i * nbk;
    for (int k = 0; k < nbk; k++) xi[k] = 0;
    for (int c = 0; c < m; c++) {
      const double aic = c <= i ? a[(size_t)i * n + c] : a[(size_t)c * n + i];
      for (int k = 0; k < nbk; k++) xi[k] += aic * vk[((size_t)(k >> 2) * mp + c) * 4 + (k & 3)];
    }
  }
}

/* x = A V (symm_tiles, then symm_last_rows); xt: mp·nbk doubles, twice on two threads. */
#ifdef THREADS
static void team_symm(Team *team, const double *a, int n, int m, const double *vk, int mp, int nbk, double *x, double *xt);
#else
static inline void team_symm(Team *team, const double *a, int n, int m, const double *vk, int mp, int nbk, double *x, double *xt) {
  (void)team;
  for (size_t i = 0; i < (size_t)mp * nbk; i++) xt[i] = 0;
  symm_tiles(a, n, m, vk, mp, nbk, x, xt, 0, m >> 2);
  symm_add(x, xt, m, mp, nbk);
}
#endif

/**
 * A Householder reflector I − τ v vᵀ (v₀ = 1) that maps x[0..len) to (β, 0, …): x[0] ← β and
 * v[1..len) ← the rest of v (v may be x + 0: then v lives in x[1..]; else x[1..] ← 0 and v[0] = 1).
 * Returns τ (0: x is already (β, 0, …), nothing to do).
 */
static double make_reflector(double *x, int len, double *v) {
  double s = 0;
  for (int i = 1; i < len; i++) s += x[i] * x[i];
  if (s == 0) { if (v != x) { v[0] = 1; for (int i = 1; i < len; i++) v[i] = 0; } return 0; }
  const double alpha = x[0];
  const double norm = __builtin_sqrt(alpha * alpha + s);
  const double beta = alpha >= 0 ? -norm : norm;
  const double f = 1.0 / (alpha - beta);
  for (int i = 1; i < len; i++) v[i] = x[i] * f;
  if (v != x) { v[0] = 1; for (int i = 1; i < len; i++) x[i] = 0; }
  x[0] = beta;
  return (beta - alpha) / beta;
}

/* ---- stage 1 -------------------------------------------------------------------------------- */

/**
 * out[0..nbk) = (accumulate ? out : 0) + Σ_{a<ka} in[a]·B[a][·] (B row-major, stride nbk; nbk a
 * multiple of 4), eight columns of out in registers at a time. in and out must not overlap.
 */
static void row_times(const double *in, int ka, const double *B, int nbk, double *out, int accumulate) {
  int b = 0;
  for (; b + 8 <= nbk; b += 8) {
    v128_t c0 = wasm_f64x2_splat(0), c1 = c0, c2 = c0, c3 = c0;
    if (accumulate) { c0 = wasm_v128_load(out + b); c1 = wasm_v128_load(out + b + 2); c2 = wasm_v128_load(out + b + 4); c3 = wasm_v128_load(out + b + 6); }
    for (int a = 0; a < ka; a++) {
      const v128_t s = wasm_f64x2_splat(in[a]);
      const double *ba = B + a * nbk + b;
      c0 = MADD64(s, wasm_v128_load(ba), c0); c1 = MADD64(s, wasm_v128_load(ba + 2), c1);
      c2 = MADD64(s, wasm_v128_load(ba + 4), c2); c3 = MADD64(s, wasm_v128_load(ba + 6), c3);
    }
    wasm_v128_store(out + b, c0); wasm_v128_store(out + b + 2, c1); wasm_v128_store(out + b + 4, c2); wasm_v128_store(out + b + 6, c3);
  }
  for (; b < nbk; b += 4) {
    v128_t c0 = wasm_f64x2_splat(0), c1 = c0;
    if (accumulate) { c0 = wasm_v128_load(out + b); c1 = wasm_v128_load(out + b + 2); }
    for (int a = 0; a < ka; a++) {
      const v128_t s = wasm_f64x2_splat(in[a]);
      c0 = MADD64(s, wasm_v128_load(B + a * nbk + b), c0); c1 = MADD64(s, wasm_v128_load(B + a * nbk + b + 2), c1);
    }
    wasm_v128_store(out + b, c0); wasm_v128_store(out + b + 2, c1);
  }
}

/**
 * One panel: the columns j..j+nb−1 of the rows j+nb..n−1 (m = n − j − nb ≥ 2 of them) to upper
 * triangular R (written back to w: the band), and A₂₂ (rows and columns j+nb..) ← QᵀA₂₂Q.
 */
static void reduce_panel(double *w, int n, int nb, int j, double *s, Team *team) {
  const int m = n - j - nb, kr = nb < m - 1 ? nb : m - 1, nbk = (kr + 3) & ~3, mp = (m + 3) & ~3, K = 2 * kr;
  const int n4 = (n + 7) & ~3;
  double *P = s;                                           /* m × nb, column-major */
  double *T = P + (size_t)nb * n, *M = T + nb * nb, *Z = M + nb * nb; /* nb × nb (stride nbk) */
  double *vk = Z + nb * nb, *vr = vk + (size_t)nb * n4, *x = vr + (size_t)nb * n4;
  double *xt = x + (size_t)nb * n4, *xp = xt + (size_t)2 * nb * n4, *yp = xp + (size_t)2 * nb * n4;
  double *tau = yp + (size_t)2 * nb * n4 + 2 * (size_t)nb * n, *tv = tau + nb;
  double *a22 = w + (size_t)(j + nb) * n + (j + nb);
  for (int r = 0; r < m; r++) {
    const double *row = w + (size_t)(j + nb + r) * n + j;
    for (int c = 0; c < nb; c++) P[(size_t)c * m + r] = row[c];
  }
  /* Householder QR of the panel (columns in turn; v below the diagonal of P) */
  for (int c = 0; c < kr; c++) {
    double *pc = P + (size_t)c * m + c;
    const int len = m - c;
    const double t = make_reflector(pc, len, pc);
    tau[c] = t;
    if (t == 0) continue;
    for (int c2 = c + 1; c2 < nb; c2++) {
      double *y = P + (size_t)c2 * m + c;
      double dot = y[0];
      for (int r = 1; r < len; r++) dot += pc[r] * y[r];
      const double f = t * dot;
      y[0] -= f;
      for (int r = 1; r < len; r++) y[r] -= f * pc[r];
    }
  }
  /* R to the band of w (below it: zeros, which nobody reads) */
  for (int c = 0; c < nb; c++)
    for (int r = 0; r <= c && r < m; r++) w[(size_t)(j + nb + r) * n + j + c] = P[(size_t)c * m + r];
  /* V, row-major (stride nbk) and in k-blocks, zero-padded */
  for (int r = 0; r < mp; r++)
    for (int k = 0; k < nbk; k++) {
      const double v = r >= m || k >= kr || r < k ? 0 : r == k ? 1 : P[(size_t)k * m + r];
      vr[(size_t)r * nbk + k] = v;
      vk[((size_t)(k >> 2) * mp + r) * 4 + (k & 3)] = v;
    }
  /* T (upper triangular, stride nbk): Q = H₀…H_{kr−1} = I − V T Vᵀ */
  for (int i = 0; i < nbk * nbk; i++) T[i] = 0;
  for (int c = 0; c < kr; c++) {
    const double *vc = P + (size_t)c * m;
    for (int a = 0; a < c; a++) {
      const double *va = P + (size_t)a * m;
      double dot = va[c]; /* V[c][c] = 1 */
      for (int r = c + 1; r < m; r++) dot += va[r] * vc[r];
      tv[a] = -tau[c] * dot;
    }
    for (int a = 0; a < c; a++) {
      double sum = 0;
      for (int b = a; b < c; b++) sum += T[a * nbk + b] * tv[b];
      T[a * nbk + c] = sum;
    }
    T[c * nbk + c] = tau[c];
  }
  /* X = A₂₂ V, then X ← X T */
  team_symm(team, a22, n, m, vk, mp, nbk, x, xt);
  symm_last_rows(a22, n, m, vk, mp, nbk, x);
  for (int r = 0; r < m; r++) {
    double *xr = x + (size_t)r * nbk, in[64];
    for (int k = 0; k < kr; k++) in[k] = xr[k];
    row_times(in, kr, T, nbk, xr, 0);
  }
  /* M = Vᵀ X (four rows of V and X per pass over M), Z = −½ Tᵀ M, W = X + V Z (in x) */
  for (int i = 0; i < nbk * nbk; i++) M[i] = 0;
  int r = 0;
  for (; r + 4 <= m; r += 4) {
    const double *v0 = vr + (size_t)r * nbk, *x0 = x + (size_t)r * nbk;
    for (int a = 0; a < kr && a <= r + 3; a++) {
      const v128_t s0 = wasm_f64x2_splat(v0[a]), s1 = wasm_f64x2_splat(v0[nbk + a]);
      const v128_t s2 = wasm_f64x2_splat(v0[2 * nbk + a]), s3 = wasm_f64x2_splat(v0[3 * nbk + a]);
      double *ma = M + a * nbk;
      for (int b = 0; b < nbk; b += 2) {
        v128_t acc = MADD64(s0, wasm_v128_load(x0 + b), wasm_v128_load(ma + b));
        acc = MADD64(s1, wasm_v128_load(x0 + nbk + b), acc);
        acc = MADD64(s2, wasm_v128_load(x0 + 2 * nbk + b), acc);
        wasm_v128_store(ma + b, MADD64(s3, wasm_v128_load(x0 + 3 * nbk + b), acc));
      }
    }
  }
  for (; r < m; r++) {
    const double *vrr = vr + (size_t)r * nbk, *xr = x + (size_t)r * nbk;
    for (int a = 0; a < kr && a <= r; a++) {
      const v128_t va = wasm_f64x2_splat(vrr[a]);
      double *ma = M + a * nbk;
      for (int b = 0; b < nbk; b += 2) wasm_v128_store(ma + b, MADD64(va, wasm_v128_load(xr + b), wasm_v128_load(ma + b)));
    }
  }
  for (int a = 0; a < nbk; a++)
    for (int b = 0; b < nbk; b++) {
      double sum = 0;
      for (int c = 0; c <= a && c < kr; c++) sum += T[c * nbk + a] * M[c * nbk + b];
      Z[a * nbk + b] = -0.5 * sum;
    }
  for (r = 0; r < m; r++) row_times(vr + (size_t)r * nbk, kr < r + 1 ? kr : r + 1, Z, nbk, x + (size_t)r * nbk, 1);
  /* A₂₂ ← A₂₂ − [V W][W V]ᵀ: syr2k_lower's packed panels (four rows at a time, zero beyond m) */
  for (int g = 0; g < mp / 4; g++)
    for (int k = 0; k < kr; k++)
      for (int jj = 0; jj < 4; jj++) {
        const int r = 4 * g + jj;
        const double v = vr[(size_t)r * nbk + k], wv = r < m ? x[(size_t)r * nbk + k] : 0;
        xp[((size_t)g * K + k) * 4 + jj] = v; xp[((size_t)g * K + kr + k) * 4 + jj] = wv;
        yp[((size_t)g * K + k) * 4 + jj] = wv; yp[((size_t)g * K + kr + k) * 4 + jj] = v;
      }
  team_syr2k(team, a22, n, m, K, xp, yp);
}

/* ---- stage 2 -------------------------------------------------------------------------------- */

/* The band: column c holds rows c..c+2nb−1 at band[c·ld + (r − c)], ld = 2nb (room for the bulge). */
#define BAND(r, c) (band + (size_t)(c) * ld + ((r) - (c)))

/* x[0..len) += f·y[0..len) and Σ x[i]·y[i], two lanes at a time (the band's short columns). */
static inline void axpy(double *restrict x, double f, const double *restrict y, int len) {
  const v128_t fv = wasm_f64x2_splat(f);
  int i = 0;
  for (; i + 2 <= len; i += 2) wasm_v128_store(x + i, MADD64(fv, wasm_v128_load(y + i), wasm_v128_load(x + i)));
  if (i < len) x[i] += f * y[i];
}
static inline double dot(const double *restrict x, const double *restrict y, int len) {
  v128_t sv = wasm_f64x2_splat(0);
  int i = 0;
  for (; i + 2 <= len; i += 2) sv = MADD64(wasm_v128_load(x + i), wasm_v128_load(y + i), sv);
  double sum = wasm_f64x2_extract_lane(sv, 0) + wasm_f64x2_extract_lane(sv, 1);
  if (i < len) sum += x[i] * y[i];
  return sum;
}

/** A ← H A H on the symmetric block rows/columns s0..s0+len−1, H = I − τ v vᵀ (dsb2st's dlarfy). */
static void band_two_sided(double *band, int ld, int s0, int len, const double *v, double tau, double *y) {
  for (int i = 0; i < len; i++) y[i] = 0;
  for (int c = 0; c < len; c++) {
    const double *col = BAND(s0 + c, s0 + c) - c; /* col[r] = A[s0 + r][s0 + c], r ≥ c */
    /* y[c] += Σ_{r>c} A[r][c]·v[r] and y[r] += A[r][c]·v[c], in one pass */
    const v128_t vc = wasm_f64x2_splat(v[c]);
    v128_t sv = wasm_f64x2_splat(0);
    int r = c + 1;
    for (; r + 2 <= len; r += 2) {
      const v128_t x = wasm_v128_load(col + r);
      sv = MADD64(x, wasm_v128_load(v + r), sv);
      wasm_v128_store(y + r, MADD64(x, vc, wasm_v128_load(y + r)));
    }
    double sum = col[c] * v[c] + wasm_f64x2_extract_lane(sv, 0) + wasm_f64x2_extract_lane(sv, 1);
    if (r < len) { sum += col[r] * v[r]; y[r] += col[r] * v[c]; }
    y[c] += sum;
  }
  double vy = 0;
  for (int i = 0; i < len; i++) { y[i] *= tau; vy += y[i] * v[i]; }
  const double alpha = -0.5 * tau * vy;
  for (int i = 0; i < len; i++) y[i] += alpha * v[i];
  for (int c = 0; c < len; c++) {
    double *col = BAND(s0 + c, s0 + c) - c;
    const v128_t vc = wasm_f64x2_splat(v[c]), yc = wasm_f64x2_splat(y[c]);
    int r = c;
    for (; r + 2 <= len; r += 2)
      wasm_v128_store(col + r, NMADD64(vc, wasm_v128_load(y + r), NMADD64(yc, wasm_v128_load(v + r), wasm_v128_load(col + r))));
    if (r < len) col[r] -= v[r] * y[c] + y[r] * v[c];
  }
}

/** Rows r0..r0+lr−1, columns s0..s0+len−1: A ← A H (H = I − τ v vᵀ on the columns). */
static void band_right(double *band, int ld, int r0, int lr, int s0, int len, const double *v, double tau, double *z) {
  for (int r = 0; r < lr; r++) z[r] = 0;
  int c = 0;
  for (; c + 2 <= len; c += 2) {
    /* two columns per pass over z */
    const double *c0 = BAND(r0, s0 + c), *c1 = BAND(r0, s0 + c + 1);
    const v128_t v0 = wasm_f64x2_splat(v[c]), v1 = wasm_f64x2_splat(v[c + 1]);
    int r = 0;
    for (; r + 2 <= lr; r += 2)
      wasm_v128_store(z + r, MADD64(wasm_v128_load(c1 + r), v1, MADD64(wasm_v128_load(c0 + r), v0, wasm_v128_load(z + r))));
    if (r < lr) z[r] += c0[r] * v[c] + c1[r] * v[c + 1];
  }
  if (c < len) axpy(z, v[c], BAND(r0, s0 + c), lr);
  for (c = 0; c < len; c++) axpy(BAND(r0, s0 + c), -tau * v[c], z, lr);
}

/** Rows r0..r0+lr−1, columns c0..c1−1: A ← H A (H = I − τ v vᵀ on the rows). */
static void band_left(double *band, int ld, int r0, int lr, int c0, int c1, const double *v, double tau) {
  for (int c = c0; c < c1; c++) {
    double *col = BAND(r0, c);
    axpy(col, -tau * dot(v, col, lr), v, lr);
  }
}

/*
 * Sweeps may run on two threads, alternately (the calling thread the even ones), as a pipeline:
 * step k of sweep j touches only rows and columns j+1+(k−1)·nb .. j+(k+1)·nb, so it may run once
 * sweep j−1 has finished its step k+2 (steps are never taken in another order than one thread
 * would take them, on the entries they share). A thread publishes its progress as j·stride +
 * (steps done), and (j+1)·stride when sweep j is done; stride = n/nb + 3 exceeds any sweep's steps.
 */
typedef struct { int32_t *mine; const int32_t *other; int stride; } Pipeline;

static void pipeline_wait(const Pipeline *p, int j, int k) {
  if (!p || j == 0) return;
  const int32_t finished = j * p->stride, target = (j - 1) * p->stride + k + 3;
  const int32_t need = target < finished ? target : finished;
  int32_t seen;
  for (int spin = 0; (seen = __atomic_load_n(p->other, __ATOMIC_ACQUIRE)) < need; spin++) {
#ifdef THREADS
    /* a short sleep once spinning has gone on for a while (the other thread may be descheduled); nobody notifies */
    if (spin > 20000) __builtin_wasm_memory_atomic_wait32((int32_t *)p->other, seen, 50000);
#endif
  }
}

static void pipeline_publish(const Pipeline *p, int32_t value) {
  if (p) __atomic_store_n(p->mine, value, __ATOMIC_RELEASE);
}

/** Sweep j: annihilates column j below the subdiagonal and chases the bulge down the band. */
static void band_sweep(double *band, int n, int nb, int j, double *vecs, const Pipeline *p) {
  const int ld = 2 * nb;
  double *v = vecs, *v2 = v + nb, *y = v2 + nb;
  int st = j + 1, len = nb < n - 1 - j ? nb : n - 1 - j, k = 0;
  pipeline_wait(p, j, 0);
  double tau = make_reflector(BAND(st, j), len, v);
  if (tau != 0) band_two_sided(band, ld, st, len, v, tau, y);
  for (;;) {
    pipeline_publish(p, j * (p ? p->stride : 0) + k + 1);
    const int j1 = st + len;
    if (j1 >= n) break;
    pipeline_wait(p, j, ++k);
    const int lr = nb < n - j1 ? nb : n - j1;
    if (tau != 0) band_right(band, ld, j1, lr, st, len, v, tau, y);
    const double tau2 = make_reflector(BAND(j1, st), lr, v2);
    if (tau2 != 0) {
      band_left(band, ld, j1, lr, st + 1, st + len, v2, tau2);
      band_two_sided(band, ld, j1, lr, v2, tau2, y);
    }
    st = j1; len = lr; tau = tau2;
    double *t = v; v = v2; v2 = t;
  }
  pipeline_publish(p, (j + 1) * (p ? p->stride : 0));
}

/** Sweeps first, first + 2, … (step 2) or all (step 1). */
static void band_sweeps(double *band, int n, int nb, int first, int step, double *vecs, const Pipeline *p) {
  for (int j = first; j + 2 < n; j += step) band_sweep(band, n, nb, j, vecs, p);
}

#ifdef THREADS
static void team_band(Team *team, double *band, int n, int nb, double *vecs);
#else
static inline void team_band(Team *team, double *band, int n, int nb, double *vecs) { (void)team; band_sweeps(band, n, nb, 0, 1, vecs, NULL); }
#endif

/** The band (bandwidth nb, in `band`) to tridiagonal: d, e as tridiagonalize. vecs: 6nb doubles. */
static void band_to_tridiagonal(double *band, int n, int nb, double *d, double *e, double *vecs, Team *team) {
  const int ld = 2 * nb;
  team_band(team, band, n, nb, vecs);
  for (int i = 0; i < n; i++) d[i] = *BAND(i, i);
  e[0] = 0;
  for (int i = 1; i < n; i++) e[i] = *BAND(i, i - 1);
}
#undef BAND

/**
 * The two-stage reduction of the symmetric n×n matrix w (lower triangle read, overwritten) to
 * tridiagonal form: d, e as tridiagonalize. nb: the band's width (a multiple of 4, 8..64);
 * scratch: two_stage_scratch(n, nb) doubles. team: NULL for one thread.
 */
static void two_stage_reduction(double *w, int32_t n, int32_t nb, double *d, double *e, double *scratch, Team *team) {
  for (int j = 0; n - j - nb >= 2; j += nb) reduce_panel(w, n, nb, j, scratch, team);
  const int n4 = (n + 7) & ~3;
  double *band = scratch + (size_t)nb * n + 3 * (size_t)nb * nb + 9 * (size_t)nb * n4;
  const int ld = 2 * nb;
  for (int c = 0; c < n; c++)
    for (int k = 0; k < ld; k++) {
      const int r = c + k;
      band[(size_t)c * ld + k] = k <= nb && r < n ? w[(size_t)r * n + c] : 0;
    }
  band_to_tridiagonal(band, n, nb, d, e, band + (size_t)2 * nb * n, team);
}

/** The two-stage reduction on one thread. */
EXPORT(tridiagonalize_two_stage) void tridiagonalize_two_stage(double *w, int32_t n, int32_t nb, double *d, double *e, double *scratch) {
  two_stage_reduction(w, n, nb, d, e, scratch, NULL);
}
