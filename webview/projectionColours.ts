/**
 * Colouring the projection's points, without DOM: every point falls in a bucket (a class of the
 * label, a step of a colour scale, a finding), drawn with one colour and hidden together. The
 * categorical palette is Okabe & Ito's (told apart with the common colour-vision deficiencies);
 * continuous values use viridis (perceptually uniform, readable in grey). Theme colours (the
 * default series, grey for "no value") come from the page's CSS variables through `ThemeColours`.
 */
import { PROJECTION_FLAG } from '../src/core/report/projection';
import { formatNumber } from './format';

/** Okabe–Ito without black (invisible on dark themes), most distinct first. */
export const CATEGORICAL_PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'] as const;

/** Viridis at 9 even stops, for the colour bar. */
export const SEQUENTIAL_STOPS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'] as const;

/** Steps of a continuous colour scale (each one bucket). */
export const CONTINUOUS_STEPS = 32;

/** Colours the page takes from the theme (resolved CSS variables). */
export interface ThemeColours {
  /** Points without a colouring (--vscode-charts-blue). */
  series: string;
  /** Points with no value, other classes, rows without a finding. */
  muted: string;
  zero: string;
  duplicate: string;
  outlier: string;
}

export type ColourBy =
  | { kind: 'none' }
  | { kind: 'label' }
  | { kind: 'numeric'; column: string }
  | { kind: 'norm' }
  | { kind: 'finding' };

/** One bucket: its colour, its legend text and how many points it holds. */
export interface Bucket { key: string; label: string; colour: string; count: number }

export interface Colouring {
  /** Bucket of each point. */
  bucket: Uint16Array;
  /** In drawing order: later buckets are drawn on top. */
  buckets: Bucket[];
  /** What the legend shows: clickable classes, or a colour bar over [min, max]. */
  legend: { kind: 'classes'; title: string } | { kind: 'bar'; title: string; min: number; max: number } | { kind: 'none' };
}

const rgb = (hex: string) => [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));

/** The viridis colour at t in [0, 1] (clamped), as #rrggbb. */
export function sequentialColour(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (SEQUENTIAL_STOPS.length - 1);
  const i = Math.min(SEQUENTIAL_STOPS.length - 2, Math.floor(u)), f = u - i;
  const a = rgb(SEQUENTIAL_STOPS[i]), b = rgb(SEQUENTIAL_STOPS[i + 1]);
  return '#' + a.map((x, j) => Math.round(x + (b[j] - x) * f).toString(16).padStart(2, '0')).join('');
}

/** The step of a value on a scale over [min, max] (0..steps−1); a zero span puts everything in the middle step. */
export function continuousStep(v: number, min: number, max: number, steps = CONTINUOUS_STEPS): number {
  if (!(max > min)) return Math.floor(steps / 2);
  return Math.min(steps - 1, Math.max(0, Math.floor(((v - min) / (max - min)) * steps)));
}

/**
 * Classes of a label column: the most frequent get the palette's colours (ties by name), the rest
 * share one "other" bucket, rows without a label a "no label" bucket. The largest class is drawn
 * first so small classes stay visible on top.
 */
export function labelColouring(values: readonly (string | null)[], theme: ThemeColours, title: string): Colouring {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const classes = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const shown = classes.length > CATEGORICAL_PALETTE.length ? CATEGORICAL_PALETTE.length - 1 : classes.length;
  const buckets: Bucket[] = classes.slice(0, shown).map(([name, count], i) => ({ key: `class:${name}`, label: name, colour: CATEGORICAL_PALETTE[i], count }));
  const others = classes.slice(shown);
  const otherIndex = buckets.length;
  if (others.length) buckets.push({ key: 'other', label: `other (${others.length} classes)`, colour: theme.muted, count: others.reduce((s, [, c]) => s + c, 0) });
  const missingIndex = buckets.length;
  if (missing) buckets.push({ key: 'missing', label: 'no label', colour: theme.muted, count: missing });
  const index = new Map(classes.slice(0, shown).map(([name], i) => [name, i]));
  const bucket = new Uint16Array(values.length);
  values.forEach((v, i) => { bucket[i] = v === null ? missingIndex : index.get(v) ?? otherIndex; });
  // drawing order: "no label" and "other" under the classes, big classes under small ones
  return reorder({ bucket, buckets, legend: { kind: 'classes', title } }, (a, b) => rank(a) - rank(b) || b.count - a.count);
}

const rank = (b: Bucket) => (b.key === 'missing' ? 0 : b.key === 'other' ? 1 : 2);

