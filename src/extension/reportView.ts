/**
 * One report view: the webview of a report panel or of a dump's custom editor, with what it shows
 * (its subject), the analysis it runs and the sections that follow it. reportViews.ts keeps the set
 * of views (commands, serializer, custom editor provider).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { AnalysisReport } from '../core/report/analysisReport';
import { renderMarkdown } from '../core/report/renderText';
import { compareReports } from '../core/analysis/compareReports';
import { isWebviewToHost, type HostToWebview, type WebviewToHost } from '../shared/protocol';
import { pageFailedHtml, pageReloadDelayMs } from './panelHtml';
import { asAnalysisError } from './analysisService';
import { analysisOptions, readSettings } from './settings';
import { saveReportAs, savePlot } from './exports';
import type { RegimeConfig } from '../core/regime/autoencoderConfig';
import type { RegimeResult } from '../core/regime/regimeResult';
import type { InformationFlags } from '../core/information/informationInputs';
import type { InformationReport } from '../core/information/informationReport';
import type { CovarianceDistanceResult } from '../core/analysis/covarianceDistance';
import type { WorkerTask } from './workerProtocol';
import { informationTask, informationWanted } from './informationTask';
import { datasetTask } from './datasetTask';
import { forPanel, rowMetadataTask, rowViewTask } from './rowTasks';
import { umapTask } from './umapTask';
import type { ReportViews } from './reportViews';
import { dumpsFedBy, reportSourceFiles } from '../core/rows/reportSourceFiles';

/** What a view shows: one dump (optionally one array of a container), or two dumps compared. */
export type ReportSubject =
  | { kind: 'report'; fsPath: string; arrayName?: string; regime?: RegimeRequest; information?: InformationFlags }
  | { kind: 'compare'; left: string; right: string }
  /** A dataset: the dump files of a folder, or the matches of a glob (an absolute path with wildcards). */
  | { kind: 'dataset'; fsPath: string };

/** The planned autoencoder whose learning regime the view also shows. */
export interface RegimeRequest { config: RegimeConfig; maxRows: number }

export const subjectKey = (s: ReportSubject) => (s.kind === 'compare' ? `compare:${s.left}\0${s.right}` : `${s.kind}:${s.fsPath}`);
export const subjectTitle = (s: ReportSubject) => (s.kind === 'report'
  ? `Embeddings: ${path.basename(s.fsPath)}${s.arrayName ? ` [${s.arrayName}]` : ''}`
  : s.kind === 'dataset' ? `Dataset: ${path.basename(s.fsPath)}`
    : `Compare: ${path.basename(s.left)} ↔ ${path.basename(s.right)}`);

/**
 * One webview showing a report: a panel we created, a panel VS Code restored after a
 * reload, or the custom editor of a dump file. It replays its last state when the page
 * (re)loads, and re-runs its analysis on request or when the file changes on disk.
 */
export class ReportView {
  /** The message that describes the main content, replayed when the page (re)loads. */
  last?: HostToWebview;
  /** Likewise for the sections that come after the report. */
  lastRegime?: HostToWebview;
  lastInformation?: HostToWebview;
  lastCovariance?: HostToWebview;
  /** The metadata of the rows shown, replayed with the report. */
  lastRowMetadata?: HostToWebview;
  /** The projection's non-linear view (UMAP): its last message, and the cancellation of the layout running. */
  lastUmap?: HostToWebview;
  private umapCancel?: vscode.CancellationTokenSource;
  report?: AnalysisReport;
  renderedText?: string;
  /** The texts rendered since the last run started, oldest first (a quick report, then the exact one, then sections). */
  renderedHistory: string[] = [];
  /** Called with each rendered text; a waiter returning true is done and removed. */
  waiters: ((text: string) => boolean)[] = [];
  private cancel?: vscode.CancellationTokenSource;

