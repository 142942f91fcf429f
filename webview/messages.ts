/**
 * Checks on what arrives through postMessage and getState before the page trusts it.
 * Pure: no DOM, so the unit tests run it under Node.
 */
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { HostToWebview } from '../src/shared/protocol';

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

/** A host message the page understands; anything else is ignored. */
export function isHostToWebview(v: unknown): v is HostToWebview {
  if (!isObject(v)) return false;
  switch (v.type) {
    case 'progress': return isStr(v.file) && isNum(v.fraction) && isStr(v.message);
    case 'error': return isStr(v.file) && isStr(v.code) && isStr(v.message);
    case 'report': return isAnalysisReport(v.report);
    default: return false;
  }
}

/** What the page keeps with vscode.setState, so it survives the panel being hidden. */
export interface PersistedState {
  v: 1;
  view:
    | { kind: 'report'; report: AnalysisReport }
    | { kind: 'error'; file: string; code: string; message: string };
  /** The user's choice of index axis; undefined means automatic. */
  logX?: boolean;
}

/** The saved state when it is one this page version wrote, else undefined. */
export function readPersistedState(v: unknown): PersistedState | undefined {
  if (!isObject(v) || v.v !== 1 || !isObject(v.view)) return undefined;
  const view = v.view;
  const logX = typeof v.logX === 'boolean' ? v.logX : undefined;
  if (view.kind === 'report' && isAnalysisReport(view.report)) return { v: 1, view: { kind: 'report', report: view.report }, logX };
  if (view.kind === 'error' && isStr(view.file) && isStr(view.code) && isStr(view.message)) {
    return { v: 1, view: { kind: 'error', file: view.file, code: view.code, message: view.message }, logX };
  }
  return undefined;
}
