import type { ReaderFinding } from '../formats/dumpFile';
import { reportFromStatistics, summariseSortedNorms } from '../analysis/buildReport';
import { outlierRows, type OutlierRows } from '../analysis/outlierRows';
import { DEFAULT_THRESHOLDS, type FindingThresholds } from '../analysis/findings';
import { covarianceSpectrum } from '../analysis/spectrumRoute';
import type { AnalysisReport, RowNormSummary, ShardSummary } from '../report/analysisReport';
import { formatNumber } from '../report/format';
import { NORM_SKETCH_ACCURACY, sketchMedian } from './normSketch';
import type { DatasetPartial } from './partial';
import { distinctRows } from './rowKeys';
import { stableOrder } from '../stats/stableOrder';
import { datasetAxes, datasetProjection } from './datasetProjection';
import { DEFAULT_PROJECTION_ROWS, axesMatchSpectrum, type PrincipalAxes } from '../analysis/projection';

/** A shard that could not be read: listed in the report with its error, left out of the figures. */
export interface ShardFailure { file: string; code: string; message: string }

export interface DatasetReportOptions {
  displayPath: string;
  thresholds?: FindingThresholds;
  /** Shards that could not be read (the report is then labelled incomplete). */
  failures?: ShardFailure[];
  /** Dataset-level findings found before reading (e.g. shard-missing). */
  findings?: ReaderFinding[];
  started?: number;
  readMs?: number;
  /** Rows of the projection, from the dataset's shared row sample (default DEFAULT_PROJECTION_ROWS; 0: none). */
  projectionRows?: number;
}

/**
 * The report of a dataset from its partial alone, built by the single-file analysis's report
 * builder: covariance = co-moment/(count − 1), its eigenvalues, and the merged health counts.
 */