  constructor(
    readonly panel: vscode.WebviewPanel,
    public subject: ReportSubject,
    readonly inCustomEditor: boolean,
    private readonly owner: ReportViews,
  ) {
    owner.initWebview(panel.webview, subjectTitle(subject));
    panel.webview.onDidReceiveMessage(msg => this.onMessage(msg));
    panel.onDidDispose(() => { this.disposed = true; this.cancel?.cancel(); this.umapCancel?.cancel(); owner.forget(this); });
  }

  private disposed = false;
  /** Loads of the page in a row whose files failed (reset once a page renders). */
  private pageReloads = 0;

  /** The page's own files failed to load (panelHtml.ts PAGE_BOOTSTRAP): load it again, a few times. */
  private reloadPage(url: string): void {
    const delay = pageReloadDelayMs(++this.pageReloads);
    this.owner.log(`report page of ${subjectTitle(this.subject)}: ${url || 'a file'} failed to load (try ${this.pageReloads})${delay === undefined ? '; giving up' : `; loading the page again in ${delay} ms`}`);
    if (delay === undefined) { this.panel.webview.html = pageFailedHtml(url); return; }
    setTimeout(() => { if (!this.disposed) this.owner.initWebview(this.panel.webview, subjectTitle(this.subject)); }, delay);
  }

  /** Posts to the webview unless the panel is gone (a result can arrive just after it closed). */
  private send(msg: HostToWebview): void {
    if (this.disposed) return;
    this.panel.webview.postMessage(msg).then(undefined, e => this.owner.log(`message to a closing panel not delivered: ${(e as Error)?.message ?? e}`));
  }

  /**
   * The files besides the dumps shown that the report read, by dump (a dataset's: by shard): their
   * manifests and the metadata and labels files these name (reportSourceFiles). Watch mode
   * re-analyses the view when one changes; found again at each run (a manifest may name others).
   */
  sourcesByDump = new Map<string, string[]>();

  private async findSources(report?: AnalysisReport): Promise<void> {
    const dumps = this.subject.kind === 'dataset' ? (report?.shards ?? []).map(s => s.file) : this.files();
    const found = new Map<string, string[]>();
    for (const dump of dumps) found.set(dump, await reportSourceFiles(dump).catch(() => []));
    if (!this.disposed) this.sourcesByDump = found;
  }

  /** The dumps of this view a changed file feeds (none: the view does not depend on it). */
  dumpsFedBy(changed: string): string[] {
    return dumpsFedBy(changed, this.sourcesByDump);
  }

  /** Files this view depends on (for watch mode). */
  files(): string[] {
    return this.subject.kind === 'compare' ? [this.subject.left, this.subject.right] : [this.subject.fsPath];
  }

  private post(msg: HostToWebview): void {
    if (msg.type === 'regime' || msg.type === 'regimeProgress' || msg.type === 'regimeError') this.lastRegime = msg;
    else if (msg.type === 'information' || msg.type === 'informationProgress' || msg.type === 'informationError') this.lastInformation = msg;
    else if (msg.type === 'covarianceDistance' || msg.type === 'covarianceDistanceProgress' || msg.type === 'covarianceDistanceError') this.lastCovariance = msg;
    else if (msg.type === 'umap' || msg.type === 'umapProgress' || msg.type === 'umapError') this.lastUmap = msg;
    else {
      this.last = msg; this.lastRegime = undefined; this.lastInformation = undefined; this.lastCovariance = undefined; this.lastRowMetadata = undefined;
      // a new report (or a new run) has a new sample: a layout of the old one is stopped and forgotten
      this.umapCancel?.cancel();
      this.umapCancel = undefined;
      this.lastUmap = undefined;
    }
    this.send(msg);
  }

