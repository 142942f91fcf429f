/**
 * Pure geometry of the spectrum plot: scales, ticks and point positions in pixels.
 * spectrumPlot.ts turns this into SVG; the unit tests check it under Node.
 */
import { ZERO_EIGENVALUE_TOLERANCE } from '../src/core/metrics/spectrumMetrics';
import { formatCount, powerOfTen } from './format';

export interface Tick {
  value: number;
  /** Pixel position along the axis. */
  pos: number;
  /** Empty for unlabelled minor ticks. */
  label: string;
  major: boolean;
}

export interface PlotPoint {
  /** 1-based eigenvalue index. */
  index: number;
  value: number;
  x: number;
  y: number;
}

export interface PlotBox { left: number; top: number; right: number; bottom: number }

export interface SpectrumLayout {
  width: number;
  height: number;
  box: PlotBox;
  logX: boolean;
  /** Eigenvalues drawn (finite and > 0), ascending x. */
  points: PlotPoint[];
  /** SVG path through the points, empty when there are none. */
  linePath: string;
  /** Closed path under the line down to the x axis. */
  areaPath: string;
  xTicks: Tick[];
  yTicks: Tick[];
  /** Eigenvalues left out of the log-scale plot: numerically zero (≤ tolerance·λmax, so also ≤ 0) or not finite. */
  omitted: number;
  /** How many of the omitted are positive but below the tolerance (rounding noise). */
  omittedTiny: number;
  total: number;
  largest: number | null;
  smallestPositive: number | null;
  /** Vertical marker at the effective rank, when it falls inside the x range. */
  marker: { x: number; value: number } | null;
}

export interface LayoutOptions {
  width: number;
  height: number;
  logX: boolean;
  effectiveRank?: number | null;
  /** Approximate width of one tick-label character, for the left margin. */
  charWidth?: number;
  /**
   * Relative zero tolerance: λ ≤ tolerance·λmax is numerically zero and not plotted
   * (default: the core's ZERO_EIGENVALUE_TOLERANCE, the one the metrics use).
   */
  zeroTolerance?: number;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  const nice = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
  return nice * p;
}

/**
 * Label of a log-axis value. `decimal`: plain numbers (0.001, 20, 500); otherwise powers of
 * ten (`10⁻⁵`, `2×10⁻⁵`). One axis uses one style, chosen by tickStyle().
 */
export function formatLogTick(v: number, decimal = true): string {
  const e = Math.floor(Math.log10(v) + 1e-9);
  const m = Math.round(v / 10 ** e);
  if (decimal) return e < 0 ? v.toFixed(-e) : String(Math.round(v));
  return m === 1 ? powerOfTen(e) : `${m}\u00d7${powerOfTen(e)}`;
}

/** Plain decimals when every label of decades lo..hi stays short (10⁻³ to 10⁴), powers of ten otherwise. */
export function decimalTicks(lo: number, hi: number): boolean {
  return lo >= -3 && hi <= 4;
}

/** Decades [lo, hi] (integer exponents) covering the positive values, at least 1 decade wide. */
export function logDomain(minPositive: number, maxPositive: number): [number, number] {
  let lo = Math.floor(Math.log10(minPositive) + 1e-12);
  let hi = Math.ceil(Math.log10(maxPositive) - 1e-12);
  if (hi <= lo) {
    lo -= 1;
    hi += 1;
  }
  return [lo, hi];
}

/**
 * Ticks of a log axis spanning decades lo..hi: a major tick per decade (labelled every
 * `step` decades so at most ~8 labels), minor 2..9 ticks when the span is at most 2 decades, and
 * labelled 2 and 5 ticks when it is a single decade.
 */
export function logTicks(lo: number, hi: number, toPos: (v: number) => number, maxValue = Infinity): Tick[] {
  const decades = hi - lo;
  const decimal = decimalTicks(lo, hi);
  const step = Math.max(1, Math.ceil(decades / 8));
  const ticks: Tick[] = [];
  for (let e = lo; e <= hi; e++) {
    const v = 10 ** e;
    if (v <= maxValue * (1 + 1e-9)) {
      ticks.push({ value: v, pos: toPos(v), label: (e - lo) % step === 0 ? formatLogTick(v, decimal) : '', major: true });
    }
    if (e === hi || decades > 2) continue;
    for (let m = 2; m <= 9; m++) {
      const mv = m * v;
      if (mv > maxValue * (1 + 1e-9)) break;
      const labelled = decades <= 2 && (m === 2 || m === 5);
      ticks.push({ value: mv, pos: toPos(mv), label: labelled ? formatLogTick(mv, decimal) : '', major: false });
    }
  }
  return ticks;
}

