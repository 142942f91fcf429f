/** The page header: file name, path, a findings summary like the status bar's, the array picker and the actions. */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { arrayChoices, baseName, formatBytes, formatCount, formatDuration, summariseSeverities } from './format';
import type { PageActions } from './layout';

export function actionButtons(actions: PageActions, opts: { exports: boolean } = { exports: true }): TemplateResult {
  return html`<div class="actions" role="group" aria-label="Report actions">
    ${opts.exports ? html`
      <vscode-button secondary icon="markdown" id="export-markdown" title="Save the report as a Markdown file"
        @click=${() => actions.exportReport('markdown')}>Export Markdown</vscode-button>
      <vscode-button secondary icon="json" id="export-json" title="Save the report as JSON (the CLI's --json format)"
        @click=${() => actions.exportReport('json')}>Export JSON</vscode-button>
      <vscode-button secondary icon="copy" id="copy-markdown" title="Copy the report as Markdown to the clipboard"
        @click=${() => actions.copyMarkdown()}>Copy as Markdown</vscode-button>` : nothing}
    <vscode-button icon="refresh" id="reanalyze" title="Analyse again, bypassing the cache"
      @click=${() => actions.reanalyze()}>Re-analyse</vscode-button>
  </div>`;
}

function severityCount(icon: string, cls: string, n: number, label: string): TemplateResult {
  return html`<span class=${`count ${cls}${n === 0 ? ' zero' : ''}`}><vscode-icon name=${icon}></vscode-icon>${formatCount(n)} <span class="sr-only">${n === 1 ? label : `${label}s`}</span></span>`;
}

/**
 * The array picker of a container with more than one array; nothing otherwise. `pending`
 * is the array the user just chose, shown until the host sends its report.
 */
export function arrayPicker(report: AnalysisReport, actions: PageActions, pending: string | null = null): TemplateResult | typeof nothing {
  if (report.arrays.length <= 1) return nothing;
  const choices = arrayChoices(report.arrays, report.array.name);
  const analysable = choices.filter(c => !c.disabled).length;
  const onChange = (e: Event) => {
    const value = (e.target as HTMLSelectElement).value;
    if (value && value !== (pending ?? report.array.name)) actions.selectArray(value);
  };
  const shown = pending ?? report.array.name;
  return html`<div class="array-picker-row">
    <label class="array-picker-label" for="array-picker">Array</label>
    <vscode-single-select id="array-picker" class="array-picker" aria-label="Array to analyse" .value=${live(shown)} @change=${onChange}>
      ${choices.map(c => html`<vscode-option value=${c.value} description=${c.description} ?selected=${c.selected} ?disabled=${c.disabled}>${c.label}</vscode-option>`)}
    </vscode-single-select>
    <span class="muted array-picker-note" role="status">${pending && pending !== report.array.name
      ? `Analysing ${pending}\u2026`
      : `${formatCount(analysable)} of ${formatCount(choices.length)} arrays can be analysed`}</span>
  </div>`;
}

export function headerBar(report: AnalysisReport, actions: PageActions, pendingArray: string | null = null): TemplateResult {
  const f = report.findings;
  const count = (s: string) => f.filter(x => x.severity === s).length;
  return html`<header class="page-header">
    <div class="title-block">
      <h1 class="page-title"><vscode-icon name="graph" class="title-icon"></vscode-icon><span id="report-title">${baseName(report.file)}</span></h1>
      <div class="page-subtitle">
        <span class="path" title=${report.file}>${report.file}</span>
      </div>
      <div class="chips">
        <a class="findings-summary" href="#findings-section" title=${summariseSeverities(f)} aria-label=${`Findings: ${summariseSeverities(f)}`}>
          ${severityCount('error', 'sev-error', count('error'), 'error')}
          ${severityCount('warning', 'sev-warning', count('warning'), 'warning')}
          ${severityCount('info', 'sev-info', count('information'), 'note')}
        </a>
        <vscode-badge>${report.format}</vscode-badge>
        <span class="muted">${formatBytes(report.fileSize)}</span>
        ${report.sampling.sampled
          ? html`<vscode-badge variant="counter" title=${`Uniform random sample without replacement, seed ${report.sampling.seed}`}>sampled ${formatCount(report.rowsUsed)} of ${formatCount(report.rowsTotal)} rows</vscode-badge>`
          : nothing}
        <span class="muted">analysed in ${formatDuration(report.timings.totalMs)}</span>
      </div>
      ${arrayPicker(report, actions, pendingArray)}
    </div>
    ${actionButtons(actions)}
  </header>`;
}
