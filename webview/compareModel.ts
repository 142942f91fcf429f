/**
 * What the compare view shows, as plain data: labels that tell the two files apart,
 * the overview pairs, metric rows with signed deltas, and the three distances with their
 * formulas and what their values mean in plain words. Pure: no DOM.
 */
import type { DumpComparison } from '../src/core/analysis/compareReports';
import type { CovarianceDistanceResult, CovarianceSide } from '../src/core/analysis/covarianceDistance';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { METRIC_DEFINITIONS, type MetricKey } from '../src/core/metrics/spectrumMetrics';
import { baseName, formatCount, formatNumber, formatPercent, formatRowsUsed, formatShape } from './format';
import { asPowerLaw } from './messages';

/**
 * Short names for the two files: their base names, or as many trailing path segments as
 * it takes to tell them apart (`ckpt-1/emb.npy`, `ckpt-2/emb.npy`); the same path twice
 * gives `emb.npy (left)` and `emb.npy (right)`.
 */
export function distinctLabels(leftPath: string, rightPath: string): { left: string; right: string } {
  const l = leftPath.split(/[\\/]/).filter(Boolean), r = rightPath.split(/[\\/]/).filter(Boolean);
  const ln = baseName(leftPath), rn = baseName(rightPath);
  if (ln !== rn) return { left: ln, right: rn };
  for (let k = 2; k <= Math.max(l.length, r.length); k++) {
    const a = l.slice(-k).join('/'), b = r.slice(-k).join('/');
    if (a !== b) return { left: a, right: b };
  }
  return { left: `${ln} (left)`, right: `${rn} (right)` };
}

export type Sign = 'positive' | 'negative' | 'zero' | 'none';

export function signOf(d: number | null | undefined): Sign {
  if (d === null || d === undefined || Number.isNaN(d)) return 'none';
  return d > 0 ? 'positive' : d < 0 ? 'negative' : 'zero';
}

/** `+1.234`, `−0.5` (U+2212), `0`, or an em dash. */
export function formatSigned(d: number | null | undefined, sig = 4): string {
  if (d === null || d === undefined || Number.isNaN(d)) return '\u2014';
  if (d === 0) return '0';
  const s = formatNumber(Math.abs(d), sig);
  return (d > 0 ? '+' : '\u2212') + s;
}

/** right − left relative to |left| as a signed percentage, or an em dash when left is 0 or missing. */
export function relativeChange(left: number | null, right: number | null): string {
  if (left === null || right === null || !Number.isFinite(left) || !Number.isFinite(right) || left === 0) return '\u2014';
  const f = (right - left) / Math.abs(left);
  if (f === 0) return '0%';
  return (f > 0 ? '+' : '\u2212') + formatPercent(Math.abs(f));
}

export interface CompareMetricRow {
  id: string;
  label: string;
  formula: string;
  left: string;
  right: string;
  delta: string;
  relative: string;
  sign: Sign;
  /** Tooltip: the formula and how the delta is taken. */
  detail: string;
}

const METRIC_ID: Record<string, string> = {
  effectiveRank: 'effective-rank', rankMe: 'rankme', participationRatio: 'participation-ratio', stableRank: 'stable-rank',
  conditionNumber: 'condition-number', totalVariance: 'total-variance',
};

function row(id: string, label: string, formula: string, l: number | null, r: number | null, valueText: (x: number | null) => string = formatNumber): CompareMetricRow {
  const delta = l !== null && r !== null ? r - l : null;
  return {
    id, label, formula,
    left: l === null ? 'not defined' : valueText(l),
    right: r === null ? 'not defined' : valueText(r),
    delta: formatSigned(delta), relative: relativeChange(l, r), sign: signOf(delta),
    detail: `${label}: ${formula}. \u0394 = right \u2212 left${delta === null ? '; not defined when either side is missing' : ''}.`,
  };
}

