import * as vscode from 'vscode';
import { AnalysisService } from './analysisService';
import { DumpDiagnostics } from './dumpDiagnostics';
import { DumpHoverProvider } from './hoverProvider';
import { ReportPanels } from './reportPanel';
import { registerCommands } from './commands';
import { DOCUMENT_SELECTOR, DUMP_GLOB } from './dumpPaths';
import { readSettings } from './settings';
import type { EmbeddingDiagnosticsApi } from './api';

/**
 * Activation wires things up and reads nothing: analyses start only when a
 * document mentions a dump, a hover asks, or a command runs.
 */
export function activate(context: vscode.ExtensionContext): EmbeddingDiagnosticsApi {
  const output = vscode.window.createOutputChannel('Embedding Diagnostics');
  const log = (line: string) => output.appendLine(`[${new Date().toISOString()}] ${line}`);
  const service = new AnalysisService(vscode.Uri.joinPath(context.extensionUri, 'dist', 'analysisWorker.js').fsPath, log);
  const panels = new ReportPanels(context.extensionUri, service, log);
  const diagnostics = new DumpDiagnostics(service);

  // A dump rewritten by a training job: drop its cache entry, then re-check once it settles.
  const settle = new Map<string, NodeJS.Timeout>();
  const onDumpEvent = (uri: vscode.Uri) => {
    service.invalidate(uri.fsPath);
    clearTimeout(settle.get(uri.fsPath));
    settle.set(uri.fsPath, setTimeout(() => {
      settle.delete(uri.fsPath);
      diagnostics.dumpChanged(uri.fsPath);
      panels.refreshIfOpen(uri.fsPath);
    }, 750));
  };
  const watcher = vscode.workspace.createFileSystemWatcher(DUMP_GLOB);
  watcher.onDidChange(onDumpEvent);
  watcher.onDidCreate(onDumpEvent);
  watcher.onDidDelete(onDumpEvent);

  context.subscriptions.push(
    output, watcher, diagnostics, panels, { dispose: () => service.dispose() },
    { dispose: () => settle.forEach(t => clearTimeout(t)) },
    vscode.languages.registerHoverProvider(DOCUMENT_SELECTOR, new DumpHoverProvider(service)),
    ...registerCommands(panels, service),
  );

  return {
    analyze: (uri) => {
      const s = readSettings(uri);
      return service.analyze(uri.fsPath, { maxRows: s.maxRows, seed: s.seed, thresholds: s.thresholds });
    },
    whenPanelRendered: (uri, timeoutMs = 30_000) => panels.whenRendered(uri.fsPath, timeoutMs),
  };
}

export function deactivate(): void { /* disposables do the work */ }
