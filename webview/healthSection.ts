/** Health: bad rows, duplicates, dead dimensions and row norms, each with its count and share. */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { describeRowSet, formatCount, formatIndexList, formatNumber, formatShare, plural } from './format';
import { histogramPlot } from './histogramPlot';
import { hoverIn, section, type HoverState, type PageActions } from './layout';
import { asHistogram } from './messages';
import { plotFigure } from './plotExport';

export interface HealthView {
  /** Drawing width of the row-norm histogram. */
  width: number;
  hover: HoverState | null;
}

export const HISTOGRAM_HEIGHT = 220;

interface HealthRow {
  id: string;
  label: string;
  count: number;
  share: string;
  /** Severity when the count is non-zero. */
  bad: 'error' | 'warning';
  detail: unknown;
  title?: string;
}

function statusIcon(row: HealthRow): TemplateResult {
  if (row.count === 0) return html`<vscode-icon name="pass" class="status-ok" label="OK"></vscode-icon>`;
  return row.bad === 'error'
    ? html`<vscode-icon name="error" class="sev-error" label="Error"></vscode-icon>`
    : html`<vscode-icon name="warning" class="sev-warning" label="Warning"></vscode-icon>`;
}

function healthRows(r: AnalysisReport): HealthRow[] {
  const h = r.health;
  const rows = (n: number) => formatShare(n, r.rowsUsed);
  const nullFinding = r.findings.find(f => f.code === 'null-rows');
  const nullRows = h.nullRows ?? 0;
  const nullRow: HealthRow[] = nullRows === 0 ? [] : [{
    id: 'null', label: 'Null rows', count: nullRows, share: rows(nullRows), bad: 'warning',
    detail: html`Missing rows (null lists), not vectors; left out of every statistic. First indices: <span class="mono">${formatIndexList(nullFinding?.rows ?? [], nullRows)}</span>`,
    title: nullFinding?.rows ? `Null row indices (0-based, first ${nullFinding.rows.length}): ${nullFinding.rows.join(', ')}` : undefined,
  }];
  return [
    ...nullRow,
    { id: 'nan', label: 'NaN rows', count: h.nanRows, share: rows(h.nanRows), bad: 'error',
      detail: 'Rows with at least one NaN; left out of every statistic.' },
    { id: 'inf', label: 'Inf rows', count: h.infRows, share: rows(h.infRows), bad: 'error',
      detail: 'Rows with at least one \u00b1Infinity; left out of every statistic.' },
    { id: 'zero', label: 'All-zero rows', count: h.zeroRows, share: rows(h.zeroRows), bad: 'warning',
      detail: 'Rows whose every value is 0 (padding or unfilled buffers).' },
    { id: 'duplicate', label: 'Duplicate rows', count: h.duplicateRows, share: rows(h.duplicateRows), bad: 'warning',
      detail: 'Rows identical to an earlier row.' },
    { id: 'dead', label: 'Dead dimensions', count: h.deadDims, share: `${formatShare(h.deadDims, r.dim)} of d`, bad: 'warning',
      detail: h.deadDims > 0
        ? html`Constant dimensions; first indices: <span class="mono">${formatIndexList(h.deadDimIndices, h.deadDims)}</span>`
        : `No dimension is constant (of d = ${formatCount(r.dim)}).`,
      title: h.deadDims > 0 ? `Dead dimension indices (0-based, first ${h.deadDimIndices.length}): ${h.deadDimIndices.join(', ')}` : undefined },
  ];
}

function rowNormsTable(r: AnalysisReport): TemplateResult {
  const n = r.health.rowNorms;
  if (!n) return html`<p class="muted" id="row-norms">Row norms: not available (no finite rows).</p>`;
  return html`<table class="data-table compact" id="row-norms">
    <caption>Euclidean row norms \u2016x\u2016\u2082 over the ${plural(r.rowsInStatistics, 'finite row')}</caption>
    <thead><tr><th scope="col" class="num">Min</th><th scope="col" class="num">Median</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Max</th></tr></thead>
    <tbody><tr>
      <td class="num">${formatNumber(n.min)}</td><td class="num">${formatNumber(n.median)}</td>
      <td class="num">${formatNumber(n.mean)}</td><td class="num">${formatNumber(n.max)}</td>
    </tr></tbody>
  </table>`;
}

function rowNormHistogram(r: AnalysisReport, view: HealthView, actions: PageActions): TemplateResult | typeof nothing {
  const h = asHistogram(r.rowNormHistogram);
  if (!h) return nothing;
  const median = r.health.rowNorms ? r.health.rowNorms.median : null;
  const plot = histogramPlot({
    histogram: h, median, width: view.width, height: HISTOGRAM_HEIGHT,
    hoverIndex: hoverIn(view.hover, 'row-norms'), onHover: i => actions.setHover('row-norms', i),
  });
  const total = h.counts.reduce((a, b) => a + b, 0);
  return plotFigure({
    id: 'row-norm-figure', plot: 'row-norms', title: 'Row-norm distribution', body: plot, onExport: actions.exportPlot,
    captionId: 'row-norm-caption',
    caption: html`Euclidean norms of the ${plural(total, 'finite row')} in ${plural(h.counts.length, 'equal-width bin')}${median !== null ? '; the dashed line marks the median' : ''}.
      A tight peak is typical of normalised embeddings; a long tail or a second peak points to outliers or mixed sources.`,
  });
}

export function healthSection(r: AnalysisReport, view: HealthView, actions: PageActions): TemplateResult {
  const rows = healthRows(r);
  const body = html`<table class="data-table" id="health-table">
      <caption>Counted over ${describeRowSet(r)}; shares are of the ${formatCount(r.rowsUsed)} rows used (dimensions: of d = ${formatCount(r.dim)}).</caption>
      <thead><tr>
        <th scope="col">Check</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th><th scope="col">Meaning</th>
      </tr></thead>
      <tbody>
        ${rows.map(row => html`<tr id=${`health-${row.id}`} class=${row.count > 0 ? `flagged ${row.bad}` : ''} title=${row.title ?? nothing}>
          <th scope="row"><span class="check">${statusIcon(row)}<span>${row.label}</span></span></th>
          <td class="num">${formatCount(row.count)}</td>
          <td class="num">${row.share}</td>
          <td class="detail">${row.detail}</td>
        </tr>`)}
      </tbody>
    </table>
    ${rowNormsTable(r)}
    ${rowNormHistogram(r, view, actions)}`;
  return section('health', 'Health', body);
}
