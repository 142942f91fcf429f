/**
 * k-nearest-neighbour estimators, by brute force (O(N²·d)):
 *   E4  Kozachenko–Leonenko differential entropy (Kozachenko & Leonenko 1987, in the form of
 *       Kraskov, Stögbauer & Grassberger 2004, eq. 20), Euclidean distances;
 *   E7e KSG mutual information, algorithm 1 (Kraskov et al. 2004), Chebyshev (max) norms.
 * Both are undefined with duplicate rows (a zero distance): callers deduplicate first (P3).
 * Above 10 dimensions they are severely biased, so callers project onto the top-d′ principal
 * directions (P5); a deterministic projection can only lose information, so MI on the
 * projection is a lower-bound target for the full MI.
 */
import { topEigenvectors } from '../linalg/symmetricEigenvectors';
import { sampleRowIndices } from '../stats/rowSampler';
import { columnMeans, project, selectRows, type RowMatrix } from './dense';
import { CONCEPT, figure, proposed, unavailable, withNormalizations, type Figure, type InformationFlag } from './figure';
import { numericalRank, uniqueRowIndices } from './preprocess';
import { digamma, LN2, lnUnitBallVolume } from './special';

/** k-NN estimators are not trusted above this many dimensions (spec P5). */
export const KNN_MAX_DIM = 10;

/**
 * Distance from every row to its k-th nearest other row (Euclidean). A row with fewer than k
 * others gets NaN.
 */
export function kthNeighbourDistances(m: RowMatrix, k: number): Float64Array {
  const n = m.rows;
  const d = m.cols;
  const best = new Float64Array(n * k).fill(Infinity); // per row, k smallest squared distances, ascending
  const x = m.data;
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[oi + c] - x[oj + c];
        s += t * t;
      }
      insertSmallest(best, i * k, k, s);
      insertSmallest(best, j * k, k, s);
    }
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = best[i * k + k - 1];
    out[i] = v === Infinity ? NaN : Math.sqrt(v);
  }
  return out;
}

function insertSmallest(best: Float64Array, off: number, k: number, v: number): void {
  if (!(v < best[off + k - 1])) return;
  let p = off + k - 1;
  while (p > off && best[p - 1] > v) {
    best[p] = best[p - 1];
    p--;
  }
  best[p] = v;
}

/**
 * ĥ_KL = [ψ(N) − ψ(k) + ln V_d + (d/N) Σᵢ ln r_{i,k}] / ln 2 bits, V_d the unit-ball volume.
 * NaN when N ≤ k or some r_{i,k} = 0 (duplicates).
 */
export function kozachenkoLeonenkoBits(m: RowMatrix, k: number): number {
  const n = m.rows;
  const d = m.cols;
  if (!(Number.isSafeInteger(k) && k >= 1) || n <= k) return NaN;
  const r = kthNeighbourDistances(m, k);
  let sumLog = 0;
  for (let i = 0; i < n; i++) {
    if (!(r[i] > 0)) return NaN;
    sumLog += Math.log(r[i]);
  }
  return (digamma(n) - digamma(k) + lnUnitBallVolume(d) + (d / n) * sumLog) / LN2;
}

/** Chebyshev distance between rows i and j of m. */
function chebyshev(x: Float64Array, d: number, i: number, j: number): number {
  let s = 0;
  const oi = i * d;
  const oj = j * d;
  for (let c = 0; c < d; c++) {
    const t = Math.abs(x[oi + c] - x[oj + c]);
    if (t > s) s = t;
  }
  return s;
}

/**
 * KSG algorithm 1 in bits: ε_i = k-th neighbour distance of (xᵢ, yᵢ) in the joint max-norm,
 * n_x(i) = #{j ≠ i : ‖xᵢ − xⱼ‖∞ < εᵢ} (strict), n_y likewise,
 * Î = [ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩] / ln 2.
 * NaN when N ≤ k or some εᵢ = 0 (duplicate pairs).
 */
