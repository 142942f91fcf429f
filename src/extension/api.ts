import type * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report/analysisReport';

/**
 * What `activate()` returns. Other extensions and our integration tests use it;
 * it exposes results, never internals.
 */
export interface EmbeddingDiagnosticsApi {
  /** Analyse a dump with the current settings (cached by path, size and mtime). */
  analyze(uri: vscode.Uri): Promise<AnalysisReport>;
  /**
   * Analyse a dataset: the dump files of a folder, or the matches of a glob (a file URI whose path
   * has wildcards), every row of every shard. The report lists its shards (`shards`).
   */
  analyzeDataset(uri: vscode.Uri): Promise<AnalysisReport>;
  /**
   * Resolves with the visible text of the report panel for `uri` once its webview has
   * rendered a report (it posts a `rendered` message), and — when `mustContain` is given — once a
   * text rendered since the panel's analysis started contains it (e.g. the quick first report, or a
   * section that arrives later). Rejects after `timeoutMs`.
   */
  whenPanelRendered(uri: vscode.Uri, timeoutMs?: number, mustContain?: string): Promise<string>;
}