/** Integer ticks of a linear index axis 1..n: 1, then multiples of a nice step. */
export function linearIndexTicks(n: number, toPos: (v: number) => number, target = 7): Tick[] {
  const step = Math.max(1, niceStep((n - 1) / target));
  const values: number[] = [1];
  for (let v = step; v <= n; v += step) {
    if (v - 1 >= 0.4 * step || step === 1) {
      if (v !== 1) values.push(v);
    }
  }
  return values.map(v => ({ value: v, pos: toPos(v), label: formatCount(v), major: true }));
}

function scale(d0: number, d1: number, r0: number, r1: number, log: boolean): (v: number) => number {
  const t = log ? (v: number) => Math.log10(v) : (v: number) => v;
  const t0 = t(d0), t1 = t(d1);
  const k = t1 === t0 ? 0 : (r1 - r0) / (t1 - t0);
  return v => r0 + (t(v) - t0) * k;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/** Lays out the eigenvalue spectrum (index 1..n against log10 eigenvalue). */
export function layoutSpectrum(eigenvalues: readonly number[], opts: LayoutOptions): SpectrumLayout {
  const { width, height, logX } = opts;
  const charWidth = opts.charWidth ?? 7;
  const n = eigenvalues.length;
  let lambdaMax = 0;
  for (const v of eigenvalues) if (Number.isFinite(v) && v > lambdaMax) lambdaMax = v;
  const tol = (opts.zeroTolerance ?? ZERO_EIGENVALUE_TOLERANCE) * lambdaMax;
  const positive: { index: number; value: number }[] = [];
  let omittedTiny = 0;
  for (let i = 0; i < n; i++) {
    const v = eigenvalues[i];
    if (Number.isFinite(v) && v > tol && v > 0) positive.push({ index: i + 1, value: v });
    else if (Number.isFinite(v) && v > 0) omittedTiny++;
  }
  let largest: number | null = null;
  let smallest: number | null = null;
  for (const p of positive) {
    if (largest === null || p.value > largest) largest = p.value;
    if (smallest === null || p.value < smallest) smallest = p.value;
  }
  const [lo, hi] = largest !== null && smallest !== null ? logDomain(smallest, largest) : [-1, 1];

  // Left margin from the widest y label; the rotated axis title sits left of it.
  const probeTicks = logTicks(lo, hi, () => 0);
  const widest = probeTicks.reduce((w, t) => Math.max(w, t.label.length), 1);
  const box: PlotBox = {
    left: Math.round(22 + 10 + widest * charWidth),
    top: 14,
    right: Math.max(0, width - 18),
    bottom: Math.max(0, height - 46),
  };
  const xMax = Math.max(n, 2);
  const xPos = scale(1, xMax, box.left, box.right, logX);
  const yPos = scale(10 ** lo, 10 ** hi, box.bottom, box.top, true);

  const points = positive.map(p => ({ index: p.index, value: p.value, x: r2(xPos(p.index)), y: r2(yPos(p.value)) }));
  const linePath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  const areaPath = points.length > 1
    ? `${linePath} L${points[points.length - 1].x} ${box.bottom} L${points[0].x} ${box.bottom} Z`
    : '';

  const xTicks = logX ? logTicks(0, Math.ceil(Math.log10(xMax) - 1e-12), xPos, xMax) : linearIndexTicks(xMax, xPos);
  const yTicks = logTicks(lo, hi, yPos);

  const er = opts.effectiveRank;
  const marker = er !== null && er !== undefined && Number.isFinite(er) && er >= 1 && er <= xMax
    ? { x: r2(xPos(er)), value: er }
    : null;

  return {
    width, height, box, logX, points, linePath, areaPath, xTicks, yTicks,
    omitted: n - positive.length, omittedTiny, total: n, largest, smallestPositive: smallest, marker,
  };
}

/** The drawn point nearest to pixel column `px` (points are in ascending x), or null. */
export function nearestPoint(layout: SpectrumLayout, px: number): PlotPoint | null {
  const pts = layout.points;
  if (pts.length === 0) return null;
  let a = 0, b = pts.length - 1;
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (pts[mid].x <= px) a = mid; else b = mid;
  }
  return Math.abs(pts[a].x - px) <= Math.abs(pts[b].x - px) ? pts[a] : pts[b];
}
