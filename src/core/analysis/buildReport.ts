import type { ArrayInfo, DumpFormat, ReaderFinding } from '../formats/dumpFile';
import { spectrumMetrics } from '../metrics/spectrumMetrics';
import type { AnalysisReport, HealthSection, RowNormSummary } from '../report/analysisReport';
import { deriveFindings, type FindingThresholds } from './findings';
import { TOOL_VERSION } from '../version';
import { formatNumber } from '../report/format';
import { escapeControlCharacters } from '../errors';
import { overflowSafeMean } from '../stats/scaledMean';
import type { NullRows } from './nullRowTally';
import type { RowIndices } from '../stats/rowIndices';
import type { OutlierRows } from './outlierRows';

/** What was analysed: one dump file, or a dataset of shards (src/core/dataset/). */
export interface ReportSubject {
  displayPath: string;
  fileSize: number;
  format: DumpFormat;
  array: { name: string; dtype: string; shape: number[] };
  dim: number;
  arrays: ArrayInfo[];
  /** Findings of the readers (may quote file content: escaped here). */
  readerFindings: readonly ReaderFinding[];
  notes: readonly string[];
  rowsTotal: number;
  rowsUsed: number;
  sampled: boolean;
  seed: number;
  thresholds: FindingThresholds;
  nullRows: NullRows;
  started: number;
}

/** The statistics a report is built from, whichever way they were accumulated or merged. */
export interface ReportStatistics {
  /** Finite rows. */
  count: number;
  /** Rows with a NaN, null rows included (the report subtracts them). */
  nanRows: number;
  infRows: number;
  zeroRows: number;
  duplicateRows: number;
  mean: Float64Array;
  variance: Float64Array | null;
  norms: RowNormSummary | null;
  /** The rows behind the row-level findings (single files; a dataset's partial does not keep them yet). */
  rowIndices?: Partial<RowIndices>;
  outliers?: OutlierRows | null;
}

/** The one report builder: single files and datasets alike. */
export function reportFromStatistics(
  subject: ReportSubject, st: ReportStatistics, eigenvalues: Float64Array, overflow: boolean,
  t: { readMs: number; eigenMs: number }, sampling: { method: AnalysisReport['sampling']['method']; maxRows: number; note?: string },
): AnalysisReport {
  const { thresholds, rowsTotal, rowsUsed, sampled } = subject;
  const dim = subject.dim;
  const { readMs, eigenMs } = t;
  const metrics = eigenvalues.length > 0 ? spectrumMetrics(eigenvalues) : null;

  const variance = st.variance && !overflow ? Array.from(st.variance) : [];
  const deadDimIndices: number[] = [];
  let deadDims = 0;
  for (let j = 0; j < variance.length; j++) {
    if (variance[j] <= thresholds.deadDimensionVariance) {
      deadDims++;
      if (deadDimIndices.length < 100) deadDimIndices.push(j);
    }
  }
  const norms = st.norms;
  const nullRows = subject.nullRows;
  const health: HealthSection = {
    nanRows: Math.max(0, st.nanRows - nullRows.count), nullRows: nullRows.count, infRows: st.infRows, zeroRows: st.zeroRows, duplicateRows: st.duplicateRows,
    deadDims, deadDimIndices, rowNorms: norms,
  };
  const findings = [
    // reader findings may quote file content: no raw control bytes in a message
    ...subject.readerFindings.map(f => ({ ...f, message: escapeControlCharacters(f.message) })),
    ...(overflow ? [{ code: 'numeric-overflow', severity: 'error' as const, message:
      `Some values are so large (largest row norm ${formatNumber(norms?.max)}) that their squares overflow float64, so no covariance, spectrum or rank could be computed. Rescale the embeddings, or look for the diverged rows.` }] : []),
    ...deriveFindings({ rowsTotal, rowsUsed, rowsInStatistics: st.count, dim, sampled, seed: subject.seed, health, metrics,
      shape: subject.array.shape, nullRowIndices: nullRows.first, rowIndices: st.rowIndices, outliers: st.outliers }, thresholds),
  ];
  return {
    schemaVersion: 1,
    tool: { name: 'embdiag', version: TOOL_VERSION },
    file: subject.displayPath,
    fileSize: subject.fileSize,
    format: subject.format,
    array: subject.array,
    arrays: subject.arrays,
    rowsTotal,
    rowsUsed,
    rowsInStatistics: st.count,
    dim,
    sampling: {
      sampled,
      method: sampling.method,
      seed: subject.seed,
      maxRows: sampling.maxRows,
    },
    health,
    mean: Array.from(st.mean),
    variance,
    eigenvalues: Array.from(eigenvalues),
    metrics,
    notes: [...(sampling.note ? [sampling.note] : []), ...subject.notes].map(escapeControlCharacters),
    findings,
    timings: { totalMs: Date.now() - subject.started, readMs, eigenMs },
  };
}

/** Min, exact median, max and mean of the finite rows' norms; null when there are none. */
export function summariseNorms(norms: Float64Array): RowNormSummary | null {
  if (norms.length === 0) return null;
  const sorted = Float64Array.from(norms).sort();
  return summariseSortedNorms(sorted);
}

/** summariseNorms of norms already sorted ascending. */
export function summariseSortedNorms(sorted: Float64Array): RowNormSummary | null {
  const n = sorted.length;
  if (n === 0) return null;
  // halves first: norms near 1e308 would overflow their sum
  const median = n % 2 ? sorted[(n - 1) / 2] : sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2;
  return { min: sorted[0], median, max: sorted[n - 1], mean: overflowSafeMean(sorted) };
}
