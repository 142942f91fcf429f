/**
 * The 2-D projection of a uniform row sample onto principal components: the report's
 * `projection` key (CLI `--json`) and what the panel's projection view draws.
 *
 * Coordinates are the centred rows (the report's mean) times unit eigenvectors of the same
 * covariance as the spectrum, each eigenvector signed so that its largest-magnitude entry is
 * positive; so they are reproducible and comparable with numpy's `eigh`.
 */
export interface Projection {
  /** Global 0-based indices of the sampled rows, ascending (finite rows only). */
  rows: number[];
  /** Coordinates of `rows` on components[0] and components[1]. */
  x: number[];
  y: number[];
  /** The 1-based principal components drawn by default: [1, 2]. */
  components: number[];
  /** Share of total variance of each of `components` (λ_k / Σλ). */
  explained: number[];
  /**
   * The first few components (1-based, typically 1..8 or dim when smaller) with their shares and
   * the sample's coordinates on each (coordinates[c][i] for rows[i]), so the panel can draw any
   * pair without a second pass. Absent from the CLI's JSON unless asked for.
   */
  available?: { components: number[]; explained: number[]; coordinates: number[][] };
  /** Euclidean norm of each sampled row (for colouring by norm). */
  norms: number[];
  /** Per sampled row, a bit set: 1 all-zero row, 2 duplicate of an earlier row, 4 outlier (see outlierRows.ts). */
  flags: number[];
  /** Finite rows the sample was drawn from. */
  rowsEligible: number;
  /** Rows left out because they are not finite vectors (NaN, ±Inf, null rows), by kind. */
  leftOut: { nan: number; inf: number; null: number };
  /** How the sample was drawn, e.g. "uniform sample of 20000 of 1000000 finite rows (seed 0)". */
  sampleMethod: string;
  seed: number;
  /** The formula, stated for the panel and the docs. */
  formula: string;
  /** The optional non-linear view of the same sample (CLI --umap; the panel computes it on request). */
  umap?: UmapProjection;
}

/**
 * A 2-D UMAP layout of the projection's sample (or a stated, seeded subset of it): a visual aid
 * for neighbourhoods, whose distances and axes are not metric.
 */
export interface UmapProjection {
  /** Global row indices, ascending: projection.rows itself, or a subset of it (sampleMethod says which). */
  rows: number[];
  /** UMAP-1 and UMAP-2 of `rows`. */
  x: number[];
  y: number[];
  seed: number;
  /** n_neighbors (at most rows − 1). */
  neighbours: number;
  minDist: number;
  epochs: number;
  /** Coordinates UMAP ran on: the leading principal components of the rows, centred by their own mean, or the centred rows. */
  inputDimensions: number;
  input: string;
  /** How `rows` were drawn from projection.rows. */
  sampleMethod: string;
  /** The library that computed it, with its version. */
  library: string;
  /** "A visual aid: distances and axes are not metric", with the parameters. */
  note: string;
}

/** Rows in the projection's sample unless the caller says otherwise (setting `projectionRows`). */
export const DEFAULT_PROJECTION_ROWS = 20_000;

/** Bits of Projection.flags. */
export const PROJECTION_FLAG = { zero: 1, duplicate: 2, outlier: 4 } as const;
