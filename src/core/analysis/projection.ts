/**
 * The report's `projection` (src/core/report/projection.ts): a uniform seeded sample of the
 * finite rows, centred by the report's mean, times the leading unit eigenvectors of the same
 * covariance as the spectrum. Pure: the rows come in as numbers, the eigenvectors from the
 * covariance (or the Gram route's centred rows) the analysis already holds.
 *
 * Only the m = min(8, dim) leading eigenvectors are computed: by Jacobi for small matrices, else
 * by the Lanczos iteration (lanczosEigenvectors.ts) on products with the covariance, some tens of
 * O(d²) products instead of an O(d³) decomposition. They are checked against the spectrum's own
 * eigenvalues: a pair that disagrees leaves the projection out rather than draw a wrong one.
 */
import { PROJECTION_FLAG, type Projection } from '../report/projection';
import { EmbdiagError } from '../errors';
import { sampleRowIndices } from '../stats/rowSampler';
import { dot, lanczosEigenvectors, type SymmetricOperator } from '../linalg/lanczosEigenvectors';
import { topEigenvectors } from '../linalg/symmetricEigenvectors';

/** Rows drawn by default (setting embeddingDiagnostics.projectionRows, CLI --projection-rows). */
export { DEFAULT_PROJECTION_ROWS } from '../report/projection';
/** Components kept in `available`. */
export const PROJECTION_COMPONENTS = 8;
/** Up to this order the covariance's eigenvectors come from Jacobi on the whole matrix. */
const JACOBI_UP_TO = 64;
/** A Ritz value further than this share of λ₁ from the spectrum's eigenvalue is not trusted. */
const EIGENVALUE_AGREEMENT = 1e-8;

export const PROJECTION_FORMULA =
  'coordinate_k(row) = (row − mean) · v_k, with v_k the unit eigenvector of the k-th largest eigenvalue λ_k of the covariance ' +
  '(1/(N−1), finite rows; the same matrix as the spectrum), signed so that its largest-magnitude entry is positive; explained_k = λ_k / Σλ.';

/** The m leading unit eigenvectors (d × m, column c for component c + 1), with their eigenvalues. */
export interface PrincipalAxes {
  d: number;
  m: number;
  vectors: Float64Array;
  values: Float64Array;
}

/** What the axes are computed from: the covariance itself (row-major, lower triangle read) or any product with it. */
export type CovarianceSource = { matrix: Float64Array } | { operator: SymmetricOperator };

/** y ← C·x from the lower triangle of the row-major d × d matrix C (the only part every builder fills). */
export function lowerTriangleOperator(c: Float64Array, d: number): SymmetricOperator {
  return (x, y) => {
    y.fill(0);
    for (let i = 0; i < d; i++) {
      const row = i * d;
      const xi = x[i];
      let s = 0;
      for (let j = 0; j < i; j++) {
        const a = c[row + j];
        s += a * x[j];
        y[j] += a * xi;
      }
      y[i] += s + c[row + i] * xi;
    }
  };
}

/** y ← Yᵀ(Y·x)/(n − 1) for the n centred rows Y (n × d): the covariance of the Gram route, never formed. */
export function centredRowsOperator(centred: Float64Array, n: number, d: number): SymmetricOperator {
  const t = new Float64Array(n);
  return (x, y) => {
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0, p = r * d; j < d; j++, p++) s += centred[p] * x[j];
      t[r] = s / (n - 1);
    }
    y.fill(0);
    for (let r = 0; r < n; r++) {
      const tr = t[r];
      for (let j = 0, p = r * d; j < d; j++, p++) y[j] += tr * centred[p];
    }
  };
}

/**
 * The leading min(PROJECTION_COMPONENTS, d) eigenvectors of the covariance, signed (largest-
 * magnitude entry positive); null when the iteration did not converge.
 */
export function principalAxes(source: CovarianceSource, d: number, seed: number): PrincipalAxes | null {
  const m = Math.min(PROJECTION_COMPONENTS, d);
  const pairs = 'matrix' in source && d <= JACOBI_UP_TO ? topEigenvectors(source.matrix, d, m)
    : lanczosEigenvectors('matrix' in source ? lowerTriangleOperator(source.matrix, d) : source.operator, d, m, { seed });
  if (!pairs.converged || pairs.m !== m) return null;
  const vectors = pairs.vectors;
  for (let c = 0; c < m; c++) {
    let at = 0;
    for (let r = 1; r < d; r++) if (Math.abs(vectors[r * m + c]) > Math.abs(vectors[at * m + c])) at = r;
    if (vectors[at * m + c] < 0) for (let r = 0; r < d; r++) vectors[r * m + c] = -vectors[r * m + c];
  }
  return { d, m, vectors, values: pairs.values };
}

/** True when the axes' eigenvalues are the spectrum's (descending) to EIGENVALUE_AGREEMENT of λ₁. */
export function axesMatchSpectrum(axes: PrincipalAxes, eigenvalues: ArrayLike<number>): boolean {
  if (eigenvalues.length < axes.m) return false;
  const tol = EIGENVALUE_AGREEMENT * Math.max(Math.abs(eigenvalues[0]), Number.MIN_VALUE);
  for (let c = 0; c < axes.m; c++) if (!(Math.abs(axes.values[c] - eigenvalues[c]) <= tol)) return false;
  return true;
}