export function reportOfPartial(p: DatasetPartial, options: DatasetReportOptions): AnalysisReport {
  const started = options.started ?? Date.now();
  const dim = p.dim;
  const failures = options.failures ?? [];
  const eigenStarted = Date.now();
  let variance: Float64Array | null = null;
  let eigenvalues: Float64Array = new Float64Array(0);
  let overflow = false;
  let axes: PrincipalAxes | null = null;
  const projectionRows = options.projectionRows ?? DEFAULT_PROJECTION_ROWS;
  if (p.count >= 2) {
    const scale = 1 / (p.count - 1);
    const covariance = p.comoment.map(x => x * scale);
    variance = new Float64Array(dim);
    for (let i = 0; i < dim; i++) variance[i] = covariance[i * dim + i];
    // a mean beyond float64 (values near its limit summed) is an overflow too
    ({ eigenvalues, overflow } = p.mean.every(Number.isFinite) ? covarianceSpectrum(covariance, dim) : { eigenvalues, overflow: true });
    if (!overflow && eigenvalues.length > 0) axes = datasetAxes(p, covariance, projectionRows);
  }
  const eigenMs = Date.now() - eigenStarted;
  const { distinct, standardError } = distinctRows(p.keys);
  const duplicateRows = Math.max(0, Math.round(p.count - distinct));
  const rowsTotal = p.shards.reduce((s, x) => s + x.rows, 0);
  const dtypes = [...new Set(p.shards.map(s => s.dtype))];
  const formats = [...new Set(p.shards.map(s => s.format))];
  const notes: string[] = [];
  if (dtypes.length > 1) notes.push(`Shards differ in dtype (${dtypes.join(', ')}); every value is analysed as float64.`);
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
  const shardFindings = p.shards.flatMap(s => s.findings.map(f => ({ ...f, message: `${s.file}: ${f.message}` })));
  const failureFindings: ReaderFinding[] = failures.length === 0 ? [] : [{
    code: 'incomplete-dataset', severity: 'warning',
    message: `${failures.length} of ${failures.length + p.shards.length} shards could not be read and are left out of every figure: ${failures.slice(0, 5).map(f => `${f.file} (${f.message})`).join('; ')}${failures.length > 5 ? '; …' : ''}. Fix or remove them (--strict makes this an error).`,
  }];
  const report = reportFromStatistics({
    displayPath: options.displayPath,
    fileSize: p.shards.reduce((s, x) => s + x.size, 0),
    format: p.shards[0]?.format ?? 'npy',
    // one shard: its own array and shape, as the single-file report says them
    array: { name: p.arrayChoice ?? [...new Set(p.shards.map(s => s.array))].join(', '), dtype: dtypes.join(', '), shape: p.shards.length === 1 ? [...p.shards[0].shape] : [rowsTotal, dim] },
    dim,
    arrays: [],
    readerFindings: [...(options.findings ?? []), ...failureFindings, ...shardFindings],
    notes: [
      `Dataset of ${p.shards.length} shard${p.shards.length === 1 ? '' : 's'}${formats.length > 1 ? ` (formats ${formats.join(', ')})` : ''}: every row of every shard analysed.`,
      ...notes,
      ...p.shards.flatMap(s => s.notes.map(n => `${s.file}: ${n}`)),
    ],
    rowsTotal, rowsUsed: rowsTotal, sampled: false, seed: p.seed,
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
    nullRows: { count: p.nullRows, first: p.nullRowFirst },
    started,
  }, {
    count: p.count, nanRows: p.nanRows, infRows: p.infRows, zeroRows: p.zeroRows, duplicateRows,
    mean: p.mean, variance, norms, outliers: outliersOfPartial(p, (options.thresholds ?? DEFAULT_THRESHOLDS).outlierZ ?? DEFAULT_THRESHOLDS.outlierZ),
    // NaN, ±Inf, all-zero, duplicate rows and outliers are the same whatever the sharding
    rowIndices: {
      nan: { count: p.nanRows - p.nullRows, first: p.nanRowFirst },
      inf: { count: p.infRows, first: p.infRowFirst },
      zero: { count: p.zeroRows, first: p.zeroRowFirst },
      // the duplicate rows and the rows they repeat, while every distinct row's key was kept (exact)
      ...(p.keys.duplicates && !p.keys.saturated
        ? { duplicate: { count: duplicateRows, first: p.keys.duplicates.map(d => d.row), repeats: p.keys.duplicates.map(d => d.repeats) } } : {}),
    },
  }, eigenvalues, overflow, { readMs: options.readMs ?? 0, eigenMs }, { method: 'all rows', maxRows: rowsTotal });
  if (standardError !== null) report.health.duplicateRowsStandardError = standardError;
  const shards: ShardSummary[] = [
    ...p.shards.map(s => ({ file: s.file, firstRow: s.firstRow, rows: s.rows, format: s.format, array: s.array, dtype: s.dtype, size: s.size, mtime: new Date(s.mtimeMs).toISOString() })),
    ...failures.map(f => ({ file: f.file, error: { code: f.code, message: f.message } })),
  ];
  const findings = report.findings.map(f => (f.rows?.length ? { ...f, message: `${f.message} ${whereInShards(f.rows, p)}` } : f));
  const projection = axes && axesMatchSpectrum(axes, eigenvalues) ? datasetProjection(p, axes, eigenvalues, projectionRows,
    { nan: report.health.nanRows, inf: report.health.infRows, null: report.health.nullRows ?? 0 },
    (options.thresholds ?? DEFAULT_THRESHOLDS).outlierZ ?? DEFAULT_THRESHOLDS.outlierZ) : undefined;
  return { ...report, findings, shards, incomplete: failures.length > 0, ...(projection ? { projection } : {}) };
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
  const inRowOrder = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) inRowOrder[k] = norms[order[k]];
  return outlierRows(inRowOrder, runs, z, norms);
}

/** Local rows shown per shard in a row-level finding's message. */
const LOCAL_ROWS_SHOWN = 10;

/** "In part-1.npy: local rows 3, 7; in part-2.npy: local row 0." for global row indices (ascending). */
function whereInShards(rows: readonly number[], p: DatasetPartial): string {
  const parts: string[] = [];
  for (const s of p.shards) {
    const local = rows.filter(r => r >= s.firstRow && r < s.firstRow + s.rows).map(r => r - s.firstRow);
    if (local.length === 0) continue;
    parts.push(`${s.file}: local row${local.length === 1 ? '' : 's'} ${local.slice(0, LOCAL_ROWS_SHOWN).join(', ')}${local.length > LOCAL_ROWS_SHOWN ? ', …' : ''}`);
  }
  return parts.length ? `By shard (rows listed above are global: shard offset + local row): ${parts.join('; ')}.` : '';
}
