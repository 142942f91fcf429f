/**
 * Spectrum: the eigenvalue plot with its power-law fit, the cumulative explained variance,
 * a note on what the plots leave out, and the metrics with their formulas.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { ZERO_EIGENVALUE_TOLERANCE } from '../src/core/metrics/spectrumMetrics';
import { cumulativeLayout, cumulativePlot, cumulativeSentence } from './cumulativePlot';
import { formatCount, plural } from './format';
import type { HoverState, PageActions } from './layout';
import { hoverIn, section } from './layout';
import { asPowerLaw } from './messages';
import { metricRows } from './metricInfo';
import { plotFigure } from './plotExport';
import { fitFigures, fitTooltip, spectrumLayout, spectrumPlot } from './spectrumPlot';

export interface SpectrumView {
  /** Drawing width of the spectrum and of the cumulative plot. */
  width: number;
  logX: boolean;
  hover: HoverState | null;
}

export const PLOT_HEIGHT = 300;

/** Log index axis by default once there are enough eigenvalues for the tail to matter. */
export function defaultLogX(eigenvalueCount: number): boolean {
  return eigenvalueCount > 50;
}

function metricsTable(r: AnalysisReport): TemplateResult {
  if (!r.metrics) {
    return html`<p class="muted" id="metrics-table">No spectrum metrics: ${r.rowsInStatistics < 2
      ? `a covariance needs at least 2 finite rows, and there ${r.rowsInStatistics === 1 ? 'is 1' : `are ${formatCount(r.rowsInStatistics)}`}.`
      : 'they were not computed for this array.'}</p>`;
  }
  const rows = metricRows(r.metrics, r.rowsInStatistics, r.dim);
  return html`<table class="data-table" id="metrics-table">
    <caption>${`Estimates from the sample covariance (1/(N\u22121)) of N = ${formatCount(r.rowsInStatistics)} finite rows`
      + (r.sampling.sampled ? ` (from a seeded sample of ${formatCount(r.rowsUsed)} of ${formatCount(r.rowsTotal)} rows)` : '')
      + `, d = ${formatCount(r.dim)}. Hover a metric for its definition.`}</caption>
    <thead><tr><th scope="col">Metric</th><th scope="col" class="num">Value</th><th scope="col">Formula</th></tr></thead>
    <tbody>
      ${rows.map(m => html`<tr id=${`metric-${m.id}`} title=${m.detail}>
        <th scope="row"><span class="metric-name" tabindex="0" aria-description=${m.detail}>${m.label}</span></th>
        <td class="num">${m.value}</td>
        <td class="formula">${m.formula}</td>
      </tr>`)}
    </tbody>
  </table>`;
}

export function spectrumSection(r: AnalysisReport, view: SpectrumView, actions: PageActions): TemplateResult {
  const effectiveRank = r.metrics ? r.metrics.effectiveRank : null;
  const fit = asPowerLaw(r.powerLaw);
  const plotInput = {
    eigenvalues: r.eigenvalues, effectiveRank, powerLaw: fit, rowsInStatistics: r.rowsInStatistics,
    width: view.width, height: PLOT_HEIGHT, logX: view.logX,
    hoverIndex: hoverIn(view.hover, 'spectrum'), onHover: (i: number | null) => actions.setHover('spectrum', i),
  };
  const layout = spectrumLayout(plotInput);
  const cumulativeInput = {
    eigenvalues: r.eigenvalues, width: view.width, height: PLOT_HEIGHT, logX: view.logX,
    hoverIndex: hoverIn(view.hover, 'cumulative'), onHover: (i: number | null) => actions.setHover('cumulative', i),
  };
  const toggle = html`<vscode-checkbox id="log-x" toggle .checked=${view.logX}
      @change=${(e: Event) => actions.setLogX((e.target as HTMLInputElement).checked)}>Log index axis</vscode-checkbox>`;
  const spectrumCaption = r.eigenvalues.length === 0
    ? `No eigenvalues: the covariance needs at least 2 finite rows (there ${r.rowsInStatistics === 1 ? 'is 1' : `are ${formatCount(r.rowsInStatistics)}`}).`
    : html`Eigenvalues of the covariance of ${plural(r.rowsInStatistics, 'finite row')}, largest first.
      ${layout.omitted > 0
        ? html`<strong>${plural(layout.omitted, 'numerically zero eigenvalue')} not plotted</strong>
          (${layout.omittedTiny > 0 ? `zero, negative or at most ${ZERO_EIGENVALUE_TOLERANCE} \u00d7 the largest, i.e. rounding noise` : 'zero or negative'};
          a log axis cannot show them; showing ${formatCount(layout.points.length)} of ${formatCount(layout.total)}).`
        : `All ${formatCount(layout.total)} are positive and plotted.`}
      ${effectiveRank !== null && layout.marker ? html`The dashed vertical line marks the effective rank.` : nothing}
      ${fit ? html`<span class="fit-summary" id="power-law-fit" tabindex="0" title=${fitTooltip(fit)} aria-description=${fitTooltip(fit)}>Power-law fit
        \u03bb\u2096 \u2248 C\u00b7k<sup>\u2212\u03b1</sup> over k = ${formatCount(fit.kMin)}\u2013${formatCount(fit.kMax)}: ${fitFigures(fit)}</span>
        ${fit.alpha < 0.5 ? '(a flat, nearly isotropic spectrum).' : fit.alpha > 2 ? '(a steep decay: variance concentrates in few directions).' : '(\u03b1 near 1 is common for well-trained embeddings).'}` : nothing}`;
  const figures = r.eigenvalues.length === 0
    ? plotFigure({ id: 'spectrum-figure', plot: 'spectrum', title: 'Eigenvalue spectrum', body: spectrumPlot(plotInput), caption: spectrumCaption, captionId: 'spectrum-caption', onExport: actions.exportPlot })
    : html`<div class="plot-grid">
      ${plotFigure({ id: 'spectrum-figure', plot: 'spectrum', title: 'Eigenvalue spectrum', body: spectrumPlot(plotInput), caption: spectrumCaption, captionId: 'spectrum-caption', onExport: actions.exportPlot })}
      ${plotFigure({
        id: 'cumulative-figure', plot: 'cumulative', title: 'Cumulative explained variance', body: cumulativePlot(cumulativeInput),
        caption: html`Share of the total variance in the top k directions (principal components). ${cumulativeSentence(cumulativeLayout(cumulativeInput).fractions)}`,
        captionId: 'cumulative-caption', onExport: actions.exportPlot,
      })}
    </div>`;
  const body = html`${figures}${metricsTable(r)}`;
  return section('spectrum', 'Spectrum', body, r.eigenvalues.length > 0 ? toggle : undefined);
}
