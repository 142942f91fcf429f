/** Findings: what is wrong and what to do, most severe first, with the codicon of its severity. */
import { html, nothing, type TemplateResult } from 'lit';
import type { Finding } from '../src/core/report/analysisReport';
import { findingRows, sortBySeverity, summariseSeverities } from './format';
import { section } from './layout';
import { rowButton, type RowViewActions } from './rowViewSection';
import type { RowLabels } from './rowViewModel';

/** What the finding rows need to be buttons opening the row view (absent: plain text, as in exports). */
export interface FindingRowLinks { labels: RowLabels; actions: RowViewActions }

const SEVERITY: Record<string, { icon: string; cls: string; label: string }> = {
  error: { icon: 'error', cls: 'sev-error', label: 'Error' },
  warning: { icon: 'warning', cls: 'sev-warning', label: 'Warning' },
  information: { icon: 'info', cls: 'sev-info', label: 'Info' },
};

function rowsList(f: Finding, links?: FindingRowLinks): TemplateResult | typeof nothing {
  const rows = findingRows(f);
  if (!rows) return nothing;
  return html`<details class="finding-rows"><summary>${rows.summary}</summary>
    <ul class="finding-row-list">${rows.items.map((t, i) => html`<li>${links ? rowButton(f.rows![i], links.labels, links.actions, t) : html`<code>${t}</code>`}</li>`)}</ul></details>`;
}

export function findingItem(f: Finding, links?: FindingRowLinks): TemplateResult {
  const s = SEVERITY[f.severity] ?? SEVERITY.information;
  return html`<li class=${`finding finding-${f.severity}`} data-code=${f.code}>
    <vscode-icon name=${s.icon} class=${`finding-icon ${s.cls}`} label=${s.label}></vscode-icon>
    <div class="finding-body">
      <div class="finding-head"><code class="finding-code">${f.code}</code><span class="finding-severity">${s.label}</span></div>
      <p class="finding-message">${f.message}</p>
      ${rowsList(f, links)}
    </div>
  </li>`;
}

export function findingsSection(findings: readonly Finding[], links?: FindingRowLinks): TemplateResult {
  const body = html`<div id="findings" class="findings">
    ${findings.length === 0
      ? html`<p class="no-findings"><vscode-icon name="pass" class="status-ok"></vscode-icon><span>No findings</span></p>`
      : html`<ul class="finding-list">${sortBySeverity(findings).map(f => findingItem(f, links))}</ul>`}
  </div>`;
  return section('findings', 'Findings', body,
    findings.length ? html`<span class="muted">${summariseSeverities(findings)}</span>` : undefined);
}
