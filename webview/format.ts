/**
 * Pure text formatting for the report page: numbers, shapes, sizes, durations.
 * No DOM here, so the unit tests run it under Node.
 */

/** Dimensions joined by ' × ' (U+00D7), plain integers without separators: `2000 × 64`. */
export function formatShape(shape: readonly number[]): string {
  if (shape.length === 0) return 'scalar';
  return shape.map(formatCount).join(' \u00d7 ');
}

/** A count as a plain integer (no thousands separators, so it can be copied into code). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Math.trunc(n));
}

/**
 * A measured value with `sig` significant digits: plain decimals for 1e-3 <= |x| < 1e6,
 * exponent form (`1.234e-7`, `5.6e12`) outside that range. Null or undefined gives an em dash.
 */
export function formatNumber(x: number | null | undefined, sig = 4): string {
  if (x === null || x === undefined) return '\u2014';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) {
    // Integers too wide for `sig` digits keep all their integer digits instead of going exponential.
    if (a >= 10 ** sig) return String(Math.round(x));
    const s = x.toPrecision(sig);
    return s.includes('e') ? normaliseExponent(s) : s;
  }
  return normaliseExponent(x.toExponential(sig - 1));
}

/** `1.500e+7` -> `1.5e7`, `2.000e-9` -> `2e-9`. */
function normaliseExponent(s: string): string {
  const [mantissa, exponent] = s.split('e');
  let m = mantissa;
  if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
  const e = Number(exponent);
  return `${m}e${e}`;
}

/** A fraction in [0, 1] as a percentage: `50.0%`, `1.23%`, `0.0012%`; exact `0%` and `100%`. */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '\u2014';
  if (fraction === 0) return '0%';
  if (fraction === 1) return '100%';
  const pct = 100 * fraction;
  const a = Math.abs(pct);
  if (a >= 99.95 && a < 100) return pct.toFixed(2) + '%';
  if (a >= 10) return pct.toFixed(1) + '%';
  if (a >= 0.1) return pct.toPrecision(3) + '%';
  const s = pct.toPrecision(2);
  return (s.includes('e') ? normaliseExponent(s) : s) + '%';
}

/** `part / whole` as a percentage, `—` when the whole is zero. */
export function formatShare(part: number, whole: number): string {
  return whole > 0 ? formatPercent(part / whole) : '\u2014';
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `512 B`, `1.50 KiB`, `12.3 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '\u2014';
  if (n < 1024) return `${Math.round(n)} B`;
  let v = n;
  let unit = -1;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${v.toPrecision(3)} ${BYTE_UNITS[unit]}`;
}

/** `0.4 ms`, `87 ms`, `1.25 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '\u2014';
  if (ms < 1) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toPrecision(3)} s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
}

/** The last segment of a POSIX or Windows path. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(p => p.length > 0);
  return parts.length > 0 ? parts[parts.length - 1] : path;
}

const SUPERSCRIPT: Record<string, string> = {
  '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074',
  '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079', '-': '\u207b',
};

/** An integer in superscript digits: -3 -> `⁻³`. */
export function superscript(n: number): string {
  return String(Math.trunc(n)).split('').map(c => SUPERSCRIPT[c] ?? c).join('');
}

/** `10⁻³` style power of ten. */
export function powerOfTen(exponent: number): string {
  return `10${superscript(exponent)}`;
}

/** What the report says about sampling, in the words every surface uses. */
export interface RowsSummaryInput {
  rowsTotal: number;
  rowsUsed: number;
  sampling: { sampled: boolean; method: string; seed: number; maxRows: number };
}

/** `2000 / 2000 — all rows (not sampled)` or `100000 / 1234567 — sampled: uniform random sample without replacement, seed 0`. */
export function formatRowsUsed(r: RowsSummaryInput): string {
  const counts = `${formatCount(r.rowsUsed)} / ${formatCount(r.rowsTotal)}`;
  return r.sampling.sampled
    ? `${counts} \u2014 sampled: ${r.sampling.method}, seed ${formatCount(r.sampling.seed)}`
    : `${counts} \u2014 all rows (not sampled)`;
}

