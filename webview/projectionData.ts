/**
 * The projection view's data: checks on the report's `projection` and on the row metadata the
 * host sends, the component pair drawn, labels and texts lined up with the sample rows, and the
 * sentences of the section and of its read-outs. Pure (no DOM), so the unit tests run it under Node.
 */
import type { Projection } from '../src/core/report/projection';
import { PROJECTION_FLAG } from '../src/core/report/projection';
import type { MetadataColumn, MetadataRole, RowMetadata } from '../src/core/rows/rowMetadata';
import { formatCount, formatNumber, formatPercent, plural } from './format';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => isFiniteNum(v) && Number.isInteger(v) && v >= 0;
const isFiniteArray = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every(isFiniteNum);
const isComponentList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(c => isCount(c) && c >= 1);

/** The `available` block when it is complete and lines up with the sample; else undefined (the default pair still draws). */
function asAvailable(v: unknown, n: number): Projection['available'] {
  if (!isObject(v) || !isComponentList(v.components)) return undefined;
  const k = v.components.length;
  if (!isFiniteArray(v.explained, k) || !Array.isArray(v.coordinates) || v.coordinates.length !== k) return undefined;
  if (!v.coordinates.every(c => isFiniteArray(c, n))) return undefined;
  return v as unknown as Projection['available'];
}

/**
 * The report's projection when present and well-formed, else null: older reports have none, and a
 * malformed one is left out rather than rejecting the whole report. Coordinates must be finite
 * numbers (the core samples finite rows only), one per sample row.
 */
export function asProjection(v: unknown): Projection | null {
  if (!isObject(v) || !Array.isArray(v.rows) || !v.rows.every(isCount)) return null;
  const n = v.rows.length;
  if (!isFiniteArray(v.x, n) || !isFiniteArray(v.y, n) || !isFiniteArray(v.norms, n)) return null;
  if (!Array.isArray(v.flags) || v.flags.length !== n || !v.flags.every(isCount)) return null;
  if (!isComponentList(v.components) || v.components.length !== 2 || !isFiniteArray(v.explained, 2)) return null;
  if (!isCount(v.rowsEligible) || !isCount(v.seed) || !isStr(v.sampleMethod) || !isStr(v.formula)) return null;
  const lo = v.leftOut;
  if (!isObject(lo) || !isCount(lo.nan) || !isCount(lo.inf) || !isCount(lo.null)) return null;
  const available = asAvailable(v.available, n);
  const p = v as unknown as Projection;
  // The same object when it is complete, so the view's caches (keyed by identity) keep hitting.
  if (available === v.available) return p;
  const { available: _dropped, ...rest } = p;
  return available ? { ...rest, available } : rest;
}

const ROLES: readonly MetadataRole[] = ['label', 'text', 'id', 'numeric', 'other'];

function isColumn(v: unknown, n: number): v is MetadataColumn {
  return isObject(v) && isStr(v.name) && ROLES.includes(v.role as MetadataRole) && Array.isArray(v.values) && v.values.length === n
    && v.values.every(x => x === null || isStr(x) || isFiniteNum(x));
}

/** Structural check of a 'rowMetadata' message's metadata: one value per listed row in every column. */
export function isRowMetadata(v: unknown): v is RowMetadata {
  if (!isObject(v) || !isStr(v.source) || !Array.isArray(v.rows) || !v.rows.every(isCount)) return false;
  const n = v.rows.length;
  if (!Array.isArray(v.columns) || !v.columns.every(c => isColumn(c, n))) return false;
  return (v.labelColumn === undefined || isStr(v.labelColumn)) && (v.textColumn === undefined || isStr(v.textColumn));
}

// ---------------------------------------------------------------- components

/** One principal component (or, with axis 'UMAP', one axis of the UMAP layout) the view can put on an axis. */
export interface ComponentChoice { component: number; explained: number; coordinates: readonly number[]; axis?: 'UMAP' }

/** `PC3`, or `UMAP-1`. */
export function axisName(component: number, axis?: 'UMAP'): string {
  return axis === 'UMAP' ? `UMAP-${component}` : `PC${component}`;
}

/** The components the selects offer: `available` when present, else the default pair alone. */
export function componentChoices(p: Projection): ComponentChoice[] {
  const a = p.available;
  if (a) return a.components.map((component, i) => ({ component, explained: a.explained[i], coordinates: a.coordinates[i] }));
  return [
    { component: p.components[0], explained: p.explained[0], coordinates: p.x },
    { component: p.components[1], explained: p.explained[1], coordinates: p.y },
  ];
}

/** The pair drawn: the one asked for when both are available and differ, else the report's default pair. */
export function choosePair(choices: readonly ComponentChoice[], wanted: readonly [number, number] | null, fallback: readonly number[]): [ComponentChoice, ComponentChoice] {
  const find = (c: number) => choices.find(x => x.component === c);
  if (wanted && wanted[0] !== wanted[1]) {
    const a = find(wanted[0]), b = find(wanted[1]);
    if (a && b) return [a, b];
  }
  const a = find(fallback[0]) ?? choices[0], b = find(fallback[1]) ?? choices.find(x => x !== a) ?? choices[0];
  return [a, b];
}

/**
 * The pair after the user picks `component` for one axis: picking the other axis's component
 * swaps the two, so the axes never show the same component.
 */
export function pickComponent(pair: readonly [number, number], axis: 0 | 1, component: number): [number, number] {
  const other = pair[1 - axis];
  const next: [number, number] = [pair[0], pair[1]];
  next[axis] = component;
  if (component === other) next[1 - axis] = pair[axis];
  return next;
}

