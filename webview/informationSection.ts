/**
 * The "Information" section (#information), after arXiv 2601.11334: the unified verdict
 * (capacity against rate–distortion), the R(D) curve with the capacity line and the model's
 * operating point, every figure of the InformationReport with its kind, estimator and source,
 * the problems and notes. While the analysis runs it shows a progress bar, an error box when
 * it fails; the report stays above it. Pure parts in informationModel.ts.
 */
import { html, nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import type { InformationReport } from '../src/core/information/informationReport';
import { formatCount, formatNumber, formatPercent, plural } from './format';
import {
  collectFigures, figureRow, groupFigures, inputLines, splitCollisionLevels, layoutRdPlot, nearestRdPoint, pathId, PROVENANCE_LINE, rdSummary, UNITS_LINE, verdictView,
  type FigureRow, type InformationView, type RdLayout,
} from './informationModel';
import type { PlotFormat } from './plotExport';
import { axesLayer, clipDef, gridLayer, hitArea, hoverReadout, plotSvg, type PlotCursor } from './plotParts';
import { rdAnnouncement, rdReadout } from './plotReadouts';
import { LEGEND_SWATCH } from './plotScale';

export interface InformationSectionView {
  /** Drawing width of the R(D) plot. */
  width: number;
  hoverIndex: number | null;
}

export interface InformationActions {
  exportPlot(format: PlotFormat): void;
  setHover(index: number | null): void;
}

export const RD_PLOT_HEIGHT = 300;

// ---------------------------------------------------------------- verdict

function verdictBlock(r: InformationReport): TemplateResult {
  const v = verdictView(r.verdict);
  const mode = r.verdict.mode === 'lossy' ? 'capacity C against the rate\u2013distortion R(D)'
    : r.verdict.mode === 'lossless' ? 'capacity C against the source entropy H(X)' : 'not enough inputs for a comparison';
  return html`<div id="information-verdict" class=${`info-verdict status-${v.cls}`} data-status=${v.status} data-certified=${String(v.certified)}>
    <div class="info-verdict-head">
      <span class="info-eyebrow">Verdict</span>
      <span class="info-badge"><vscode-icon name=${v.icon} size="16"></vscode-icon><span>${v.title}</span></span>
      <span class="muted">${mode}</span>
    </div>
    <p class="info-margin">Margin ${r.verdict.mode === 'lossless' ? 'C \u2212 H(X)' : 'C \u2212 R(D)'}:
      ${v.margin !== null
        ? html`<strong class="mono" id="information-margin">${v.margin}</strong> <span class="tag kind-tag">${v.marginKind}</span>${v.marginNormalized.length
          ? html` <span class="muted">(${v.marginNormalized.join('; ')})</span>` : nothing}`
        : html`<span class="muted" id="information-margin">not available: ${v.marginMissing}</span>`}</p>
    <p class="info-reason" id="information-reason">${v.reason}</p>
    ${v.caveat ? html`<p class="info-caveat" id="information-caveat">${v.caveat}</p>` : nothing}
    ${r.verdict.assumptions.length ? html`<details class="info-assumptions"><summary>The verdict assumes\u2026</summary>
      <ul>${r.verdict.assumptions.map(a => html`<li>${a}</li>`)}</ul></details>` : nothing}
  </div>`;
}

// ---------------------------------------------------------------- R(D) plot

let layoutCache: { report: InformationReport; width: number; layout: RdLayout } | undefined;

export function rdLayout(r: InformationReport, width: number): RdLayout {
  if (!layoutCache || layoutCache.report !== r || layoutCache.width !== width) {
    const c = r.verdict.capacity;
    layoutCache = { report: r, width, layout: layoutRdPlot(r.rateDistortion, c ? { value: c.value, estimator: c.estimator } : null, { width, height: RD_PLOT_HEIGHT }) };
  }
  return layoutCache.layout;
}

function legendSwatch(kind: RdLayout['legendEntries'][number]['kind'], x0: number, y: number): SVGTemplateResult {
  const x1 = x0 + LEGEND_SWATCH, mid = x0 + LEGEND_SWATCH / 2;
  switch (kind) {
    case 'rd': return svg`<line class="legend-swatch rd-line" x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
    case 'slb': return svg`<line class="legend-swatch slb-line" x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
    case 'capacity': return svg`<line class="legend-swatch capacity-line" x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
    case 'operating': return svg`<circle class="operating-point" cx=${mid} cy=${y} r="4.5"></circle>`;
    case 'target': return svg`<rect class="target-point" x=${mid - 4} y=${y - 4} width="8" height="8"></rect>`;
  }
}

function rdPlot(l: RdLayout, summary: string, hoverIndex: number | null, actions: InformationActions): TemplateResult {
  const { box } = l;
  const position = hoverIndex !== null && l.points[hoverIndex] ? hoverIndex : null;
  const hover = position === null ? null : l.points[position];
  // The keyboard steps through the curve's points; the hover index is the point's.
  const cursor: PlotCursor = {
    count: l.points.length, position, select: actions.setHover,
    announcement: hover ? rdAnnouncement(hover, position!, l.points.length) : '',
  };
  return plotSvg({
    id: 'rd-plot', cls: 'plot rd-plot', label: summary, title: 'Rate\u2013distortion curve R(D) with the capacity', description: summary,
    size: l, viewBox: l, cursor,
  }, svg`${clipDef('rd-clip', box)}
    ${gridLayer(box, l.xTicks, l.yTicks)}
    ${axesLayer({ box, width: l.width, height: l.height, xTicks: l.xTicks, yTicks: l.yTicks,
      xTitle: 'Distortion D: total squared error (output units\u00b2, log\u2081\u2080 scale)', yTitle: 'Rate (bits per model use)' })}
    <g clip-path="url(#rd-clip)">
      ${l.capacity ? svg`<g class="capacity"><title>${l.capacity.label} bits per model use</title>
        <line class="capacity-line" x1=${box.left} x2=${box.right} y1=${l.capacity.y} y2=${l.capacity.y}></line></g>` : nothing}
      ${l.slbPath ? svg`<path class="slb-line" d=${l.slbPath} aria-hidden="true"></path>` : nothing}
      ${l.rdPath ? svg`<path class="rd-line" d=${l.rdPath} aria-hidden="true"></path>` : nothing}
    </g>
    ${l.capacity ? svg`<text class="capacity-label" x=${box.right - 6} y=${l.capacity.y - 5} text-anchor="end" aria-hidden="true">${l.capacity.label}</text>` : nothing}
    ${l.target ? svg`<g class="target"><title>${`Target D = ${formatNumber(l.target.d, 4)}: R(D) \u2264 ${formatNumber(l.target.r, 4)} bits per model use`}</title>
      <rect class="target-point" x=${l.target.x - 4.5} y=${l.target.y - 4.5} width="9" height="9"></rect></g>` : nothing}
    ${l.operating ? svg`<g class="operating"><title>${`Model: D_model = ${formatNumber(l.operating.d, 4)}, R(D_model) \u2264 ${formatNumber(l.operating.r, 4)} bits per model use`}</title>
      <line class="operating-drop" x1=${l.operating.x} x2=${l.operating.x} y1=${l.operating.y} y2=${box.bottom}></line>
      <circle class="operating-point" cx=${l.operating.x} cy=${l.operating.y} r="5.5"></circle>
      <text class="operating-label" x=${l.operating.x + 8} y=${l.operating.y - 8}>model</text></g>` : nothing}
    ${l.empty ? svg`<text class="empty-label" x=${(box.left + box.right) / 2} y=${(box.top + box.bottom) / 2} text-anchor="middle">No R(D) curve to plot</text>` : nothing}
    <g class="legend">${l.legend.items.map((item, i) => svg`<g class="legend-item"><title>${l.legendEntries[i].tooltip}</title>
      ${legendSwatch(l.legendEntries[i].kind, item.x, item.y)}
      <text class="legend-label" x=${item.x + LEGEND_SWATCH + 6} y=${item.y} dominant-baseline="central">${item.label}</text></g>`)}</g>
    ${hover ? svg`<g class="hover" aria-hidden="true" data-export="omit">
      <line class="hover-line" x1=${hover.x} x2=${hover.x} y1=${box.top} y2=${box.bottom}></line>
      <circle class="hover-dot" cx=${hover.x} cy=${hover.y} r="4"></circle>
      ${hoverReadout(box, hover.x, hover.y, rdReadout(hover))}</g>` : nothing}
    ${l.points.length ? hitArea(box, px => {
      const i = nearestRdPoint(l, px);
      if (i !== hoverIndex) actions.setHover(i);
    }, () => actions.setHover(null)) : nothing}`);
}

function toolbar(actions: InformationActions): TemplateResult {
  const button = (format: PlotFormat, icon: string) => html`<vscode-toolbar-button class="export-button" id=${`export-rate-distortion-${format}`}
      icon=${icon} label=${`Save the rate\u2013distortion plot as ${format.toUpperCase()}`} title=${`Save as ${format.toUpperCase()}`}
      @click=${() => actions.exportPlot(format)}>${format.toUpperCase()}</vscode-toolbar-button>`;
  return html`<div class="plot-toolbar" role="toolbar" aria-label="Rate\u2013distortion plot actions">${button('svg', 'file-code')}${button('png', 'file-media')}</div>`;
}

function rdFigure(r: InformationReport, view: InformationSectionView, actions: InformationActions): TemplateResult {
  const rd = r.rateDistortion;
  const l = rdLayout(r, view.width);
  const sourceName = rd.source === 'targets' ? `the targets Y (k = ${rd.dim})` : `the embeddings Z (k = ${rd.dim}; no targets given)`;
  const summary = rdSummary(l, sourceName);
  return html`<figure class="plot-figure" id="rd-figure">
    <div class="plot-header">
      <span class="plot-title">Rate\u2013distortion R(D) and capacity</span>
      <div class="plot-header-aside">${toolbar(actions)}</div>
    </div>
    <div class="plot-body">${rdPlot(l, summary, view.hoverIndex, actions)}</div>
    <figcaption id="rd-caption">R(D) of ${sourceName}: the Gaussian reverse water-filling curve (an upper bound on R(D) for any source with
      this covariance)${l.slbPath ? ', the Shannon lower bound dashed' : ''}${l.capacity ? html`, and the <span class="q-word capacity-word">capacity</span> lower bound the verdict uses
      (representation is achievable where R(D) lies below it)` : '; no capacity figure is available'}${l.operating ? ', with the model\u2019s operating point at its MSE' : ''}.</figcaption>
  </figure>`;
}

// ---------------------------------------------------------------- the figures

function valueCell(row: FigureRow): TemplateResult {
  if (row.value === null) {
    return html`<td class="num na"><span class="na-value">n/a</span>
      ${row.flags.length ? html`<div class="flag-list">${row.flags.map(f => html`<span class="tag flag-tag">${f}</span>`)}</div>` : nothing}</td>`;
  }
  return html`<td class="num"><span class="mono">${row.value}</span>${row.normalized.map(n => html`<div class="normalized muted">${n}</div>`)}</td>`;
}

function figureTableRow(row: FigureRow): TemplateResult {
  return html`<tr id=${`information-fig-${pathId(row.path)}`} class=${row.value === null ? 'unavailable' : nothing} title=${row.tooltip}>
    <th scope="row"><span class="metric-name" tabindex="0" aria-description=${row.tooltip}>${row.quantity}</span>
      ${row.value === null && row.explanation ? html`<div class="why muted">${row.explanation}</div>`
        : row.flags.length ? html`<div class="flag-list">${row.flags.map(f => html`<span class="tag flag-tag">${f}</span>`)}</div>` : nothing}</th>
    ${valueCell(row)}
    <td><span class=${`tag kind-tag kind-${row.kind}`}>${row.kindLabel}</span></td>
    <td class="estimator"><strong class="mono">${row.estimatorId || '\u2014'}</strong> <span class="muted">${row.estimatorName}</span>
      ${row.tag ? html`<span class=${`tag prov-tag prov-${row.tag.toLowerCase()}`}>${row.tag}</span>` : nothing}</td>
    <td class="num">${row.rows === null ? '\u2014' : formatCount(row.rows)}</td>
  </tr>`;
}

const TABLE_HEAD = html`<thead><tr><th scope="col">Quantity</th><th scope="col" class="num">Value</th><th scope="col">Kind</th><th scope="col">Estimator</th><th scope="col" class="num">Rows</th></tr></thead>`;

function figureTable(r: InformationReport): TemplateResult {
  const { main, levels } = splitCollisionLevels(collectFigures(r));
  const groups = groupFigures(main);
  return html`<table class="data-table information-table" id="information-table">
    <caption>Every figure: value (with per coordinate / per input symbol forms), whether it is an estimate, a bound or exact,
      the estimator (E1\u2013E10) and the rows it used. Hover a row for its formula, assumption and source.</caption>
    ${TABLE_HEAD}
    ${groups.map(g => html`<tbody class="group" id=${`information-group-${g.key}`}>
      <tr class="group-head"><th scope="rowgroup" colspan="5">${g.title}</th></tr>
      ${g.entries.map(e => figureTableRow(figureRow(e)))}
    </tbody>`)}
  </table>
  ${levels.length ? html`<details class="info-levels" id="information-collision-levels">
    <summary>E2 collision error at coarser steps \u0394 (${levels.length} more figures)</summary>
    <table class="data-table information-table">
      <caption>The same four E2 figures with the coordinates rounded to steps \u0394 of growing size.</caption>
      ${TABLE_HEAD}
      <tbody>${levels.map(e => figureTableRow(figureRow(e)))}</tbody>
    </table>
  </details>` : nothing}`;
}

// ---------------------------------------------------------------- the section

function rowsDescription(r: InformationReport): string {
  const w = r.rows;
  const base = w.sampled ? `sample of ${formatCount(w.read)} of ${formatCount(w.total)} rows (seed ${w.seed})` : `all ${formatCount(w.total)} rows`;
  return `${base}; ${formatCount(w.used)} used`;
}

const SEVERITY_ICON: Record<string, string> = { error: 'error', warning: 'warning', information: 'info', info: 'info' };

function problemsBlock(r: InformationReport): TemplateResult | typeof nothing {
  if (!r.problems.length) return nothing;
  return html`<div class="info-problems">
    <h3>Problems</h3>
    <ul id="information-problems" class="finding-list compact">
      ${r.problems.map(p => html`<li class="finding"><vscode-icon name=${SEVERITY_ICON[p.severity] ?? 'info'} class=${`finding-icon sev-${p.severity === 'information' ? 'info' : p.severity}`}></vscode-icon>
        <p class="finding-message"><code>${p.code}</code> ${p.message}</p></li>`)}
    </ul>
  </div>`;
}

function inputsBlock(r: InformationReport): TemplateResult {
  return html`<div class="info-inputs"><h3>Inputs</h3>
    <ul id="information-inputs">${inputLines(r).map(l => html`<li>${l}</li>`)}</ul>
    <p class="muted" id="information-units">${UNITS_LINE}</p></div>`;
}

function resultBody(v: Extract<InformationView, { kind: 'result' }>, view: InformationSectionView, actions: InformationActions): TemplateResult {
  const r = v.report;
  const p = r.preprocessing;
  return html`
    ${v.stale ? html`<p class="info-stale" id="information-stale" role="status"><vscode-icon name="history"></vscode-icon>
      <span>This information analysis is from an earlier run; it will be replaced when a new one arrives.</span></p>` : nothing}
    ${verdictBlock(r)}
    <p class="info-data muted">d = <span class="mono">${formatCount(p.dim)}</span>, numerical rank <span class="mono">${formatCount(p.rank)}</span>${p.deadColumns
      ? html`, ${plural(p.deadColumns, 'dead column')} removed` : nothing}${p.duplicateRows ? html`, ${plural(p.duplicateRows, 'duplicate row')}` : nothing}${r.rows.droppedNonFinite
      ? html`, ${formatCount(r.rows.droppedNonFinite)} rows with NaN/Inf dropped` : nothing}; ${rowsDescription(r)}.</p>
    ${inputsBlock(r)}
    ${rdFigure(r, view, actions)}
    ${figureTable(r)}
    ${problemsBlock(r)}
    ${r.notes.length ? html`<div class="info-notes"><h3>Notes</h3><ul id="information-notes">${r.notes.map(n => html`<li>${n}</li>`)}</ul></div>` : nothing}
    <p id="information-provenance" class="info-provenance"><vscode-icon name="book" size="13"></vscode-icon>
      <span><strong>Sources:</strong> ${PROVENANCE_LINE}</span></p>`;
}

function progressBody(v: Extract<InformationView, { kind: 'progress' }>): TemplateResult {
  const det = Number.isFinite(v.fraction) && v.fraction >= 0 && v.fraction <= 1;
  return html`<div class="info-progress" id="information-progress" role="status" aria-live="polite">
    ${det
      ? html`<vscode-progress-bar .value=${Math.round(v.fraction * 1000) / 10} max="100" aria-label="Information analysis progress"></vscode-progress-bar>`
      : html`<vscode-progress-bar indeterminate aria-label="Information analysis progress"></vscode-progress-bar>`}
    <p><span>${v.message}</span>${det ? html` <span class="muted">(${formatPercent(v.fraction)})</span>` : nothing}</p>
    <p class="muted">Estimating the representation rate, entropies, capacity under perturbation and rate\u2013distortion.</p>
  </div>`;
}

function errorBody(v: Extract<InformationView, { kind: 'error' }>): TemplateResult {
  return html`<div class="error-box info-error" id="information-error" role="alert">
    <vscode-icon name="error" class="sev-error error-icon" size="20"></vscode-icon>
    <div class="state-body">
      <p class="info-error-title">The information analysis did not finish</p>
      <p class="error-line"><code id="information-error-code">${v.code}</code></p>
      <p id="information-error-message" class="error-message">${v.message}</p>
    </div>
  </div>`;
}

export function informationSection(v: InformationView, view: InformationSectionView, actions: InformationActions): TemplateResult {
  const body = v.kind === 'result' ? resultBody(v, view, actions) : v.kind === 'progress' ? progressBody(v) : errorBody(v);
  const aside = v.kind === 'result'
    ? html`<span class="muted">${v.arrayName} \u00b7 ${rowsDescription(v.report)}</span>`
    : v.kind === 'progress' ? html`<span class="muted">Running\u2026</span>` : nothing;
  return html`<section class="section information" id="information" aria-labelledby="information-heading" aria-busy=${v.kind === 'progress' ? 'true' : 'false'}>
    <header class="section-header">
      <h2 id="information-heading">Information: rate and capacity</h2>
      ${aside === nothing ? nothing : html`<div class="section-aside">${aside}</div>`}
    </header>
    ${body}
  </section>`;
}