  private onMessage(raw: unknown): void {
    if (!isWebviewToHost(raw)) { this.owner.log(`ignored an unknown message from the report webview: ${JSON.stringify(raw)?.slice(0, 200)}`); return; }
    const msg: WebviewToHost = raw;
    switch (msg.type) {
      case 'ready':
        if (this.last) this.send(this.last);
        if (this.lastInformation) this.send(this.lastInformation);
        if (this.lastRegime) this.send(this.lastRegime);
        if (this.lastCovariance) this.send(this.lastCovariance);
        if (this.lastRowMetadata) this.send(this.lastRowMetadata);
        if (this.lastUmap) this.send(this.lastUmap);
        break;
      case 'resourceFailed':
        this.reloadPage(msg.url);
        break;
      case 'rendered':
        this.pageReloads = 0;
        this.renderedText = msg.text;
        this.renderedHistory = [...this.renderedHistory.slice(-9), msg.text];
        this.waiters = this.waiters.filter(w => !w(msg.text));
        break;
      case 'reanalyze':
        void this.run({ force: true });
        break;
      case 'copyMarkdown':
        if (this.report) {
          void vscode.env.clipboard.writeText(renderMarkdown(this.report)).then(() =>
            vscode.window.setStatusBarMessage('$(check) Embedding report copied as Markdown', 3000));
        }
        break;
      case 'selectArray':
        if (this.subject.kind === 'report' && this.report?.arrays.some(a => a.name === msg.name && a.analysable)) {
          this.subject = { ...this.subject, arrayName: msg.name };
          if (!this.inCustomEditor) this.panel.title = subjectTitle(this.subject);
          void this.run({});
        }
        break;
      case 'exportReport':
        if (this.report) void saveReportAs(this.report, msg.format);
        break;
      case 'openShard':
        // only a shard this report lists (and could read) opens: the page cannot name any file
        if (this.report?.shards?.some(s => s.file === msg.file && !s.error)) void this.owner.show({ kind: 'report', fsPath: msg.file });
        break;
      case 'openRow':
        void this.openRow(msg.row);
        break;
      case 'startUmap':
        void this.runUmap();
        break;
      case 'cancelUmap':
        this.umapCancel?.cancel();
        break;
      case 'exportPlot': {
        const base = this.subject.kind === 'compare' ? this.subject.left : this.subject.fsPath;
        void savePlot(base, msg.plot, msg.format, msg.data);
        break;
      }
      case 'exportCsv': {
        const base = this.subject.kind === 'compare' ? this.subject.left : this.subject.fsPath;
        void savePlot(base, msg.plot, 'csv', msg.data);
        break;
      }
    }
  }

