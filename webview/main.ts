/**
 * The report panel's page. It talks to the extension host only through the typed
 * messages of src/shared/protocol.ts, renders with lit (all file-derived text goes
 * through lit's text bindings, never as HTML) and keeps the last report or comparison
 * in the webview state so it survives the panel being hidden.
 */
import './components';
import { html, nothing, render, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { DumpComparison } from '../src/core/analysis/compareReports';
import type { HostToWebview } from '../src/shared/protocol';
import { compareBody, compareHeader } from './compareView';
import type { CovarianceView } from './compareModel';
import { errorView } from './errorView';
import { findingsSection } from './findingsSection';
import { headerBar } from './headerBar';
import { datasetSection, type DatasetActions } from './datasetSection';
import { healthSection } from './healthSection';
import type { PageActions } from './layout';
import { isHostToWebview, readPersistedState, regimeMatchesReport } from './messages';
import { FIGURES, initialPageState, persistedState, type FigureId, type PageState } from './pageState';
import { overviewSection } from './overviewSection';
import { exportPlotData, plotPngDataUrl, plotSvgText, type PlotFormat, type PlotName } from './plotExport';
import { progressBanner, progressView } from './progressView';
import { regimeSection, type RegimeActions, type RegimeView } from './regimeSection';
import { informationForReport, type InformationView } from './informationModel';
import { informationSection, type InformationActions } from './informationSection';
import { defaultLogX, spectrumSection } from './spectrumSection';
import { projectionSection, reportProjection } from './projectionSection';
import { ProjectionView } from './projectionView';
import { UMAP_OFF, umapAfter } from './projectionUmap';
import { post, vscodeApi } from './vscodeApi';
import { rowViewSection, type RowViewActions } from './rowViewSection';
import { rowLabels } from './rowViewModel';

const root = document.getElementById('app') ?? document.body;
// lit renders into the container; drop the shell's "Loading" placeholder first.
root.replaceChildren();
const state: PageState = initialPageState();

const rowViewActions: RowViewActions = {
  openRow: row => {
    state.rowView = { kind: 'loading', row };
    update();
    post({ type: 'openRow', row });
    document.getElementById('row-view-section')?.scrollIntoView({ block: 'nearest' });
  },
  closeRow: () => { state.rowView = null; update(); },
};

const actions: PageActions = {
  reanalyze: () => post({ type: 'reanalyze' }),
  copyMarkdown: () => post({ type: 'copyMarkdown' }),
  exportReport: format => post({ type: 'exportReport', format }),
  exportPlot: (plot, format) => void exportPlot(plot, format),
  selectArray: name => {
    state.pendingArray = name;
    post({ type: 'selectArray', name });
    update();
  },
  setLogX: logX => {
    state.logX = logX;
    state.hover = null;
    persist();
    update();
  },
  setHover: (plot, index) => {
    const cur = state.hover;
    if (index === null ? (cur === null || cur.plot !== plot) : (cur !== null && cur.plot === plot && cur.index === index)) return;
    state.hover = index === null ? null : { plot, index };
    scheduleUpdate();
  },
};

/** The projection scatter draws itself (canvas, pan, zoom) into the container its section leaves empty. */
const projectionView = new ProjectionView({
  openRow: row => post({ type: 'openRow', row }),
  startUmap: () => {
    state.umap = umapAfter(state.umap, { type: 'start' });
    post({ type: 'startUmap' });
    update();
  },
  cancelUmap: () => post({ type: 'cancelUmap' }),
  showUmap: view => {
    state.umap = umapAfter(state.umap, { type: 'show', view });
    update();
  },
  exportPlot: (format, data) => {
    state.exportError = null;
    post({ type: 'exportPlot', plot: 'projection', format, data });
  },
  exportCsv: data => {
    state.exportError = null;
    post({ type: 'exportCsv', plot: 'projection', data });
  },
  exportFailed: message => {
    state.exportError = message;
    update();
  },
});

const datasetActions: DatasetActions = {
  openShard: file => post({ type: 'openShard', file }),
};

const regimeActions: RegimeActions = {
  exportPlot: format => void exportRegimePlot(format),
  setHover: index => {
    if (index === state.regimeHover) return;
    state.regimeHover = index;
    scheduleUpdate();
  },
  setPrismCursor: position => {
    if (position === state.prismCursor) return;
    state.prismCursor = position;
    scheduleUpdate();
  },
};

const informationActions: InformationActions = {
  exportPlot: format => void exportSectionPlot('rd-plot', 'rate-distortion', format),
  setHover: index => {
    if (index === state.informationHover) return;
    state.informationHover = index;
    scheduleUpdate();
  },
};

/** The regime loss plot is saved like the other plots, under the name 'regime-loss'. */
function exportRegimePlot(format: PlotFormat): Promise<void> {
  return exportSectionPlot('regime-loss-plot', 'regime-loss', format);
}

/** A section's plot (by its svg element id) saved under `plot`. */
async function exportSectionPlot(elementId: string, plot: string, format: PlotFormat): Promise<void> {
  const el = document.getElementById(elementId);
  if (!(el instanceof SVGSVGElement)) return;
  try {
    const data = format === 'svg' ? plotSvgText(el) : await plotPngDataUrl(el);
    state.exportError = null;
    post({ type: 'exportPlot', plot, format, data });
  } catch (e) {
    state.exportError = `Could not save the plot as ${format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`;
    update();
  }
}

async function exportPlot(plot: PlotName, format: PlotFormat): Promise<void> {
  try {
    const data = await exportPlotData(plot, format);
    if (data === undefined) return;
    state.exportError = null;
    post({ type: 'exportPlot', plot, format, data });
  } catch (e) {
    state.exportError = `Could not save the plot as ${format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`;
    update();
  }
}

function exportErrorBanner(): TemplateResult | typeof nothing {
  if (!state.exportError) return nothing;
  return html`<p class="export-error" role="alert"><vscode-icon name="error" class="sev-error"></vscode-icon>${state.exportError}</p>`;
}

function reportPage(r: AnalysisReport): TemplateResult {
  const logX = state.logX ?? defaultLogX(r.eigenvalues.length);
  return html`${headerBar(r, actions, state.pendingArray)}
    ${state.banner ? progressBanner(state.banner) : nothing}
    ${exportErrorBanner()}
    <main class="report" aria-label=${`Embedding report for ${r.file}`}>
      ${datasetSection(r, datasetActions)}
      <div class="columns">
        ${overviewSection(r)}
        ${healthSection(r, { width: state.widths['row-norm-figure'], hover: state.hover }, actions)}
      </div>
      ${spectrumSection(r, { width: state.widths['spectrum-figure'], logX, hover: state.hover }, actions)}
      ${projectionSection(r)}
      ${state.information ? informationSection(state.information, { width: state.widths['rd-figure'], hoverIndex: state.informationHover }, informationActions) : nothing}
      ${state.regime ? regimeSection(state.regime, { width: state.widths['regime-loss-figure'], hoverIndex: state.regimeHover, prismCursor: state.prismCursor }, regimeActions) : nothing}
      ${rowViewSection(state.rowView, rowViewActions)}
      ${findingsSection(r.findings, { labels: state.rowLabels, actions: rowViewActions })}
    </main>`;
}

function comparePage(c: DumpComparison): TemplateResult {
  const logX = state.logX ?? defaultLogX(Math.max(c.left.eigenvalues.length, c.right.eigenvalues.length));
  return html`${compareHeader(c, actions)}
    ${state.banner ? progressBanner(state.banner) : nothing}
    ${exportErrorBanner()}
    ${compareBody(c, { width: state.widths['compare-spectrum-figure'], logX, hover: state.hover, covariance: state.covariance }, actions)}`;
}

function page(): TemplateResult {
  const v = state.view;
  switch (v.kind) {
    case 'waiting': return html`<div class="state-view" role="status"><vscode-progress-ring></vscode-progress-ring><p class="muted">Waiting for the analysis\u2026</p></div>`;
    case 'progress': return progressView(v.progress);
    case 'error': return errorView(v.error, actions);
    case 'report': return reportPage(v.report);
    case 'compare': return comparePage(v.comparison);
  }
}

/** Width available to a plot: its figure's content box, within sensible bounds. */
function measure(id: FigureId): number | undefined {
  const fig = document.getElementById(id);
  if (!fig) return undefined;
  const w = Math.floor(fig.clientWidth);
  return w > 0 ? Math.max(280, Math.min(w, 1400)) : undefined;
}

/** Updates the stored widths from the layout; true when one changed. */
function remeasure(): boolean {
  let changed = false;
  for (const id of FIGURES) {
    const w = measure(id);
    if (w !== undefined && Math.abs(w - state.widths[id]) >= 1) {
      state.widths[id] = w;
      changed = true;
    }
  }
  return changed;
}

function update(): void {
  render(page(), root);
  // Plots are drawn at their real pixel size (crisp text); fit them once the layout is known.
  if (remeasure()) render(page(), root);
  const v = state.view;
  projectionView.sync(document.getElementById('projection-view'), v.kind === 'report' ? reportProjection(v.report) : null, state.rowMetadata, state.umap);
}

let frame = 0;
function scheduleUpdate(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    update();
  });
}