/** `PC1 (12.3% of variance)`, or `UMAP-1 (not metric)`. */
export function axisTitle(c: { component: number; explained: number; axis?: 'UMAP' }): string {
  return c.axis === 'UMAP' ? `${axisName(c.component, c.axis)} (not metric)` : `PC${c.component} (${formatPercent(c.explained)} of variance)`;
}

// ---------------------------------------------------------------- sentences

/** `20,000 of 1,000,000 finite rows, uniform sample, seed 0` (or `all 1,000 finite rows`). */
export function sampleSentence(p: Projection): string {
  const n = p.rows.length;
  if (n >= p.rowsEligible) return `all ${plural(n, 'finite row')}`;
  return `${formatCount(n)} of ${formatCount(p.rowsEligible)} finite rows, uniform sample, seed ${p.seed}`;
}

/** `Left out (not finite vectors): 3 rows with NaN, 1 with ±Inf, 2 null rows.`, or '' when none. */
export function leftOutSentence(p: Projection): string {
  const { nan, inf, null: nul } = p.leftOut;
  const parts: string[] = [];
  if (nan) parts.push(`${plural(nan, 'row')} with NaN`);
  if (inf) parts.push(`${plural(inf, 'row')} with \u00b1Inf`);
  if (nul) parts.push(plural(nul, 'null row'));
  return parts.length ? `Left out (not finite vectors): ${parts.join(', ')}.` : '';
}

/** Names of the flags a sample row carries: `zero row, duplicate`. */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & PROJECTION_FLAG.zero) out.push('zero row');
  if (flags & PROJECTION_FLAG.duplicate) out.push('duplicate');
  if (flags & PROJECTION_FLAG.outlier) out.push('outlier');
  return out;
}

/** Longest text shown for a row before it is cut with an ellipsis. */
export const TEXT_LIMIT = 80;

/** Text cut to `limit` characters (whole code points) with an ellipsis, control characters shown as spaces. */
export function truncateText(s: string, limit = TEXT_LIMIT): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const chars = Array.from(clean);
  return chars.length <= limit ? clean : chars.slice(0, limit - 1).join('') + '\u2026';
}

// ---------------------------------------------------------------- metadata lined up with the sample

/** Labels, texts and numeric columns of the sample rows, index i for sample row i (null: none). */
export interface SampleMetadata {
  source: string;
  label: { name: string; values: (string | null)[] } | null;
  text: { name: string; values: (string | null)[] } | null;
  numeric: { name: string; values: (number | null)[] }[];
}

const asText = (v: string | number | null | undefined): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The metadata's columns for the sample rows (matched by global row index; rows the metadata
 * does not list get null). The label and text columns are the named ones, else the first of
 * that role; numeric columns are those with role 'numeric'.
 */
export function sampleMetadata(rows: readonly number[], meta: RowMetadata | null): SampleMetadata | null {
  if (!meta) return null;
  const at = new Map<number, number>();
  meta.rows.forEach((r, i) => at.set(r, i));
  const slots = rows.map(r => at.get(r));
  const pick = (name: string | undefined, role: MetadataRole) =>
    meta.columns.find(c => name !== undefined && c.name === name) ?? meta.columns.find(c => c.role === role);
  const texts = (c: MetadataColumn | undefined) => (c ? { name: c.name, values: slots.map(i => (i === undefined ? null : asText(c.values[i]))) } : null);
  const numeric = meta.columns.filter(c => c.role === 'numeric').map(c => ({
    name: c.name,
    values: slots.map(i => {
      const v = i === undefined ? null : c.values[i];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    }),
  }));
  return { source: meta.source, label: texts(pick(meta.labelColumn, 'label')), text: texts(pick(meta.textColumn, 'text')), numeric };
}

// ---------------------------------------------------------------- read-outs

/** What the read-outs say about one sample point. */
export interface PointFacts {
  row: number;
  x: number;
  y: number;
  components: readonly [number, number];
  /** 'UMAP': the coordinates are UMAP-1 and UMAP-2, not principal components. */
  axis?: 'UMAP';
  label: string | null;
  text: string | null;
  flags: number;
}

/** `row 1234 · cat · PC1 0.12, PC2 −0.3` (or UMAP-1, UMAP-2) for the box next to the point. */
export function pointReadout(f: PointFacts): string {
  return `row ${formatCount(f.row)}${f.label !== null ? ` \u00b7 ${truncateText(f.label, 32)}` : ''} \u00b7 `
    + `${axisName(f.components[0], f.axis)} ${formatNumber(f.x, 3)}, ${axisName(f.components[1], f.axis)} ${formatNumber(f.y, 3)}`;
}

/** `Point 3 of 20,000, nearest the centre first: row 1234, PC1 = 0.12, PC2 = −0.3, label cat, outlier; text "…"`. */
export function pointAnnouncement(f: PointFacts, position: number, count: number, order: string): string {
  const flags = flagNames(f.flags);
  return `Point ${formatCount(position + 1)} of ${formatCount(count)}, ${order}: row ${formatCount(f.row)}, `
    + `${axisName(f.components[0], f.axis)} = ${formatNumber(f.x)}, ${axisName(f.components[1], f.axis)} = ${formatNumber(f.y)}`
    + (f.label !== null ? `, label ${truncateText(f.label)}` : '')
    + (flags.length ? `, ${flags.join(', ')}` : '')
    + (f.text !== null ? `; text \u201c${truncateText(f.text)}\u201d` : '');
}
