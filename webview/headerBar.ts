/** The page header: file name, path, a findings summary like the status bar's, and the actions. */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { baseName, formatBytes, formatCount, formatDuration, summariseSeverities } from './format';
import type { PageActions } from './layout';

export function actionButtons(actions: PageActions): TemplateResult {
  return html`<div class="actions">
    <vscode-button secondary icon="copy" id="copy-markdown" title="Copy the report as Markdown to the clipboard"
      @click=${() => actions.copyMarkdown()}>Copy as Markdown</vscode-button>
    <vscode-button icon="refresh" id="reanalyze" title="Analyse the file again, bypassing the cache"
      @click=${() => actions.reanalyze()}>Re-analyse</vscode-button>
  </div>`;
}

function severityCount(icon: string, cls: string, n: number, label: string): TemplateResult {
  return html`<span class=${`count ${cls}${n === 0 ? ' zero' : ''}`}><vscode-icon name=${icon}></vscode-icon>${formatCount(n)} <span class="sr-only">${n === 1 ? label : `${label}s`}</span></span>`;
}

export function headerBar(report: AnalysisReport, actions: PageActions): TemplateResult {
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
    </div>
    ${actionButtons(actions)}
  </header>`;
}
