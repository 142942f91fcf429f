import type { AnalysisReport } from '../core/report/analysisReport';
import type { RowMetadata } from '../core/rows/rowMetadata';
import { shardOfRow } from '../core/rows/shardOfRow';
import { DEFAULT_NEIGHBOUR_SAMPLE } from '../core/rows/rowMetadata';
import { EmbdiagError } from '../core/errors';
import type { Settings } from './settings';
import type { WorkerTask } from './workerProtocol';

/** Rows whose metadata is sent with a report at most (the projection's sample is far smaller). */
const MAX_METADATA_ROWS = 50_000;

/**
 * The worker task for the row view of a global `row` of the report shown: the dump itself, or
 * for a dataset the shard holding the row. Refused (our sentence) for a row the report does not have.
 */
export function rowViewTask(report: AnalysisReport, fsPath: string, row: number, settings: Settings, arrayName?: string, dataset = false): Extract<WorkerTask, { type: 'rowView' }> {
  if (row >= report.rowsTotal) throw new EmbdiagError('invalid-range', `Row ${row} is not a row of ${report.file} (it has ${report.rowsTotal} rows).`);
  const options = { seed: settings.seed, sampleRows: Math.min(settings.maxRows, DEFAULT_NEIGHBOUR_SAMPLE), ...(arrayName ? { arrayName } : {}) };
  if (dataset) {
    const shard = shardOfRow(report.shards ?? [], row);
    return { type: 'rowView', path: shard.file, row, options, shard: { localRow: shard.localRow, firstRow: shard.firstRow } };
  }
  return { type: 'rowView', path: fsPath, row, options };
}

/** The rows the panel shows of a report: the projection's sample and the rows listed by findings. */
export function shownRows(report: AnalysisReport): number[] {
  const projection = (report as { projection?: { rows?: unknown } }).projection;
  const rows = new Set<number>();
  if (Array.isArray(projection?.rows)) for (const r of projection.rows) if (typeof r === 'number') rows.add(r);
  for (const f of report.findings) for (const r of f.rows ?? []) rows.add(r);
  return [...rows].filter(r => Number.isSafeInteger(r) && r >= 0 && r < report.rowsTotal).sort((a, b) => a - b).slice(0, MAX_METADATA_ROWS);
}

/** The worker task reading the metadata of the rows shown (undefined when no row is shown). */
export function rowMetadataTask(report: AnalysisReport, fsPath: string, arrayName?: string, dataset = false): Extract<WorkerTask, { type: 'rowMetadata' }> | undefined {
  const rows = shownRows(report);
  if (!rows.length) return undefined;
  const options = arrayName ? { arrayName } : {};
  const shards = report.shards?.filter(s => !s.error);
  // a dataset: keyed by its first shard's file, the shards' sizes and mtimes in the task say when it is stale
  if (dataset) return shards?.length ?  { type: 'rowMetadata', path: shards[0].file, rows, options, shards } : undefined;
  return { type: 'rowMetadata', path: fsPath, rows, options };
}

/** Characters of a text sent to the panel with the rows shown (it shows a line; the row view reads the full text). */
export const PANEL_TEXT_CHARS = 300;

/** The metadata with long texts cut (the message for thousands of projection rows stays small). */
export function forPanel(meta: RowMetadata, max = PANEL_TEXT_CHARS): RowMetadata {
  const cut = (v: string | number | null) => (typeof v === 'string' && v.length > max ? `${v.slice(0, max)}…` : v);
  return { ...meta, columns: meta.columns.map(c => ({ ...c, values: c.values.map(cut) })) };
}