/** The metric table: the core's deltas, then the explained variance and the power-law exponent both sides have. */
export function compareMetricRows(c: DumpComparison): CompareMetricRow[] {
  const rows: CompareMetricRow[] = c.metricDeltas.map(d => {
    const def = METRIC_DEFINITIONS[d.key as MetricKey] as { label: string; formula: string } | undefined;
    const r = row(`compare-metric-${METRIC_ID[d.key] ?? d.key}`, def?.label ?? d.key, def?.formula ?? '', d.left, d.right);
    return d.delta !== null ? { ...r, delta: formatSigned(d.delta), sign: signOf(d.delta) } : r;
  });
  const ev = METRIC_DEFINITIONS.explainedVariance;
  const le = c.left.metrics?.explainedVariance ?? [], re = c.right.metrics?.explainedVariance ?? [];
  for (const e of le) {
    const other = re.find(x => x.k === e.k);
    if (!other) continue;
    const k = formatCount(e.k);
    const r = row(`compare-metric-explained-${e.k}`, `${ev.label}, top ${k}`, `\u03a3\u1d62\u2264${k} \u03bb\u1d62 / \u03a3\u03bb\u1d62`, e.fraction, other.fraction, x => (x === null ? '\u2014' : formatPercent(x)));
    // A difference of shares reads best in percentage points.
    const dpp = (other.fraction - e.fraction) * 100;
    rows.push({ ...r, delta: `${formatSigned(dpp, 3)} pp` });
  }
  const lf = asPowerLaw(c.left.powerLaw), rf = asPowerLaw(c.right.powerLaw);
  if (lf && rf) rows.push(row('compare-metric-power-law-alpha', 'Power-law exponent \u03b1', lf.formula || 'least squares of log\u2081\u2080 \u03bb\u2096 = log\u2081\u2080 C \u2212 \u03b1\u00b7log\u2081\u2080 k', lf.alpha, rf.alpha));
  return rows;
}

export interface DistanceRow {
  id: string;
  label: string;
  /** The figure, or null when it is not available (then `unavailable` says why). */
  value: string | null;
  /** A second figure shown next to the value (the absolute mean shift). */
  extra?: string;
  formula: string;
  /** What the number means, in one plain sentence. */
  meaning: string;
  unavailable?: string;
  /** Still being computed: how far along (the card shows a progress bar instead of a value). */
  pending?: { fraction: number; message: string };
  /** How the figure was obtained, e.g. "estimate" and the rows it used on each side. */
  provenance?: string;
  /** What else the reader should know about the figure (e.g. that it comes from a row sample). */
  notes?: string[];
}

/** The covariance distance as the page knows it: being computed, computed (value or the reason there is none), or failed. */
export type CovarianceView =
  | { kind: 'progress'; fraction: number; message: string }
  | { kind: 'result'; result: CovarianceDistanceResult }
  | { kind: 'error'; code: string; message: string };

/** `L: all 400 rows`, `L: 398 of 400 rows (2 non-finite left out)`, `R: 500 of 3,000 rows (uniform sample, seed 3)`. */
function sideRows(label: 'L' | 'R', s: CovarianceSide): string {
  const dropped = s.rowsRead - s.rowsInStatistics;
  const notes = [...(s.sampled ? [`uniform sample, seed ${formatCount(s.seed)}`] : []), ...(dropped > 0 ? [`${formatCount(dropped)} non-finite left out`] : [])];
  if (notes.length === 0) return `${label}: all ${formatCount(s.rowsTotal)} rows`;
  return `${label}: ${formatCount(s.rowsInStatistics)} of ${formatCount(s.rowsTotal)} rows (${notes.join(', ')})`;
}

/** "Estimate from L: … ; R: …" for a computed covariance distance. */
export function covarianceProvenance(r: CovarianceDistanceResult): string | undefined {
  if (!r.left || !r.right) return undefined;
  return `Estimate (plug-in, sample covariances 1/(N\u22121)) from ${sideRows('L', r.left)}; ${sideRows('R', r.right)}`;
}

export const DISTANCE_MEANING = {
  meanShift: 'How far the centre of the point cloud moved, in units of its typical spread: 0 means the same mean; 1 means the mean moved as far as a typical row lies from it.',
  spectrumDistance: 'How different the variance profiles are, sorted direction by sorted direction: 0 means the same eigenvalues (the directions themselves may have rotated); 1 means the spectra differ by as much as their average size; 2 means one side has no variance at all.',
  covarianceDistance: 'How different the covariances are, rotations included: 0 means identical covariances; \u221a2 \u2248 1.41 means as different as two equally strong covariances that share no direction; 2 means one side has no variance at all.',
} as const;

const FORMULA = {
  meanShift: '\u2016\u03bc_R \u2212 \u03bc_L\u2016\u2082 / \u221a((tr \u03a3_L + tr \u03a3_R)/2)',
  spectrumDistance: '\u2016\u03bb_R \u2212 \u03bb_L\u2016\u2082 / \u2016(\u03bb_L + \u03bb_R)/2\u2016\u2082',
  covarianceDistance: '2\u2016\u03a3_R \u2212 \u03a3_L\u2016_F / (\u2016\u03a3_L\u2016_F + \u2016\u03a3_R\u2016_F)',
} as const;

