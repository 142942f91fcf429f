/**
 * Pure geometry of the regime section's loss plot (no DOM, no lit): the curves to draw
 * (predicted train and population loss of each face prediction, split at its trusted horizon;
 * the simulated GD mean with a ±1 sd band; the long-time limits), the choice of a log or
 * linear loss axis, and their layout in pixels. regimeLossPlot.ts draws it.
 */
import type { FaceId } from '../src/core/regime/prismPlacement';
import { formatNumber } from './format';
import {
  layoutLegend, linearTicks, logDomain, logTicks, makeScale, niceStep,
  type LegendLayout, type PlotBox, type Scale, type Tick,
} from './plotScale';

export type Quantity = 'train' | 'pop';
type Values = readonly (number | null)[];

export interface CurvePoint { t: number; v: number }

/** The parts of a RegimeReport the plot reads (values may be null after a JSON round trip). */
export interface LossPlotSource {
  placement: { closedFormApplies: boolean };
  autoencoder: { tMax: number };
  limits: { applies: boolean; train: { value: number | null }; pop: { value: number | null } };
  predictions: readonly {
    face: FaceId; faceName: string; role: 'nearest' | 'second';
    t: Values; train: Values; pop: Values | null; trustedUntil: number | null;
    /** Where the formula left its domain and the curve ends (absent in older reports). */
    endedAt?: number | null;
    /** Where the face formula comes from (spec section and tag). */
    provenance?: string;
  }[];
  simulation: {
    runs: number; divergedRuns: number; t: Values;
    trainMean: Values; trainSd: Values; popMean: Values | null; popSd: Values | null;
  } | null;
}

export interface PredictedCurve {
  face: FaceId;
  faceName: string;
  role: 'nearest' | 'second';
  quantity: Quantity;
  trustedUntil: number | null;
  /** Where the formula left its domain (a loss below 0 or beyond 2·E L(0)) and the curve ends; null if it does not. */
  endedAt: number | null;
  /** Where the face formula comes from (spec section and tag), '' if not given. */
  provenance: string;
  /** Finite points with t at most the trusted horizon (empty when not trusted at all). */
  trusted: CurvePoint[];
  /** Finite points past the horizon, starting at the last trusted point so the two parts join. */
  beyond: CurvePoint[];
}

export interface BandPoint { t: number; lo: number; hi: number }

export interface SimulatedCurve {
  quantity: Quantity;
  mean: CurvePoint[];
  /** mean ± 1 sd where both are finite. */
  band: BandPoint[];
  /** Standard deviation at each point of `mean` (same order). */
  sd: number[];
}

export interface HorizonMarker { face: FaceId; faceName: string; role: 'nearest' | 'second'; t: number }

