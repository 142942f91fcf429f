import type { ArrayInfo, DumpFormat } from '../formats/dumpFile';
import type { Histogram } from '../stats/histogram';
import type { PowerLawFit } from '../metrics/powerLawFit';
import type { Projection } from './projection';

/**
 * The one result type every surface renders from: CLI text/JSON/Markdown, hover,
 * diagnostics and the report panel. Its JSON form is the CLI's `--json` contract:
 * add fields freely, rename nothing.
 */
export type Severity = 'error' | 'warning' | 'information';

export type FindingCode =
  | 'nan-rows' | 'inf-rows' | 'zero-rows' | 'duplicate-rows' | 'dead-dims'
  | 'collapsed-spectrum' | 'too-few-rows' | 'sampled' | 'metadata-mismatch' | 'flattened'
  | 'no-rows' | 'null-rows' | 'outlier-rows' | string;

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** What is wrong and what to do about it. */
  message: string;
  /**
   * Findings about rows (`null-rows`, `nan-rows`, `inf-rows`, `zero-rows`, `duplicate-rows`,
   * `outlier-rows`): the first 100 of them, 0-based global row indices, ascending.
   */
  rows?: number[];
  /** Findings about rows: how many there are in all (`rows` lists at most 100). */
  rowCount?: number;
  /** `duplicate-rows`: repeats[i] is the earlier row that rows[i] repeats exactly. */
  repeats?: number[];
}

export interface RowNormSummary {
  min: number; median: number; max: number; mean: number;
  /** Present when the median comes from a quantile sketch (datasets past 2²⁰ rows): its relative error bound. Absent: exact. */
  medianRelativeError?: number;
}

export interface HealthSection {
  /** Rows with a NaN value (null rows, counted in `nullRows`, are not among them). */
  nanRows: number;
  /**
   * Null rows (an Arrow or Parquet null list: a missing row, not a vector), left out of every
   * statistic like NaN rows. Absent in reports of older versions; 0 for formats without them.
   */
  nullRows?: number;
  infRows: number;
  zeroRows: number;
  /** Rows identical to an earlier row (found by hashing the row's values). */
  duplicateRows: number;
  /**
   * Present when duplicateRows is an estimate (a dataset with more distinct rows than the
   * duplicate-key memory bound, see src/core/dataset/rowKeys.ts): its standard error.
   */
  duplicateRowsStandardError?: number;
  /** Number of dimensions whose variance is at or below the dead-dimension threshold. */
  deadDims: number;
  /** Indices of dead dimensions (the first 100). */
  deadDimIndices: number[];
  /** Euclidean row norms over the finite rows used. */
  rowNorms: RowNormSummary | null;
}

export interface SpectrumMetrics {
  /** exp(Shannon entropy of the normalised covariance eigenvalues) (Roy & Vetterli 2007). */
  effectiveRank: number;
  /** RankMe (Garrido et al. 2023): exp(entropy of normalised singular values of the centred data). */
  rankMe: number;
  /** (sum λ)^2 / sum λ^2. */
  participationRatio: number;
  /** sum λ / max λ (= ||X_c||_F^2 / ||X_c||_2^2). */
  stableRank: number;
  /**
   * λ_max / λ_min over the eigenvalues above the zero tolerance (1e-12·λ_max, see
   * metrics/spectrumMetrics.ts); null when none is (all-zero spectrum: the other metrics are 0).
   */
  conditionNumber: number | null;
  /** sum λ (= total variance). */
  totalVariance: number;
  /** Fraction of total variance in the top k eigenvalues, for k = 1, 10, 100 (when k <= dim). */
  explainedVariance: { k: number; fraction: number }[];
}

export interface SamplingInfo {
  sampled: boolean;
  method: 'all rows' | 'uniform random sample without replacement';
  seed: number;
  maxRows: number;
}

export interface AnalysisReport {
  schemaVersion: 1;
  tool: { name: 'embdiag'; version: string };
  file: string;
  fileSize: number;
  format: DumpFormat;
  array: { name: string; dtype: string; shape: number[] };
  /** Every array the container holds (one for single-array formats). */
  arrays: ArrayInfo[];
  rowsTotal: number;
  /** Rows read and analysed (rowsTotal, or the sample size). */
  rowsUsed: number;
  /** Finite rows that entered the mean and covariance (rowsUsed minus null, NaN and Inf rows). */
  rowsInStatistics: number;
  dim: number;
  sampling: SamplingInfo;
  health: HealthSection;
  /** Mean over the finite rows used. */
  mean: number[];
  /** Per-dimension variance, 1/(N-1). */
  variance: number[];
  /** Eigenvalues of the covariance (1/(N-1)), descending, all of them; empty when N < 2. */
  eigenvalues: number[];
  metrics: SpectrumMetrics | null;
  /** Histogram of the finite rows' Euclidean norms (equal-width bins), for the panel. */
  rowNormHistogram?: Histogram | null;
  /** Power-law fit λ_k ≈ C·k^(−α) of the eigenvalue spectrum; null when fewer than 3 positive eigenvalues. */
  powerLaw?: PowerLawFit | null;
  notes: string[];
  findings: Finding[];
  /** Datasets (several shards, or an .embstats partial): the shards, in row order. */
  shards?: ShardSummary[];
  /** Datasets: true when some shards could not be read (listed with their error): the figures cover the others. */
  incomplete?: boolean;
  /**
   * A uniform sample of the finite rows on the leading principal components (see projection.ts);
   * absent when turned off, with fewer than 2 finite rows or dim < 2, or without a spectrum.
   */
  projection?: Projection;
  /** projectionMs: from the covariance to the projection's coordinates (eigenvectors, reading the sampled rows, projecting). */
  timings: { totalMs: number; readMs: number; eigenMs: number; projectionMs?: number };
}

/** One shard of a dataset report. */
export interface ShardSummary {
  file: string;
  /** Global index of its first row (absent for an unreadable shard). */
  firstRow?: number;
  rows?: number;
  format?: string;
  array?: string;
  dtype?: string;
  size?: number;
  mtime?: string;
  /** Why it could not be read: the shard is left out of every figure. */
  error?: { code: string; message: string };
}
