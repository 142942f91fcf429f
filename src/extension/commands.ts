import * as vscode from 'vscode';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import type { AnalysisReport, Finding } from '../core/report/analysisReport';
import { renderMarkdown } from '../core/report/renderText';
import { formatShape } from '../core/report/format';
import { ALL_DUMP_EXTENSIONS, DUMP_GLOB } from './dumpPaths';
import type { ReportViews } from './reportViews';
import { AnalysisError, asAnalysisError, type AnalysisService } from './analysisService';
import type { DumpDiagnostics } from './dumpDiagnostics';
import { analysisOptions, readSettings, suppressFinding } from './settings';
import { saveReportAs } from './exports';
import { datasetTask } from './datasetTask';
import * as ids from './commandIds';
import { askRegimeConfig, isRegimeConfig, REGIME_MAX_ROWS } from './regimeCommand';
import { askInformationInputs, isInformationFlags } from './informationCommand';

const isDump = (uri: vscode.Uri | undefined): uri is vscode.Uri =>
  !!uri && uri.scheme === 'file' && [...ALL_DUMP_EXTENSIONS, '.index', '.raw'].some(e => uri.fsPath.toLowerCase().endsWith(e));

export interface CommandContext {
  views: ReportViews;
  service: AnalysisService;
  diagnostics: DumpDiagnostics;
  output: vscode.OutputChannel;
}

/** The dump the user is looking at: a text editor, the active tab (custom editor), or a report view. */
function activeDump(views: ReportViews): vscode.Uri | undefined {
  const editorUri = vscode.window.activeTextEditor?.document.uri;
  if (isDump(editorUri)) return editorUri;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: unknown } | undefined;
  if (input && input.uri instanceof vscode.Uri && isDump(input.uri)) return input.uri;
  const fromView = views.activeFile();
  return fromView ? vscode.Uri.file(fromView) : undefined;
}

async function workspaceDumps(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles(DUMP_GLOB, '**/{node_modules,.git}/**', 5000);
  return files.filter(f => f.scheme === 'file');
}

async function pickDump(title: string, exclude?: vscode.Uri, datasets = false): Promise<vscode.Uri | undefined> {
  const files = (await workspaceDumps()).filter(f => f.toString() !== exclude?.toString());
  if (files.length === 0 && !datasets) {
    const chosen = await vscode.window.showOpenDialog({
      title, canSelectMany: false,
      filters: { 'Embedding dumps': [...ALL_DUMP_EXTENSIONS, '.bin', '.index', '.raw'].map(e => e.slice(1)) },
    });
    return chosen?.[0];
  }
  const items: { label: string; description: string; uri?: vscode.Uri; ask?: 'folder' | 'glob' }[] = files
    .map(uri => ({ label: vscode.workspace.asRelativePath(uri, false), description: path.extname(uri.fsPath).slice(1), uri }))
    .sort((a, b) => a.label.localeCompare(b.label));
  if (datasets) {
    items.unshift(
      { label: '$(folder) Folder as dataset…', description: 'its dump files are the shards', ask: 'folder' },
      { label: '$(search) Glob pattern…', description: 'e.g. runs/emb-*.npy: the matches are the shards', ask: 'glob' });
  }
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Type to filter workspace dumps', matchOnDescription: true });
  if (picked?.ask === 'folder') return pickFolder();
  if (picked?.ask === 'glob') return askGlob();
  return picked?.uri;
}

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const chosen = await vscode.window.showOpenDialog({ title: 'Analyze which folder as a dataset?', canSelectFiles: false, canSelectFolders: true, canSelectMany: false });
  return chosen?.[0];
}