export interface LossCurves {
  predictions: PredictedCurve[];
  simulation: SimulatedCurve[];
  runs: number;
  divergedRuns: number;
  /** Trusted horizons inside the plotted time range (a prediction trusted throughout has none). */
  horizons: HorizonMarker[];
  /** Long-time limits L(∞) that apply. */
  limits: { quantity: Quantity; value: number }[];
  /** Last time plotted. */
  tEnd: number;
  /** No closed form applies: the predictions are left out, only the simulation is drawn. */
  simulationOnly: boolean;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** (t, v) pairs where both are finite numbers. */
export function finitePoints(t: Values, v: Values | null | undefined): CurvePoint[] {
  const out: CurvePoint[] = [];
  if (!v) return out;
  for (let i = 0; i < t.length && i < v.length; i++) {
    const ti = t[i], vi = v[i];
    if (finite(ti) && finite(vi)) out.push({ t: ti, v: vi });
  }
  return out;
}

/**
 * A predicted curve cut at its trusted horizon: points with t ≤ horizon are trusted, the rest
 * (from the last trusted point on) are not. No horizon (null): nothing is trusted.
 */
export function splitAtHorizon(points: readonly CurvePoint[], horizon: number | null): { trusted: CurvePoint[]; beyond: CurvePoint[] } {
  if (horizon === null || !Number.isFinite(horizon)) return { trusted: [], beyond: [...points] };
  const eps = 1e-9 * Math.max(1, Math.abs(horizon));
  const trusted = points.filter(p => p.t <= horizon + eps);
  if (trusted.length === points.length) return { trusted, beyond: [] };
  if (trusted.length === 0) return { trusted, beyond: [...points] };
  return { trusted, beyond: points.slice(trusted.length - 1) };
}

/** The curves of a regime report, ready for the plot. */
export function assembleCurves(r: LossPlotSource): LossCurves {
  const simulationOnly = !r.placement.closedFormApplies;
  const predictions: PredictedCurve[] = [];
  const horizons: HorizonMarker[] = [];
  let tEnd = 0;
  if (!simulationOnly) {
    for (const p of r.predictions) {
      for (const quantity of ['train', 'pop'] as const) {
        const pts = finitePoints(p.t, quantity === 'train' ? p.train : p.pop);
        if (pts.length === 0) continue;
        const { trusted, beyond } = splitAtHorizon(pts, p.trustedUntil);
        const endedAt = finite(p.endedAt) ? p.endedAt : null;
        predictions.push({ face: p.face, faceName: p.faceName, role: p.role, quantity, trustedUntil: p.trustedUntil, endedAt, provenance: typeof p.provenance === 'string' ? p.provenance : '', trusted, beyond });
        tEnd = Math.max(tEnd, pts[pts.length - 1].t);
      }
    }
  }
  const simulation: SimulatedCurve[] = [];
  const s = r.simulation;
  if (s) {
    for (const quantity of ['train', 'pop'] as const) {
      const m = quantity === 'train' ? s.trainMean : s.popMean;
      const sdv = quantity === 'train' ? s.trainSd : s.popSd;
      if (!m) continue;
      const mean: CurvePoint[] = [], band: BandPoint[] = [], sd: number[] = [];
      for (let i = 0; i < s.t.length && i < m.length; i++) {
        const t = s.t[i], v = m[i], d = sdv?.[i];
        if (!finite(t) || !finite(v)) continue;
        mean.push({ t, v });
        sd.push(finite(d) ? d : NaN);
        if (finite(d)) band.push({ t, lo: v - d, hi: v + d });
      }
      if (mean.length === 0) continue;
      simulation.push({ quantity, mean, band, sd });
      tEnd = Math.max(tEnd, mean[mean.length - 1].t);
    }
  }
  if (!(tEnd > 0)) tEnd = finite(r.autoencoder.tMax) && r.autoencoder.tMax > 0 ? r.autoencoder.tMax : 1;
  if (!simulationOnly) {
    for (const p of r.predictions) {
      const h = p.trustedUntil;
      if (h !== null && Number.isFinite(h) && h >= 0 && h < tEnd * (1 - 1e-9) && predictions.some(c => c.face === p.face)) {
        horizons.push({ face: p.face, faceName: p.faceName, role: p.role, t: h });
      }
    }
  }
  const limits: LossCurves['limits'] = [];
  if (r.limits.applies) {
    if (finite(r.limits.train.value)) limits.push({ quantity: 'train', value: r.limits.train.value });
    if (finite(r.limits.pop.value)) limits.push({ quantity: 'pop', value: r.limits.pop.value });
  }
  return {
    predictions, simulation, runs: s ? s.runs : 0, divergedRuns: s ? s.divergedRuns : 0,
    horizons, limits, tEnd, simulationOnly,
  };
}

/**
 * The loss values that set the axis: the simulated means, the trusted parts of the predictions
 * and the limits (a prediction's values past its horizon mean nothing and may run off). When
 * that leaves nothing, every predicted value.
 */
export function scaleValues(c: LossCurves): number[] {
  const out: number[] = [];
  for (const s of c.simulation) for (const p of s.mean) out.push(p.v);
  for (const p of c.predictions) for (const q of p.trusted) out.push(q.v);
  if (out.length === 0) for (const p of c.predictions) for (const q of p.beyond) out.push(q.v);
  for (const l of c.limits) out.push(l.value);
  return out.filter(Number.isFinite);
}

/** Log loss axis when every value is positive and they span more than 2 decades (max/min > 100), else linear. */
export function chooseLogY(values: readonly number[]): boolean {
  let min = Infinity, max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v <= 0) return false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max > min && max / min > 100;
}

/** A linear axis range [lo, hi] on multiples of a 1-2-5 step covering the values, never empty. */
export function linearDomain(min: number, max: number, target = 5): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    const pad = Math.abs(max) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const step = niceStep((max - min) / target);
  let lo = Math.floor(min / step + 1e-9) * step;
  let hi = Math.ceil(max / step - 1e-9) * step;
  if (hi <= lo) hi = lo + step;
  if (min >= 0 && lo < 0) lo = 0;
  lo = Number(lo.toPrecision(12));
  hi = Number(hi.toPrecision(12));
  return [lo, hi];
}

export type LegendKind = 'pred-nearest' | 'pred-second' | 'simulation' | 'train' | 'pop' | 'horizon' | 'limit';

export interface LossLegendEntry { label: string; kind: LegendKind; tooltip: string }

