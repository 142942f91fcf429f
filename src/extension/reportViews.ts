import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report/analysisReport';
import { createNonce, renderPanelHtml } from './panelHtml';
import { REPORT_PANEL_OPTIONS } from './reportPanelOptions';
import type { AnalysisService } from './analysisService';
import { datasetMayContain } from './dumpPaths';
import type { RawShapes } from './rawShapes';
import { ReportView, subjectKey, subjectTitle, type ReportSubject } from './reportView';

export type { RegimeRequest, ReportSubject } from './reportView';

export const REPORT_VIEW_TYPE = 'embeddingDiagnostics.report';
export const DUMP_EDITOR_VIEW_TYPE = 'embeddingDiagnostics.dumpEditor';

/**
 * All report views: panels opened by commands and hovers, panels restored after a
 * reload (serializer), and the read-only custom editor for dump files.
 */
export class ReportViews implements vscode.Disposable, vscode.WebviewPanelSerializer, vscode.CustomReadonlyEditorProvider {
  private readonly views = new Set<ReportView>();
  private active?: ReportView;

  /** `datasetCacheDir`: where datasets keep their per-shard partials (undefined: no cache). */
  constructor(private readonly extensionUri: vscode.Uri, readonly service: AnalysisService, readonly log: (line: string) => void,
    readonly datasetCacheDir?: string, readonly rawShapes?: RawShapes) {}

  initWebview(webview: vscode.Webview, title: string): void {
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    webview.options = { enableScripts: true, localResourceRoots: [dist, vscode.Uri.joinPath(this.extensionUri, 'media')] };
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicon.css')).toString(),
      title,
    });
  }

  private adopt(panel: vscode.WebviewPanel, subject: ReportSubject, inCustomEditor: boolean): ReportView {
    const view = new ReportView(panel, subject, inCustomEditor, this);
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    this.views.add(view);
    this.active = view;
    panel.onDidChangeViewState(e => { if (e.webviewPanel.active) this.active = view; });
    return view;
  }

  forget(view: ReportView): void {
    this.views.delete(view);
    if (this.active === view) this.active = undefined;
  }

  /** Opens (or reveals) the report panel of `subject` and (re)runs its analysis. */
  async show(subject: ReportSubject, opts: { force?: boolean } = {}): Promise<void> {
    const key = subjectKey(subject);
    let view = [...this.views].find(v => !v.inCustomEditor && subjectKey(v.subject) === key);
    if (view) {
      view.subject = subject;
      view.panel.reveal(undefined, false);
    } else {
      const panel = vscode.window.createWebviewPanel(REPORT_VIEW_TYPE, subjectTitle(subject), vscode.ViewColumn.Active, REPORT_PANEL_OPTIONS);
      view = this.adopt(panel, subject, false);
    }
    await view.run({ force: opts.force });
  }

  /** The dump behind the focused report view or custom editor, for editor-title commands. */
  activeFile(): string | undefined {
    const v = this.active;
    if (!v || !v.panel.active) return undefined;
    return v.subject.kind === 'compare' ? v.subject.left : v.subject.fsPath;
  }

  /** A dump changed on disk: refresh the views that show it, quietly (no focus change, no notification). */
  refreshIfOpen(fsPath: string): void {
    for (const v of this.views) {
      if (v.files().includes(fsPath) || (v.subject.kind === 'dataset' && datasetMayContain(v.subject.fsPath, fsPath))) void v.run({ quiet: true });
    }
  }

  /**
   * A file a report read besides its dumps (a manifest, a metadata or labels file) changed: the
   * paths whose cached results it makes stale (the dumps it feeds, a dataset holding them).
   */
  stalePathsFor(changed: string): string[] {
    const stale = new Set<string>();
    for (const v of this.views) {
      const fed = v.dumpsFedBy(changed);
      for (const dump of fed) stale.add(dump);
      if (fed.length && v.subject.kind === 'dataset') stale.add(v.subject.fsPath);
    }
    return [...stale];
  }

  /** Such a file settled: refresh the views it feeds, quietly. */
  refreshFedBy(changed: string): void {
    for (const v of this.views) if (v.dumpsFedBy(changed).length) void v.run({ quiet: true });
  }

  whenRendered(fsPath: string, timeoutMs: number, mustContain?: string): Promise<string> {
    const views = [...this.views].filter(v => v.files()[0] === fsPath);
    if (views.length === 0) return Promise.reject(new Error(`No report view is open for ${fsPath}.`));
    const ok = (text: string | undefined): text is string => text !== undefined && (mustContain === undefined || text.includes(mustContain));
    const seen = views.flatMap(v => (mustContain === undefined ? [v.renderedText] : v.renderedHistory)).find(ok);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      let last = '';
      const timer = setTimeout(() => reject(new Error(`The report view for ${fsPath} did not render${mustContain ? ` "${mustContain}"` : ''} within ${timeoutMs} ms. Last rendered text:\n${last.slice(0, 1500)}`)), timeoutMs);
      const waiter = (text: string) => {
        last = text;
        if (!ok(text)) return false;
        clearTimeout(timer);
        resolve(text);
        return true;
      };
      for (const v of views) v.waiters.push(waiter);
    });
  }

  // --- WebviewPanelSerializer: panels survive a window reload -----------------------------
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const subject = subjectFromState(state);
    if (!subject) {
      panel.webview.html = '<!DOCTYPE html><html><body><p>This report can no longer be restored. Run “Embeddings: Analyze File” again.</p></body></html>';
      return;
    }
    const view = this.adopt(panel, subject, false);
    await view.run({ quiet: true });
  }

  // --- CustomReadonlyEditorProvider: double-clicking a dump shows its report ----------------
  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => { /* nothing held: the analysis reads the file on demand */ } };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    if (document.uri.scheme !== 'file') {
      panel.webview.html = '<!DOCTYPE html><html><body><p>Embedding Diagnostics reads files on disk only.</p></body></html>';
      return;
    }
    const view = this.adopt(panel, { kind: 'report', fsPath: document.uri.fsPath }, true);
    await view.run({ quiet: true });
  }

  dispose(): void {
    for (const v of this.views) v.panel.dispose();
    this.views.clear();
  }
}

/** The subject saved in the page's state (see webview/messages.ts PersistedState). */
function subjectFromState(state: unknown): ReportSubject | undefined {
  const view = (state as { view?: { kind?: string; report?: AnalysisReport; file?: string; comparison?: { left?: AnalysisReport; right?: AnalysisReport } } } | undefined)?.view;
  if (!view) return undefined;
  // only a dataset's report lists shards in the editor (a single dump's does not)
  if (view.kind === 'report' && typeof view.report?.file === 'string' && Array.isArray(view.report.shards)) return { kind: 'dataset', fsPath: view.report.file };
  if (view.kind === 'report' && typeof view.report?.file === 'string') {
    return { kind: 'report', fsPath: view.report.file, arrayName: typeof view.report.array?.name === 'string' && view.report.arrays?.length > 1 ? view.report.array.name : undefined };
  }
  if (view.kind === 'error' && typeof view.file === 'string') return { kind: 'report', fsPath: view.file };
  if (view.kind === 'compare' && typeof view.comparison?.left?.file === 'string' && typeof view.comparison?.right?.file === 'string') {
    return { kind: 'compare', left: view.comparison.left.file, right: view.comparison.right.file };
  }
  return undefined;
}
