import * as vscode from 'vscode';
import { AnalysisService } from './analysisService';
import { DumpDiagnostics } from './dumpDiagnostics';
import { ManifestDiagnostics } from './manifestDiagnostics';
import { DumpHoverProvider } from './hoverProvider';
import { DUMP_EDITOR_VIEW_TYPE, REPORT_VIEW_TYPE, ReportViews } from './reportViews';
import { DUMP_EDITOR_OPTIONS } from './reportPanelOptions';
import { registerCommands } from './commands';
import { DumpCodeActions } from './codeActions';
import { AnalysisStatusBar } from './analysisStatusBar';
import { DOCUMENT_SELECTOR, DUMP_GLOB, datasetMayContain } from './dumpPaths';
import { manifestCandidates } from '../core/information/manifest';
import { analysisOptions, readSettings } from './settings';
import { datasetTask } from './datasetTask';
import type { EmbeddingDiagnosticsApi } from './api';
import { RawShapes } from './rawShapes';

/** How long a rewritten dump must stay unchanged before it is re-analysed (a training job may still be writing). */
const SETTLE_MS = 750;

/**
 * Activation wires things up and reads nothing: analyses start only when a
 * document mentions a dump, a hover asks, a view opens or a command runs.
 */
export function activate(context: vscode.ExtensionContext): EmbeddingDiagnosticsApi {
  const output = vscode.window.createOutputChannel('Embedding Diagnostics');
  const log = (line: string) => output.appendLine(`[${new Date().toISOString()}] ${line}`);
  // headerless raw files: the dtype and dimension the user gave, remembered per file
  const rawShapes = new RawShapes(context.workspaceState);
  const service = new AnalysisService(vscode.Uri.joinPath(context.extensionUri, 'dist', 'analysisWorker.js').fsPath, log, p => rawShapes.get(p));
  // per-shard partials of datasets: re-analysing after a shard is added reads that shard only
  const datasetCacheDir = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'dataset-partials').fsPath;
  const views = new ReportViews(context.extensionUri, service, log, datasetCacheDir, rawShapes);
  const diagnostics = new DumpDiagnostics(service, datasetCacheDir);
  const manifests = new ManifestDiagnostics(service);

  // Watch mode: drop the cache at once, re-check documents and open views once the file settles.
  const settle = new Map<string, NodeJS.Timeout>();
  const onDumpEvent = (uri: vscode.Uri) => {
    service.invalidate(uri.fsPath);
    clearTimeout(settle.get(uri.fsPath));
    settle.set(uri.fsPath, setTimeout(() => {
      settle.delete(uri.fsPath);
      log(`${uri.fsPath} changed on disk: re-checking`);
      diagnostics.dumpChanged(uri.fsPath);
      manifests.refreshAll();
      views.refreshIfOpen(uri.fsPath);
    }, SETTLE_MS));
  };
  // A sidecar manifest changes what is computed for its dump (information inputs, the planned
  // autoencoder, the metadata and labels files): drop the cached results of the dumps it may be
  // the manifest of (and of a dataset beside it), and re-check the documents.
  const manifestWatcher = vscode.workspace.createFileSystemWatcher('**/*.embeddings.json');
  let manifestTimer: NodeJS.Timeout | undefined;
  const onManifestEvent = (uri: vscode.Uri) => {
    const manifest = uri.fsPath;
    service.invalidateWhere(p => manifestCandidates(p).includes(manifest) || datasetMayContain(p, manifest));
    clearTimeout(manifestTimer);
    manifestTimer = setTimeout(() => { diagnostics.refreshAll(); manifests.refreshAll(); }, 300);
  };
  manifestWatcher.onDidChange(onManifestEvent);
  manifestWatcher.onDidCreate(onManifestEvent);
  manifestWatcher.onDidDelete(onManifestEvent);
  // Open reports follow the other files their figures came from (the manifest, the metadata and
  // labels files it names, a projector metadata.tsv): a set lookup per event, nothing read here.
  const sourceWatcher = vscode.workspace.createFileSystemWatcher('**/*');
  const settleSource = new Map<string, NodeJS.Timeout>();
  const onSourceEvent = (uri: vscode.Uri) => {
    const changed = uri.fsPath;
    const stale = views.stalePathsFor(changed);
    if (!stale.length) return;
    for (const p of stale) service.invalidate(p);
    clearTimeout(settleSource.get(changed));
    settleSource.set(changed, setTimeout(() => {
      settleSource.delete(changed);
      // a result computed while the file was still being written is dropped too
      for (const p of views.stalePathsFor(changed)) service.invalidate(p);
      log(`${changed}, read by an open report, changed on disk: re-analysing ${stale.join(', ')}`);
      views.refreshFedBy(changed);
    }, SETTLE_MS));
  };
  sourceWatcher.onDidChange(onSourceEvent);
  sourceWatcher.onDidCreate(onSourceEvent);
  sourceWatcher.onDidDelete(onSourceEvent);
  const watcher = vscode.workspace.createFileSystemWatcher(DUMP_GLOB);
  watcher.onDidChange(onDumpEvent);
  watcher.onDidCreate(onDumpEvent);
  watcher.onDidDelete(onDumpEvent);

  context.subscriptions.push(
    output, watcher, manifestWatcher, sourceWatcher, { dispose: () => clearTimeout(manifestTimer) },
    { dispose: () => settleSource.forEach(t => clearTimeout(t)) }, diagnostics, manifests, views, new AnalysisStatusBar(service),
    { dispose: () => service.dispose() },
    { dispose: () => settle.forEach(t => clearTimeout(t)) },
    vscode.languages.registerHoverProvider(DOCUMENT_SELECTOR, new DumpHoverProvider(service, datasetCacheDir)),
    vscode.languages.registerCodeActionsProvider(DOCUMENT_SELECTOR, new DumpCodeActions(), { providedCodeActionKinds: DumpCodeActions.kinds }),
    vscode.window.registerWebviewPanelSerializer(REPORT_VIEW_TYPE, views),
    vscode.window.registerCustomEditorProvider(DUMP_EDITOR_VIEW_TYPE, views, DUMP_EDITOR_OPTIONS),
    ...registerCommands({ views, service, diagnostics, output }),
  );

  return {
    analyze: (uri) => {
      const s = readSettings(uri);
      return service.analyze(uri.fsPath, analysisOptions(s));
    },
    analyzeDataset: (uri) => service.run(datasetTask(uri.fsPath, readSettings(uri), datasetCacheDir)),
    whenPanelRendered: (uri, timeoutMs = 30_000, mustContain) => views.whenRendered(uri.fsPath, timeoutMs, mustContain),
  };
}

export function deactivate(): void { /* disposables do the work */ }
