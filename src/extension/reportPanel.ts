import * as vscode from 'vscode';
import * as path from 'node:path';
import type { AnalysisReport } from '../core/report/analysisReport';
import { renderMarkdown } from '../core/report/renderText';
import { isWebviewToHost, type HostToWebview } from '../shared/protocol';
import { createNonce, renderPanelHtml } from './panelHtml';
import { AnalysisError, type AnalysisService } from './analysisService';
import { readSettings } from './settings';

export const REPORT_VIEW_TYPE = 'embeddingDiagnostics.report';

interface PanelEntry {
  fsPath: string;
  panel: vscode.WebviewPanel;
  /** The last message that describes the panel's state, replayed when the page (re)loads. */
  last?: HostToWebview;
  report?: AnalysisReport;
  renderedText?: string;
  waiters: ((text: string) => void)[];
  cancel?: vscode.CancellationTokenSource;
}

/** One report panel per dump file; re-running an analysis updates the same panel. */
export class ReportPanels implements vscode.Disposable {
  private readonly panels = new Map<string, PanelEntry>();

  constructor(private readonly extensionUri: vscode.Uri, private readonly service: AnalysisService, private readonly log: (line: string) => void) {}

  async show(fsPath: string, options: { force?: boolean } = {}): Promise<void> {
    let entry = this.panels.get(fsPath);
    if (entry) entry.panel.reveal(undefined, false);
    else entry = this.create(fsPath);
    await this.run(entry, options.force ?? false);
  }

  /** A dump changed on disk: refresh its panel quietly (no focus change, no notification). */
  refreshIfOpen(fsPath: string): void {
    const entry = this.panels.get(fsPath);
    if (entry) void this.run(entry, false, { quiet: true });
  }

  whenRendered(fsPath: string, timeoutMs: number): Promise<string> {
    const entry = this.panels.get(fsPath);
    if (!entry) return Promise.reject(new Error(`No report panel is open for ${fsPath}.`));
    if (entry.renderedText !== undefined) return Promise.resolve(entry.renderedText);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The report panel for ${fsPath} did not render within ${timeoutMs} ms.`)), timeoutMs);
      entry.waiters.push(text => { clearTimeout(timer); resolve(text); });
    });
  }

  private create(fsPath: string): PanelEntry {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, `Embeddings: ${path.basename(fsPath)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [dist, vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    const webview = panel.webview;
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicon.css')).toString(),
      title: `Embeddings: ${path.basename(fsPath)}`,
    });
    const entry: PanelEntry = { fsPath, panel, waiters: [] };
    webview.onDidReceiveMessage(msg => this.onMessage(entry, msg));
    panel.onDidDispose(() => {
      entry.cancel?.cancel();
      this.panels.delete(fsPath);
    });
    this.panels.set(fsPath, entry);
    return entry;
  }

  private post(entry: PanelEntry, msg: HostToWebview): void {
    entry.last = msg;
    void entry.panel.webview.postMessage(msg);
  }

  private onMessage(entry: PanelEntry, msg: unknown): void {
    if (!isWebviewToHost(msg)) { this.log(`ignored unknown message from the report webview: ${JSON.stringify(msg)?.slice(0, 200)}`); return; }
    switch (msg.type) {
      case 'ready':
        if (entry.last) void entry.panel.webview.postMessage(entry.last);
        break;
      case 'rendered':
        entry.renderedText = msg.text;
        for (const w of entry.waiters.splice(0)) w(msg.text);
        break;
      case 'reanalyze':
        this.service.invalidate(entry.fsPath);
        void this.run(entry, true);
        break;
      case 'copyMarkdown':
        if (entry.report) {
          void vscode.env.clipboard.writeText(renderMarkdown(entry.report)).then(() =>
            vscode.window.setStatusBarMessage('$(check) Embedding report copied as Markdown', 3000));
        }
        break;
    }
  }

  private async run(entry: PanelEntry, force: boolean, opts: { quiet?: boolean } = {}): Promise<void> {
    entry.cancel?.cancel();
    const cts = new vscode.CancellationTokenSource();
    entry.cancel = cts;
    if (force) this.service.invalidate(entry.fsPath);
    const settings = readSettings(vscode.Uri.file(entry.fsPath));
    const options = { maxRows: settings.maxRows, seed: settings.seed, thresholds: settings.thresholds };
    const name = path.basename(entry.fsPath);
    entry.renderedText = undefined;
    this.post(entry, { type: 'progress', file: entry.fsPath, fraction: 0, message: 'Starting analysis' });
    const work = async (progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken) => {
      token?.onCancellationRequested(() => cts.cancel());
      let reported = 0;
      return this.service.analyze(entry.fsPath, options, {
        token: cts.token,
        onProgress: (fraction, message) => {
          this.post(entry, { type: 'progress', file: entry.fsPath, fraction, message });
          progress?.report({ message, increment: Math.max(0, 100 * fraction - reported) });
          reported = Math.max(reported, 100 * fraction);
        },
      });
    };
    try {
      const report = opts.quiet
        ? await work()
        : await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Analyzing ${name}`, cancellable: true },
          (progress, token) => work(progress, token));
      if (cts.token.isCancellationRequested) return;
      entry.report = report;
      this.post(entry, { type: 'report', report });
    } catch (e) {
      if (entry.cancel !== cts) return; // superseded by a newer run
      const code = e instanceof AnalysisError ? e.code : 'internal';
      this.post(entry, { type: 'error', file: entry.fsPath, code, message: code === 'cancelled' ? 'Analysis cancelled. Use Re-analyse to start again.' : (e as Error).message });
    }
  }

  dispose(): void {
    for (const e of this.panels.values()) e.panel.dispose();
    this.panels.clear();
  }
}
