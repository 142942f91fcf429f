import type { AnalyzeOptions } from '../core/analysis/analyzeDump';
import type { AnalysisReport } from '../core/report/analysisReport';

/** Messages between the extension host and the analysis worker thread. */
export type ToWorker = { type: 'analyze'; id: number; path: string; options: AnalyzeOptions };

export type FromWorker =
  | { type: 'progress'; id: number; fraction: number; message: string }
  | { type: 'result'; id: number; report: AnalysisReport }
  | { type: 'error'; id: number; code: string; message: string };
