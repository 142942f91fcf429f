/** Progress: a full view while nothing is shown yet, or a thin banner above a report being refreshed. */
import { html, type TemplateResult } from 'lit';
import { baseName, formatPercent } from './format';

export interface ProgressState { file: string; fraction: number; message: string }

const determinate = (f: number) => Number.isFinite(f) && f >= 0 && f <= 1;

function bar(p: ProgressState): TemplateResult {
  return determinate(p.fraction)
    ? html`<vscode-progress-bar .value=${Math.round(p.fraction * 1000) / 10} max="100" aria-label="Analysis progress"></vscode-progress-bar>`
    : html`<vscode-progress-bar indeterminate aria-label="Analysis progress"></vscode-progress-bar>`;
}

export function progressView(p: ProgressState): TemplateResult {
  return html`<div class="state-view progress-view" id="progress" role="status" aria-live="polite">
    <vscode-progress-ring aria-label="Analysing"></vscode-progress-ring>
    <div class="state-body">
      <h2>Analysing <span class="file-name">${baseName(p.file)}</span>\u2026</h2>
      <p class="muted path" title=${p.file}>${p.file}</p>
      ${bar(p)}
      <p class="progress-message"><span>${p.message}</span>${determinate(p.fraction) ? html` <span class="muted">(${formatPercent(p.fraction)})</span>` : ''}</p>
    </div>
  </div>`;
}

export function progressBanner(p: ProgressState): TemplateResult {
  return html`<div class="progress-banner" id="progress" role="status" aria-live="polite">
    ${bar(p)}
    <p class="muted">Re-analysing: <span>${p.message}</span>${determinate(p.fraction) ? ` (${formatPercent(p.fraction)})` : ''}</p>
  </div>`;
}
