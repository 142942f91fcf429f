/**
 * Pure helpers of the "Information" section (no DOM, no lit): the figures of an
 * InformationReport as table rows, their values in words (never NaN), the verdict's badge,
 * and the geometry of the R(D) plot. informationSection.ts draws them.
 */
import { listFigures, unitLabel, UNITS_NOTE, type Figure, type FigureKind, type InformationFlag } from '../src/core/information/figure';
import { inputSourceLines } from '../src/core/information/inputSources';
import type { InformationReport } from '../src/core/information/informationReport';
import { formatNumber } from './format';
import { layoutLegend, linearTicks, logDomain, logTicks, makeScale, niceStep, type LegendLayout, type PlotBox, type Tick } from './plotScale';

export type { Figure } from '../src/core/information/figure';

// ---------------------------------------------------------------- figures

/** A figure found in the report with its JSON path (e.g. 'capacity.perturbed.cca'). */
export interface FigureEntry { path: string; figure: Figure }

/** Every figure of a report, in report order (the R(D) curve, inputs and problems are not figures). */
export const collectFigures: (report: InformationReport) => FigureEntry[] = listFigures;

/** The table's groups: the report's top-level sections, in the order the paper builds them up. */
export const GROUPS: readonly { key: string; title: string }[] = [
  { key: 'representationRate', title: 'Representation rate (E1, E2) and target injectivity (Theorem 6 precondition)' },
  { key: 'entropy', title: 'Entropy of the representation (E3, E4)' },
  { key: 'sourceEntropy', title: 'Input-source entropy (E6)' },
  { key: 'capacity', title: 'Capacity under perturbation (E7)' },
  { key: 'rateDistortion', title: 'Rate\u2013distortion (E8)' },
  { key: 'verdict', title: 'Unified verdict (E9)' },
  { key: 'collapse', title: 'Collapse (E10)' },
];

/**
 * The E2 collision levels past the storage precision (ten steps × four figures) go into a
 * folded table of their own, so the main table stays readable; the first level stays in it.
 */
export function splitCollisionLevels(entries: readonly FigureEntry[]): { main: FigureEntry[]; levels: FigureEntry[] } {
  const main: FigureEntry[] = [], levels: FigureEntry[] = [];
  for (const e of entries) (/^representationRate\.(collision|targetInjectivity)\[[1-9]\d*\]/.test(e.path) ? levels : main).push(e);
  return { main, levels };
}

export interface FigureGroup { key: string; title: string; entries: FigureEntry[] }

