/**
 * Checks on what arrives through postMessage and getState before the page trusts it.
 * Pure: no DOM, so the unit tests run it under Node.
 */
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { DumpComparison } from '../src/core/analysis/compareReports';
import type { CovarianceDistanceResult, CovarianceSide } from '../src/core/analysis/covarianceDistance';
import type { PowerLawFit } from '../src/core/metrics/powerLawFit';
import type { Histogram } from '../src/core/stats/histogram';
import type { HostToWebview } from '../src/shared/protocol';
import type { RegimeResult } from '../src/core/regime/regimeResult';
import type { InformationReport } from '../src/core/information/informationReport';
import { isRowMetadata, isRowView } from './rowViewModel';
import { isUmapProjection } from './projectionUmap';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number';
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);

/**
 * Structural check of the fields the page reads. Extra fields are fine (the report
 * grows by adding fields); a missing or mistyped one makes the message ignored.
 */
export function isAnalysisReport(v: unknown): v is AnalysisReport {
  if (!isObject(v)) return false;
  const a = v.array, s = v.sampling, h = v.health, t = v.timings;
  if (!isStr(v.file) || !isStr(v.format) || !isNum(v.fileSize)) return false;
  if (!isObject(a) || !isStr(a.name) || !isStr(a.dtype) || !isNumArray(a.shape)) return false;
  if (!Array.isArray(v.arrays) || !v.arrays.every(x => isObject(x) && isStr(x.name) && isStr(x.dtype) && isNumArray(x.shape))) return false;
  if (!isNum(v.rowsTotal) || !isNum(v.rowsUsed) || !isNum(v.rowsInStatistics) || !isNum(v.dim)) return false;
  if (!isObject(s) || typeof s.sampled !== 'boolean' || !isStr(s.method) || !isNum(s.seed) || !isNum(s.maxRows)) return false;
  if (!isObject(h) || !isNum(h.nanRows) || !isNum(h.infRows) || !isNum(h.zeroRows) || !isNum(h.duplicateRows)
    || !isNum(h.deadDims) || !isNumArray(h.deadDimIndices)) return false;
  const rn = h.rowNorms;
  if (rn !== null && !(isObject(rn) && isNum(rn.min) && isNum(rn.median) && isNum(rn.mean) && isNum(rn.max))) return false;
  if (!isNumArray(v.eigenvalues)) return false;
  const m = v.metrics;
  if (m !== null && !(isObject(m) && isNum(m.effectiveRank) && isNum(m.rankMe) && isNum(m.participationRatio)
    && isNum(m.stableRank) && (m.conditionNumber === null || isNum(m.conditionNumber)) && isNum(m.totalVariance)
    && Array.isArray(m.explainedVariance) && m.explainedVariance.every(e => isObject(e) && isNum(e.k) && isNum(e.fraction)))) return false;
  if (!Array.isArray(v.notes) || !v.notes.every(isStr)) return false;
  if (!Array.isArray(v.findings) || !v.findings.every(f => isObject(f) && isStr(f.code) && isStr(f.severity) && isStr(f.message))) return false;
  if (!isObject(t) || !isNum(t.totalMs) || !isNum(t.readMs) || !isNum(t.eigenMs)) return false;
  return true;
}

const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The report's power-law fit when it is present and usable (older reports have none;
 * a malformed one is left out rather than rejecting the whole report), else null.
 */
export function asPowerLaw(v: unknown): PowerLawFit | null {
  if (!isObject(v)) return null;
  if (!isFiniteNum(v.alpha) || !isFiniteNum(v.log10Intercept) || !isFiniteNum(v.kMin) || !isFiniteNum(v.kMax) || !isFiniteNum(v.r2)) return null;
  if (v.kMin < 1 || v.kMax <= v.kMin) return null;
  // The same object when it is complete, so the plots' layout caches (keyed by identity) keep hitting.
  if (isStr(v.formula)) return v as unknown as PowerLawFit;
  return { alpha: v.alpha, log10Intercept: v.log10Intercept, kMin: v.kMin, kMax: v.kMax, r2: v.r2, formula: '' };
}