/** Legend entries, in order: line styles (which curve), then colours (which loss), then markers. */
export function lossLegend(c: LossCurves): LossLegendEntry[] {
  const out: LossLegendEntry[] = [];
  const seen = new Set<string>();
  for (const p of c.predictions) {
    if (seen.has(p.face)) continue;
    seen.add(p.face);
    const trusted = p.trustedUntil === null ? ', not trusted' : '';
    out.push({
      label: `Predicted (${p.faceName})${trusted}`, kind: p.role === 'nearest' ? 'pred-nearest' : 'pred-second',
      tooltip: `${p.role === 'nearest' ? 'Nearest face' : 'Second face (near the shared edge)'}: the ${p.faceName} limiting loss curve`
        + (p.trustedUntil === null ? '; its validity diagnostic fails from the start, so the whole curve is faded.'
          : `; trusted up to t = ${formatNumber(p.trustedUntil, 3)}, faded beyond.`)
        + (p.endedAt !== null ? ` The formula leaves its domain at t = ${formatNumber(p.endedAt, 3)} (a predicted loss below 0 or beyond 2\u00b7E L(0)): the curve ends there.` : '')
        + (p.provenance ? ` Source: ${p.provenance}.` : ''),
    });
  }
  if (c.simulation.length) {
    out.push({
      label: `Simulated (GD, ${c.runs} seeds) \u00b1 1 sd${c.divergedRuns ? `, ${c.divergedRuns} diverged` : ''}`, kind: 'simulation',
      tooltip: `Full-batch gradient descent of the weight-tied autoencoder from ${c.runs} random inits: mean (markers) and \u00b11 standard deviation (band)`
        + (c.divergedRuns ? `; ${c.divergedRuns} runs diverged and are left out of the mean.` : '.'),
    });
  }
  const hasPop = c.predictions.some(p => p.quantity === 'pop') || c.simulation.some(s => s.quantity === 'pop');
  const hasTrain = c.predictions.some(p => p.quantity === 'train') || c.simulation.some(s => s.quantity === 'train');
  if (hasTrain) out.push({ label: 'Train loss', kind: 'train', tooltip: 'L_train(t) = \u00bd tr(\u03a3\u0302 (W\u1d40W \u2212 I)\u00b2) on the train rows' });
  if (hasPop) out.push({ label: 'Population loss', kind: 'pop', tooltip: 'L_pop(t): the same with the held-out (or given) covariance' });
  if (c.horizons.length) out.push({ label: 'Trusted horizon', kind: 'horizon', tooltip: 'Where a prediction\u2019s validity diagnostic stops holding; the predicted curve is faded beyond it.' });
  if (c.limits.length) out.push({ label: 'L(\u221e)', kind: 'limit', tooltip: 'Exact long-time limits of the train and population loss (H < d).' });
  return out;
}

export interface PathPair { trusted: string; beyond: string }

export interface LossLayout {
  width: number;
  height: number;
  box: PlotBox;
  logY: boolean;
  xPos: Scale;
  yPos: Scale;
  xTicks: Tick[];
  yTicks: Tick[];
  legend: LegendLayout;
  legendEntries: LossLegendEntry[];
  predicted: (PredictedCurve & { path: PathPair })[];
  simulated: (SimulatedCurve & { markers: { x: number; y: number }[]; bandPath: string; linePath: string })[];
  /** `labelY`: baseline of the marker's label, stacked from the top of the box. */
  horizons: (HorizonMarker & { x: number; labelY: number })[];
  /** `labelY`: baseline of the limit's label, above its line (below it when the two labels would touch). */
  limits: { quantity: Quantity; value: number; y: number; labelY: number }[];
  /** Times of the hover grid (the simulation's record times, else the first prediction's). */
  grid: number[];
  curves: LossCurves;
}

