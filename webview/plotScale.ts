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
  xPos: Scale;
  yPos: Scale;
  legend: LegendLayout;
  /** The power-law fit's line from kMin to kMax, empty without a fit. */
  fitPath: string;
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
  /** Legend labels, drawn in a band above the plot area. */
  legend?: readonly string[];
  /** Power-law fit to overlay as a line. */
  powerLaw?: PowerLawLine | null;
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

/** A mapping from data to pixels, with its inverse (pixels back to data). */
export interface Scale {
  (v: number): number;
  invert(px: number): number;
}

/** Linear or log10 scale from the domain [d0, d1] to the pixel range [r0, r1]. */
export function makeScale(d0: number, d1: number, r0: number, r1: number, log: boolean): Scale {
  const t = log ? (v: number) => Math.log10(v) : (v: number) => v;
  const back = log ? (u: number) => 10 ** u : (u: number) => u;
  const t0 = t(d0), t1 = t(d1);
  const k = t1 === t0 ? 0 : (r1 - r0) / (t1 - t0);
  const f = ((v: number) => r0 + (t(v) - t0) * k) as Scale;
  f.invert = (px: number) => back(k === 0 ? t0 : t0 + (px - r0) / k);
  return f;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Ticks of a linear value axis over [lo, hi]: multiples of a 1-2-5 step inside the range,
 * labelled with as many decimals as the step needs (exponent form outside 1e-3..1e6).
 */
export function linearTicks(lo: number, hi: number, toPos: (v: number) => number, target = 6): Tick[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [{ value: lo, pos: toPos(lo), label: formatTickValue(lo, 1), major: true }];
  const step = niceStep((hi - lo) / target);
  const first = Math.ceil(lo / step - 1e-9);
  const ticks: Tick[] = [];
  for (let i = first; i * step <= hi + step * 1e-9; i++) {
    const v = i * step || 0; // no -0
    ticks.push({ value: v, pos: toPos(v), label: formatTickValue(v, step), major: true });
  }
  return ticks;
}

/** A tick value with the decimals its step needs, the same on the whole axis: `0.0`, `0.5`, `12`, `1.5e7`. */
export function formatTickValue(v: number, step: number): string {
  const a = Math.abs(v);
  if (a < step * 1e-9) return step < 1 && step >= 1e-3 ? (0).toFixed(Math.min(6, -Math.floor(Math.log10(step) + 1e-9))) : '0';
  if (a >= 1e6 || a < 1e-3) {
    const s = v.toExponential(Math.max(0, Math.min(6, Math.round(Math.log10(a) - Math.log10(step))))).replace(/\.?0+e/, 'e').replace('e+', 'e');
    return s;
  }
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(decimals);
}

/** One row-wrapped entry of a plot legend; x is the left of the swatch, y the row's middle. */
export interface LegendItem { x: number; y: number; label: string }

export interface LegendLayout { items: LegendItem[]; rows: number; height: number }

/** Height of one legend row in pixels. */
export const LEGEND_ROW = 18;
/** Width of a legend's line swatch. */
export const LEGEND_SWATCH = 20;

/**
 * Legend entries laid out left to right from `left`, wrapping before `right`, in a band above
 * the plot (`top` is the band's top). Widths are estimated from `charWidth` per character.
 */
export function layoutLegend(labels: readonly string[], left: number, right: number, top = 6, charWidth = 6.4): LegendLayout {
  const items: LegendItem[] = [];
  let x = left, row = 0;
  for (const label of labels) {
    const w = LEGEND_SWATCH + 6 + label.length * charWidth;
    if (x > left && x + w > right) {
      row++;
      x = left;
    }
    items.push({ x: r2(x), y: top + row * LEGEND_ROW + LEGEND_ROW / 2, label });
    x += w + 18;
  }
  const rows = labels.length ? row + 1 : 0;
  return { items, rows, height: rows * LEGEND_ROW };
}

/** One eigenvalue series laid out on shared axes. */
export interface SeriesLayout {
  /** Eigenvalues drawn (finite and > 0), ascending x. */
  points: PlotPoint[];
  linePath: string;
  areaPath: string;
  omitted: number;
  omittedTiny: number;
  total: number;
  largest: number | null;
  smallestPositive: number | null;
}

/** One or more spectra on one set of axes (the compare view overlays two). */
export interface SpectraLayout {
  width: number;
  height: number;
  box: PlotBox;
  logX: boolean;
  series: SeriesLayout[];
  xTicks: Tick[];
  yTicks: Tick[];
  /** Largest index on the x axis. */
  xMax: number;
  xPos: Scale;
  yPos: Scale;
  legend: LegendLayout;
}

export interface SpectraOptions {
  width: number;
  height: number;
  logX: boolean;
  charWidth?: number;
  zeroTolerance?: number;
  /** Legend labels, drawn in a band above the plot area. */
  legend?: readonly string[];
}

function positiveOf(eigenvalues: readonly number[], relTol: number): { positive: { index: number; value: number }[]; omittedTiny: number } {
  let lambdaMax = 0;
  for (const v of eigenvalues) if (Number.isFinite(v) && v > lambdaMax) lambdaMax = v;
  const tol = relTol * lambdaMax;
  const positive: { index: number; value: number }[] = [];
  let omittedTiny = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const v = eigenvalues[i];
    if (Number.isFinite(v) && v > tol && v > 0) positive.push({ index: i + 1, value: v });
    else if (Number.isFinite(v) && v > 0) omittedTiny++;
  }
  return { positive, omittedTiny };
}