new ResizeObserver(() => {
  const changed = FIGURES.some(id => {
    const w = measure(id);
    return w !== undefined && Math.abs(w - state.widths[id]) >= 1;
  });
  if (changed) scheduleUpdate();
}).observe(root);

function persist(): void {
  const saved = persistedState(state);
  if (saved) vscodeApi().setState(saved);
}

function announceRendered(file: string): void {
  post({ type: 'rendered', file, text: document.body.innerText });
}

function show(view: { kind: 'report'; report: AnalysisReport } | { kind: 'compare'; comparison: DumpComparison }): void {
  state.view = view;
  state.banner = null;
  state.hover = null;
  state.exportError = null;
  state.pendingArray = null;
  update();
  announceRendered(view.kind === 'report' ? view.report.file : view.comparison.left.file);
}

/** The file(s) the current view shows, to decide whether progress is a refresh of it. */
function shownFiles(): string[] {
  const v = state.view;
  if (v.kind === 'report') return [v.report.file];
  if (v.kind === 'compare') return [v.comparison.left.file, v.comparison.right.file];
  return [];
}

/**
 * A new report keeps a finished regime of the same file and array (marked as from an earlier run
 * until a regime message replaces it) and drops anything else: a regime of another array, or a
 * progress bar or error of a run the new report superseded.
 */