/**
 * The three distance cards. `covariance` is the covariance distance computed after the comparison
 * (undefined for a page that never asked for it: then the comparison's own figure, if any).
 */
export function distanceRows(c: DumpComparison, covariance?: CovarianceView | null): DistanceRow[] {
  const dims = `the dumps have different dimensions (d = ${formatCount(c.left.dim)} and ${formatCount(c.right.dim)})`;
  const ms = c.meanShift;
  const relOk = ms && ms.relative !== null && Number.isFinite(ms.relative);
  const mean: DistanceRow = {
    id: 'compare-mean-shift', label: 'Mean shift', formula: ms?.formula || FORMULA.meanShift, meaning: DISTANCE_MEANING.meanShift,
    value: ms ? (relOk ? formatNumber(ms.relative, 3) : formatNumber(ms.l2, 3)) : null,
    extra: ms ? (relOk ? `\u2016\u0394\u03bc\u2016\u2082 = ${formatNumber(ms.l2, 3)}` : 'absolute \u2016\u0394\u03bc\u2016\u2082: both sides have zero variance, so there is no spread to divide by') : undefined,
    unavailable: ms ? undefined : c.sameDim ? 'Not available: a mean is missing from one of the reports.' : `Not defined: ${dims}.`,
  };
  const sd = c.spectrumDistance;
  const spectrum: DistanceRow = {
    id: 'compare-spectrum-distance', label: 'Spectrum distance', formula: sd?.formula || FORMULA.spectrumDistance, meaning: DISTANCE_MEANING.spectrumDistance,
    value: sd ? formatNumber(sd.value, 3) : null,
    unavailable: sd ? undefined : c.sameDim ? 'Not available: one side has no eigenvalues (fewer than 2 finite rows) or both spectra are zero.' : `Not defined: ${dims}.`,
  };
  return [mean, spectrum, covarianceRow(c, covariance, dims)];
}

function covarianceRow(c: DumpComparison, view: CovarianceView | null | undefined, dims: string): DistanceRow {
  const base = { id: 'compare-covariance-distance', label: 'Covariance distance', meaning: DISTANCE_MEANING.covarianceDistance, formula: FORMULA.covarianceDistance };
  if (!c.sameDim) return { ...base, value: null, unavailable: `Not defined: ${dims}.` };
  if (view?.kind === 'progress') {
    return { ...base, value: null, pending: { fraction: view.fraction, message: view.message } };
  }
  if (view?.kind === 'error') {
    return { ...base, value: null, unavailable: view.code === 'cancelled' ? 'Not computed: cancelled. Use Re-analyse to compute it.' : `Not computed: ${view.message}` };
  }
  if (view?.kind === 'result') {
    const r = view.result;
    return {
      ...base, formula: r.formula || base.formula,
      value: r.value === null ? null : formatNumber(r.value, 3),
      unavailable: r.value === null ? r.unavailable ?? 'Not defined.' : undefined,
      provenance: r.value === null ? undefined : covarianceProvenance(r),
      notes: r.notes.length > 0 ? r.notes : undefined,
    };
  }
  const cd = c.covarianceDistance;
  return {
    ...base, formula: cd?.formula || base.formula,
    value: cd ? formatNumber(cd.value, 3) : null,
    unavailable: cd ? undefined : 'Not computed for this comparison: it needs both full covariance matrices, which the analysis did not keep.',
  };
}

export interface OverviewPair { id: string; label: string; left: string; right: string; differs: boolean; mono?: boolean }

function shapeText(r: AnalysisReport): string {
  return formatShape(r.array.shape);
}

/** Field by field, what each side is: format, array, dtype, shape, rows. */
export function overviewPairs(c: DumpComparison): OverviewPair[] {
  const pair = (id: string, label: string, f: (r: AnalysisReport) => string, mono = false): OverviewPair => {
    const left = f(c.left), right = f(c.right);
    return { id, label, left, right, differs: left !== right, mono };
  };
  return [
    pair('format', 'Format', r => r.format),
    pair('array', 'Array', r => r.array.name, true),
    pair('dtype', 'Dtype', r => r.array.dtype, true),
    pair('shape', 'Shape', shapeText, true),
    pair('rows', 'Rows used / total', formatRowsUsed),
    pair('rows-statistics', 'Rows in statistics', r => `${formatCount(r.rowsInStatistics)} finite`),
  ];
}