export function ksgMutualInformationBits(x: RowMatrix, y: RowMatrix, k: number): number {
  const n = x.rows;
  if (y.rows !== n) throw new RangeError(`ksgMutualInformationBits: ${x.rows} and ${y.rows} rows`);
  if (!(Number.isSafeInteger(k) && k >= 1) || n <= k) return NaN;
  const best = new Float64Array(n * k).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dj = Math.max(chebyshev(x.data, x.cols, i, j), chebyshev(y.data, y.cols, i, j));
      insertSmallest(best, i * k, k, dj);
      insertSmallest(best, j * k, k, dj);
    }
  }
  const eps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    eps[i] = best[i * k + k - 1];
    if (!(eps[i] > 0)) return NaN;
  }
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = chebyshev(x.data, x.cols, i, j);
      const dy = chebyshev(y.data, y.cols, i, j);
      if (dx < eps[i]) nx[i]++;
      if (dx < eps[j]) nx[j]++;
      if (dy < eps[i]) ny[i]++;
      if (dy < eps[j]) ny[j]++;
    }
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += digamma(nx[i] + 1) + digamma(ny[i] + 1);
  mean /= n;
  return (digamma(k) + digamma(n) - mean) / LN2;
}

export interface PcaBasis {
  /** d×d′ row-major orthonormal basis (columns: top principal directions of the covariance). */
  basis: Float64Array;
  dim: number;
  projectedDim: number;
  /** Variances along the basis directions (the top eigenvalues), descending. */
  eigenvalues: number[];
  converged: boolean;
}

/** The top-d′ principal directions of a d×d covariance. */
export function pcaBasis(cov: Float64Array, d: number, projectedDim: number, seed = 0): PcaBasis {
  const top = topEigenvectors(cov, d, projectedDim, { seed });
  return { basis: top.vectors, dim: d, projectedDim: top.m, eigenvalues: Array.from(top.values), converged: top.converged };
}

export interface KnnSample {
  /** The (deduplicated, subsampled, possibly projected) matrices, row-matched. */
  matrices: RowMatrix[];
  /** Rows that went in (after deduplication and subsampling). */
  rows: number;
  duplicatesRemoved: number;
  subsampled: boolean;
  /** Rows available before subsampling (after deduplication). */
  rowsBeforeSubsampling: number;
  projected: boolean;
  projectedDim: number;
}

/**
 * Prepares row-matched matrices for a k-NN estimator: exact duplicate rows (of the tuple of
 * matrices) are removed (P3), then at most `maxRows` rows are kept by a seeded uniform sample,
 * then — when a basis is given — each matrix is centred on its own mean and projected on it.
 */
export function prepareKnnSample(matrices: RowMatrix[], opts: { maxRows: number; seed: number; basis?: PcaBasis; means?: Float64Array[] }): KnnSample {
  const { kept, duplicates } = uniqueRowIndices(matrices);
  let rows: ArrayLike<number> = kept;
  let subsampled = false;
  if (kept.length > opts.maxRows) {
    const pick = sampleRowIndices(kept.length, opts.maxRows, opts.seed);
    rows = Array.from(pick, i => kept[i]);
    subsampled = true;
  }
  let out = matrices.map(m => selectRows(m, rows));
  if (opts.basis) {
    const b = opts.basis;
    out = out.map((m, i) => project(m, opts.means?.[i] ?? new Float64Array(m.cols), b.basis, b.projectedDim));
  }
  return {
    matrices: out, rows: rows.length, duplicatesRemoved: duplicates, subsampled, rowsBeforeSubsampling: kept.length,
    projected: !!opts.basis, projectedDim: opts.basis ? opts.basis.projectedDim : matrices[0]?.cols ?? 0,
  };
}

// ---- E4 as a figure ---------------------------------------------------------------------

export interface KlEntropyResult {
  figure: Figure;
  /** The projection used (null when none), over the columns `columns` of the caller's Z. */
  basis: PcaBasis | null;
  /** Rows that went into ĥ_KL. */
  rows: number;
}

