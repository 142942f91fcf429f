import * as vscode from 'vscode';
import { isManifestPath, locate, parseManifest, MANIFEST_SUFFIX } from '../core/information/manifest';
import { regimeFindings } from '../core/regime/regimeFindings';
import { regimeCheckTask, toRegimeConfig } from './manifestAutoencoder';
import { readSettings } from './settings';
import type { AnalysisService } from './analysisService';
import { promises as fs } from 'node:fs';
import { asEmbdiagError } from '../core/errors';

/** The dump a sidecar manifest belongs to: `emb.embeddings.json` → `emb.<ext>` or `emb.npy.embeddings.json` → `emb.npy`. */
async function dumpBesideManifest(manifestPath: string): Promise<string | undefined> {
  // loaded when a manifest is checked, not at activation: openDump brings every format reader
  const { SUPPORTED_EXTENSIONS } = await import('./onDemand');
  const stem = manifestPath.slice(0, -MANIFEST_SUFFIX.length);
  const candidates = [stem, ...SUPPORTED_EXTENSIONS.map(e => stem + e)];
  for (const c of candidates) {
    try { if ((await fs.stat(c)).isFile()) return c; } catch { /* next */ }
  }
  return undefined;
}
import { DIAGNOSTIC_SOURCE } from './dumpDiagnostics';

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/**
 * Problems of sidecar manifests (`emb.embeddings.json`) on the offending key: a missing
 * file, row counts that do not match the embeddings, `inputSymbols` missing when a
 * per-symbol figure is asked for. Schema validation itself comes from the contributed
 * JSON schema; these are the checks a schema cannot make.
 */
export class ManifestDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('embeddings-manifest');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly service?: AnalysisService) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument(d => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument(e => this.schedule(e.document, 400)),
      vscode.workspace.onDidCloseTextDocument(d => this.collection.delete(d.uri)),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** A file changed on disk: manifests may refer to it, so recheck the open ones. */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 200);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (document.uri.scheme !== 'file' || !isManifestPath(document.uri.fsPath)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => { this.timers.delete(key); void this.update(document); }, delayMs));
  }

  private async update(document: vscode.TextDocument): Promise<void> {
    const version = document.version;
    let problems: { code: string; severity: string; message: string; offset: number; length: number; path?: unknown; pointer?: string }[];
    try {
      const { checkManifest } = await import('./onDemand');
      problems = await checkManifest(document.uri.fsPath, document.getText());
    } catch (e) {
      // our sentence, never JavaScript text (that goes nowhere the user reads)
      const err = asEmbdiagError(e, 'The check of this manifest');
      problems = [{ code: err.code, severity: 'error', message: err.code === 'internal' ? err.message : `The manifest could not be checked: ${err.message}`, offset: 0, length: 0 }];
    }
    // a planned autoencoder whose learning rate diverges: the warning goes on "learningRate"
    const parsed = parseManifest(document.getText());
    const ae = parsed.manifest.autoencoder;
    const dump = ae && this.service ? await dumpBesideManifest(document.uri.fsPath) : undefined;
    if (ae && dump && this.service) {
      try {
        const { regime } = await this.service.run(regimeCheckTask(dump, toRegimeConfig(ae), readSettings(document.uri)));
        for (const f of regimeFindings(regime).filter(x => x.code === 'unstable-learning-rate')) {
          problems.push({ code: f.code, severity: 'warning', message: f.message, path: ['autoencoder', 'learningRate'], pointer: '/autoencoder/learningRate', ...locate(parsed.root, ['autoencoder', 'learningRate']) });
        }
      } catch { /* the dump itself is reported elsewhere */ }
    }
    if (document.isClosed || document.version !== version) return;
    this.collection.set(document.uri, problems.map(p => {
      const range = new vscode.Range(document.positionAt(p.offset), document.positionAt(p.offset + Math.max(p.length, 1)));
      const d = new vscode.Diagnostic(range, p.message, SEVERITY[p.severity] ?? vscode.DiagnosticSeverity.Warning);
      d.source = DIAGNOSTIC_SOURCE;
      d.code = p.code;
      return d;
    }));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
