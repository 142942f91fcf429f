/** Spectrum: the eigenvalue plot, a note on what it leaves out, and the metrics with their formulas. */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { ZERO_EIGENVALUE_TOLERANCE } from '../src/core/metrics/spectrumMetrics';
import { formatCount, plural } from './format';
import type { PageActions } from './layout';
import { section } from './layout';
import { metricRows } from './metricInfo';
import { spectrumLayout, spectrumPlot } from './spectrumPlot';

export interface SpectrumView {
  width: number;
  logX: boolean;
  hoverIndex: number | null;
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
  const plotInput = {
    eigenvalues: r.eigenvalues, effectiveRank, rowsInStatistics: r.rowsInStatistics,
    width: view.width, height: PLOT_HEIGHT, logX: view.logX,
    hoverIndex: view.hoverIndex, onHover: actions.setHover,
  };
  const layout = spectrumLayout(plotInput);
  const toggle = html`<vscode-checkbox id="log-x" toggle .checked=${view.logX}
      @change=${(e: Event) => actions.setLogX((e.target as HTMLInputElement).checked)}>Log index axis</vscode-checkbox>`;
  const body = html`<figure class="plot-figure" id="spectrum-figure">
      ${spectrumPlot(plotInput)}
      <figcaption id="spectrum-caption">
        ${r.eigenvalues.length === 0
          ? `No eigenvalues: the covariance needs at least 2 finite rows (there ${r.rowsInStatistics === 1 ? 'is 1' : `are ${formatCount(r.rowsInStatistics)}`}).`
          : html`Eigenvalues of the covariance of ${plural(r.rowsInStatistics, 'finite row')}, largest first.
            ${layout.omitted > 0
              ? html`<strong>${plural(layout.omitted, 'numerically zero eigenvalue')} not plotted</strong>
                (${layout.omittedTiny > 0 ? `zero, negative or at most ${ZERO_EIGENVALUE_TOLERANCE} \u00d7 the largest, i.e. rounding noise` : 'zero or negative'};
                a log axis cannot show them; showing ${formatCount(layout.points.length)} of ${formatCount(layout.total)}).`
              : `All ${formatCount(layout.total)} are positive and plotted.`}
            ${effectiveRank !== null ? html`The dashed line marks the effective rank.` : nothing}`}
      </figcaption>
    </figure>
    ${metricsTable(r)}`;
  return section('spectrum', 'Spectrum', body, r.eigenvalues.length > 0 ? toggle : undefined);
}
