/**
 * What the projection's exports contain, without DOM: the points an SVG file keeps (a seeded
 * uniform subset when there are more than it can hold) and the CSV of the sample's coordinates.
 */
import { sampleRowIndices } from '../src/core/stats/rowSampler';
import { formatCount } from './format';
import { flagNames } from './projectionData';

/** Most points a saved SVG holds; more make files that drawing programs struggle with. */
export const SVG_MAX_POINTS = 5000;

/**
 * At most `max` of `items`, chosen uniformly without replacement with a fixed seed (the same
 * file every time; the core's row sampler), in their original order; all of them when they fit.
 */
export function decimate(items: ArrayLike<number>, max = SVG_MAX_POINTS, seed = 0): number[] {
  const n = items.length;
  if (n <= max) return Array.from(items);
  return Array.from(sampleRowIndices(n, max, seed), p => items[p]);
}

/** The note a saved SVG carries when it holds a subset of the points in view, else ''. */
export function decimationNote(kept: number, total: number): string {
  return kept < total ? `SVG shows ${formatCount(kept)} of ${formatCount(total)} points in view (seeded uniform subset; the PNG and CSV have all).` : '';
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a text that a
 * spreadsheet would run as a formula (= + - @, tab, CR first) gets a leading apostrophe, since
 * labels come from the user's files and are data, not formulas.
 */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface CsvInput {
  rows: readonly number[];
  components: readonly [number, number];
  /** 'UMAP': the columns are umap1 and umap2. */
  axis?: 'UMAP';
  x: readonly number[];
  y: readonly number[];
  norms: readonly number[];
  flags: readonly number[];
  label?: { name: string; values: readonly (string | null)[] } | null;
  text?: { name: string; values: readonly (string | null)[] } | null;
}

/** `row,pc1,pc2,norm,findings[,label][,text]` (umap1,umap2 for the UMAP view), one line per sample row, CRLF line ends. */
export function projectionCsv(c: CsvInput): string {
  const column = (k: number) => (c.axis === 'UMAP' ? `umap${k}` : `pc${k}`);
  const header = ['row', column(c.components[0]), column(c.components[1]), 'norm', 'findings'];
  if (c.label) header.push(c.label.name);
  if (c.text) header.push(c.text.name);
  const lines = [header.map(csvField).join(',')];
  for (let i = 0; i < c.rows.length; i++) {
    const cells: (string | number | null)[] = [c.rows[i], c.x[i], c.y[i], c.norms[i], flagNames(c.flags[i]).join(';')];
    if (c.label) cells.push(c.label.values[i]);
    if (c.text) cells.push(c.text.values[i]);
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
