/**
 * Pure geometry of the cumulative explained-variance plot and the row-norm histogram:
 * data transforms, scales, ticks and shapes in pixels. The lit templates in
 * cumulativePlot.ts and histogramPlot.ts draw them; the unit tests check them under Node.
 */
import { formatNumber } from './format';
import {
  linearIndexTicks, linearTicks, logTicks, makeScale, niceStep,
  type PlotBox, type PlotPoint, type Scale, type Tick,
} from './plotScale';

const r2 = (v: number) => Math.round(v * 100) / 100;

// ---------------------------------------------------------------- cumulative explained variance

/**
 * Share of the total variance in the top k eigenvalues, for k = 1..n (eigenvalues in
 * descending order). Negative or non-finite values (rounding noise) count as 0, so the
 * sequence never decreases and ends at 1. Empty when there is no positive variance.
 */
export function cumulativeFractions(eigenvalues: readonly number[]): number[] {
  let total = 0;
  for (const v of eigenvalues) if (Number.isFinite(v) && v > 0) total += v;
  if (!(total > 0)) return [];
  let acc = 0;
  return eigenvalues.map(v => {
    if (Number.isFinite(v) && v > 0) acc += v;
    return Math.min(1, acc / total);
  });
}

/** The smallest k whose top-k share reaches `target` (a fraction), or null when none does. */
export function componentsFor(fractions: readonly number[], target: number): number | null {
  for (let i = 0; i < fractions.length; i++) if (fractions[i] >= target - 1e-12) return i + 1;
  return null;
}

export interface CumulativeGuide {
  /** Target share, e.g. 0.9. */
  target: number;
  /** Components needed to reach it. */
  k: number;
  x: number;
  y: number;
}

export interface CumulativeLayout {
  width: number;
  height: number;
  box: PlotBox;
  logX: boolean;
  /** One point per k; `value` is the share in [0, 1]. */
  points: PlotPoint[];
  linePath: string;
  areaPath: string;
  xTicks: Tick[];
  yTicks: Tick[];
  xPos: Scale;
  yPos: Scale;
  fractions: number[];
  /** Where the curve reaches each target share. */
  guides: CumulativeGuide[];
  /** Number of eigenvalues. */
  total: number;
}

export interface CumulativeOptions {
  width: number;
  height: number;
  logX: boolean;
  /** Shares to mark (default: 90%). */
  targets?: readonly number[];
  charWidth?: number;
}

/** Cumulative explained variance in percent (linear 0–100%) against k (log or linear). */
export function layoutCumulative(eigenvalues: readonly number[], opts: CumulativeOptions): CumulativeLayout {
  const { width, height, logX } = opts;
  const charWidth = opts.charWidth ?? 7;
  const fractions = cumulativeFractions(eigenvalues);
  const box: PlotBox = {
    left: Math.round(22 + 10 + 4 * charWidth),
    top: 14,
    right: Math.max(0, width - 18),
    bottom: Math.max(0, height - 46),
  };
  const xMax = Math.max(eigenvalues.length, 2);
  const xPos = makeScale(1, xMax, box.left, box.right, logX);
  const yPos = makeScale(0, 1, box.bottom, box.top, false);
  const points = fractions.map((f, i) => ({ index: i + 1, value: f, x: r2(xPos(i + 1)), y: r2(yPos(f)) }));
  const linePath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  const areaPath = points.length > 1
    ? `${linePath} L${points[points.length - 1].x} ${box.bottom} L${points[0].x} ${box.bottom} Z`
    : '';
  const xTicks = logX ? logTicks(0, Math.ceil(Math.log10(xMax) - 1e-12), xPos, xMax) : linearIndexTicks(xMax, xPos);
  const yTicks = linearTicks(0, 1, yPos, 5).map(t => ({ ...t, label: `${Math.round(t.value * 100)}%` }));
  const guides: CumulativeGuide[] = [];
  for (const target of opts.targets ?? [0.9]) {
    const k = componentsFor(fractions, target);
    if (k !== null) guides.push({ target, k, x: r2(xPos(k)), y: r2(yPos(target)) });
  }
  return { width, height, box, logX, points, linePath, areaPath, xTicks, yTicks, xPos, yPos, fractions, guides, total: eigenvalues.length };
}

// ---------------------------------------------------------------- histogram

/** Equal-width bins: edges.length === counts.length + 1 (see src/core/stats/histogram.ts). */
export interface HistogramData { edges: readonly number[]; counts: readonly number[] }