/** The row-norm histogram when present and well-formed (edges = counts + 1, ascending), else null. */
export function asHistogram(v: unknown): Histogram | null {
  if (!isObject(v) || !Array.isArray(v.edges) || !Array.isArray(v.counts)) return null;
  const { edges, counts } = v as { edges: unknown[]; counts: unknown[] };
  if (counts.length < 1 || edges.length !== counts.length + 1) return null;
  if (!edges.every(isFiniteNum) || !counts.every(c => isFiniteNum(c) && c >= 0)) return null;
  for (let i = 1; i < edges.length; i++) if ((edges[i] as number) < (edges[i - 1] as number)) return null;
  return v as unknown as Histogram;
}

const isNumOrNull = (v: unknown) => v === null || isNum(v);

/** Structural check of a DumpComparison: two reports plus the figures the compare view reads. */
export function isDumpComparison(v: unknown): v is DumpComparison {
  if (!isObject(v) || !isAnalysisReport(v.left) || !isAnalysisReport(v.right) || typeof v.sameDim !== 'boolean') return false;
  if (!Array.isArray(v.metricDeltas) || !v.metricDeltas.every(d => isObject(d) && isStr(d.key)
    && isNumOrNull(d.left) && isNumOrNull(d.right) && isNumOrNull(d.delta))) return false;
  const ms = v.meanShift;
  if (ms !== null && !(isObject(ms) && isNum(ms.l2) && isNumOrNull(ms.relative) && isStr(ms.formula))) return false;
  for (const d of [v.spectrumDistance, v.covarianceDistance]) {
    if (d !== null && d !== undefined && !(isObject(d) && isNum(d.value) && isStr(d.formula))) return false;
  }
  return Array.isArray(v.notes) && v.notes.every(isStr);
}

/** One side of a covariance distance: its file, array and the rows it used. */
function isCovarianceSide(v: unknown): v is CovarianceSide {
  return isObject(v) && isStr(v.file) && isStr(v.arrayName) && isNum(v.dim) && isNum(v.rowsTotal) && isNum(v.rowsRead)
    && isNum(v.rowsInStatistics) && typeof v.sampled === 'boolean' && isNum(v.seed) && isStr(v.method);
}

/** Structural check of the compare view's covariance distance (value null when not defined, with the reason). */
export function isCovarianceDistanceResult(v: unknown): v is CovarianceDistanceResult {
  if (!isObject(v) || !isNumOrNull(v.value) || v.kind !== 'estimate' || !isStr(v.formula)) return false;
  if ((v.left !== null && !isCovarianceSide(v.left)) || (v.right !== null && !isCovarianceSide(v.right))) return false;
  if (!isNumOrNull(v.frobeniusLeft) || !isNumOrNull(v.frobeniusRight)) return false;
  if (v.unavailable !== undefined && !isStr(v.unavailable)) return false;
  // a figure without a reason for its absence, or without the rows it used, is not shown
  if (v.value === null ? !isStr(v.unavailable) : v.left === null || v.right === null) return false;
  return Array.isArray(v.notes) && v.notes.every(isStr);
}

// ---------------------------------------------------------------- information section

/** An information Figure: {value|null, unit, kind, quantity, estimator, formula, rows, flags, provenance {tag, concept, note}}. */
export function isInformationFigure(v: unknown): boolean {
  if (!isObject(v) || !isNumOrNull(v.value) || !isStr(v.unit) || !isStr(v.kind) || !isStr(v.quantity) || !isStr(v.estimator)
    || !isStr(v.formula) || !isNum(v.rows) || !isStrArray(v.flags)) return false;
  if (v.explanation !== undefined && !isStr(v.explanation)) return false;
  const p = v.provenance;
  if (!isObject(p) || !isStr(p.tag) || !isStr(p.concept) || !isStr(p.note)) return false;
  return v.normalized === undefined || (Array.isArray(v.normalized) && v.normalized.every(n => isObject(n) && isStr(n.unit) && isNumOrNull(n.value)));
}

/** Every object of the report that claims to be a figure (has estimator, kind, unit, value, provenance) is a well-formed one. */
function figuresWellFormed(v: unknown, depth = 0): boolean {
  if (depth > 12 || v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) return v.every(x => figuresWellFormed(x, depth + 1));
  if ('estimator' in v && 'kind' in v && 'unit' in v && 'value' in v && 'provenance' in v) return isInformationFigure(v);
  return Object.entries(v).every(([k, x]) => k === 'curve' || k === 'inputs' || k === 'problems' || figuresWellFormed(x, depth + 1));
}

