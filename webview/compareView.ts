/**
 * The compare view: two dumps side by side. Header with both files in their colours,
 * an overview table, both spectra on one plot, the metrics with signed deltas, the three
 * distances with formulas and plain-words meanings, the comparison's notes and each side's findings.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { DumpComparison } from '../src/core/analysis/compareReports';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { compareMetricRows, distanceRows, distinctLabels, overviewPairs, type CovarianceView, type Sign } from './compareModel';
import { compareSpectrumLayout, compareSpectrumPlot } from './compareSpectrumPlot';
import { findingItem } from './findingsSection';
import { formatCount, formatPercent, plural, sortBySeverity, summariseSeverities } from './format';
import { actionButtons } from './headerBar';
import { hoverIn, section, type HoverState, type PageActions } from './layout';
import { plotFigure } from './plotExport';

export interface CompareViewState {
  width: number;
  logX: boolean;
  hover: HoverState | null;
  /** The covariance distance, computed after the comparison arrived; null when the page has none. */
  covariance: CovarianceView | null;
}

export const COMPARE_PLOT_HEIGHT = 340;

function sideChip(side: 'left' | 'right'): TemplateResult {
  return html`<span class=${`side-chip side-${side}`} aria-hidden="true">${side === 'left' ? 'L' : 'R'}</span>`;
}

function fileHeader(side: 'left' | 'right', label: string, r: AnalysisReport): TemplateResult {
  return html`<div class=${`compare-file side-${side}`} id=${`compare-${side}`}>
    ${sideChip(side)}
    <div class="compare-file-text">
      <span class="compare-file-name"><span class="sr-only">${side === 'left' ? 'Left:' : 'Right:'}</span> ${label}</span>
      <span class="path muted" title=${r.file}>${r.file}</span>
    </div>
  </div>`;
}

const SIGN_TEXT: Record<Sign, string> = { positive: 'increase', negative: 'decrease', zero: 'no change', none: 'not defined' };

function overviewTable(c: DumpComparison, labels: { left: string; right: string }): TemplateResult {
  return html`<div class="table-scroll"><table class="data-table compare-table" id="compare-overview">
    <thead><tr><th scope="col">Field</th>
      <th scope="col">${sideChip('left')}${labels.left}</th>
      <th scope="col">${sideChip('right')}${labels.right}</th></tr></thead>
    <tbody>
      ${overviewPairs(c).map(p => html`<tr id=${`compare-overview-${p.id}`} class=${p.differs ? 'differs' : ''}>
        <th scope="row">${p.label}${p.differs ? html`<vscode-icon name="diff-modified" class="differs-icon" label="differs"></vscode-icon>` : nothing}</th>
        <td class=${p.mono ? 'mono' : ''}>${p.left}</td>
        <td class=${p.mono ? 'mono' : ''}>${p.right}</td>
      </tr>`)}
    </tbody>
  </table></div>`;
}

function metricsTable(c: DumpComparison, labels: { left: string; right: string }): TemplateResult {
  const rows = compareMetricRows(c);
  return html`<div class="table-scroll"><table class="data-table compare-table" id="compare-metrics">
    <caption>\u0394 = right \u2212 left. The colour of a delta shows only its sign, not whether the change is good. Hover a metric for its formula.</caption>
    <thead><tr>
      <th scope="col">Metric</th>
      <th scope="col" class="num">${sideChip('left')}${labels.left}</th>
      <th scope="col" class="num">${sideChip('right')}${labels.right}</th>
      <th scope="col" class="num">\u0394</th>
      <th scope="col" class="num">\u0394 relative</th>
    </tr></thead>
    <tbody>
      ${rows.map(m => html`<tr id=${m.id} title=${m.detail}>
        <th scope="row"><span class="metric-name" tabindex="0" aria-description=${m.detail}>${m.label}</span></th>
        <td class="num">${m.left}</td>
        <td class="num">${m.right}</td>
        <td class=${`num delta delta-${m.sign}`}><span class="sr-only">${SIGN_TEXT[m.sign]}</span> ${m.delta}</td>
        <td class=${`num delta delta-${m.sign}`}>${m.relative}</td>
      </tr>`)}
    </tbody>
  </table></div>`;
}

