import { escapeControlCharacters } from '../errors';
import type { RowMetadata, RowView } from './rowMetadata';

/** Characters of a text shown in a line (the JSON output keeps all). */
export const TEXT_PREVIEW_CHARS = 120;

/** A metadata value for one line of text: control characters escaped, long texts cut. */
export function previewValue(value: string | number | null, max = TEXT_PREVIEW_CHARS): string {
  if (value === null) return '—';
  const text = escapeControlCharacters(typeof value === 'string' ? value : String(value));
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v));

/** The row view as text (`embdiag row`). */
export function renderRowViewText(file: string, view: RowView): string {
  const lines = [`Row ${view.row} of ${escapeControlCharacters(file)}${view.shard ? ` (row ${view.shard.localRow} of shard ${escapeControlCharacters(view.shard.file)})` : ''}`];
  lines.push(`  norm: ${Number.isFinite(view.norm) ? num(view.norm) : 'not finite (the row holds NaN or Inf values)'}`);
  lines.push(`  values (${view.firstValues.length < view.dim ? `first ${view.firstValues.length} of ${view.dim}` : `all ${view.dim}`}): ${view.firstValues.map(num).join(' ')}`);
  for (const m of view.metadata ?? []) lines.push(`  ${escapeControlCharacters(m.name)} (${m.role}): ${previewValue(m.value)}`);
  for (const n of view.neighbours) {
    const among = view.sampled ? `among a uniform sample of ${n.sampleSize} rows of ${view.rowsTotal}` : `among all ${n.sampleSize} finite rows`;
    lines.push(`  nearest by ${n.metric === 'cosine' ? 'cosine distance (1 − cos)' : 'Euclidean distance'}, ${among}:`);
    if (n.note) lines.push(`    ${n.note}`);
    for (const item of n.items) {
      const meta = view.neighbourMetadata?.rows[item.row];
      const label = meta && meta.label !== null ? `  ${previewValue(meta.label, 40)}` : '';
      const text = meta && meta.text !== null ? `  ${previewValue(meta.text, 60)}` : '';
      lines.push(`    row ${item.row}  ${num(item.distance)}${label}${text}`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * CSV cell (RFC 4180): quoted when it holds a comma or a quote; control characters (line breaks,
 * escape sequences a terminal would obey) are written as \xNN / \n, so one row stays one line.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = escapeControlCharacters(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The metadata of the i-th row as CSV cells / as JSON fields (for `embdiag rows`). */
export function metadataCells(meta: RowMetadata, i: number): string[] {
  return meta.columns.map(c => csvCell(c.values[i]));
}

/** A JSON line with DEL and C1 control characters escaped too (JSON.stringify escapes only C0): the same data, safe on a terminal. */
export function jsonLine(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(value).replace(/[\u007f-\u009f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function metadataFields(meta: RowMetadata, i: number): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const c of meta.columns) out[c.name] = c.values[i];
  return out;
}