function regimeForReport(report: AnalysisReport): RegimeView | null {
  const g = state.regime;
  if (g?.kind === 'result' && regimeMatchesReport(g.result.source, report)) return { ...g, stale: true };
  return null;
}

/** The section changed: draw it, save it, and tell the host what the page now shows. */
function showRegime(regime: RegimeView, announce: boolean): void {
  state.regime = regime;
  state.regimeHover = null;
  state.prismCursor = null;
  update();
  persist();
  if (announce) {
    const v = state.view;
    const file = v.kind === 'report' ? v.report.file : regime.kind === 'result' ? regime.result.source.file : undefined;
    if (file !== undefined) announceRendered(file);
  }
}

/** The information section changed: draw it, save it, and tell the host what the page now shows. */
function showInformation(information: InformationView, announce: boolean): void {
  state.information = information;
  state.informationHover = null;
  update();
  persist();
  if (announce) {
    const v = state.view;
    const file = v.kind === 'report' ? v.report.file : information.kind === 'result' ? information.file : undefined;
    if (file !== undefined) announceRendered(file);
  }
}

/** The covariance distance changed: draw it, save it, and (when final) tell the host what the page now shows. */
function showCovariance(covariance: CovarianceView, announce: boolean): void {
  const v = state.view;
  if (v.kind !== 'compare') return; // it belongs to a comparison that is no longer shown
  state.covariance = covariance;
  update();
  persist();
  if (announce) announceRendered(v.comparison.left.file);
}

/** The file and array the information that just arrived belongs to: the report shown. */
function shownArray(): { file: string; arrayName: string } {
  const v = state.view;
  if (v.kind === 'report') return { file: v.report.file, arrayName: v.report.array.name };
  return { file: '', arrayName: '' };
}

