import * as vscode from 'vscode';
import type { Finding } from '../core/report/analysisReport';
import { DOCUMENT_SELECTOR, datasetLiteralsIn, datasetMayContain, dumpLiteralsIn, isWriteContext, literalRange, resolveDatasetPath, resolveDumpPath } from './dumpPaths';
import { datasetTask } from './datasetTask';
import type { WorkerTask } from './workerProtocol';
import type { DatasetLiteral } from '../core/text/pathLiterals';
import type { Settings } from './settings';
import { asAnalysisError, type AnalysisService } from './analysisService';
import { analysisOptions, readSettings, suppressionKey } from './settings';
import { hasSidecarManifest, informationTask, informationWanted } from './informationTask';
import { informationFindings } from '../core/information/informationFindings';
import { regimeFindings } from '../core/regime/regimeFindings';
import { manifestAutoencoder, regimeCheckTask } from './manifestAutoencoder';

export const DIAGNOSTIC_SOURCE = 'embeddings';

/** A reference to a dataset not analysed yet, followed by its worker task as JSON. */
const PENDING = 'dataset-pending:';

const severityOf: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

/**
 * Squiggles and Problems entries on quoted dump paths: missing files, unreadable
 * dumps, and the findings of each dump's analysis. Recomputed when a document
 * changes (debounced) and when a referenced dump changes on disk.
 */