/**
 * The projection's rows: `count` positions drawn uniformly without replacement (seeded) among the
 * `finite` finite rows, ascending, and their global indices from finiteRuns (flat start, count pairs).
 */
export function projectionSample(finiteRuns: readonly number[], finite: number, count: number, seed: number): { positions: Float64Array; rows: number[] } {
  const positions = sampleRowIndices(finite, Math.min(count, finite), seed);
  const rows: number[] = new Array(positions.length);
  let k = 0, before = 0; // finite rows in the runs before run k
  for (let i = 0; i < positions.length; i++) {
    while (k + 1 < finiteRuns.length && positions[i] >= before + finiteRuns[k + 1]) { before += finiteRuns[k + 1]; k += 2; }
    rows[i] = finiteRuns[k] + (positions[i] - before);
  }
  return { positions, rows };
}

/**
 * The coordinates of the sampled rows, computed row by row as they are read (the rows are not
 * kept: 20,000 × 1,024 of them would be 160 MB).
 */
export class SampleCoordinates {
  /** coordinates[c][i]: sampled row i on component c + 1. */
  readonly coordinates: number[][];
  private readonly axis: Float64Array[];
  private readonly mu: Float64Array;
  private readonly centred: Float64Array;

  /** `mean`: subtracted from each row; null when the rows come centred already (the Gram route's kept rows). */
  constructor(n: number, mean: ArrayLike<number> | null, private readonly axes: PrincipalAxes) {
    const { d, m, vectors } = axes;
    // component-major copies of the axes: each coordinate is one contiguous dot product
    this.axis = Array.from({ length: m }, (_, c) => Float64Array.from({ length: d }, (_, j) => vectors[j * m + c]));
    this.coordinates = Array.from({ length: m }, () => new Array<number>(n).fill(0));
    this.mu = Float64Array.from({ length: d }, (_, j) => (mean ? mean[j] : 0));
    this.centred = new Float64Array(d);
  }

  /** Sampled row i: its d values at `offset` in `values`. */
  add(i: number, values: Float32Array | Float64Array, offset: number): void {
    const { centred, mu, axis } = this;
    for (let j = 0; j < centred.length; j++) centred[j] = values[offset + j] - mu[j];
    for (let c = 0; c < this.axes.m; c++) this.coordinates[c][i] = dot(centred, axis[c]);
  }
}

export interface ProjectionSample {
  /** Global row indices, ascending. */
  rows: number[];
  /** Their coordinates (SampleCoordinates.coordinates). */
  coordinates: number[][];
  /** Euclidean norms of the raw rows. */
  norms: ArrayLike<number>;
  /** Per sampled row (by its position in `rows`): a duplicate of an earlier row, an outlier. */
  duplicate: (i: number) => boolean;
  outlier: (i: number) => boolean;
}

/** The report's projection from the sampled rows' coordinates; undefined when the spectrum has no variance to share. */
export function buildProjection(sample: ProjectionSample, eigenvalues: ArrayLike<number>,
  about: Pick<Projection, 'rowsEligible' | 'leftOut' | 'sampleMethod' | 'seed'>): Projection | undefined {
  const { coordinates } = sample;
  const m = coordinates.length;
  let total = 0;
  for (let i = 0; i < eigenvalues.length; i++) total += eigenvalues[i];
  if (sample.rows.length === 0 || m < 2 || !(total > 0) || !Number.isFinite(total)) return undefined;
  const components = Array.from({ length: m }, (_, c) => c + 1);
  const explained = components.map(k => eigenvalues[k - 1] / total);
  const flags = sample.rows.map((_, i) => (sample.norms[i] === 0 ? PROJECTION_FLAG.zero : 0)
    | (sample.duplicate(i) ? PROJECTION_FLAG.duplicate : 0) | (sample.outlier(i) ? PROJECTION_FLAG.outlier : 0));
  return {
    rows: sample.rows, x: coordinates[0], y: coordinates[1], components: [1, 2], explained: explained.slice(0, 2),
    available: { components, explained, coordinates },
    norms: Array.from(sample.norms), flags,
    rowsEligible: about.rowsEligible, leftOut: about.leftOut, sampleMethod: about.sampleMethod, seed: about.seed,
    formula: PROJECTION_FORMULA,
  };
}

/** The projection drawn on components i and j (1-based, among `available`). */
export function withComponents(p: Projection, i: number, j: number): Projection {
  const a = p.available;
  const at = (k: number) => a?.components.indexOf(k) ?? -1;
  if (!a || at(i) < 0 || at(j) < 0) {
    throw new EmbdiagError('bad-argument', `The projection has components 1 to ${a?.components.length ?? 2}; ${at(i) < 0 ? i : j} is not among them.`);
  }
  return { ...p, x: a.coordinates[at(i)], y: a.coordinates[at(j)], components: [i, j], explained: [a.explained[at(i)], a.explained[at(j)]] };
}

/** The projection as the CLI's --json writes it: without `available` unless asked for. */
export function projectionForJson(p: Projection, withAvailable = false): Projection {
  if (withAvailable) return p;
  const { available: _available, ...rest } = p;
  return rest;
}

/** Binary search in an ascending list. */
export function sortedHas(list: ArrayLike<number>, value: number): boolean {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1; else hi = mid;
  }
  return lo < list.length && list[lo] === value;
}
