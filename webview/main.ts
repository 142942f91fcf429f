/**
 * The report panel's page. It talks to the extension host only through the typed
 * messages of src/shared/protocol.ts, renders with lit (all file-derived text goes
 * through lit's text bindings, never as HTML) and keeps the last report in the
 * webview state so it survives the panel being hidden.
 */
import './components';
import { html, nothing, render, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { HostToWebview } from '../src/shared/protocol';
import { errorView, type ErrorState } from './errorView';
import { findingsSection } from './findingsSection';
import { headerBar } from './headerBar';
import { healthSection } from './healthSection';
import type { PageActions } from './layout';
import { isHostToWebview, readPersistedState, type PersistedState } from './messages';
import { overviewSection } from './overviewSection';
import { progressBanner, progressView, type ProgressState } from './progressView';
import { defaultLogX, spectrumSection } from './spectrumSection';
import { post, vscodeApi } from './vscodeApi';

type View =
  | { kind: 'waiting' }
  | { kind: 'progress'; progress: ProgressState }
  | { kind: 'report'; report: AnalysisReport }
  | { kind: 'error'; error: ErrorState };

interface PageState {
  view: View;
  /** Progress of a re-analysis while the previous report stays on screen. */
  banner: ProgressState | null;
  /** The user's axis choice; null until they pick one. */
  logX: boolean | null;
  plotWidth: number;
  hoverIndex: number | null;
}

const root = document.getElementById('app') ?? document.body;
// lit renders into the container; drop the shell's "Loading" placeholder first.
root.replaceChildren();
const state: PageState = { view: { kind: 'waiting' }, banner: null, logX: null, plotWidth: 640, hoverIndex: null };

const actions: PageActions = {
  reanalyze: () => post({ type: 'reanalyze' }),
  copyMarkdown: () => post({ type: 'copyMarkdown' }),
  setLogX: logX => {
    state.logX = logX;
    state.hoverIndex = null;
    persist();
    update();
  },
  setHover: index => {
    if (state.hoverIndex === index) return;
    state.hoverIndex = index;
    scheduleUpdate();
  },
};

function reportPage(r: AnalysisReport): TemplateResult {
  const logX = state.logX ?? defaultLogX(r.eigenvalues.length);
  return html`${headerBar(r, actions)}
    ${state.banner ? progressBanner(state.banner) : nothing}
    <main class="report" aria-label=${`Embedding report for ${r.file}`}>
      <div class="columns">
        ${overviewSection(r)}
        ${healthSection(r)}
      </div>
      ${spectrumSection(r, { width: state.plotWidth, logX, hoverIndex: state.hoverIndex }, actions)}
      ${findingsSection(r.findings)}
    </main>`;
}

function page(): TemplateResult {
  const v = state.view;
  switch (v.kind) {
    case 'waiting': return html`<div class="state-view" role="status"><vscode-progress-ring></vscode-progress-ring><p class="muted">Waiting for the analysis\u2026</p></div>`;
    case 'progress': return progressView(v.progress);
    case 'error': return errorView(v.error, actions);
    case 'report': return reportPage(v.report);
  }
}

/** Width available to the plot: its figure's content box, within sensible bounds. */
function measurePlotWidth(): number | undefined {
  const fig = document.getElementById('spectrum-figure');
  if (!fig) return undefined;
  const w = Math.floor(fig.clientWidth);
  return w > 0 ? Math.max(320, Math.min(w, 1400)) : undefined;
}

function update(): void {
  render(page(), root);
  // The plot is drawn at its real pixel size (crisp text); fit it once the layout is known.
  const w = measurePlotWidth();
  if (w !== undefined && Math.abs(w - state.plotWidth) >= 1) {
    state.plotWidth = w;
    render(page(), root);
  }
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
  const w = measurePlotWidth();
  if (w !== undefined && Math.abs(w - state.plotWidth) >= 1) scheduleUpdate();
}).observe(root);

function persist(): void {
  const v = state.view;
  let view: PersistedState['view'] | undefined;
  if (v.kind === 'report') view = { kind: 'report', report: v.report };
  else if (v.kind === 'error') view = { kind: 'error', ...v.error };
  if (view) vscodeApi().setState({ v: 1, view, logX: state.logX ?? undefined });
}

function announceRendered(report: AnalysisReport): void {
  post({ type: 'rendered', file: report.file, text: document.body.innerText });
}

function showReport(report: AnalysisReport): void {
  state.view = { kind: 'report', report };
  state.banner = null;
  state.hoverIndex = null;
  update();
  announceRendered(report);
}

function handle(m: HostToWebview): void {
  switch (m.type) {
    case 'report':
      showReport(m.report);
      persist();
      break;
    case 'progress': {
      const progress = { file: m.file, fraction: m.fraction, message: m.message };
      if (state.view.kind === 'report' && state.view.report.file === m.file) state.banner = progress;
      else state.view = { kind: 'progress', progress };
      update();
      break;
    }
    case 'error':
      state.view = { kind: 'error', error: { file: m.file, code: m.code, message: m.message } };
      state.banner = null;
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
  if (saved.view.kind === 'report') showReport(saved.view.report);
  else {
    state.view = { kind: 'error', error: { file: saved.view.file, code: saved.view.code, message: saved.view.message } };
    update();
  }
} else {
  update();
}