/** Structural check of an InformationReport: the fields the information section reads. */
export function isInformationReport(v: unknown): v is InformationReport {
  if (!isObject(v) || v.kind !== 'information') return false;
  const rows = v.rows, pre = v.preprocessing, verdict = v.verdict, rd = v.rateDistortion, cap = v.capacity;
  if (!isObject(rows) || !isNum(rows.total) || !isNum(rows.read) || !isNum(rows.used) || !isBool(rows.sampled) || !isNum(rows.seed)
    || !isNum(rows.droppedNonFinite)) return false;
  if (!isObject(pre) || !isNum(pre.dim) || !isNum(pre.rank) || !isNum(pre.deadColumns) || !isNum(pre.duplicateRows)) return false;
  if (!isObject(verdict) || !['lossy', 'lossless', 'none'].includes(verdict.mode as string) || !isStr(verdict.status) || !isBool(verdict.certified)
    || !isInformationFigure(verdict.margin) || !isStr(verdict.reason) || !isStrArray(verdict.assumptions)) return false;
  const c = verdict.capacity;
  if (c !== null && !(isObject(c) && isStr(c.estimator) && isNumOrNull(c.value) && isStr(c.kind))) return false;
  if (!isObject(rd) || !isStr(rd.source) || !isNum(rd.dim) || !isInformationFigure(rd.rateGaussian) || !isInformationFigure(rd.shannonLowerBound)) return false;
  if (!isObject(rd.distortion) || !isNumOrNull(rd.distortion.value) || !isStr(rd.distortion.source)) return false;
  if (!Array.isArray(rd.curve) || !rd.curve.every(p => isObject(p) && isNumOrNull(p.distortion) && isNumOrNull(p.gaussian) && isNumOrNull(p.shannonLowerBound))) return false;
  const op = rd.operatingPoint;
  if (op !== null && !(isObject(op) && isInformationFigure(op.mse) && isInformationFigure(op.rateGaussian))) return false;
  if (!isObject(cap) || !isInformationFigure(cap.awgn)) return false;
  if (!Array.isArray(v.problems) || !v.problems.every(p => isObject(p) && isStr(p.code) && isStr(p.severity) && isStr(p.message))) return false;
  if (!isStrArray(v.notes)) return false;
  return figuresWellFormed(v);
}

// ---------------------------------------------------------------- regime section

const FACES = ['LD', 'SD', 'MF', 'NL', 'F'] as const;
const isFace = (v: unknown): boolean => typeof v === 'string' && (FACES as readonly string[]).includes(v);
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
/** A curve's values: numbers, or null where a NaN/Infinity went through JSON (the page skips those points). */
const isCurve = (v: unknown): boolean => Array.isArray(v) && v.every(isNumOrNull);
/** A Figure {value, kind, provenance}; value null when not defined. */
const isFigure = (v: unknown): boolean => isObject(v) && isNumOrNull(v.value) && isStr(v.kind) && isStr(v.provenance);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

function isPlacement(v: unknown): boolean {
  if (!isObject(v)) return false;
  const d = v.distances, c = v.coordinates, p = v.parameters;
  if (!isObject(d) || !FACES.every(f => isFigure(d[f]))) return false;
  if (!isObject(p) || !FACES.every(f => Array.isArray(p[f]) && (p[f] as unknown[]).every(q => isObject(q) && isStr(q.name) && isNum(q.value)))) return false;
  if (!isObject(c) || !isFigure(c.latent) || !isFigure(c.data) || !isFigure(c.init)) return false;
  return isFigure(v.anisotropy) && Array.isArray(v.ranking) && v.ranking.every(isFace) && isFace(v.nearest) && isStr(v.nearestName)
    && (v.nearEdge === null || isFace(v.nearEdge)) && isBool(v.interior) && isBool(v.closedFormApplies) && isStr(v.label) && isStr(v.provenance);
}