/** A glob typed by the user, relative to the first workspace folder (or absolute), as a file URI. */
async function askGlob(): Promise<vscode.Uri | undefined> {
  const glob = await vscode.window.showInputBox({
    title: 'Analyze the files matching a glob as one dataset', placeHolder: 'runs/emb-*.npy or data/train-*.parquet',
    prompt: '* and ? match within a folder name, ** any folders; relative to the workspace folder',
    validateInput: v => (/[*?[]/.test(v) ? undefined : 'A glob has a wildcard (*, ? or [...]); for one file use Analyze File.'),
  });
  if (!glob) return undefined;
  const root = vscode.workspace.workspaceFolders?.find(f => f.uri.scheme === 'file')?.uri.fsPath ?? process.cwd();
  return vscode.Uri.file(path.resolve(root, glob));
}

const isGlobPath = (fsPath: string) => /[*?[]/.test(fsPath);

/** A folder (but a Zarr store, one dump), or a glob: analysed as a dataset rather than as one dump. */
async function isDatasetTarget(uri: vscode.Uri): Promise<boolean> {
  if (isGlobPath(uri.fsPath)) return true;
  try {
    if ((await vscode.workspace.fs.stat(uri)).type !== vscode.FileType.Directory) return false;
    const { isZarrDirectory } = await import('./onDemand');
    return !await isZarrDirectory(uri.fsPath);
  } catch {
    return false;
  }
}

/** Opens the report of `uri`: one dump, or the dataset of a folder or glob. */
async function showAnalysis(views: ReportViews, uri: vscode.Uri): Promise<void> {
  if (await isDatasetTarget(uri)) await views.show({ kind: 'dataset', fsPath: uri.fsPath });
  else await views.show({ kind: 'report', fsPath: uri.fsPath });
}

/** Explorer and editor-title commands pass the clicked file; the palette passes nothing. */
async function targetOrPick(arg: unknown, views: ReportViews, title: string): Promise<vscode.Uri | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : activeDump(views) ?? await pickDump(title);
  if (uri && uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Embedding Diagnostics reads files on disk; ${uri.toString()} is not one.`);
    return undefined;
  }
  return uri;
}

async function analyzeWithProgress(ctx: CommandContext, uri: vscode.Uri): Promise<AnalysisReport | undefined> {
  const s = readSettings(uri);
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Analyzing ${path.basename(uri.fsPath)}`, cancellable: true },
      async (progress, token) => {
        const run = { token, onProgress: (_f: number, message: string) => progress.report({ message }) };
        // a dataset panel's report (Copy as Markdown, Export) is the dataset's
        return await isDatasetTarget(uri)
          ? ctx.service.run(datasetTask(uri.fsPath, s, ctx.views.datasetCacheDir), run)
          : ctx.service.analyze(uri.fsPath, analysisOptions(s), run);
      });
  } catch (e) {
    const err = asAnalysisError(e, `The analysis of ${path.basename(uri.fsPath)}`);
    if (err.code !== 'cancelled') void vscode.window.showErrorMessage(`${path.basename(uri.fsPath)}: ${err.message}`);
    return undefined;
  }
}

const severityRank: Record<Finding['severity'], number> = { error: 0, warning: 1, information: 2 };
const severityIcon: Record<Finding['severity'], string> = { error: '$(error)', warning: '$(warning)', information: '$(info)' };