export class DumpDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** document uri -> dump paths it references, to refresh when a dump changes. */
  private readonly references = new Map<string, Set<string>>();
  private readonly generation = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly service: AnalysisService, private readonly datasetCacheDir?: string) {
    // a dataset is analysed on demand (panel, hover), never by diagnostics: when the worker goes
    // idle, documents waiting for a dataset's findings are checked again
    const unsubscribe = service.onActivity(a => { if (!a.running) this.recheckPendingDatasets(); });
    this.disposables.push({ dispose: unsubscribe },
      vscode.workspace.onDidOpenTextDocument(d => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument(e => this.schedule(e.document, 400)),
      vscode.workspace.onDidCloseTextDocument(d => this.forget(d.uri)),
      vscode.workspace.onDidChangeConfiguration(e => {
        if (e.affectsConfiguration('embeddingDiagnostics')) this.refreshAll();
      }),
    );
    this.refreshAll();
  }

  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** A dump changed, appeared or vanished on disk: recheck the documents that mention it (or a dataset it may be a shard of). */
  dumpChanged(fsPath: string): void {
    for (const d of vscode.workspace.textDocuments) {
      const refs = this.references.get(d.uri.toString());
      if (refs?.has(fsPath) || refs?.has(`missing:${fsPath}`) ||
        [...refs ?? []].some(r => r.startsWith('dataset:') && datasetMayContain(r.slice('dataset:'.length), fsPath))) this.schedule(d, 300);
    }
  }

  /** Rechecks a document only once a dataset it waits for has a result (a recheck that found none would loop). */
  private recheckPendingDatasets(): void {
    for (const d of vscode.workspace.textDocuments) {
      const pending = [...this.references.get(d.uri.toString()) ?? []].filter(r => r.startsWith(PENDING));
      if (pending.length === 0) continue;
      void Promise.all(pending.map(r => this.service.cachedTask(JSON.parse(r.slice(PENDING.length)) as WorkerTask)))
        .then(results => { if (results.some(r => r !== undefined)) this.schedule(d, 300); }, () => undefined);
    }
  }

  /** A glob that matches nothing, or the findings of a dataset already analysed (by the panel or a hover). */
  private async datasetDiagnostics(document: vscode.TextDocument, literal: DatasetLiteral, settings: Settings, refs: Set<string>): Promise<vscode.Diagnostic[]> {
    const range = literalRange(document, literal);
    const resolved = await resolveDatasetPath(literal, document);
    if (!resolved.exists) {
      for (const t of resolved.tried) refs.add(`dataset:${t}`);
      if (literal.kind === 'folder' || isWriteContext(document, literal)) return [];
      return [make(range, 'file-missing', vscode.DiagnosticSeverity.Warning,
        `${literal.value}: no file matches this glob (looked in ${resolved.tried.join(', ')}).`)];
    }
    refs.add(`dataset:${resolved.fsPath}`);
    const task = datasetTask(resolved.fsPath, settings, this.datasetCacheDir);
    const report = await this.service.cachedTask(task);
    if (!report) { refs.add(PENDING + JSON.stringify(task)); return []; }
    const suppressed = new Set(settings.suppressedFindings[suppressionKey(resolved.fsPath)] ?? []);
    return report.findings.filter(f => !suppressed.has(f.code))
      .map(f => make(range, f.code, severityOf[f.severity], `${literal.value} (dataset of ${report.shards?.length ?? 0} shards): ${f.message}`));
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (!vscode.languages.match(DOCUMENT_SELECTOR, document)) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.update(document).catch(() => { /* a document closed mid-way */ });
    }, delayMs));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.references.delete(key);
    this.collection.delete(uri);
  }

  private async update(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    const gen = (this.generation.get(key) ?? 0) + 1;
    this.generation.set(key, gen);
    const settings = readSettings(document.uri);
    if (!settings.enableDiagnostics || document.isClosed) { this.collection.delete(document.uri); return; }
    const version = document.version;
    const literals = dumpLiteralsIn(document);
    const refs = new Set<string>();
    const options = analysisOptions(settings);
    const perLiteral = await Promise.all(literals.map(async (literal): Promise<vscode.Diagnostic[]> => {
      const range = literalRange(document, literal);
      const resolved = await resolveDumpPath(literal.value, document);
      if (!resolved.exists) {
        for (const t of resolved.tried) refs.add(`missing:${t}`);
        if (isWriteContext(document, literal)) return [];
        return [make(range, 'file-missing', vscode.DiagnosticSeverity.Error,
          `${literal.value}: no such file (looked in ${resolved.tried.join(', ')}). Check the path, or run the step that writes it.`)];
      }
      refs.add(resolved.fsPath);
      try {
        const report = await this.service.analyze(resolved.fsPath, options);
        // findings of a sampled analysis say so in every diagnostic, since 'sampled' itself is not shown
        const basis = report.sampling.sampled
          ? ` (from a uniform sample of ${report.rowsUsed} of ${report.rowsTotal} rows, seed ${report.sampling.seed})` : '';
        const suppressed = new Set(settings.suppressedFindings[suppressionKey(resolved.fsPath)] ?? []);
        const findings = [...report.findings];
        if (await informationWanted(resolved.fsPath, settings)) {
          // companions in the container or a manifest describe the dump's inputs: the rate–capacity findings apply too
          try {
            const info = await this.service.run(informationTask(resolved.fsPath, settings));
            findings.push(...informationFindings(info, settings.thresholds.collisionError));
          } catch { /* the manifest's own diagnostics say what is wrong with it */ }
        }
        if (hasSidecarManifest(resolved.fsPath)) {
          const planned = await manifestAutoencoder(resolved.fsPath);
          if (planned) {
            try {
              findings.push(...regimeFindings((await this.service.run(regimeCheckTask(resolved.fsPath, planned.config, settings))).regime));
            } catch { /* shown on the manifest */ }
          }
        }
        return findings
          .filter(f => f.code !== 'sampled' && !suppressed.has(f.code))
          .map(f => make(range, f.code, severityOf[f.severity], `${literal.value}: ${f.message}${basis}`));
      } catch (e) {
        const err = asAnalysisError(e, `The analysis of ${literal.value}`);
        if (err.code === 'cancelled') return [];
        // a headerless file is fine until its shape is known: a hint, not an error
        if (err.code === 'raw-needs-shape') return [make(range, err.code, vscode.DiagnosticSeverity.Information, `${literal.value}: ${err.message}`)];
        return [make(range, err.code, vscode.DiagnosticSeverity.Error, `${literal.value}: cannot be analysed: ${err.message}`)];
      }
    }));
    const perDataset = await Promise.all(datasetLiteralsIn(document).map(l => this.datasetDiagnostics(document, l, settings, refs)));
    perLiteral.push(...perDataset);
    // a newer pass or an edit has superseded this one
    if (this.generation.get(key) !== gen || document.isClosed || document.version !== version) return;
    this.references.set(key, refs);
    this.collection.set(document.uri, perLiteral.flat());
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

function make(range: vscode.Range, code: string, severity: vscode.DiagnosticSeverity, message: string): vscode.Diagnostic {
  const d = new vscode.Diagnostic(range, message, severity);
  d.source = DIAGNOSTIC_SOURCE;
  d.code = code;
  return d;
}