function handle(m: HostToWebview): void {
  switch (m.type) {
    case 'rowView':
      // only the row last asked for (a late answer for another row is dropped)
      if (state.rowView?.kind === 'loading' && state.rowView.row !== m.view.row) break;
      state.rowView = { kind: 'result', view: m.view };
      update();
      break;
    case 'rowViewError':
      if (state.rowView?.kind === 'loading' && state.rowView.row !== m.row) break;
      state.rowView = { kind: 'error', row: m.row, code: m.code, message: m.message };
      update();
      break;
    case 'rowMetadata':
      if (state.view.kind !== 'report') break;
      state.rowMetadata = m.metadata;
      state.rowLabels = rowLabels(m.metadata);
      update();
      break;
    case 'umap':
    case 'umapProgress':
    case 'umapError':
      if (state.view.kind !== 'report') break;
      state.umap = umapAfter(state.umap, m);
      update();
      break;
    case 'report':
      // a new report has a new sample: its non-linear view is asked for again
      state.umap = UMAP_OFF;
      if (state.view.kind !== 'report' || state.view.report.file !== m.report.file) {
        state.rowView = null;
        state.rowMetadata = null;
        state.rowLabels = new Map();
      }
      state.regime = regimeForReport(m.report);
      state.regimeHover = null;
      state.information = informationForReport(state.information, m.report);
      state.informationHover = null;
      show({ kind: 'report', report: m.report });
      persist();
      break;
    case 'compare':
      state.regime = null;
      state.information = null;
      // the host computes the covariance distance next: the card says so until it arrives
      state.covariance = { kind: 'progress', fraction: 0, message: '' };
      show({ kind: 'compare', comparison: m.comparison });
      persist();
      break;
    case 'covarianceDistance':
      showCovariance({ kind: 'result', result: m.result }, true);
      break;
    case 'covarianceDistanceProgress':
      showCovariance({ kind: 'progress', fraction: m.fraction, message: m.message }, false);
      break;
    case 'covarianceDistanceError':
      showCovariance({ kind: 'error', code: m.code, message: m.message }, true);
      break;
    case 'regime':
      showRegime({ kind: 'result', result: m.result, stale: false }, true);
      break;
    case 'regimeProgress':
      showRegime({ kind: 'progress', fraction: m.fraction, message: m.message }, false);
      break;
    case 'regimeError':
      showRegime({ kind: 'error', code: m.code, message: m.message }, true);
      break;
    case 'information':
      showInformation({ kind: 'result', report: m.report, ...shownArray(), stale: false }, true);
      break;
    case 'informationProgress':
      showInformation({ kind: 'progress', fraction: m.fraction, message: m.message }, false);
      break;
    case 'informationError':
      showInformation({ kind: 'error', code: m.code, message: m.message }, true);
      break;
    case 'progress': {
      const progress = { file: m.file, fraction: m.fraction, message: m.message };
      if (shownFiles().includes(m.file)) state.banner = progress;
      else state.view = { kind: 'progress', progress };
      update();
      break;
    }
    case 'error':
      state.view = { kind: 'error', error: { file: m.file, code: m.code, message: m.message } };
      state.banner = null;
      state.pendingArray = null;
      persist();
      update();
      break;
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const m: unknown = event.data;
  if (isHostToWebview(m)) handle(m);
});

// Tell the host we are listening, then restore what was shown before the panel was hidden.
post({ type: 'ready' });
const saved = readPersistedState(vscodeApi().getState());
if (saved) {
  state.logX = saved.logX ?? null;
  if (saved.regime) state.regime = { kind: 'result', result: saved.regime.result, stale: saved.regime.stale };
  if (saved.information) state.information = { kind: 'result', ...saved.information };
  const v = saved.view;
  if (v.kind === 'report') show({ kind: 'report', report: v.report });
  else if (v.kind === 'compare') {
    state.covariance = v.covariance ? { kind: 'result', result: v.covariance } : null;
    show({ kind: 'compare', comparison: v.comparison });
  } else {
    state.view = { kind: 'error', error: { file: v.file, code: v.code, message: v.message } };
    update();
  }
} else {
  update();
}
