import * as vscode from 'vscode';
import * as path from 'node:path';
import type { AnalysisActivity, AnalysisService } from './analysisService';
import { SHOW_ACTIVITY_COMMAND } from './commandIds';

/**
 * A status bar item while an analysis runs (hover- and diagnostics-triggered ones
 * have no notification); a click offers to cancel or to show the log.
 */
export class AnalysisStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('embeddingDiagnostics.activity', vscode.StatusBarAlignment.Left, 10);
  private readonly unsubscribe: () => void;
  private hideTimer: NodeJS.Timeout | undefined;

  constructor(service: AnalysisService) {
    this.item.name = 'Embedding Diagnostics';
    this.item.command = SHOW_ACTIVITY_COMMAND;
    this.unsubscribe = service.onActivity(a => this.update(a));
  }

  private update(a: AnalysisActivity): void {
    clearTimeout(this.hideTimer);
    if (!a.running) {
      // a short grace period avoids flicker between back-to-back analyses
      this.hideTimer = setTimeout(() => this.item.hide(), 400);
      return;
    }
    const pct = Math.round(100 * a.fraction);
    this.item.text = `$(loading~spin) ${path.basename(a.running)} ${pct}%${a.queued ? ` (+${a.queued} queued)` : ''}`;
    this.item.tooltip = `Embedding Diagnostics: analysing ${a.running}${a.message ? ` — ${a.message}` : ''}. Click to cancel or show the log.`;
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.hideTimer);
    this.unsubscribe();
    this.item.dispose();
  }
}
