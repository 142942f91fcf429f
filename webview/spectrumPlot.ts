/**
 * The eigenvalue spectrum as an inline SVG: log10 eigenvalue against 1-based index,
 * with the power-law fit (dashed, kMin..kMax) and the effective rank marked, colours only
 * from --vscode-* variables (set in styles.css on the classes used here), a legend, a text
 * alternative (<title>, <desc>, aria-label) and a hover read-out.
 */
import { nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import type { PowerLawFit } from '../src/core/metrics/powerLawFit';
import { formatCount, formatNumber, plural } from './format';
import { cumulativeFractions } from './plotGeometry';
import { axesLayer, clipDef, gridLayer, hitArea, hoverReadout, legendLayer, plotSvg, type LegendEntry, type PlotCursor } from './plotParts';
import { spectrumAnnouncement, spectrumReadout } from './plotReadouts';
import { layoutSpectrum, nearestPoint, type SpectrumLayout } from './plotScale';

export interface SpectrumPlotInput {
  eigenvalues: readonly number[];
  effectiveRank: number | null;
  powerLaw?: PowerLawFit | null;
  rowsInStatistics: number;
  width: number;
  height: number;
  logX: boolean;
  /** 1-based index of the eigenvalue under the pointer or the keyboard cursor. */
  hoverIndex: number | null;
  onHover(index: number | null): void;
}

/** `α = 1.35, R² = 0.998`. */
export function fitFigures(fit: PowerLawFit): string {
  return `\u03b1 = ${formatNumber(fit.alpha, 3)}, R\u00b2 = ${formatNumber(fit.r2, 4)}`;
}

/** The fit as a tooltip: the model, its window and how it was fitted. */
export function fitTooltip(fit: PowerLawFit): string {
  return `Power-law fit \u03bb\u2096 \u2248 C\u00b7k^(\u2212\u03b1) with \u03b1 = ${formatNumber(fit.alpha, 4)}, C = ${formatNumber(10 ** fit.log10Intercept, 4)}, `
    + `R\u00b2 = ${formatNumber(fit.r2, 4)}, over k = ${formatCount(fit.kMin)}\u2026${formatCount(fit.kMax)}: ${fit.formula}.`;
}

/** The legend labels of the spectrum, in drawing order. */
export function spectrumLegend(p: Pick<SpectrumPlotInput, 'powerLaw' | 'effectiveRank'>): { label: string; kind: 'series' | 'fit' | 'marker' }[] {
  const out: { label: string; kind: 'series' | 'fit' | 'marker' }[] = [{ label: 'Eigenvalues \u03bb\u2096', kind: 'series' }];
  if (p.powerLaw) out.push({ label: `Power-law fit: ${fitFigures(p.powerLaw)}`, kind: 'fit' });
  if (p.effectiveRank !== null && Number.isFinite(p.effectiveRank) && p.effectiveRank >= 1) out.push({ label: `Effective rank ${formatNumber(p.effectiveRank, 3)}`, kind: 'marker' });
  return out;
}

let cache: { key: unknown[]; layout: SpectrumLayout } | undefined;

/** Layout is recomputed only when the data, size or axis changes (not on every hover). */
export function spectrumLayout(p: Pick<SpectrumPlotInput, 'eigenvalues' | 'effectiveRank' | 'powerLaw' | 'width' | 'height' | 'logX'>): SpectrumLayout {
  const key = [p.eigenvalues, p.effectiveRank, p.powerLaw, p.width, p.height, p.logX];
  if (!cache || cache.key.some((k, i) => k !== key[i])) {
    cache = {
      key,
      layout: layoutSpectrum(p.eigenvalues, {
        width: p.width, height: p.height, logX: p.logX, effectiveRank: p.effectiveRank, powerLaw: p.powerLaw,
        legend: spectrumLegend(p).map(e => e.label),
      }),
    };
  }
  return cache.layout;
}

/** The one-sentence summary used as the plot's accessible name. */
export function spectrumSummary(l: SpectrumLayout, effectiveRank: number | null, fit?: PowerLawFit | null): string {
  const parts = [`Covariance eigenvalue spectrum: ${plural(l.total, 'eigenvalue')}`];
  if (l.largest !== null) parts.push(`largest ${formatNumber(l.largest)}`);
  if (l.smallestPositive !== null) {
    parts.push(`${l.omittedTiny > 0 ? 'smallest above the zero tolerance' : 'smallest positive'} ${formatNumber(l.smallestPositive)}`);
  }
  if (effectiveRank !== null) parts.push(`effective rank ${formatNumber(effectiveRank)}`);
  if (fit) parts.push(`power-law fit ${fitFigures(fit)} over k = ${formatCount(fit.kMin)} to ${formatCount(fit.kMax)}`);
  if (l.omitted > 0) parts.push(`${formatCount(l.omitted)} numerically zero (zero or negative) not plotted`);
  return parts.join(', ') + '.';
}

function describe(l: SpectrumLayout, rows: number, fit?: PowerLawFit | null): string {
  const top = l.points.slice(0, 5).map(p => `\u03bb${p.index} = ${formatNumber(p.value)}`).join(', ');
  return `Line plot of the eigenvalues of the sample covariance of ${plural(rows, 'finite row')}, in descending order. `
    + `Vertical axis: eigenvalue on a log10 scale${l.largest !== null ? ` from ${formatNumber(l.smallestPositive)} to ${formatNumber(l.largest)}` : ''}. `
    + `Horizontal axis: index from 1 to ${formatCount(l.total)} on a ${l.logX ? 'log' : 'linear'} scale. `
    + (top ? `First values: ${top}.` : 'No positive eigenvalue to plot.')
    + (fit ? ` Dashed line: power-law fit \u03bb\u2096 \u2248 C\u00b7k^(\u2212\u03b1), ${fitFigures(fit)}, over k = ${formatCount(fit.kMin)} to ${formatCount(fit.kMax)}.` : '');
}

function hoverLayer(l: SpectrumLayout, hoverIndex: number | null, fit?: PowerLawFit | null): SVGTemplateResult | typeof nothing {
  const p = hoverIndex === null ? undefined : l.points.find(q => q.index === hoverIndex);
  if (!p) return nothing;
  return svg`<g class="hover" aria-hidden="true" data-export="omit">
    <line class="hover-line" x1=${p.x} x2=${p.x} y1=${l.box.top} y2=${l.box.bottom}></line>
    <circle class="hover-dot" cx=${p.x} cy=${p.y} r="4"></circle>
    ${hoverReadout(l.box, p.x, p.y, spectrumReadout(p, fit))}
  </g>`;
}

/** The keyboard steps through the plotted eigenvalues; the hover index is their 1-based k. */
function spectrumCursor(l: SpectrumLayout, input: SpectrumPlotInput, fit: PowerLawFit | null): PlotCursor {
  const found = input.hoverIndex === null ? -1 : l.points.findIndex(q => q.index === input.hoverIndex);
  const position = found < 0 ? null : found;
  const p = position === null ? undefined : l.points[position];
  return {
    count: l.points.length,
    position,
    select: pos => input.onHover(pos === null ? null : l.points[pos].index),
    announcement: p ? spectrumAnnouncement(p, l.total, cumulativeFractions(input.eigenvalues)[p.index - 1], fit) : '',
  };
}

export function spectrumPlot(input: SpectrumPlotInput): TemplateResult {
  const l = spectrumLayout(input);
  const { box } = l;
  const fit = input.powerLaw ?? null;
  const summary = spectrumSummary(l, input.effectiveRank, fit);
  const midY = (box.top + box.bottom) / 2;
  const showDots = l.points.length <= 64;
  const legendSpec = spectrumLegend(input);
  const entries: LegendEntry[] = l.legend.items.map((item, i) => {
    const kind = legendSpec[i].kind;
    return kind === 'series' ? { item, kind: 'line', cls: 'series-line' }
      : kind === 'fit' ? { item, kind: 'dashed', cls: 'fit-line', tooltip: fit ? fitTooltip(fit) : undefined }
        : { item, kind: 'vertical', cls: 'marker-line', tooltip: 'Effective rank: exp of the entropy of the normalised eigenvalues' };
  });
  return plotSvg({
    id: 'spectrum-plot', cls: 'plot', label: summary, title: 'Covariance eigenvalue spectrum', description: describe(l, input.rowsInStatistics, fit),
    size: l, viewBox: l, cursor: spectrumCursor(l, input, fit),
  }, svg`${clipDef('spectrum-clip', box)}
    ${gridLayer(box, l.xTicks, l.yTicks)}
    ${axesLayer({ box, width: l.width, height: l.height, xTicks: l.xTicks, yTicks: l.yTicks,
      xTitle: `Index k (1-based, ${l.logX ? 'log' : 'linear'} scale)`, yTitle: 'Eigenvalue (log\u2081\u2080 scale)' })}
    ${l.areaPath ? svg`<path class="series-area" d=${l.areaPath} aria-hidden="true"></path>` : nothing}
    ${l.linePath ? svg`<path class="series-line" d=${l.linePath} aria-hidden="true"></path>` : nothing}
    ${showDots ? svg`<g class="series-dots" aria-hidden="true">${l.points.map(p => svg`<circle cx=${p.x} cy=${p.y} r="2.5"></circle>`)}</g>` : nothing}
    ${l.fitPath ? svg`<path class="fit-line" d=${l.fitPath} clip-path="url(#spectrum-clip)" aria-hidden="true"></path>` : nothing}
    ${l.marker ? svg`<line class="marker-line" x1=${l.marker.x} x2=${l.marker.x} y1=${box.top} y2=${box.bottom} aria-hidden="true"></line>` : nothing}
    ${l.points.length === 0 ? svg`<text class="empty-label" x=${(box.left + box.right) / 2} y=${midY} text-anchor="middle">No positive eigenvalue to plot</text>` : nothing}
    ${legendLayer(entries)}
    ${hoverLayer(l, input.hoverIndex, fit)}
    ${hitArea(box, px => {
      const p = nearestPoint(l, px);
      if (p && p.index !== input.hoverIndex) input.onHover(p.index);
    }, () => input.onHover(null))}`);
}