/** Analyze Workspace: every dump, then a list sorted by the worst finding, each opening its report. */
async function analyzeWorkspace(ctx: CommandContext): Promise<void> {
  const files = await workspaceDumps();
  if (files.length === 0) { void vscode.window.showInformationMessage('No embedding dumps found in this workspace.'); return; }
  type Row = { uri: vscode.Uri; report?: AnalysisReport; error?: AnalysisError };
  const rows: Row[] = [];
  const cancelled = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Analyzing ${files.length} embedding dumps`, cancellable: true },
    async (progress, token) => {
      for (const [i, uri] of files.entries()) {
        if (token.isCancellationRequested) return true;
        progress.report({ message: `${i + 1}/${files.length} ${vscode.workspace.asRelativePath(uri, false)}`, increment: 100 / files.length });
        const s = readSettings(uri);
        try {
          rows.push({ uri, report: await ctx.service.analyze(uri.fsPath, analysisOptions(s), { token }) });
        } catch (e) {
          if (e instanceof AnalysisError && e.code === 'cancelled') return true;
          rows.push({ uri, error: asAnalysisError(e, `The analysis of ${uri.fsPath}`) });
        }
      }
      return false;
    });
  const worst = (r: Row) => (r.error ? -1 : Math.min(3, ...r.report!.findings.filter(f => f.code !== 'sampled').map(f => severityRank[f.severity])));
  rows.sort((a, b) => worst(a) - worst(b) || a.uri.fsPath.localeCompare(b.uri.fsPath));
  ctx.output.appendLine(`Workspace summary (${rows.length} of ${files.length} dumps${cancelled ? ', cancelled' : ''}):`);
  const items = rows.map(r => {
    const rel = vscode.workspace.asRelativePath(r.uri, false);
    if (r.error) {
      ctx.output.appendLine(`  ERROR  ${rel}: ${r.error.code}: ${r.error.message}`);
      return { label: `$(error) ${rel}`, description: r.error.code, detail: r.error.message, uri: r.uri };
    }
    const rep = r.report!;
    const findings = rep.findings.filter(f => f.code !== 'sampled').sort((a, b) => severityRank[a.severity] - severityRank[b.severity]);
    const icon = findings.length ? severityIcon[findings[0].severity] : '$(pass)';
    const rows = rep.sampling.sampled ? `${rep.rowsUsed} of ${rep.rowsTotal} rows sampled` : `${rep.rowsTotal} rows`;
    const eff = rep.metrics ? ` · effective rank ${rep.metrics.effectiveRank.toPrecision(3)}` : '';
    ctx.output.appendLine(`  ${findings.length ? findings[0].severity.toUpperCase().padEnd(7) : 'OK     '}${rel}: ${rep.array.dtype} ${formatShape(rep.array.shape)}; ${findings.map(f => f.code).join(', ') || 'no findings'}`);
    return {
      label: `${icon} ${rel}`,
      description: `${rep.array.dtype} ${formatShape(rep.array.shape)} · ${rows}${eff}`,
      detail: findings.length ? findings.map(f => f.code).join(', ') : 'no findings',
      uri: r.uri,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: `Embedding dumps by severity (${rows.length}${cancelled ? `, cancelled after ${rows.length} of ${files.length}` : ''})`,
    placeHolder: 'Choose a dump to open its report', matchOnDescription: true, matchOnDetail: true,
  });
  if (picked) await ctx.views.show({ kind: 'report', fsPath: picked.uri.fsPath });
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { views, service, diagnostics } = ctx;
  const reg = vscode.commands.registerCommand;
  return [
    reg(ids.ANALYZE_FILE_COMMAND, async (arg?: unknown) => {
      // from the palette, a folder or a typed glob too
      const uri = arg instanceof vscode.Uri ? arg : activeDump(views) ?? await pickDump('Analyze which embedding dump, folder or glob?', undefined, true);
      if (uri && uri.scheme !== 'file') {
        void vscode.window.showErrorMessage(`Embedding Diagnostics reads files on disk; ${uri.toString()} is not one.`);
        return;
      }
      if (uri) await showAnalysis(views, uri);
    }),
    reg(ids.ANALYZE_FOLDER_COMMAND, async (arg?: unknown) => {
      // the explorer passes the folder; a hover's link passes the folder or glob as a path
      const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : await pickFolder();
      if (!uri) return;
      if (uri.scheme !== 'file') {
        void vscode.window.showErrorMessage(`Embedding Diagnostics reads files on disk; ${uri.toString()} is not one.`);
        return;
      }
      await views.show({ kind: 'dataset', fsPath: uri.fsPath });
    }),
    reg(ids.OPEN_REPORT_COMMAND, async (fsPath?: unknown) => {
      if (typeof fsPath === 'string') await views.show({ kind: 'report', fsPath });
    }),
    reg(ids.ANALYZE_WORKSPACE_COMMAND, () => analyzeWorkspace(ctx)),
    reg(ids.PREDICT_REGIME_COMMAND, async (arg?: unknown, given?: unknown) => {
      const uri = await targetOrPick(arg, views, 'Predict the autoencoder regime of which dump?');
      if (!uri) return;
      const config = isRegimeConfig(given) ? given : await askRegimeConfig(uri.fsPath, service);
      if (config) await views.show({ kind: 'report', fsPath: uri.fsPath, regime: { config, maxRows: REGIME_MAX_ROWS } });
    }),
    reg(ids.RATE_CAPACITY_COMMAND, async (arg?: unknown, given?: unknown) => {
      const uri = await targetOrPick(arg, views, 'Rate and capacity of which dump?');
      if (!uri) return;
      const flags = isInformationFlags(given) ? given : await askInformationInputs(uri);
      if (flags) await views.show({ kind: 'report', fsPath: uri.fsPath, information: flags });
    }),
    reg(ids.COMPARE_DUMPS_COMMAND, async (left?: unknown, right?: unknown) => {
      const a = left instanceof vscode.Uri ? left : await pickDump('Compare: choose the first dump');
      if (!a) return;
      const b = right instanceof vscode.Uri ? right : await pickDump(`Compare ${path.basename(a.fsPath)} with…`, a);
      if (b) await views.show({ kind: 'compare', left: a.fsPath, right: b.fsPath });
    }),
    reg(ids.COMPARE_WITH_COMMAND, async (arg?: unknown) => {
      const a = await targetOrPick(arg, views, 'Compare: choose the first dump');
      if (!a) return;
      const b = await pickDump(`Compare ${path.basename(a.fsPath)} with…`, a);
      if (b) await views.show({ kind: 'compare', left: a.fsPath, right: b.fsPath });
    }),
    reg(ids.COPY_MARKDOWN_COMMAND, async (arg?: unknown) => {
      const uri = await targetOrPick(arg, views, 'Copy the report of which dump?');
      const report = uri && await analyzeWithProgress(ctx, uri);
      if (!report) return;
      await vscode.env.clipboard.writeText(renderMarkdown(report));
      vscode.window.setStatusBarMessage('$(check) Embedding report copied as Markdown', 3000);
    }),
    reg(ids.EXPORT_REPORT_COMMAND, async (arg?: unknown) => {
      const uri = await targetOrPick(arg, views, 'Export the report of which dump?');
      if (!uri) return;
      const format = await vscode.window.showQuickPick(
        [{ label: 'Markdown', description: 'for pull requests and CI summaries', value: 'markdown' as const },
          { label: 'JSON', description: 'the CLI\'s --json schema', value: 'json' as const }],
        { title: `Export the report of ${path.basename(uri.fsPath)} as…` });
      const report = format && await analyzeWithProgress(ctx, uri);
      if (report) await saveReportAs(report, format.value);
    }),
    reg(ids.SET_RAW_LAYOUT_COMMAND, async (arg?: unknown) => {
      // a headerless raw file read with the wrong dtype or dimension: give them again
      const uri = await targetOrPick(arg, views, 'The dtype and dimension of which headerless file?');
      if (!uri || !views.rawShapes || !await views.rawShapes.ask(uri.fsPath, 'Its dtype and dimension are used for every analysis of this file.')) return;
      service.invalidate(uri.fsPath);
      diagnostics.dumpChanged(uri.fsPath);
      await showAnalysis(views, uri);
    }),
    reg(ids.REANALYZE_COMMAND, (fsPath?: unknown) => {
      if (typeof fsPath !== 'string') return;
      service.invalidate(fsPath);
      diagnostics.dumpChanged(fsPath);
      views.refreshIfOpen(fsPath);
    }),
    reg(ids.SUPPRESS_FINDING_COMMAND, async (fsPath?: unknown, code?: unknown) => {
      if (typeof fsPath !== 'string' || typeof code !== 'string') return;
      await suppressFinding(fsPath, code);
      vscode.window.setStatusBarMessage(`$(check) '${code}' suppressed for ${path.basename(fsPath)} (setting embeddingDiagnostics.suppressedFindings)`, 5000);
    }),
    reg(ids.CLEAR_CACHE_COMMAND, async () => {
      service.clear();
      // the datasets' per-shard partials too: the next analysis of a dataset reads every shard
      if (views.datasetCacheDir) await fs.rm(views.datasetCacheDir, { recursive: true, force: true }).catch(() => undefined);
      vscode.window.setStatusBarMessage('$(check) Embedding Diagnostics cache cleared', 3000);
    }),
    reg(ids.SHOW_ACTIVITY_COMMAND, async () => {
      const choice = await vscode.window.showQuickPick(
        [{ label: '$(debug-stop) Cancel running analyses', id: 'cancel' }, { label: '$(output) Show log', id: 'log' }],
        { title: 'Embedding Diagnostics' });
      if (choice?.id === 'cancel') service.cancelAll();
      if (choice?.id === 'log') ctx.output.show(true);
    }),
  ];
}