/** Short form for captions: `all 2000 rows` or `a uniform random sample of 100000 of 1234567 rows (seed 0)`. */
export function describeRowSet(r: RowsSummaryInput): string {
  return r.sampling.sampled
    ? `a uniform random sample of ${formatCount(r.rowsUsed)} of ${formatCount(r.rowsTotal)} rows (seed ${formatCount(r.sampling.seed)})`
    : `all ${formatCount(r.rowsUsed)} rows`;
}

/** `1 row`, `3 rows`. */
export function plural(n: number, singular: string, pluralForm = singular + 's'): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

/** A list of indices, cut after `max` with a count of the rest: `3, 17, 42, … (5 more)`. */
export function formatIndexList(indices: readonly number[], total: number, max = 12): string {
  const shown = indices.slice(0, max).map(formatCount).join(', ');
  const rest = total - Math.min(indices.length, max);
  return rest > 0 ? `${shown}, \u2026 (${formatCount(rest)} more)` : shown;
}

export type SeverityName = 'error' | 'warning' | 'information';

const SEVERITY_RANK: Record<SeverityName, number> = { error: 0, warning: 1, information: 2 };

/** Findings ordered error, warning, information, keeping the report's order within each. */
export function sortBySeverity<T extends { severity: string }>(items: readonly T[]): T[] {
  const rank = (s: string) => SEVERITY_RANK[s as SeverityName] ?? 3;
  return items.map((item, i) => ({ item, i }))
    .sort((a, b) => rank(a.item.severity) - rank(b.item.severity) || a.i - b.i)
    .map(x => x.item);
}

/** `1 error, 2 warnings` (zero counts left out), or `No findings`. */
export function summariseSeverities(items: readonly { severity: string }[]): string {
  const count = (s: string) => items.filter(f => f.severity === s).length;
  const parts: string[] = [];
  const e = count('error'), w = count('warning'), i = count('information');
  if (e) parts.push(plural(e, 'error'));
  if (w) parts.push(plural(w, 'warning'));
  if (i) parts.push(plural(i, 'note'));
  return parts.length ? parts.join(', ') : 'No findings';
}

/** An array of a container as a picker lists it. */
export interface ArrayChoice {
  value: string;
  label: string;
  /** Why it cannot be analysed, or what it is. */
  description: string;
  disabled: boolean;
  selected: boolean;
}

/**
 * The picker's entries: every array with its dtype and shape (`embeddings — float32, 250000 × 384`);
 * arrays that cannot be analysed are disabled and say why in their label.
 */
export function arrayChoices(arrays: readonly { name: string; dtype: string; shape: readonly number[]; analysable: boolean; reason?: string }[], current: string): ArrayChoice[] {
  return arrays.map(a => {
    const base = `${a.name} \u2014 ${a.dtype}, ${formatShape(a.shape)}`;
    const reason = a.reason ?? 'not analysable';
    return {
      value: a.name,
      label: a.analysable ? base : `${base} (${reason})`,
      description: a.name === current ? 'Analysed now' : a.analysable ? 'Analyse this array' : `Cannot be analysed: ${reason}`,
      disabled: !a.analysable,
      selected: a.name === current,
    };
  });
}

/** The rows a row-level finding lists: a summary line and one entry per row (duplicates: the row it repeats). */
export function findingRows(f: { rows?: readonly number[]; rowCount?: number; repeats?: readonly number[] }): { summary: string; items: string[] } | null {
  if (!f.rows || f.rows.length === 0) return null;
  const count = f.rowCount ?? f.rows.length;
  const summary = count > f.rows.length ? `Rows (0-based): first ${f.rows.length} of ${count}` : `Rows (0-based): ${count}`;
  const items = f.rows.map((r, i) => (f.repeats && f.repeats[i] !== undefined ? `${r} repeats ${f.repeats[i]}` : String(r)));
  return { summary, items };
}
