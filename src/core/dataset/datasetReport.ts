import type { ReaderFinding } from '../formats/dumpFile';
import { DEFAULT_THRESHOLDS, type FindingThresholds } from '../analysis/findings';
import type { AnalysisReport, ShardSummary } from '../report/analysisReport';
import type { DatasetPartial } from './partial';
import { covarianceOfPartial, diagonalOf, reportFromPartial, spectrumOfPartial } from './partialReport';
import { datasetAxes, datasetProjection } from './datasetProjection';
import { DEFAULT_PROJECTION_ROWS, axesMatchSpectrum, type PrincipalAxes } from '../analysis/projection';

/** A shard that could not be read: listed in the report with its error, left out of the figures. */
export interface ShardFailure { file: string; code: string; message: string }

/** "FILE: why", without naming the file twice when the reader's message already starts with it. */
export function shardFailureText(f: { file: string; message: string }): string {
  return f.message.startsWith(`${f.file}:`) ? f.message : `${f.file}: ${f.message}`;
}

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
 * The report of a dataset from its partial alone, by the step of a single file's report
 * (reportFromPartial): covariance = co-moment/(count − 1), its eigenvalues, and the merged health
 * counts; then the dataset's own: its shards, where each finding's rows sit in them, and the
 * projection from the shared row sample.
 */
export function reportOfPartial(p: DatasetPartial, options: DatasetReportOptions): AnalysisReport {
  const started = options.started ?? Date.now();
  const dim = p.dim;
  const failures = options.failures ?? [];
  const outlierZ = (options.thresholds ?? DEFAULT_THRESHOLDS).outlierZ ?? DEFAULT_THRESHOLDS.outlierZ;
  const eigenStarted = Date.now();
  const projectionRows = options.projectionRows ?? DEFAULT_PROJECTION_ROWS;
  const covariance = covarianceOfPartial(p);
  const { eigenvalues, overflow } = spectrumOfPartial(p, covariance);
  const axes = covariance && !overflow && eigenvalues.length > 0 ? datasetAxes(p, covariance, projectionRows) : null;
  const eigenMs = Date.now() - eigenStarted;
  const rowsTotal = p.shards.reduce((s, x) => s + x.rows, 0);
  const dtypes = [...new Set(p.shards.map(s => s.dtype))];
  const formats = [...new Set(p.shards.map(s => s.format))];
  const notes: string[] = [];
  if (dtypes.length > 1) notes.push(`Shards differ in dtype (${dtypes.join(', ')}); every value is analysed as float64.`);
  const shardFindings = p.shards.flatMap(s => s.findings.map(f => ({ ...f, message: `${s.file}: ${f.message}` })));
  const failureFindings: ReaderFinding[] = failures.length === 0 ? [] : [{
    code: 'incomplete-dataset', severity: 'warning',
    message: `${failures.length} of ${failures.length + p.shards.length} shards could not be read and are left out of every figure: ${failures.slice(0, 5).map(shardFailureText).join('; ')}${failures.length > 5 ? '; …' : ''}. Fix or remove them (--strict makes this an error).`,
  }];
  const { report } = reportFromPartial(p, {
    displayPath: options.displayPath,
    fileSize: p.shards.reduce((s, x) => s + x.size, 0),
    format: p.shards[0]?.format ?? 'npy',
    // one shard: its own array and shape, as the single-file report says them
    array: { name: p.arrayChoice ?? [...new Set(p.shards.map(s => s.array))].join(', '), dtype: dtypes.join(', '), shape: p.shards.length === 1 ? [...p.shards[0].shape] : [rowsTotal, dim] },
    arrays: [],
    readerFindings: [...(options.findings ?? []), ...failureFindings, ...shardFindings],
    notes: [
      `Dataset of ${failures.length ? `${p.shards.length} readable of ${p.shards.length + failures.length} shards` : `${p.shards.length} shard${p.shards.length === 1 ? '' : 's'}`}${formats.length > 1 ? ` (formats ${formats.join(', ')})` : ''}: every row of every ${failures.length ? 'readable ' : ''}shard analysed.`,
      ...notes,
      ...p.shards.flatMap(s => s.notes.map(n => `${s.file}: ${n}`)),
    ],
    rowsTotal, rowsUsed: rowsTotal, sampled: false,
    thresholds: options.thresholds ?? DEFAULT_THRESHOLDS,
    started,
  }, diagonalOf(covariance, dim), { eigenvalues, overflow }, { readMs: options.readMs ?? 0, eigenMs }, { method: 'all rows', maxRows: rowsTotal });
  const shards: ShardSummary[] = [
    ...p.shards.map(s => ({ file: s.file, firstRow: s.firstRow, rows: s.rows, format: s.format, array: s.array, dtype: s.dtype, size: s.size, mtime: new Date(s.mtimeMs).toISOString() })),
    ...failures.map(f => ({ file: f.file, error: { code: f.code, message: f.message } })),
  ];
  const findings = report.findings.map(f => (f.rows?.length ? { ...f, message: `${f.message} ${whereInShards(f.rows, p)}` } : f));
  const projection = axes && axesMatchSpectrum(axes, eigenvalues) ? datasetProjection(p, axes, eigenvalues, projectionRows,
    { nan: report.health.nanRows, inf: report.health.infRows, null: report.health.nullRows ?? 0 },
    outlierZ) : undefined;
  return { ...report, findings, shards, incomplete: failures.length > 0, ...(projection ? { projection } : {}) };
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
