/**
 * The row view and the row metadata as the page receives them: structural checks (pure, no DOM,
 * so the unit tests run them under Node) and the lookup of a row's label and text.
 */
import type { RowMetadata, RowView } from '../src/core/rows/rowMetadata';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isValue = (v: unknown) => v === null || isNum(v) || isStr(v);
const ROLES = new Set(['label', 'text', 'id', 'numeric', 'other']);

export { isRowMetadata } from './projectionData';

export function isRowView(v: unknown): v is RowView {
  if (!isObject(v) || !isNum(v.row) || !isNum(v.norm) && v.norm !== null || !isNum(v.dim) || !Array.isArray(v.firstValues) || !v.firstValues.every(isNum)) return false;
  if (v.shard !== undefined && !(isObject(v.shard) && isStr(v.shard.file) && isNum(v.shard.localRow))) return false;
  if (!Array.isArray(v.neighbours) || !v.neighbours.every(n => isObject(n) && (n.metric === 'cosine' || n.metric === 'euclidean') && isNum(n.sampleSize)
    && Array.isArray(n.items) && n.items.every(i => isObject(i) && isNum(i.row) && isNum(i.distance)) && (n.note === undefined || isStr(n.note)))) return false;
  if (v.metadata !== undefined && !(Array.isArray(v.metadata) && v.metadata.every(m => isObject(m) && isStr(m.name) && ROLES.has(m.role as string) && isValue(m.value)))) return false;
  const nm = v.neighbourMetadata;
  return nm === undefined || (isObject(nm) && isObject(nm.rows) && Object.values(nm.rows).every(r => isObject(r) && isValue(r.label) && isValue(r.text)));
}

/** Label and text of each row the metadata covers. */
export type RowLabels = Map<number, { label: string | number | null; text: string | number | null }>;

export function rowLabels(meta: RowMetadata | null): RowLabels {
  const out: RowLabels = new Map();
  if (!meta) return out;
  const label = meta.columns.find(c => c.name === meta.labelColumn);
  const text = meta.columns.find(c => c.name === meta.textColumn);
  if (!label && !text) return out;
  meta.rows.forEach((row, i) => out.set(row, { label: label?.values[i] ?? null, text: text?.values[i] ?? null }));
  return out;
}

/** A value shortened for one line: texts past `max` characters are cut (the full text is in the title). */
export function shortText(value: string | number | null, max = 80): string {
  if (value === null) return '';
  const text = String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
