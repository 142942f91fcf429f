/** Overview: where the numbers come from (file, array, shape, rows, sampling, timing). */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { ArrayInfo } from '../src/core/formats/dumpFile';
import { formatBytes, formatCount, formatDuration, formatRowsUsed, formatShape, plural } from './format';
import { field, section } from './layout';

function arraysTable(arrays: readonly ArrayInfo[], current: string): TemplateResult {
  return html`<vscode-collapsible class="arrays" heading=${`Arrays in this file (${arrays.length})`} open>
    <table class="data-table" id="overview-arrays">
      <thead><tr><th scope="col">Name</th><th scope="col">Dtype</th><th scope="col" class="num">Shape</th><th scope="col">Status</th></tr></thead>
      <tbody>
        ${arrays.map(a => html`<tr class=${a.name === current ? 'current' : ''}>
          <td class="mono">${a.name}</td>
          <td class="mono">${a.dtype}</td>
          <td class="num">${formatShape(a.shape)}</td>
          <td>${a.name === current
            ? html`<vscode-badge variant="counter">analysed</vscode-badge>`
            : a.analysable ? html`<span class="muted">analysable</span>` : html`<span class="muted">${a.reason ?? 'not analysable'}</span>`}</td>
        </tr>`)}
      </tbody>
    </table>
  </vscode-collapsible>`;
}

export function overviewSection(r: AnalysisReport): TemplateResult {
  const shape = r.array.shape;
  const flattened = shape.length !== 2;
  const excluded = r.rowsUsed - r.rowsInStatistics;
  const body = html`<dl class="fields">
      ${field('File', r.file, 'overview-file', { title: r.file })}
      ${field('Format', html`${r.format} <span class="muted">(${formatBytes(r.fileSize)}, ${formatCount(r.fileSize)} bytes)</span>`, 'overview-format')}
      ${field('Array', r.array.name, 'overview-array', { mono: true })}
      ${field('Dtype', r.array.dtype, 'overview-dtype', { mono: true })}
      ${field('Shape', html`<span id="overview-shape" class="mono">${formatShape(shape)}</span>${flattened
        ? html` <span class="muted">(analysed as ${formatCount(r.rowsTotal)} rows \u00d7 ${formatCount(r.dim)} dims)</span>` : nothing}`)}
      ${field('Rows used / total', formatRowsUsed(r), 'overview-rows')}
      ${field('Rows in statistics', html`${formatCount(r.rowsInStatistics)} <span class="muted">${excluded > 0
        ? `finite rows (${plural(excluded, 'row')} with NaN or Inf left out)`
        : 'finite rows (all rows used)'}</span>`, 'overview-rows-statistics')}
      ${field('Sampling', r.sampling.sampled
        ? `${r.sampling.method}, seed ${formatCount(r.sampling.seed)}, at most ${formatCount(r.sampling.maxRows)} rows`
        : `${r.sampling.method} (limit ${formatCount(r.sampling.maxRows)} rows, seed ${formatCount(r.sampling.seed)} unused)`, 'overview-sampling')}
      ${field('Time', html`${formatDuration(r.timings.totalMs)} <span class="muted">(read ${formatDuration(r.timings.readMs)}, eigendecomposition ${formatDuration(r.timings.eigenMs)})</span>`, 'overview-time')}
      ${field('Tool', `${r.tool.name} ${r.tool.version}`, 'overview-tool')}
    </dl>
    ${r.notes.length > 0 ? html`<ul class="notes" id="overview-notes">${r.notes.map(n => html`<li><vscode-icon name="info" class="note-icon"></vscode-icon><span>${n}</span></li>`)}</ul>` : nothing}
    ${r.arrays.length > 1 ? arraysTable(r.arrays, r.array.name) : nothing}`;
  return section('overview', 'Overview', body);
}