/** Figures grouped by top-level section (unknown sections last, under their own key). */
export function groupFigures(entries: readonly FigureEntry[]): FigureGroup[] {
  const groups = new Map<string, FigureGroup>();
  for (const g of GROUPS) groups.set(g.key, { key: g.key, title: g.title, entries: [] });
  for (const e of entries) {
    const key = e.path.split(/[.[]/)[0];
    let g = groups.get(key);
    if (!g) {
      g = { key, title: key, entries: [] };
      groups.set(key, g);
    }
    g.entries.push(e);
  }
  return [...groups.values()].filter(g => g.entries.length > 0);
}

const KIND_LABEL: Record<FigureKind, string> = { estimate: 'estimate', 'upper-bound': 'upper bound', 'lower-bound': 'lower bound', exact: 'exact' };
const KIND_SIGN: Record<FigureKind, string> = { estimate: '\u2248', 'upper-bound': '\u2264', 'lower-bound': '\u2265', exact: '=' };

/** "estimate" / "upper bound" / "lower bound" / "exact" (an unknown kind as given). */
export function kindLabel(kind: string): string {
  return KIND_LABEL[kind as FigureKind] ?? kind;
}

/** ≈ ≤ ≥ = : how the value relates to the quantity. */
export function kindSign(kind: string): string {
  return KIND_SIGN[kind as FigureKind] ?? '';
}

/** A finite number or null (JSON null, NaN and ±Infinity all become null). */
export function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The number in words, or null when there is none to show (the caller shows the flags instead). */
export function valueText(v: number | null | undefined, sig = 4): string | null {
  const x = finite(v);
  return x === null ? null : formatNumber(x, sig);
}

/** Units worth printing next to a value ('ratio' and 'count' are plain numbers); per input symbol says its reading of n. */
export function unitText(unit: string): string {
  return unit === 'ratio' || unit === 'count' ? '' : unitLabel(unit);
}

/** "19.70 bits per model use", or null when the figure has no value. */
export function figureValueText(f: Pick<Figure, 'value' | 'unit'>, sig = 4): string | null {
  const v = valueText(f.value, sig);
  if (v === null) return null;
  const u = unitText(f.unit);
  return u ? `${v} ${u}` : v;
}

/** The normalised forms (per coordinate, per input symbol) that have a value, in words. */
export function normalizedTexts(f: Pick<Figure, 'normalized'>, sig = 4): string[] {
  const out: string[] = [];
  for (const n of f.normalized ?? []) {
    const v = valueText(n.value, sig);
    if (v !== null) out.push(`${v} ${unitText(n.unit)}`);
  }
  return out;
}

/** The estimator's id (E1…E10 with a letter) at the start of its name, else ''. */
export function estimatorId(estimator: string): string {
  const m = /^E\d+[a-z]?\b/.exec(estimator);
  return m ? m[0] : '';
}

/** The estimator's name without its id. */
export function estimatorName(estimator: string): string {
  const id = estimatorId(estimator);
  return id ? estimator.slice(id.length).trim() : estimator;
}

const FLAG_WORDS: Partial<Record<InformationFlag, string>> = {
  rank_deficient: 'rank-deficient',
  n_le_d: 'N \u2264 d',
  dead_columns_removed: 'dead columns removed',
  duplicates_removed: 'duplicates (k-NN)',
  zero_distance: 'zero k-NN distance',
  singular_noise_covariance: 'singular noise covariance',
  mismatched_rows: 'mismatched rows',
  gaussian_bound: 'Gaussian bound',
  small_n_bias: 'small-N bias',
  row_order_unverified: 'row order unverified',
  not_certified: 'not certified',
  needs_input_symbols: 'needs n (input symbols)',
  needs_perturbed: 'needs perturbed embeddings',
  noise_floor_added: 'noise floor added',
  non_finite_rows_dropped: 'non-finite rows dropped',
};

/** A flag in words: 'rank_deficient' → 'rank-deficient'. */
export function flagWords(flag: string): string {
  return FLAG_WORDS[flag as InformationFlag] ?? flag.replace(/_/g, ' ');
}

/** The figure's tooltip: formula, the assumption or reason, and where it comes from. */
export function figureTooltip(f: Figure): string {
  const lines = [`${f.quantity}: ${f.estimator}`];
  if (f.formula) lines.push(`Formula: ${f.formula}`);
  if (f.explanation) lines.push(`${f.value === null ? 'Why no value' : 'Assumption'}: ${f.explanation}`);
  if (f.flags.length) lines.push(`Flags: ${f.flags.map(flagWords).join(', ')}`);
  const p = f.provenance;
  if (p) {
    lines.push(`Provenance [${p.tag}]: ${provenanceWords(p.tag)}`);
    if (p.concept) lines.push(`Paper concept: ${p.concept}`);
    if (p.note) lines.push(`Estimator: ${p.note}`);
  }
  return lines.join('\n');
}

/** What a provenance tag means. */
export function provenanceWords(tag: string): string {
  switch (tag) {
    case 'PAPER': return 'a claim of the paper itself (abstract or introduction)';
    case '2ND-HAND': return 'a formula known only from a second-hand reading of the paper';
    case 'PROPOSED': return 'a standard, cited estimator we chose; the paper\u2019s own estimator is unknown';
    default: return tag;
  }
}

/** Everything the table shows for one figure. */
export interface FigureRow {
  path: string;
  quantity: string;
  /** "≥ 19.70 bits per model use"-free value text (the kind is its own column); null → show flags/explanation. */
  value: string | null;
  normalized: string[];
  kind: string;
  kindLabel: string;
  estimatorId: string;
  estimatorName: string;
  rows: number | null;
  flags: string[];
  explanation: string | null;
  tag: string;
  tooltip: string;
}

export function figureRow(e: FigureEntry): FigureRow {
  const f = e.figure;
  return {
    path: e.path,
    quantity: f.quantity,
    value: figureValueText(f),
    normalized: normalizedTexts(f),
    kind: f.kind,
    kindLabel: kindLabel(f.kind),
    estimatorId: estimatorId(f.estimator),
    estimatorName: estimatorName(f.estimator),
    rows: finite(f.rows),
    flags: (f.flags ?? []).map(flagWords),
    explanation: f.explanation ?? null,
    tag: f.provenance?.tag ?? '',
    tooltip: figureTooltip(f),
  };
}

/** An HTML id fragment from a JSON path: 'capacity.perturbed.cca' → 'capacity-perturbed-cca'. */
export function pathId(path: string): string {
  return path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

// ---------------------------------------------------------------- verdict

export interface VerdictView {
  status: string;
  /** CSS class suffix: achievable, not-achievable, inconclusive. */
  cls: string;
  icon: string;
  title: string;
  certified: boolean;
  /** "≥ 12.97 bits per model use", or null with `marginMissing` saying why. */
  margin: string | null;
  marginKind: string;
  marginNormalized: string[];
  marginMissing: string | null;
  reason: string;
  /** What no verdict here can certify (the paper's asymptotic statements). */
  caveat: string;
}

const STATUS: Record<string, { cls: string; icon: string; title: string }> = {
  achievable: { cls: 'achievable', icon: 'pass', title: 'Achievable' },
  'not achievable': { cls: 'not-achievable', icon: 'error', title: 'Not achievable' },
  inconclusive: { cls: 'inconclusive', icon: 'question', title: 'Inconclusive' },
};

export function verdictView(v: InformationReport['verdict']): VerdictView {
  const s = STATUS[v.status] ?? { cls: 'inconclusive', icon: 'question', title: v.status };
  const m = v.margin;
  const value = figureValueText(m);
  return {
    status: v.status, cls: s.cls, icon: s.icon,
    title: `${s.title}${v.certified ? ' (certified)' : v.status === 'inconclusive' ? '' : ' (not certified)'}`,
    certified: v.certified,
    margin: value === null ? null : `${kindSign(m.kind)} ${value}`,
    marginKind: kindLabel(m.kind),
    marginNormalized: normalizedTexts(m),
    // The margin's explanation is often the reason itself, shown right below: then only the flags.
    marginMissing: value === null
      ? (m.explanation && m.explanation !== v.reason ? m.explanation : m.flags.length ? m.flags.map(flagWords).join(', ') : 'see below')
      : null,
    reason: v.reason,
    caveat: v.caveat ?? '',
  };
}

/** Where each input came from (array of which file, manifest, flag), one line each. */
export function inputLines(r: InformationReport): string[] {
  return inputSourceLines(r.inputs);
}

/** The units line: per model use primary, per input symbol as reading (B) of n. */
export const UNITS_LINE = UNITS_NOTE;

// ---------------------------------------------------------------- R(D) plot

export interface RdSource {
  curve: readonly { distortion: number | null; gaussian: number | null; shannonLowerBound: number | null }[];
  operatingPoint: { mse: { value: number | null }; rateGaussian: { value: number | null } } | null;
  distortion: { value: number | null; source: string };
  rateGaussian: { value: number | null };
  source: string;
}

export interface XY { x: number; y: number }

export interface RdLegendEntry { label: string; kind: 'rd' | 'slb' | 'capacity' | 'operating' | 'target'; tooltip: string }

export interface RdLayout {
  width: number;
  height: number;
  box: PlotBox;
  xTicks: Tick[];
  yTicks: Tick[];
  /** Path of R_G(D) (the "R(D)" curve, an upper bound) and of the Shannon lower bound ('' when none). */
  rdPath: string;
  slbPath: string;
  capacity: { value: number; y: number; label: string } | null;
  operating: { d: number; r: number; x: number; y: number } | null;
  target: { d: number; r: number; x: number; y: number } | null;
  legend: LegendLayout;
  legendEntries: RdLegendEntry[];
  /** Points of the R(D) curve, data and pixels. */
  points: { d: number; r: number; x: number; y: number }[];
  empty: boolean;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function pathOf(pts: readonly XY[]): string {
  return pts.map((p, i) => `${i ? 'L' : 'M'}${r2(p.x)},${r2(p.y)}`).join('');
}

/**
 * The R(D) plot: distortion D on a log axis (the curve's points are spaced geometrically over
 * three decades), rate in bits per model use on a linear axis from 0; the capacity as a
 * horizontal line, the model's operating point and the target distortion as markers.
 */
export function layoutRdPlot(rd: RdSource, capacity: { value: number | null; estimator?: string } | null, opts: { width: number; height: number; charWidth?: number }): RdLayout {
  const { width, height } = opts;
  const charWidth = opts.charWidth ?? 7;
  const pts = rd.curve
    .map(p => ({ d: finite(p.distortion), r: finite(p.gaussian), s: finite(p.shannonLowerBound) }))
    .filter((p): p is { d: number; r: number; s: number | null } => p.d !== null && p.d > 0 && p.r !== null);
  const cap = finite(capacity?.value ?? null);
  const opD = finite(rd.operatingPoint?.mse.value), opR = finite(rd.operatingPoint?.rateGaussian.value);
  const op = opD !== null && opD > 0 && opR !== null ? { d: opD, r: opR } : null;
  const tD = finite(rd.distortion.value), tR = finite(rd.rateGaussian.value);
  // The target distortion is drawn unless it is the operating point itself.
  const target = tD !== null && tD > 0 && tR !== null && rd.distortion.source !== 'predictions' && !(op && Math.abs(op.d - tD) <= 1e-12 * tD) ? { d: tD, r: tR } : null;

  const ds = [...pts.map(p => p.d), ...(op ? [op.d] : []), ...(target ? [target.d] : [])];
  const rs = [...pts.map(p => p.r), ...pts.map(p => Math.max(0, p.s ?? 0)), ...(op ? [op.r] : []), ...(target ? [target.r] : []), ...(cap !== null ? [cap] : [])];
  const empty = pts.length === 0;
  const [lo, hi] = ds.length ? logDomain(Math.min(...ds), Math.max(...ds)) : [-1, 0];
  const rMax = Math.max(1e-9, ...rs.filter(v => v > 0));
  const rMin = Math.min(0, ...rs);
  const yStep = niceStep((rMax - rMin) / 5);
  const yLo = rMin < 0 ? Math.floor(rMin / yStep) * yStep : 0;
  const yHi = Math.ceil((rMax * 1.04) / yStep) * yStep;

  const probe = linearTicks(yLo, yHi, v => v, 5);
  const widest = probe.reduce((w, t) => Math.max(w, t.label.length), 1);
  const left = Math.round(22 + 10 + widest * charWidth);
  const right = Math.max(left + 10, width - 18);
  const legendEntries: RdLegendEntry[] = [
    { label: 'R(D)', kind: 'rd', tooltip: 'Gaussian rate\u2013distortion R_G(D) by reverse water-filling: an upper bound on R(D) for any source with this covariance' },
  ];
  if (pts.some(p => p.s !== null)) legendEntries.push({ label: 'Shannon lower bound', kind: 'slb', tooltip: 'R_SLB(D) = h\u0302_G \u2212 (k/2)\u00b7log\u2082(2\u03c0e\u00b7D/k): a lower bound on R(D) when the entropy estimate holds' });
  if (cap !== null) legendEntries.push({ label: 'capacity', kind: 'capacity', tooltip: `Capacity lower bound used by the verdict${capacity?.estimator ? ` (${capacity.estimator})` : ''}: representation is achievable where R(D) lies below it` });
  if (op) legendEntries.push({ label: 'model (MSE)', kind: 'operating', tooltip: 'The model\u2019s operating point: its total MSE D_model and R_G(D_model)' });
  if (target) legendEntries.push({ label: 'target D', kind: 'target', tooltip: 'The target distortion D the verdict is evaluated at' });
  const legend = layoutLegend(legendEntries.map(e => e.label), left, right);
  const box: PlotBox = { left, top: legend.rows ? 6 + legend.height + 10 : 14, right, bottom: Math.max(0, height - 46) };
  const xPos = makeScale(10 ** lo, 10 ** hi, box.left, box.right, true);
  const yPos = makeScale(yLo, yHi, box.bottom, box.top, false);
  const xTicks = logTicks(lo, hi, xPos);
  const yTicks = linearTicks(yLo, yHi, yPos, 5);
  const points = pts.map(p => ({ d: p.d, r: p.r, x: r2(xPos(p.d)), y: r2(yPos(p.r)) }));
  // R(D) ≥ 0, so a negative Shannon lower bound says only that: it is drawn at 0.
  const slb = pts.filter(p => p.s !== null).map(p => ({ x: xPos(p.d), y: yPos(Math.max(0, p.s as number)) }));
  const place = (q: { d: number; r: number } | null) => (q ? { ...q, x: r2(xPos(q.d)), y: r2(yPos(q.r)) } : null);
  return {
    width, height, box, xTicks, yTicks,
    rdPath: pathOf(points), slbPath: pathOf(slb),
    capacity: cap !== null ? { value: cap, y: r2(yPos(cap)), label: `capacity \u2265 ${formatNumber(cap, 4)}` } : null,
    operating: place(op), target: place(target),
    legend, legendEntries, points, empty,
  };
}

/** The plot in one paragraph: its accessible name and text alternative. */
export function rdSummary(l: RdLayout, sourceName: string): string {
  if (l.empty) return 'No rate\u2013distortion curve to plot.';
  const first = l.points[0], last = l.points[l.points.length - 1];
  const parts = [`Gaussian rate\u2013distortion curve R(D) of ${sourceName}, in bits per model use, against the total squared-error distortion D on a log axis: `
    + `${formatNumber(first.r, 4)} bits at D = ${formatNumber(first.d, 3)} falling to ${formatNumber(last.r, 4)} bits at D = ${formatNumber(last.d, 3)}`];
  if (l.capacity) {
    const below = l.points.find(p => p.r <= l.capacity!.value);
    parts.push(`capacity lower bound ${formatNumber(l.capacity.value, 4)} bits per model use${below ? `; R(D) is below it from D = ${formatNumber(below.d, 3)}` : '; R(D) stays above it over the plotted range'}`);
  }
  if (l.operating) parts.push(`the model operates at D = ${formatNumber(l.operating.d, 4)} with R(D) \u2264 ${formatNumber(l.operating.r, 4)} bits`);
  if (l.target) parts.push(`target D = ${formatNumber(l.target.d, 4)} with R(D) \u2264 ${formatNumber(l.target.r, 4)} bits`);
  return parts.join('; ') + '.';
}

/** The index of the curve point nearest to pixel column px (null without points). */
export function nearestRdPoint(l: Pick<RdLayout, 'points'>, px: number): number | null {
  let best: number | null = null, dist = Infinity;
  l.points.forEach((p, i) => {
    const d = Math.abs(p.x - px);
    if (d < dist) {
      dist = d;
      best = i;
    }
  });
  return best;
}

// ---------------------------------------------------------------- page state

/** The information section's state next to a report. */
export type InformationView =
  | { kind: 'progress'; fraction: number; message: string }
  | { kind: 'error'; code: string; message: string }
  /** `file`/`arrayName`: the report shown when it arrived; `stale`: a later report of the same array came without a new one. */
  | { kind: 'result'; report: InformationReport; file: string; arrayName: string; stale: boolean };

/** Keeps a finished information result for a new report of the same file and array, marked stale; drops anything else. */
export function informationForReport(cur: InformationView | null, report: { file: string; array: { name: string } }): InformationView | null {
  if (cur?.kind === 'result' && cur.file === report.file && cur.arrayName === report.array.name) return { ...cur, stale: true };
  return null;
}

/** The provenance line under the section. */
export const PROVENANCE_LINE = 'Only the abstract and introduction of the paper (Pereg & Wand, arXiv 2601.11334) could be read: '
  + 'the concepts (representation-rate, capacity under perturbation, rate\u2013distortion, their combination) are the paper\u2019s; '
  + 'every number comes from a standard, cited estimator of ours, not from the paper. Hover a row for its formula, assumption and source.';
