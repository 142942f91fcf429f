/*
 * The blocked Householder tridiagonalisation of tridiagonal.h on two threads (built by
 * wasm/build.sh into wasm/eigen-threads.wasm, with shared memory). The module is instantiated
 * twice over one shared memory: by the calling thread, which runs tridiagonalize_two_threads,
 * and by a worker thread, which runs team_worker until told to quit. The two O(n²) parts of the
 * reduction are shared out, by rows of equal area of the lower triangle: each step's
 * matrix–vector product (memory-bound: two cores stream the matrix at almost twice the rate of
 * one) and each block's rank-2k update. Everything else runs on the calling thread.
 *
 * The calling thread never waits for the worker to start: until the worker says it is ready,
 * the calling thread does the whole product or update itself, so a worker that is slow to start
 * (or never starts) costs speed, not correctness. Waits spin briefly (a step's serial part is
 * tens of microseconds), then sleep in memory.atomic.wait32.
 */
#define THREADS
#include "tridiagonal.h"

enum { OP_SYMV = 1, OP_SYR2K = 2, OP_QUIT = 3, OP_SYMM = 4, OP_BAND = 5 };

struct Team {
  int32_t go;    /* sequence number of the latest order (the worker waits on it) */
  int32_t pad0[15];
  int32_t done;  /* sequence number of the latest order the worker finished */
  int32_t pad1[15];
  int32_t ready; /* 1 once the worker waits for orders */
  int32_t seq;   /* the calling thread's order counter */
  int32_t op, n, i, L, K, split;
  double *w;
  const double *xp, *yp;
  double *part; /* the worker's part of the product, n doubles */
  const double *vk; double *x, *xt; int32_t m, mp, nbk, t0; /* the two-stage panel product (OP_SYMM) */
  int32_t nb, stride; double *band, *vecs; /* the two-stage bulge chasing (OP_BAND) */
  int32_t pad2[16];
  int32_t progress[2][16]; /* the bulge chasing's progress: the calling thread's, the worker's (own cache lines) */
};

/* Below this many rows a product or update is not worth a hand-over (about 10 µs of work). */
#define TEAM_MIN 192
/* Spins before sleeping in a wait: some tens of microseconds. */
#define SPIN 20000

static void await_change(int32_t *p, int32_t old) {
  for (int s = 0; s < SPIN; s++) if (__atomic_load_n(p, __ATOMIC_ACQUIRE) != old) return;
  while (__atomic_load_n(p, __ATOMIC_ACQUIRE) == old) __builtin_wasm_memory_atomic_wait32(p, old, -1);
}

static void publish(int32_t *p, int32_t value) {
  __atomic_store_n(p, value, __ATOMIC_RELEASE);
  __builtin_wasm_memory_atomic_notify(p, 1);
}

/** True when the worker is there to take half of a call with `rows` rows. */
static int team_ready(Team *t, int rows) {
  return t && rows >= TEAM_MIN && __atomic_load_n(&t->ready, __ATOMIC_ACQUIRE);
}

/** Rows 0..split−1 and split..rows−1 of a lower triangle have equal areas; split a multiple of 4. */
static int equal_area_split(int rows) { return (int)(rows * 0.70710678) & ~3; }

static void team_order(Team *t, int op) {
  t->op = op;
  publish(&t->go, ++t->seq);
}

static void team_join(Team *t) { await_change(&t->done, t->seq - 1); }

static void team_symv(Team *t, const double *w, int n, int i, double *out) {
  if (!team_ready(t, i)) { symv_rows4(w, n, i, 0, i, out); return; }
  const int split = equal_area_split(i);
  t->w = (double *)w; t->n = n; t->i = i; t->split = split;
  team_order(t, OP_SYMV);
  symv_rows4(w, n, i, 0, split, out);
  team_join(t);
  const double *part = t->part;
  int c = 0;
  for (; c + 2 <= split; c += 2) wasm_v128_store(out + c, wasm_f64x2_add(wasm_v128_load(out + c), wasm_v128_load(part + c)));
  for (; c < split; c++) out[c] += part[c];
  for (; c < i; c++) out[c] = part[c];
}

static void team_syr2k(Team *t, double *w, int n, int L, int K, const double *xp, const double *yp) {
  if (!team_ready(t, L)) { syr2k_lower(w, n, L, K, xp, yp, 0, L); return; }
  const int split = equal_area_split(L);
  t->w = w; t->n = n; t->L = L; t->K = K; t->xp = xp; t->yp = yp; t->split = split;
  team_order(t, OP_SYR2K);
  syr2k_lower(w, n, L, K, xp, yp, 0, split);
  team_join(t);
}