function isPrediction(v: unknown): boolean {
  if (!isObject(v) || !isFace(v.face) || !isStr(v.faceName) || (v.role !== 'nearest' && v.role !== 'second')) return false;
  if (!isCurve(v.t) || !isCurve(v.train) || (v.pop !== null && !isCurve(v.pop)) || !isStr(v.kind) || !isNumOrNull(v.trustedUntil)
    || !(v.endedAt === undefined || isNumOrNull(v.endedAt))) return false;
  const g = v.diagnostic;
  return isObject(g) && isStr(g.name) && isStr(g.description) && isNum(g.threshold) && isNumOrNull(g.value) && isBool(g.ok)
    && isStrArray(v.notes) && isStr(v.provenance);
}

function isSimulation(v: unknown): boolean {
  if (v === null) return true;
  return isObject(v) && isNum(v.runs) && isNum(v.divergedRuns) && Array.isArray(v.seeds) && v.seeds.every(isNumOrNull)
    && isCurve(v.t) && isCurve(v.trainMean) && isCurve(v.trainSd)
    && (v.popMean === null || isCurve(v.popMean)) && (v.popSd === null || isCurve(v.popSd));
}

/** Structural check of a RegimeReport: the fields the regime section reads. */
export function isRegimeReport(v: unknown): boolean {
  if (!isObject(v) || !isStr(v.provenanceNote) || !isStrArray(v.findings)) return false;
  if (v.timeConvention !== undefined && !isStr(v.timeConvention)) return false;
  const i = v.input, a = v.autoencoder, s = v.stepSize, l = v.limits;
  if (!isObject(i) || !isNum(i.rows) || !isNum(i.inputDim) || !isNum(i.trainRows) || !isNum(i.heldOutRows) || !isStr(i.populationSource)
    || !isBool(i.centered) || !isFigure(i.meanNorm) || !isBool(i.rescaled) || !isFigure(i.scaleFactor)) return false;
  if (!isObject(a) || !isNum(a.latentWidth) || !isFigure(a.sigma2) || !isStr(a.initMapping) || !isFigure(a.eta) || !isNum(a.etaInput)
    || !isStr(a.convention) || !isStr(a.learningRateMapping) || !isNum(a.steps) || !isNum(a.tMax)) return false;
  if (!isPlacement(v.placement)) return false;
  if (!isObject(s) || !['ok', 'lags-flow', 'oscillates', 'unstable-early', 'diverges'].includes(s.verdict as string) || !isStr(s.message)
    || !isFigure(s.largestSafeStep) || !isNumOrNull(s.largestSafeStepInput)) return false;
  if (!isObject(l) || !isBool(l.applies) || !isFigure(l.train) || !isFigure(l.pop) || !isStr(l.note)) return false;
  if (!Array.isArray(v.predictions) || !v.predictions.every(isPrediction) || !isSimulation(v.simulation)) return false;
  return Array.isArray(v.agreement) && v.agreement.every(g => isObject(g) && isFace(g.face) && isNumOrNull(g.horizon)
    && isNumOrNull(g.maxRelativeGapTrain) && isNumOrNull(g.maxRelativeGapPop));
}

/** A regime analysis with the rows it used, as the host sends it in a 'regime' message. */
export function isRegimeResult(v: unknown): v is RegimeResult {
  if (!isObject(v) || !isRegimeReport(v.regime)) return false;
  const s = v.source;
  return isObject(s) && isStr(s.file) && isStr(s.arrayName) && isNum(s.rowsTotal) && isNum(s.rowsRead)
    && isNum(s.droppedNonFinite) && isBool(s.sampled) && isNum(s.seed);
}

/** A host message the page understands; anything else is ignored. */
export function isHostToWebview(v: unknown): v is HostToWebview {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'progress': return isStr(v.file) && isNum(v.fraction) && isStr(v.message);
    case 'error': return isStr(v.file) && isStr(v.code) && isStr(v.message);
    case 'report': return isAnalysisReport(v.report);
    case 'compare': return isDumpComparison(v.comparison);
    case 'covarianceDistance': return isCovarianceDistanceResult(v.result);
    case 'covarianceDistanceProgress': return isNum(v.fraction) && isStr(v.message);
    case 'covarianceDistanceError': return isStr(v.code) && isStr(v.message);
    case 'regime': return isRegimeResult(v.result);
    case 'regimeProgress': return isNum(v.fraction) && isStr(v.message);
    case 'regimeError': return isStr(v.code) && isStr(v.message);
    case 'information': return isInformationReport(v.report);
    case 'informationProgress': return isNum(v.fraction) && isStr(v.message);
    case 'informationError': return isStr(v.code) && isStr(v.message);
    case 'rowView': return isRowView(v.view);
    case 'rowViewError': return isNum(v.row) && isStr(v.code) && isStr(v.message);
    case 'rowMetadata': return isRowMetadata(v.metadata);
    case 'umap': return isUmapProjection(v.layout);
    case 'umapProgress': return isNum(v.fraction) && isStr(v.message);
    case 'umapError': return isStr(v.code) && isStr(v.message);
    default: return false;
  }
}