export interface HistogramBar {
  index: number;
  /** Bin range [lo, hi) (the last bin includes hi). */
  lo: number;
  hi: number;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface HistogramLayout {
  width: number;
  height: number;
  box: PlotBox;
  bars: HistogramBar[];
  xTicks: Tick[];
  yTicks: Tick[];
  xPos: Scale;
  yPos: Scale;
  /** Sum of the counts. */
  total: number;
  maxCount: number;
  /** Top of the count axis (a round number at or above maxCount). */
  yMax: number;
  /** Vertical marker (e.g. the median) when it falls inside the value range. */
  marker: { x: number; value: number } | null;
  /** Every value was the same: one bin of zero width, drawn as a single bar. */
  singleValue: boolean;
}

export interface HistogramOptions {
  width: number;
  height: number;
  /** Value to mark with a vertical line (the median). */
  marker?: number | null;
  charWidth?: number;
}

/** Bars of a histogram, with a linear value axis and a linear count axis from 0. */
export function layoutHistogram(h: HistogramData, opts: HistogramOptions): HistogramLayout {
  const { width, height } = opts;
  const charWidth = opts.charWidth ?? 7;
  const bins = h.counts.length;
  const total = h.counts.reduce((a, b) => a + b, 0);
  const maxCount = h.counts.reduce((a, b) => Math.max(a, b), 0);
  const countStep = niceStep(Math.max(maxCount, 1) / 4);
  const yMax = Math.max(countStep, Math.ceil(maxCount / countStep - 1e-9) * countStep);

  let lo = h.edges[0], hi = h.edges[h.edges.length - 1];
  const singleValue = !(hi > lo);
  if (singleValue) {
    const d = Math.abs(lo) * 0.1 || 0.5;
    lo -= d;
    hi += d;
  }

  const probe = linearTicks(0, yMax, () => 0, 4);
  const widest = probe.reduce((w, t) => Math.max(w, t.label.length), 1);
  const box: PlotBox = {
    left: Math.round(22 + 10 + widest * charWidth),
    top: 14,
    right: Math.max(0, width - 18),
    bottom: Math.max(0, height - 46),
  };
  const xPos = makeScale(lo, hi, box.left, box.right, false);
  const yPos = makeScale(0, yMax, box.bottom, box.top, false);

  const bars: HistogramBar[] = [];
  for (let i = 0; i < bins; i++) {
    const a = singleValue ? h.edges[0] : h.edges[i];
    const b = singleValue ? h.edges[0] : h.edges[i + 1];
    let x0 = xPos(a), x1 = xPos(b);
    if (singleValue) {
      const half = Math.max(3, (box.right - box.left) * 0.04);
      x0 -= half;
      x1 += half;
    }
    const gap = x1 - x0 >= 4 ? 1 : 0;
    const y = yPos(h.counts[i]);
    bars.push({
      index: i, lo: a, hi: b, count: h.counts[i],
      x: r2(x0 + gap / 2), y: r2(y), width: r2(Math.max(0.5, x1 - x0 - gap)), height: r2(Math.max(0, box.bottom - y)),
    });
  }

  const xTarget = Math.max(4, Math.min(10, Math.floor((box.right - box.left) / 60)));
  const xTicks = singleValue
    ? [{ value: h.edges[0], pos: xPos(h.edges[0]), label: formatNumber(h.edges[0]), major: true }]
    : linearTicks(lo, hi, xPos, xTarget);
  const yTicks = linearTicks(0, yMax, yPos, 4);
  const m = opts.marker;
  const marker = m !== null && m !== undefined && Number.isFinite(m) && m >= lo && m <= hi ? { x: r2(xPos(m)), value: m } : null;
  return { width, height, box, bars, xTicks, yTicks, xPos, yPos, total, maxCount, yMax, marker, singleValue };
}

/** The bar under pixel column `px`, or null outside the bars. */
export function barAt(layout: HistogramLayout, px: number): HistogramBar | null {
  for (const b of layout.bars) if (px >= b.x - 0.5 && px <= b.x + b.width + 0.5) return b;
  return null;
}

/** The index (1-based, within 1..xMax) whose x position is nearest to pixel column `px`. */
export function indexAt(xPos: Scale, px: number, xMax: number): number {
  const v = xPos.invert(px);
  if (!Number.isFinite(v)) return 1;
  return Math.min(xMax, Math.max(1, Math.round(v)));
}