/** Lays out spectra (index 1..n against log10 eigenvalue) on shared axes. */
export function layoutSpectra(spectra: readonly (readonly number[])[], opts: SpectraOptions): SpectraLayout {
  const { width, height, logX } = opts;
  const charWidth = opts.charWidth ?? 7;
  const relTol = opts.zeroTolerance ?? ZERO_EIGENVALUE_TOLERANCE;
  const sets = spectra.map(ev => positiveOf(ev, relTol));
  let largest: number | null = null;
  let smallest: number | null = null;
  for (const s of sets) {
    for (const p of s.positive) {
      if (largest === null || p.value > largest) largest = p.value;
      if (smallest === null || p.value < smallest) smallest = p.value;
    }
  }
  const [lo, hi] = largest !== null && smallest !== null ? logDomain(smallest, largest) : [-1, 1];

  // Left margin from the widest y label; the rotated axis title sits left of it.
  const probeTicks = logTicks(lo, hi, () => 0);
  const widest = probeTicks.reduce((w, t) => Math.max(w, t.label.length), 1);
  const left = Math.round(22 + 10 + widest * charWidth);
  const right = Math.max(0, width - 18);
  const legend = opts.legend && opts.legend.length ? layoutLegend(opts.legend, left, right) : { items: [], rows: 0, height: 0 };
  const box: PlotBox = {
    left,
    top: legend.rows ? 6 + legend.height + 10 : 14,
    right,
    bottom: Math.max(0, height - 46),
  };
  const xMax = Math.max(2, ...spectra.map(s => s.length));
  const xPos = makeScale(1, xMax, box.left, box.right, logX);
  const yPos = makeScale(10 ** lo, 10 ** hi, box.bottom, box.top, true);

  const series = sets.map(({ positive, omittedTiny }, si): SeriesLayout => {
    const points = positive.map(p => ({ index: p.index, value: p.value, x: r2(xPos(p.index)), y: r2(yPos(p.value)) }));
    const linePath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
    const areaPath = points.length > 1
      ? `${linePath} L${points[points.length - 1].x} ${box.bottom} L${points[0].x} ${box.bottom} Z`
      : '';
    let big: number | null = null, small: number | null = null;
    for (const p of positive) {
      if (big === null || p.value > big) big = p.value;
      if (small === null || p.value < small) small = p.value;
    }
    const total = spectra[si].length;
    return { points, linePath, areaPath, omitted: total - positive.length, omittedTiny, total, largest: big, smallestPositive: small };
  });

  const xTicks = logX ? logTicks(0, Math.ceil(Math.log10(xMax) - 1e-12), xPos, xMax) : linearIndexTicks(xMax, xPos);
  const yTicks = logTicks(lo, hi, yPos);
  return { width, height, box, logX, series, xTicks, yTicks, xMax, xPos, yPos, legend };
}

/** The parameters of a power-law fit the plot draws (see src/core/metrics/powerLawFit.ts). */
export interface PowerLawLine { alpha: number; log10Intercept: number; kMin: number; kMax: number }

/** λ̂ₖ = C·k^(−α) of a fit. */
export function powerLawValue(fit: PowerLawLine, k: number): number {
  return 10 ** (fit.log10Intercept - fit.alpha * Math.log10(k));
}

/**
 * SVG path of the fitted line from kMin to kMax, sampled evenly in log k (a straight line
 * on a log index axis, a curve on a linear one). Empty when the fit is unusable.
 */
export function powerLawPath(fit: PowerLawLine | null | undefined, xPos: (v: number) => number, yPos: (v: number) => number, samples = 96): string {
  if (!fit || !Number.isFinite(fit.alpha) || !Number.isFinite(fit.log10Intercept)) return '';
  const a = Math.max(1, fit.kMin), b = fit.kMax;
  if (!(b > a) || !Number.isFinite(b)) return '';
  const la = Math.log10(a), lb = Math.log10(b);
  const parts: string[] = [];
  let last = '';
  for (let i = 0; i <= samples; i++) {
    const k = 10 ** (la + ((lb - la) * i) / samples);
    const x = r2(xPos(k)), y = r2(yPos(powerLawValue(fit, k)));
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const key = `${x} ${y}`;
    if (key === last) continue;
    parts.push(`${parts.length === 0 ? 'M' : 'L'}${key}`);
    last = key;
  }
  return parts.length > 1 ? parts.join(' ') : '';
}

/** Lays out the eigenvalue spectrum (index 1..n against log10 eigenvalue). */
export function layoutSpectrum(eigenvalues: readonly number[], opts: LayoutOptions): SpectrumLayout {
  const l = layoutSpectra([eigenvalues], opts);
  const s = l.series[0];
  const er = opts.effectiveRank;
  const marker = er !== null && er !== undefined && Number.isFinite(er) && er >= 1 && er <= l.xMax
    ? { x: r2(l.xPos(er)), value: er }
    : null;
  return {
    width: l.width, height: l.height, box: l.box, logX: l.logX, points: s.points, linePath: s.linePath, areaPath: s.areaPath,
    xTicks: l.xTicks, yTicks: l.yTicks, omitted: s.omitted, omittedTiny: s.omittedTiny, total: s.total,
    largest: s.largest, smallestPositive: s.smallestPositive, marker,
    xPos: l.xPos, yPos: l.yPos, legend: l.legend,
    fitPath: powerLawPath(opts.powerLaw, l.xPos, l.yPos),
  };
}

/** The drawn point nearest to pixel column `px` (points are in ascending x), or null. */
export function nearestPoint(layout: { points: readonly PlotPoint[] }, px: number): PlotPoint | null {
  const pts = layout.points;
  if (pts.length === 0) return null;
  let a = 0, b = pts.length - 1;
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (pts[mid].x <= px) a = mid; else b = mid;
  }
  return Math.abs(pts[a].x - px) <= Math.abs(pts[b].x - px) ? pts[a] : pts[b];
}