  async run(opts: { force?: boolean; quiet?: boolean }): Promise<void> {
    this.cancel?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.cancel = cts;
    const files = this.files();
    if (opts.force) for (const f of files) this.owner.service.invalidate(f);
    const settings = readSettings(vscode.Uri.file(files[0]));
    const base = analysisOptions(settings);
    this.renderedText = undefined;
    this.renderedHistory = [];
    const label = files.map(f => path.basename(f)).join(' and ');
    if (this.subject.kind !== 'dataset') void this.findSources();
    this.post({ type: 'progress', file: files[0], fraction: 0, message: 'Starting analysis' });

    const work = async (progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken) => {
      token?.onCancellationRequested(() => cts.cancel());
      const reports: AnalysisReport[] = [];
      if (this.subject.kind === 'dataset') {
        let reported = 0;
        reports.push(await this.owner.service.run(datasetTask(this.subject.fsPath, settings, this.owner.datasetCacheDir), {
          token: cts.token,
          onProgress: (fraction, message) => {
            this.post({ type: 'progress', file: files[0], fraction, message });
            progress?.report({ message, increment: Math.max(0, 100 * fraction - reported) });
            reported = Math.max(reported, 100 * fraction);
          },
        }));
        return reports;
      }
      for (const [i, file] of files.entries()) {
        let reported = 0;
        const options = this.subject.kind === 'report' && this.subject.arrayName ? { ...base, arrayName: this.subject.arrayName } : base;
        // a single dump's panel shows a quick sampled report at once (labelled as such), then the exact one
        const quick = this.subject.kind === 'report';
        reports.push(await this.owner.service.analyze(file, quick ? { ...options, quickFirstPass: true } : options, {
          token: cts.token,
          onPartial: quick ? (r) => { if (this.cancel === cts) this.post({ type: 'report', report: r }); } : undefined,
          onProgress: (fraction, message) => {
            const overall = (i + fraction) / files.length;
            const text = files.length > 1 ? `${path.basename(file)}: ${message}` : message;
            this.post({ type: 'progress', file: files[0], fraction: overall, message: text });
            progress?.report({ message: text, increment: Math.max(0, 100 * overall - reported) });
            reported = Math.max(reported, 100 * overall);
          },
        }));
      }
      return reports;
    };
    try {
      const reports = opts.quiet
        ? await work()
        : await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Analyzing ${label}`, cancellable: true },
          (progress, token) => work(progress, token));
      if (this.cancel !== cts) return;
      if (this.subject.kind === 'dataset') {
        this.report = reports[0];
        void this.findSources(reports[0]);
        this.post({ type: 'report', report: reports[0] });
        void this.sendRowMetadata(reports[0], cts);
      } else if (this.subject.kind === 'report') {
        this.report = reports[0];
        this.post({ type: 'report', report: reports[0] });
        void this.sendRowMetadata(reports[0], cts);
        const subject = this.subject;
        const settings2 = readSettings(vscode.Uri.file(subject.fsPath));
        const information = subject.information ?? (await informationWanted(subject.fsPath, settings2) ? {} : undefined);
        if (information) {
          await this.runSection('information', informationTask(subject.fsPath, settings2, information, subject.arrayName),
            `Rate and capacity of ${path.basename(subject.fsPath)}`, cts, opts.quiet || subject.information === undefined);
        }
        if (subject.regime) {
          await this.runSection('regime', {
            type: 'regime', path: subject.fsPath, config: subject.regime.config,
            load: { maxRows: subject.regime.maxRows, seed: settings2.seed, arrayName: subject.arrayName },
          }, `Autoencoder regime of ${path.basename(subject.fsPath)}`, cts, opts.quiet ?? false);
        }
      } else {
        // the comparison is shown at once; the covariance distance, which reads both dumps again, follows
        this.post({ type: 'compare', comparison: compareReports(reports[0], reports[1]) });
        await this.runSection('covarianceDistance', {
          type: 'covarianceDistance', path: files[0], otherPath: files[1], options: { maxRows: settings.maxRows, seed: settings.seed },
        }, `Covariance distance of ${label}`, cts, opts.quiet ?? false);
      }
    } catch (e) {
      if (this.cancel !== cts) return; // superseded by a newer run
      const { code, message } = asAnalysisError(e, `The analysis of ${files[0]}`);
      // a headerless raw file: ask its dtype and dimension (or again, when the remembered ones do not fit), then read it
      if (this.subject.kind === 'report' && (code === 'raw-needs-shape' || (code === 'raw-size-mismatch' && this.owner.rawShapes?.get(files[0])))) {
        const why = code === 'raw-needs-shape' ? 'The file has no header saying its layout.' : 'The dtype and dimension given do not fit the file\'s size.';
        if (await this.owner.rawShapes?.ask(files[0], why)) { void this.run({ force: true }); return; }
      }
      this.post({
        type: 'error', file: files[0], code,
        message: code === 'cancelled' ? 'Analysis cancelled. Use Re-analyse to start again.' : message,
      });
    }
  }

  /** The row view of one row of the report shown (the worker keeps the dump open: the next row is quick). */
  private async openRow(row: number): Promise<void> {
    const report = this.report;
    if (!report || this.subject.kind === 'compare') return;
    try {
      const settings = readSettings(vscode.Uri.file(this.subject.fsPath));
      const arrayName = this.subject.kind === 'report' ? this.subject.arrayName : undefined;
      const view = await this.owner.service.run(rowViewTask(report, this.subject.fsPath, row, settings, arrayName, this.subject.kind === 'dataset'));
      if (this.report === report) this.send({ type: 'rowView', view });
    } catch (e) {
      const { code, message } = asAnalysisError(e, `The row view of row ${row}`);
      if (this.report === report) this.send({ type: 'rowViewError', row, code, message });
    }
  }

  /**
   * The non-linear view (UMAP) of the report's projection, on request: in the worker (the host is
   * never blocked), its progress and errors inside the projection section, cancelled by its Cancel,
   * by a new report or by closing the panel.
   */
  private async runUmap(): Promise<void> {
    const report = this.report;
    if (!report || this.subject.kind === 'compare') return;
    this.umapCancel?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.umapCancel = cts;
    const current = () => this.umapCancel === cts && this.report === report;
    try {
      const settings = readSettings(vscode.Uri.file(this.subject.fsPath));
      const arrayName = this.subject.kind === 'report' ? this.subject.arrayName : undefined;
      const task = umapTask(report, this.subject.fsPath, settings, arrayName, this.subject.kind === 'dataset');
      this.post({ type: 'umapProgress', fraction: 0, message: 'Starting' });
      const layout = await this.owner.service.run(task, {
        token: cts.token,
        onProgress: (fraction, message) => { if (current()) this.post({ type: 'umapProgress', fraction, message }); },
      });
      if (current()) this.post({ type: 'umap', layout });
    } catch (e) {
      if (!current()) return;
      const { code, message } = asAnalysisError(e, 'The UMAP layout');
      this.post({ type: 'umapError', code, message: code === 'cancelled' ? 'Cancelled.' : message });
    }
  }

  /**
   * The labels and texts of the rows the panel shows (projection sample, findings' rows), after the
   * report; a dump without metadata sends nothing, and a failure only goes to the log.
   */
  private async sendRowMetadata(report: AnalysisReport, cts: vscode.CancellationTokenSource): Promise<void> {
    if (this.subject.kind === 'compare') return;
    const arrayName = this.subject.kind === 'report' ? this.subject.arrayName : undefined;
    const task = rowMetadataTask(report, this.subject.fsPath, arrayName, this.subject.kind === 'dataset');
    if (!task) return;
    try {
      const metadata = await this.owner.service.run(task, { token: cts.token });
      if (metadata && this.cancel === cts) {
        this.lastRowMetadata = { type: 'rowMetadata', metadata: forPanel(metadata) };
        this.send(this.lastRowMetadata);
      }
    } catch (e) {
      this.owner.log(`row metadata of ${this.subject.fsPath} not read: ${asAnalysisError(e, 'Reading the row metadata').message}`);
    }
  }

  /**
   * A section computed after the report or comparison (regime, information, covariance distance),
   * so the view is never held up by it; its progress and errors stay inside the section.
   */
  private async runSection(section: 'regime' | 'information' | 'covarianceDistance', task: WorkerTask, title: string, cts: vscode.CancellationTokenSource, quiet: boolean): Promise<void> {
    const post = (m: HostToWebview) => this.post(m);
    const progressMsg = (fraction: number, message: string): HostToWebview =>
      section === 'regime' ? { type: 'regimeProgress', fraction, message }
        : section === 'information' ? { type: 'informationProgress', fraction, message }
          : { type: 'covarianceDistanceProgress', fraction, message };
    const work = (progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken) => {
      token?.onCancellationRequested(() => cts.cancel());
      let reported = 0;
      return this.owner.service.run(task, {
        token: cts.token,
        onProgress: (fraction, message) => {
          post(progressMsg(fraction, message));
          progress?.report({ message, increment: Math.max(0, 100 * fraction - reported) });
          reported = Math.max(reported, 100 * fraction);
        },
      });
    };
    try {
      post(progressMsg(0, 'Starting'));
      const result = quiet ? await work() : await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => work(progress, token));
      if (this.cancel !== cts) return;
      post(section === 'regime' ? { type: 'regime', result: result as RegimeResult }
        : section === 'information' ? { type: 'information', report: result as InformationReport }
          : { type: 'covarianceDistance', result: result as CovarianceDistanceResult });
    } catch (e) {
      if (this.cancel !== cts) return;
      const failure = asAnalysisError(e, `The ${section} analysis`);
      const code = failure.code;
      const message = code === 'cancelled' ? 'Cancelled.' : failure.message;
      post(section === 'regime' ? { type: 'regimeError', code, message }
        : section === 'information' ? { type: 'informationError', code, message }
          : { type: 'covarianceDistanceError', code, message });
    }
  }
}
