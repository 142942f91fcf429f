/**
 * Mergeable first and second moments of finite rows: count, mean and co-moment
 * Σ (x − mean)(x − mean)ᵀ, merged by the pairwise update of Chan, Golub & LeVeque (1979):
 * n = na + nb, δ = mean_b − mean_a, M = Ma + Mb + δδᵀ·na·nb/n, mean = (na·mean_a + nb·mean_b)/n,
 * which does not depend on the order of a and b.
 */
export interface Moments {
  count: number;
  /** (dim,), zeros when count is 0. */
  mean: Float64Array;
  /** (dim, dim), full, row-major. */
  comoment: Float64Array;
}

export function emptyMoments(dim: number): Moments {
  return { count: 0, mean: new Float64Array(dim), comoment: new Float64Array(dim * dim) };
}

export function mergeMoments(a: Moments, b: Moments, dim: number): Moments {
  const na = a.count, nb = b.count, n = na + nb;
  if (na === 0 || nb === 0) {
    const s = na === 0 ? b : a;
    return { count: n, mean: s.mean.slice(), comoment: s.comoment.slice() };
  }
  const mean = new Float64Array(dim);
  const delta = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    mean[i] = (na * a.mean[i] + nb * b.mean[i]) / n;
    delta[i] = b.mean[i] - a.mean[i];
  }
  const w = (na * nb) / n;
  const comoment = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const di = delta[i] * w;
    const row = i * dim;
    for (let j = 0; j < dim; j++) comoment[row + j] = (a.comoment[row + j] + b.comoment[row + j]) + di * delta[j];
  }
  return { count: n, mean, comoment };
}

/** The moments of the rows of a row-major block whose every value is finite (the other rows are skipped). */
export function momentsOfFiniteRows(block: Float64Array, rows: number, dim: number): Moments {
  const kept: number[] = [];
  for (let r = 0; r < rows; r++) {
    let zero = 0;
    // x·0 is 0 for a finite x and NaN for ±Inf or NaN
    for (let i = 0; i < dim; i++) zero += block[r * dim + i] * 0;
    if (zero === 0) kept.push(r);
  }
  const m = emptyMoments(dim);
  m.count = kept.length;
  if (!kept.length) return m;
  for (const r of kept) for (let i = 0; i < dim; i++) m.mean[i] += block[r * dim + i];
  for (let i = 0; i < dim; i++) m.mean[i] /= kept.length;
  const centred = new Float64Array(dim);
  for (const r of kept) {
    for (let i = 0; i < dim; i++) centred[i] = block[r * dim + i] - m.mean[i];
    for (let i = 0; i < dim; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const row = i * dim;
      for (let j = 0; j < dim; j++) m.comoment[row + j] += ci * centred[j];
    }
  }
  return m;
}