/**
 * E4 on Z (dead columns already removed; `cov` its unbiased covariance): deduplicate (P3),
 * subsample beyond `maxRows` (seeded), project on the top-d′ principal directions when d > 10
 * or the covariance is rank-deficient (P5), then Kozachenko–Leonenko with k neighbours.
 */
export function klEntropyFigure(z: RowMatrix, cov: Float64Array, eigenvalues: ArrayLike<number>, opts: { k: number; maxRows: number; seed: number; projectionDim: number; deadColumns?: number }): KlEntropyResult {
  const d = z.cols;
  const r = numericalRank(eigenvalues);
  const needProjection = d > KNN_MAX_DIM || r < d;
  const dPrime = Math.min(opts.projectionDim, KNN_MAX_DIM, r);
  const basis = needProjection && dPrime > 0 ? pcaBasis(cov, d, dPrime, opts.seed) : null;
  const sample = prepareKnnSample([z], { maxRows: opts.maxRows, seed: opts.seed, basis: basis ?? undefined, means: [columnMeans(z)] });
  const m = sample.matrices[0];
  const flags: InformationFlag[] = ['small_n_bias'];
  const notes: string[] = ['Consistent estimate of h(Z); biased for large d or small N.'];
  if ((opts.deadColumns ?? 0) > 0) {
    flags.push('dead_columns_removed');
    notes.push(`${opts.deadColumns} dead column(s) removed first (P2).`);
  }
  if (sample.duplicatesRemoved > 0) {
    flags.push('duplicates_removed');
    notes.push(`${sample.duplicatesRemoved} duplicate row${sample.duplicatesRemoved === 1 ? '' : 's'} removed (a zero nearest-neighbour distance gives log 0 = −∞).`);
  }
  if (sample.subsampled) {
    flags.push('subsampled');
    notes.push(`Brute-force k-NN on a seeded sample of ${sample.rows} of ${sample.rowsBeforeSubsampling} rows.`);
  }
  if (basis) {
    flags.push('projected');
    notes.push(`Computed on the top ${basis.projectedDim} principal directions of Z (d = ${d}${r < d ? `, rank ${r}` : ''}): this is the entropy of that ${basis.projectedDim}-dimensional projection, not of Z.`);
  }
  const quantity = basis ? `h(P·Z), P the top-${basis.projectedDim} principal directions` : 'h(Z)';
  const base = {
    unit: 'bits per model use' as const, kind: 'estimate' as const, quantity,
    estimator: `E4 Kozachenko–Leonenko (k = ${opts.k}, Euclidean)`, formula: '[ψ(N) − ψ(k) + ln V_d + (d/N) Σᵢ ln r_{i,k}] / ln 2, V_d = π^{d/2}/Γ(1 + d/2)',
    rows: sample.rows, provenance: proposed(CONCEPT.entropy, 'Kozachenko & Leonenko (1987), in the form of Kraskov, Stögbauer & Grassberger (2004), eq. 20.'),
    details: { k: opts.k, d, projectedDim: m.cols, duplicatesRemoved: sample.duplicatesRemoved, subsampled: sample.subsampled },
  };
  let f: Figure;
  if (sample.rows <= opts.k) {
    f = unavailable({ ...base, flags: [...flags, 'n_le_d'], explanation: `Needs more than k = ${opts.k} distinct rows (have ${sample.rows}).` });
  } else if (m.cols === 0) {
    f = unavailable({ ...base, flags: [...flags, 'rank_deficient'], explanation: 'Z has no variance in any direction.' });
  } else {
    const v = kozachenkoLeonenkoBits(m, opts.k);
    f = Number.isFinite(v)
      ? figure({ ...base, value: v, flags, explanation: notes.join(' ') })
      : unavailable({ ...base, flags: [...flags, 'zero_distance'], explanation: 'A k-th nearest-neighbour distance is 0 (coincident points after projection), so ĥ_KL is −∞.' });
  }
  withNormalizations(f, { dim: m.cols });
  return { figure: f, basis, rows: sample.rows };
}
