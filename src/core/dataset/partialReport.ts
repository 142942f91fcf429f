/**
 * The one step from a partial (a dataset's merged partial, or a single file's: a file is a dataset
 * of one shard) to a report: its covariance, spectrum and report statistics, handed to the report
 * builder (buildReport.ts). What differs between a dataset and a single file is the subject (one
 * file or many shards), where the spectrum is solved and where the projection's rows come from.
 */
import { reportFromStatistics, summariseSortedNorms, type ReportStatistics, type ReportSubject } from '../analysis/buildReport';
import { outlierRows, type OutlierRows } from '../analysis/outlierRows';
import { DEFAULT_THRESHOLDS } from '../analysis/findings';
import { covarianceSpectrum, type RouteSpectrum } from '../analysis/spectrumRoute';
import type { AnalysisReport, RowNormSummary } from '../report/analysisReport';
import { formatNumber } from '../report/format';
import { NORM_SKETCH_ACCURACY, sketchMedian } from './normSketch';
import type { DatasetPartial } from './partial';
import { distinctRows } from './rowKeys';
import { stableOrder } from '../stats/stableOrder';

/**
 * The report of the rows of partial `p`: the report builder fed with the partial's statistics
 * (reportStatisticsOfPartial), `variance` (the diagonal of its covariance, or a Gram route's) and
 * spectrum. The subject's null rows, dimension and seed are the partial's. Also returns the
 * statistics the report was built from (their outlier rows flag a projection's points).
 */
export function reportFromPartial(p: DatasetPartial, subject: Omit<ReportSubject, 'dim' | 'seed' | 'nullRows'>, variance: Float64Array | null,
  spectrum: RouteSpectrum, t: { readMs: number; eigenMs: number }, sampling: { method: AnalysisReport['sampling']['method']; maxRows: number; note?: string },
): { report: AnalysisReport; statistics: ReportStatistics } {
  const outlierZ = subject.thresholds.outlierZ ?? DEFAULT_THRESHOLDS.outlierZ;
  const { statistics, duplicatesStandardError, notes } = reportStatisticsOfPartial(p, variance, outlierZ);
  const report = reportFromStatistics({ ...subject, notes: [...subject.notes, ...notes], dim: p.dim, seed: p.seed, nullRows: { count: p.nullRows, first: p.nullRowFirst } },
    statistics, spectrum.eigenvalues, spectrum.overflow, t, sampling);
  if (duplicatesStandardError !== null) report.health.duplicateRowsStandardError = duplicatesStandardError;
  return { report, statistics };
}

/**
 * The covariance of a partial's rows, co-moment/(count − 1), in a new array, or, with `inPlace`,
 * in the partial's co-moment array itself (a single file's partial, reported once: no second d × d
 * array); null with fewer than 2 finite rows, or when the partial carries no co-moment (a single
 * file's Gram route, see spectrumRoute.ts).
 */
export function covarianceOfPartial(p: DatasetPartial, inPlace = false): Float64Array | null {
  if (p.count < 2 || p.comoment.length !== p.dim * p.dim) return null;
  const scale = 1 / (p.count - 1);
  const c = inPlace ? p.comoment : new Float64Array(p.comoment.length);
  for (let i = 0; i < c.length; i++) c[i] = p.comoment[i] * scale;
  return c;
}

/** The diagonal of a dim × dim matrix (row-major); null for null. */
export function diagonalOf(matrix: Float64Array | null, dim: number): Float64Array | null {
  if (!matrix) return null;
  const d = new Float64Array(dim);
  for (let i = 0; i < dim; i++) d[i] = matrix[i * dim + i];
  return d;
}

/**
 * The covariance route's spectrum of a partial (covarianceSpectrum of its covariance), a mean
 * beyond float64 (values near its limit summed) counting as an overflow too. `solve`: as in
 * covarianceSpectrum (a single file solves in the WebAssembly workspace its covariance lives in).
 */
export function spectrumOfPartial(p: DatasetPartial, covariance: Float64Array | null,
  solve?: (covariance: Float64Array) => Float64Array): RouteSpectrum {
  if (covariance && !p.mean.every(Number.isFinite)) return { eigenvalues: new Float64Array(0), overflow: true };
  return covarianceSpectrum(covariance, p.dim, solve);
}

/**
 * What the report builder takes from a partial, single file and dataset alike: the health counts,
 * the duplicates (exact from the row keys, or their estimate with its standard error and a note),
 * the norms (exact median while every norm is kept, else the sketch's), the outliers and the rows
 * behind the row-level findings. `variance`: the per-dimension variance (diagonalOf the partial's
 * covariance; null with fewer than 2 finite rows).
 */
export function reportStatisticsOfPartial(p: DatasetPartial, variance: Float64Array | null, outlierZ: number):
  { statistics: ReportStatistics; duplicatesStandardError: number | null; notes: string[] } {
  const { distinct, standardError } = distinctRows(p.keys);
  const duplicateRows = Math.max(0, Math.round(p.count - distinct));
  const notes: string[] = [];
  if (standardError !== null) {
    notes.push(`Duplicate rows are an estimate (more distinct rows than the ${p.keys.keys.length} row keys kept): ${duplicateRows} ± ${formatNumber(standardError)} (standard error); which rows repeat which is not listed.`);
  }
  let norms: RowNormSummary | null = null;
  if (p.count > 0) {
    norms = p.norms ? summariseSortedNorms(p.norms) : {
      min: p.normMin, max: p.normMax, mean: p.normSum / p.count,
      median: sketchMedian(p.normSketch), medianRelativeError: NORM_SKETCH_ACCURACY,
    };
  }
  return {
    statistics: {
      count: p.count, nanRows: p.nanRows, infRows: p.infRows, zeroRows: p.zeroRows, duplicateRows,
      mean: p.mean, variance, norms, outliers: outliersOfPartial(p, outlierZ),
      // NaN, ±Inf, all-zero, duplicate rows and outliers are the same whatever the sharding
      rowIndices: {
        nan: { count: p.nanRows - p.nullRows, first: p.nanRowFirst },
        inf: { count: p.infRows, first: p.infRowFirst },
        zero: { count: p.zeroRows, first: p.zeroRowFirst },
        // the duplicate rows and the rows they repeat, while every distinct row's key was kept (exact)
        ...(p.keys.duplicates && !p.keys.saturated
          ? { duplicate: { count: duplicateRows, first: p.keys.duplicates.map(d => d.row), repeats: p.keys.duplicates.map(d => d.repeats) } } : {}),
      },
    },
    duplicatesStandardError: standardError,
    notes,
  };
}

/**
 * The outlier rows of a dataset by the single-file rule (outlierRows.ts), when its partial kept
 * every finite row's norm with its global row (at most NORMS_KEPT finite rows); else null (no
 * finding: the sketch's median is approximate, and the rows are unknown).
 */
function outliersOfPartial(p: DatasetPartial, z: number): OutlierRows | null {
  const { norms, normRows } = p;
  if (!norms || !normRows) return null;
  const order = stableOrder(normRows);
  const runs: number[] = [];
  for (const i of order) {
    const row = normRows[i], n = runs.length;
    if (n > 0 && runs[n - 2] + runs[n - 1] === row) runs[n - 1]++;
    else runs.push(row, 1);
  }
  // the partial keeps its norms ascending: the rule's median and MAD need no sort
  const inRowOrder = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) inRowOrder[k] = norms[order[k]];
  return outlierRows(inRowOrder, runs, z, norms);
}

