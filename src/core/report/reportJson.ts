import type { AnalysisReport } from './analysisReport';

/**
 * The CLI's `--json` text of a report. JSON has no NaN or Infinity, so they are written
 * as the strings "NaN", "Infinity", "-Infinity" rather than the silent null of JSON.stringify.
 */
export function reportToJson(report: AnalysisReport | object): string {
  return JSON.stringify(report, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), 2) + '\n';
}