static void team_symm(Team *t, const double *a, int n, int m, const double *vk, int mp, int nbk, double *x, double *xt) {
  const int tiles = m >> 2;
  const size_t len = (size_t)mp * nbk;
  for (size_t i = 0; i < len; i++) xt[i] = 0;
  if (!team_ready(t, m)) { symm_tiles(a, n, m, vk, mp, nbk, x, xt, 0, tiles); symm_add(x, xt, m, mp, nbk); return; }
  /* a tile costs ∝ its first row (symm_tiles): equal areas */
  const int split = equal_area_split(tiles);
  double *xw = xt + len;
  for (size_t i = 0; i < len; i++) xw[i] = 0;
  t->w = (double *)a; t->n = n; t->m = m; t->vk = vk; t->mp = mp; t->nbk = nbk; t->x = x; t->xt = xw; t->t0 = split;
  team_order(t, OP_SYMM);
  symm_tiles(a, n, m, vk, mp, nbk, x, xt, 0, split);
  team_join(t);
  for (size_t i = 0; i < len; i++) xt[i] += xw[i];
  symm_add(x, xt, m, mp, nbk);
}

/** The bulge chasing: the worker takes the odd sweeps, in a pipeline with the even ones (twoStage.h). */
static void team_band(Team *t, double *band, int n, int nb, double *vecs) {
  if (!team_ready(t, n)) { band_sweeps(band, n, nb, 0, 1, vecs, NULL); return; }
  t->band = band; t->n = n; t->nb = nb; t->vecs = vecs + 3 * nb; t->stride = n / nb + 3;
  __atomic_store_n(&t->progress[0][0], 0, __ATOMIC_RELAXED);
  __atomic_store_n(&t->progress[1][0], 0, __ATOMIC_RELAXED);
  team_order(t, OP_BAND);
  const Pipeline p = { &t->progress[0][0], &t->progress[1][0], t->stride };
  band_sweeps(band, n, nb, 0, 2, vecs, &p);
  team_join(t);
}

/** A team for matrices up to n×n (zeroed), or 0 when the memory cannot grow. */
EXPORT(team_create) Team *team_create(int32_t n) {
  Team *t = alloc(sizeof(Team));
  double *part = alloc((uint32_t)n * 8u);
  if (!t || !part) return 0;
  __builtin_memset(t, 0, sizeof(Team));
  t->part = part;
  return t;
}

/** The worker thread's loop: takes orders until OP_QUIT. */
EXPORT(team_worker) void team_worker(Team *t) {
  int32_t seen = 0;
  publish(&t->ready, 1);
  for (;;) {
    await_change(&t->go, seen);
    seen = __atomic_load_n(&t->go, __ATOMIC_ACQUIRE);
    if (t->op == OP_QUIT) { publish(&t->done, seen); return; }
    if (t->op == OP_SYMV) symv_rows4(t->w, t->n, t->i, t->split, t->i, t->part);
    else if (t->op == OP_SYMM) symm_tiles(t->w, t->n, t->m, t->vk, t->mp, t->nbk, t->x, t->xt, t->t0, t->m >> 2);
    else if (t->op == OP_BAND) {
      const Pipeline p = { &t->progress[1][0], &t->progress[0][0], t->stride };
      band_sweeps(t->band, t->n, t->nb, 1, 2, t->vecs, &p);
    }
    else if (t->op == OP_SYR2K) syr2k_lower(t->w, t->n, t->L, t->K, t->xp, t->yp, t->split, t->L);
    publish(&t->done, seen);
  }
}

/** Tells a worker that is (or will be) in team_worker to return. */
EXPORT(team_quit) void team_quit(Team *t) { team_order(t, OP_QUIT); }

/** tridiagonalize_blocked with the worker of `team` taking half of the O(n²) parts. */
EXPORT(tridiagonalize_two_threads) void tridiagonalize_two_threads(double *w, int32_t n, double *d, double *e, double *scratch, Team *team) {
  blocked_reduction(w, n, d, e, scratch, team);
}

/** tridiagonalize_two_stage with the worker of `team` taking half of each panel's product and update. */
EXPORT(tridiagonalize_two_stage_threads) void tridiagonalize_two_stage_threads(double *w, int32_t n, int32_t nb, double *d, double *e, double *scratch, Team *team) {
  two_stage_reduction(w, n, nb, d, e, scratch, team);
}