/** The same colouring with its buckets sorted by `compare` (the points' bucket numbers follow). */
function reorder(c: Colouring, compare: (a: Bucket, b: Bucket) => number): Colouring {
  const order = c.buckets.map((b, i) => ({ b, i })).sort((p, q) => compare(p.b, q.b) || p.i - q.i);
  const newIndex = new Uint16Array(c.buckets.length);
  order.forEach((o, j) => { newIndex[o.i] = j; });
  const bucket = c.bucket.map(b => newIndex[b]);
  return { ...c, bucket, buckets: order.map(o => o.b) };
}

/** A numeric column or the row norms on the viridis scale; null values in a grey "no value" bucket drawn first. */
export function continuousColouring(values: readonly (number | null)[], theme: ThemeColours, title: string): Colouring {
  let min = Infinity, max = -Infinity, missing = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) { missing++; continue; }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const steps = CONTINUOUS_STEPS;
  const buckets: Bucket[] = [{ key: 'missing', label: 'no value', colour: theme.muted, count: missing }];
  for (let s = 0; s < steps; s++) {
    const lo = min + ((max - min) * s) / steps, hi = min + ((max - min) * (s + 1)) / steps;
    buckets.push({ key: `step:${s}`, label: `${formatNumber(lo, 3)} \u2013 ${formatNumber(hi, 3)}`, colour: sequentialColour((s + 0.5) / steps), count: 0 });
  }
  const bucket = new Uint16Array(values.length);
  values.forEach((v, i) => {
    const b = v === null || !Number.isFinite(v) ? 0 : 1 + continuousStep(v, min, max, steps);
    bucket[i] = b;
    if (b > 0) buckets[b].count++;
  });
  return { bucket, buckets, legend: min <= max ? { kind: 'bar', title, min, max } : { kind: 'none' } };
}

/** Findings: zero rows, duplicates and outliers in theme colours over the muted rest (a row with several shows the first). */
export function findingColouring(flags: readonly number[], theme: ThemeColours): Colouring {
  const buckets: Bucket[] = [
    { key: 'none', label: 'no finding', colour: theme.muted, count: 0 },
    { key: 'outlier', label: 'outlier', colour: theme.outlier, count: 0 },
    { key: 'duplicate', label: 'duplicate', colour: theme.duplicate, count: 0 },
    { key: 'zero', label: 'zero row', colour: theme.zero, count: 0 },
  ];
  const bucket = new Uint16Array(flags.length);
  flags.forEach((f, i) => {
    const b = f & PROJECTION_FLAG.zero ? 3 : f & PROJECTION_FLAG.duplicate ? 2 : f & PROJECTION_FLAG.outlier ? 1 : 0;
    bucket[i] = b;
    buckets[b].count++;
  });
  return { bucket, buckets, legend: { kind: 'classes', title: 'Finding' } };
}

/** Every point in one bucket of the series colour. */
export function plainColouring(n: number, theme: ThemeColours): Colouring {
  return { bucket: new Uint16Array(n), buckets: [{ key: 'all', label: 'sample rows', colour: theme.series, count: n }], legend: { kind: 'none' } };
}

/** Point indices grouped by bucket (in bucket order, ascending inside), so each colour is filled in one pass. */
export function pointsByBucket(c: Colouring): { order: Uint32Array; start: Uint32Array } {
  const nb = c.buckets.length;
  const start = new Uint32Array(nb + 1);
  for (let i = 0; i < c.bucket.length; i++) start[c.bucket[i] + 1]++;
  for (let b = 1; b <= nb; b++) start[b] += start[b - 1];
  const fill = start.slice();
  const order = new Uint32Array(c.bucket.length);
  for (let i = 0; i < c.bucket.length; i++) order[fill[c.bucket[i]]++] = i;
  return { order, start };
}

/**
 * The legend's entries: a label's classes largest first, then "other" and "no label"; other
 * colourings top-drawn first (findings: zero rows, duplicates, outliers, then the rest).
 */
export function legendEntries(c: Colouring): Bucket[] {
  const out = c.buckets.slice().reverse();
  if (!c.buckets.some(b => b.key.startsWith('class:'))) return out;
  return out.sort((a, b) => rank(b) - rank(a) || b.count - a.count);
}

/** The hidden set after clicking a legend entry: shown ↔ hidden. */
export function toggleHidden(hidden: ReadonlySet<string>, key: string): Set<string> {
  const next = new Set(hidden);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}

/** Per bucket, whether its points are hidden (keys in `hidden` that the colouring has). */
export function hiddenBuckets(c: Colouring, hidden: ReadonlySet<string>): Uint8Array {
  return Uint8Array.from(c.buckets, b => (hidden.has(b.key) ? 1 : 0));
}