/** What the page keeps with vscode.setState, so it survives the panel being hidden. */
export interface PersistedState {
  v: 1;
  view:
    | { kind: 'report'; report: AnalysisReport }
    | { kind: 'compare'; comparison: DumpComparison; covariance?: CovarianceDistanceResult }
    | { kind: 'error'; file: string; code: string; message: string };
  /** The user's choice of index axis; undefined means automatic. */
  logX?: boolean;
  /** The regime section's last result (absent in states saved before the section existed). */
  regime?: PersistedRegime;
  /** The information section's last result (absent in states saved before the section existed). */
  information?: PersistedInformation;
}

/** The information report kept next to the report it arrived for (its file and array); `stale` as for the regime. */
export interface PersistedInformation { report: InformationReport; file: string; arrayName: string; stale: boolean }

/** The saved information result when present and well-formed, else undefined (the rest still loads). */
export function readPersistedInformation(v: unknown): PersistedInformation | undefined {
  if (!isObject(v) || !isInformationReport(v.report) || !isStr(v.file) || !isStr(v.arrayName)) return undefined;
  return { report: v.report, file: v.file, arrayName: v.arrayName, stale: v.stale === true };
}

/** The regime result kept next to the report; `stale`: a later report of the same array came without a new regime. */
export interface PersistedRegime { result: RegimeResult; stale: boolean }

/** The saved regime when present and well-formed, else undefined (a malformed one is dropped, the rest still loads). */
export function readPersistedRegime(v: unknown): PersistedRegime | undefined {
  if (!isObject(v) || !isRegimeResult(v.result)) return undefined;
  return { result: v.result, stale: v.stale === true };
}

/** Whether a regime result belongs to the report's file and array (so it may stay next to a refreshed report). */
export function regimeMatchesReport(source: { file: string; arrayName: string }, report: { file: string; array: { name: string } }): boolean {
  return source.file === report.file && source.arrayName === report.array.name;
}

/** The saved state when it is one this page version wrote, else undefined. */
export function readPersistedState(v: unknown): PersistedState | undefined {
  if (!isObject(v) || v.v !== 1 || !isObject(v.view)) return undefined;
  const view = v.view;
  const logX = typeof v.logX === 'boolean' ? v.logX : undefined;
  const regime = readPersistedRegime(v.regime);
  const information = readPersistedInformation(v.information);
  // The keys only when there is a regime / an information result, so states without one read back exactly as they were.
  const withRegime = (s: PersistedState): PersistedState => {
    let out = regime ? { ...s, regime } : s;
    if (information) out = { ...out, information };
    return out;
  };
  if (view.kind === 'report' && isAnalysisReport(view.report)) return withRegime({ v: 1, view: { kind: 'report', report: view.report }, logX });
  if (view.kind === 'compare' && isDumpComparison(view.comparison)) {
    // the covariance distance only when it is well-formed and belongs to these two files
    const cov = view.covariance;
    const keep = isCovarianceDistanceResult(cov) && (cov.left === null || (cov.left.file === view.comparison.left.file && cov.right?.file === view.comparison.right.file));
    return { v: 1, view: keep ? { kind: 'compare', comparison: view.comparison, covariance: cov } : { kind: 'compare', comparison: view.comparison }, logX };
  }
  if (view.kind === 'error' && isStr(view.file) && isStr(view.code) && isStr(view.message)) {
    return withRegime({ v: 1, view: { kind: 'error', file: view.file, code: view.code, message: view.message }, logX });
  }
  return undefined;
}
