/** The dataset header's model: one row per shard, its rows, its share of the largest shard, its findings. Pure (no DOM). */
import type { AnalysisReport, Finding } from '../src/core/report/analysisReport';
import { baseName, formatCount, plural } from './format';

export interface ShardRowModel {
  file: string;
  name: string;
  /** Global index of its first row and its row count (absent for a shard that could not be read). */
  firstRow?: number;
  rows?: number;
  /** rows / the largest shard's rows, in [0, 1] (0 for an unreadable shard): the bar's length. */
  barFraction: number;
  /** Codes of the findings with rows in this shard, or whose message names it (its own reader findings). */
  findingCodes: string[];
  error?: { code: string; message: string };
  /** The row as one sentence: the bar's text alternative. */
  text: string;
}

export interface ShardListModel {
  shards: ShardRowModel[];
  readable: number;
  unreadable: number;
  rowsTotal: number;
  /** "3 shards, 1,200 rows (1 could not be read)". */
  summary: string;
}

/** Whether `f` concerns the shard: some of its rows fall in the shard's global range, or its message starts with the shard's path. */
function concerns(f: Finding, file: string, firstRow: number | undefined, rows: number | undefined): boolean {
  if (f.message.startsWith(`${file}: `)) return true;
  if (firstRow === undefined || rows === undefined || !f.rows) return false;
  return f.rows.some(r => r >= firstRow && r < firstRow + rows);
}

/** The model of a dataset report's shard list; null for a report without shards (a single dump). */
export function shardListModel(report: Pick<AnalysisReport, 'shards' | 'findings'>): ShardListModel | null {
  const shards = report.shards;
  if (!shards || shards.length === 0) return null;
  const maxRows = Math.max(0, ...shards.map(s => s.rows ?? 0));
  const rows: ShardRowModel[] = shards.map(s => {
    const name = baseName(s.file);
    const findingCodes = [...new Set(report.findings.filter(f => concerns(f, s.file, s.firstRow, s.rows)).map(f => f.code))];
    if (s.error) {
      return { file: s.file, name, barFraction: 0, findingCodes, error: s.error, text: `${name}: could not be read (${s.error.code}): ${s.error.message}` };
    }
    const n = s.rows ?? 0;
    const range = n > 0 && s.firstRow !== undefined ? ` (global rows ${formatCount(s.firstRow)}\u2013${formatCount(s.firstRow + n - 1)})` : '';
    return {
      file: s.file, name, firstRow: s.firstRow, rows: n, barFraction: maxRows > 0 ? n / maxRows : 0, findingCodes,
      text: `${name}: ${plural(n, 'row')}${range}; ${findingCodes.length ? `findings: ${findingCodes.join(', ')}` : 'no findings'}`,
    };
  });
  const unreadable = rows.filter(r => r.error).length;
  const rowsTotal = rows.reduce((s, r) => s + (r.rows ?? 0), 0);
  return {
    shards: rows, readable: rows.length - unreadable, unreadable, rowsTotal,
    summary: `${plural(rows.length, 'shard')}, ${plural(rowsTotal, 'row')}${unreadable ? ` (${formatCount(unreadable)} could not be read and ${unreadable === 1 ? 'is' : 'are'} left out of every figure)` : ''}`,
  };
}