function distances(c: DumpComparison, covariance: CovarianceView | null): TemplateResult {
  return html`<div class="distance-grid" id="compare-distances">
    ${distanceRows(c, covariance).map(d => html`<div class=${`distance-card${d.value === null && !d.pending ? ' unavailable' : ''}`} id=${d.id} aria-busy=${d.pending ? 'true' : 'false'}>
      <div class="distance-head">
        <span class="distance-label">${d.label}</span>
        <span class="distance-value num">${d.pending ? html`<vscode-progress-ring class="distance-ring" aria-label=${`Computing the ${d.label.toLowerCase()}`}></vscode-progress-ring>` : d.value ?? '\u2014'}</span>
      </div>
      ${d.extra ? html`<div class="distance-extra muted num">${d.extra}</div>` : nothing}
      <div class="formula distance-formula" title=${`Formula of the ${d.label.toLowerCase()}`}>${d.formula}</div>
      ${d.provenance ? html`<p class="distance-provenance">${d.provenance}</p>` : nothing}
      ${d.notes ? d.notes.map(n => html`<p class="distance-provenance muted">${n}</p>`) : nothing}
      ${d.pending ? html`<div class="distance-pending" role="status">
        <vscode-progress-bar .value=${Math.round(d.pending.fraction * 1000) / 10} max="100" aria-label=${`${d.label} progress`}></vscode-progress-bar>
        <p class="muted">Computing from both dumps (${formatPercent(d.pending.fraction)})${d.pending.message ? `: ${d.pending.message}` : ''}. The rest of the comparison is final.</p>
      </div>` : nothing}
      ${d.unavailable ? html`<p class="distance-unavailable">${d.unavailable}</p>` : nothing}
      <p class="distance-meaning">${d.meaning}</p>
    </div>`)}
  </div>`;
}

function sideFindings(side: 'left' | 'right', label: string, r: AnalysisReport): TemplateResult {
  return html`<div class=${`compare-findings side-${side}`} id=${`compare-findings-${side}`}>
    <h3>${sideChip(side)}<span>${label}</span>${r.findings.length ? html` <span class="muted">${summariseSeverities(r.findings)}</span>` : nothing}</h3>
    ${r.findings.length === 0
      ? html`<p class="no-findings"><vscode-icon name="pass" class="status-ok"></vscode-icon><span>No findings</span></p>`
      : html`<ul class="finding-list">${sortBySeverity(r.findings).map(f => findingItem(f))}</ul>`}
  </div>`;
}

export function compareHeader(c: DumpComparison, actions: PageActions): TemplateResult {
  const labels = distinctLabels(c.left.file, c.right.file);
  return html`<header class="page-header compare-header">
    <div class="title-block">
      <h1 class="page-title"><vscode-icon name="diff" class="title-icon"></vscode-icon><span id="compare-title">${labels.left} \u2194 ${labels.right}</span></h1>
      <div class="compare-files">
        ${fileHeader('left', labels.left, c.left)}
        ${fileHeader('right', labels.right, c.right)}
      </div>
    </div>
    ${actionButtons(actions, { exports: false })}
  </header>`;
}

export function compareBody(c: DumpComparison, view: CompareViewState, actions: PageActions): TemplateResult {
  const labels = distinctLabels(c.left.file, c.right.file);
  const plotInput = {
    left: c.left.eigenvalues, right: c.right.eigenvalues, labels, width: view.width, height: COMPARE_PLOT_HEIGHT, logX: view.logX,
    hoverIndex: hoverIn(view.hover, 'compare-spectrum'), onHover: (i: number | null) => actions.setHover('compare-spectrum', i),
  };
  const layout = compareSpectrumLayout(plotInput);
  const omitted = layout.series.map(s => s.omitted);
  const toggle = html`<vscode-checkbox id="log-x" toggle .checked=${view.logX}
      @change=${(e: Event) => actions.setLogX((e.target as HTMLInputElement).checked)}>Log index axis</vscode-checkbox>`;
  const caption = html`Covariance eigenvalues of each dump, largest first (left: ${plural(c.left.rowsInStatistics, 'finite row')};
    right: ${plural(c.right.rowsInStatistics, 'finite row')}).
    ${omitted.some(n => n > 0) ? html`Numerically zero eigenvalues are not plotted (left ${formatCount(omitted[0])}, right ${formatCount(omitted[1])}).` : nothing}
    ${c.sameDim ? nothing : html`<strong>The dimensions differ</strong> (d = ${formatCount(c.left.dim)} and ${formatCount(c.right.dim)}).`}`;
  return html`<main class="report compare" aria-label=${`Comparison of ${c.left.file} and ${c.right.file}`}>
    ${section('compare-overview', 'Overview', overviewTable(c, labels))}
    ${section('compare-spectrum', 'Spectra', plotFigure({
      id: 'compare-spectrum-figure', plot: 'compare-spectrum', title: 'Eigenvalue spectra', body: compareSpectrumPlot(plotInput),
      caption, captionId: 'compare-spectrum-caption', onExport: actions.exportPlot,
    }), toggle)}
    ${section('compare-metrics', 'Metrics', metricsTable(c, labels))}
    ${section('compare-distances', 'How far apart', distances(c, view.covariance))}
    ${c.notes.length > 0 ? html`<ul class="notes" id="compare-notes">${c.notes.map(n => html`<li><vscode-icon name="info" class="note-icon"></vscode-icon><span>${n}</span></li>`)}</ul>` : nothing}
    ${section('compare-findings', 'Findings', html`<div class="compare-columns">
      ${sideFindings('left', labels.left, c.left)}
      ${sideFindings('right', labels.right, c.right)}
    </div>`)}
  </main>`;
}