export interface LossLayoutOptions {
  width: number;
  height: number;
  charWidth?: number;
  /** Most simulated markers drawn per curve. */
  maxMarkers?: number;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * `M x y L x y …` through the points, clipped to the box's vertical extent [top, bottom] (pixels):
 * a curve that leaves the loss range is drawn up to the frame and resumes where it comes back,
 * never outside the plot (on a log axis, values ≤ 0 break the line).
 */
function pathOf(points: readonly CurvePoint[], xPos: Scale, yPos: Scale, logY: boolean, box: PlotBox): string {
  const px = points.map(p => ({ x: xPos(p.t), y: logY && !(p.v > 0) ? NaN : yPos(p.v) }));
  const inside = (y: number) => y >= box.top && y <= box.bottom;
  const parts: string[] = [];
  let pen = false;
  const at = (x: number, y: number, draw: boolean) => { parts.push(`${draw ? 'L' : 'M'}${r2(x)} ${r2(y)}`); };
  for (let i = 1; i < px.length; i++) {
    const a = px[i - 1], b = px[i];
    if (![a.x, a.y, b.x, b.y].every(Number.isFinite)) { pen = false; continue; }
    // The part of segment a→b with top ≤ y ≤ bottom, as parameters [u0, u1] ⊂ [0, 1].
    let u0 = 0, u1 = 1;
    const dy = b.y - a.y;
    if (dy === 0) {
      if (!inside(a.y)) { pen = false; continue; }
    } else {
      const uTop = (box.top - a.y) / dy, uBottom = (box.bottom - a.y) / dy;
      u0 = Math.max(0, Math.min(uTop, uBottom));
      u1 = Math.min(1, Math.max(uTop, uBottom));
      if (u0 > u1) { pen = false; continue; }
    }
    const x0 = a.x + u0 * (b.x - a.x), y0 = a.y + u0 * dy, x1 = a.x + u1 * (b.x - a.x), y1 = a.y + u1 * dy;
    if (!(pen && u0 === 0)) at(x0, Math.min(box.bottom, Math.max(box.top, y0)), false);
    at(x1, Math.min(box.bottom, Math.max(box.top, y1)), true);
    pen = u1 === 1;
  }
  return parts.length > 1 ? parts.join(' ') : '';
}

/** Closed path of a band between lo and hi, both held inside [yLo, yHi] (lo floored at yLo on a log axis). */
function bandPathOf(band: readonly BandPoint[], xPos: Scale, yPos: Scale, yLo: number, yHi: number): string {
  if (band.length < 2) return '';
  const clamp = (v: number) => Math.min(yHi, Math.max(yLo, v));
  const top = band.map((b, i) => `${i === 0 ? 'M' : 'L'}${r2(xPos(b.t))} ${r2(yPos(clamp(b.hi)))}`);
  const bottom = [...band].reverse().map(b => `L${r2(xPos(b.t))} ${r2(yPos(clamp(b.lo)))}`);
  return `${top.join(' ')} ${bottom.join(' ')} Z`;
}

/** Lays out the loss plot: t on a linear axis from 0, the loss on a log or linear axis. */
export function layoutLossPlot(c: LossCurves, opts: LossLayoutOptions): LossLayout {
  const { width, height } = opts;
  const charWidth = opts.charWidth ?? 7;
  const values = scaleValues(c);
  const logY = chooseLogY(values);
  let yLo: number, yHi: number;
  let yTicksOf: (pos: Scale) => Tick[];
  if (logY) {
    const pos = values.filter(v => v > 0);
    const [lo, hi] = logDomain(Math.min(...pos), Math.max(...pos));
    yLo = 10 ** lo;
    yHi = 10 ** hi;
    yTicksOf = s => logTicks(lo, hi, s);
  } else {
    // The band counts on a linear axis (it is small next to the curves); on a log axis it is clipped.
    const all = [...values];
    for (const s of c.simulation) for (const b of s.band) all.push(b.lo, b.hi);
    const finiteAll = all.filter(Number.isFinite);
    // A little room above and below, so no curve or limit runs along the frame.
    const min = Math.min(...finiteAll), max = Math.max(...finiteAll), pad = 0.04 * (max - min);
    [yLo, yHi] = finiteAll.length ? linearDomain(min >= 0 ? Math.max(0, min - pad) : min - pad, max + pad, 6) : [0, 1];
    yTicksOf = s => linearTicks(yLo, yHi, s, 5);
  }
  const probe = yTicksOf(makeScale(yLo, yHi, 1, 0, logY));
  const widest = probe.reduce((w, t) => Math.max(w, t.label.length), 1);
  const left = Math.round(22 + 10 + widest * charWidth);
  const right = Math.max(left + 10, width - 18);
  const legendEntries = lossLegend(c);
  const legend = layoutLegend(legendEntries.map(e => e.label), left, right);
  const box: PlotBox = { left, top: legend.rows ? 6 + legend.height + 10 : 14, right, bottom: Math.max(0, height - 46) };
  const xPos = makeScale(0, c.tEnd, box.left, box.right, false);
  const yPos = makeScale(yLo, yHi, box.bottom, box.top, logY);
  const xTarget = Math.max(3, Math.min(10, Math.floor((box.right - box.left) / 70)));
  const xTicks = linearTicks(0, c.tEnd, xPos, xTarget).filter(t => t.value <= c.tEnd * (1 + 1e-9));
  const yTicks = yTicksOf(yPos);

  const predicted = c.predictions.map(p => ({
    ...p,
    path: { trusted: pathOf(p.trusted, xPos, yPos, logY, box), beyond: pathOf(p.beyond, xPos, yPos, logY, box) },
  }));
  const maxMarkers = opts.maxMarkers ?? 32;
  const simulated = c.simulation.map(s => {
    const step = Math.max(1, Math.ceil(s.mean.length / maxMarkers));
    const markers = s.mean
      .filter((p, i) => (i % step === 0 || i === s.mean.length - 1) && (!logY || p.v > 0))
      .map(p => ({ x: r2(xPos(p.t)), y: r2(yPos(p.v)) }));
    return { ...s, markers, bandPath: bandPathOf(s.band, xPos, yPos, yLo, yHi), linePath: pathOf(s.mean, xPos, yPos, logY, box) };
  });
  const horizons = c.horizons.map((h, i) => ({ ...h, x: r2(xPos(h.t)), labelY: box.top + 12 + 13 * i }));
  const limits = c.limits
    .filter(l => l.value >= yLo && l.value <= yHi && (!logY || l.value > 0))
    .map(l => ({ ...l, y: r2(yPos(l.value)), labelY: r2(yPos(l.value)) - 4 }))
    .sort((a, b) => a.y - b.y);
  // Two limits close together: the lower line's label goes under it.
  for (let i = 1; i < limits.length; i++) {
    if (limits[i].labelY - limits[i - 1].labelY < 13) limits[i].labelY = limits[i].y + 12;
  }
  const gridSource = c.simulation[0]?.mean ?? (c.predictions[0] ? [...c.predictions[0].trusted, ...c.predictions[0].beyond] : []);
  const grid = [...new Set(gridSource.map(p => p.t))].sort((a, b) => a - b);
  return { width, height, box, logY, xPos, yPos, xTicks, yTicks, legend, legendEntries, predicted, simulated, horizons, limits, grid, curves: c };
}

/** Index into `grid` of the time nearest to pixel column `px`, or null without a grid. */
export function gridIndexAt(l: Pick<LossLayout, 'grid' | 'xPos'>, px: number): number | null {
  if (l.grid.length === 0) return null;
  const t = l.xPos.invert(px);
  let best = 0;
  for (let i = 1; i < l.grid.length; i++) if (Math.abs(l.grid[i] - t) < Math.abs(l.grid[best] - t)) best = i;
  return best;
}

/** The value of a curve at time t (the point with the nearest t within a tolerance), or null. */
export function valueAt(points: readonly CurvePoint[], t: number): number | null {
  let best: CurvePoint | null = null;
  for (const p of points) if (best === null || Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
  if (!best) return null;
  const span = points.length > 1 ? Math.abs(points[points.length - 1].t - points[0].t) / (points.length - 1) : 1;
  return Math.abs(best.t - t) <= 0.5 * span + 1e-12 ? best.v : null;
}

const QUANTITY_WORD: Record<Quantity, string> = { train: 'train', pop: 'population' };

/** Lines of the hover read-out at time t: each prediction's and the simulation's values. */
export function readoutLines(c: LossCurves, t: number): string[] {
  const lines = [`t = ${formatNumber(t, 3)}`];
  const faces = [...new Set(c.predictions.map(p => p.face))];
  for (const face of faces) {
    const parts: string[] = [];
    let name = '';
    let faded = false;
    for (const p of c.predictions.filter(q => q.face === face)) {
      name = p.faceName;
      const v = valueAt([...p.trusted, ...p.beyond.slice(p.trusted.length ? 1 : 0)], t);
      if (v !== null) parts.push(`${QUANTITY_WORD[p.quantity]} ${formatNumber(v, 4)}`);
      faded = p.trustedUntil === null || t > p.trustedUntil + 1e-9;
    }
    if (parts.length) lines.push(`Predicted (${name}): ${parts.join(', ')}${faded ? ' (not trusted here)' : ''}`);
  }
  const sim: string[] = [];
  for (const s of c.simulation) {
    const i = s.mean.findIndex(p => Math.abs(p.t - t) < 1e-9 * Math.max(1, Math.abs(t)));
    if (i >= 0) sim.push(`${QUANTITY_WORD[s.quantity]} ${formatNumber(s.mean[i].v, 4)}${Number.isFinite(s.sd[i]) ? ` \u00b1 ${formatNumber(s.sd[i], 2)}` : ''}`);
  }
  if (sim.length) lines.push(`Simulated: ${sim.join(', ')}`);
  return lines;
}
