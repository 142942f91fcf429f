/**
 * The row-norm histogram: how many finite rows have each Euclidean norm, as bars, with
 * the median marked, axis titles, a text alternative and a hover read-out per bar.
 */
import { nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import { formatCount, formatNumber, formatShare, plural } from './format';
import { axesLayer, gridLayer, hitArea, hoverReadout, plotSvg, type PlotCursor } from './plotParts';
import { binRange, histogramAnnouncement, histogramReadout } from './plotReadouts';
import { barAt, layoutHistogram, type HistogramData, type HistogramLayout } from './plotGeometry';

export interface HistogramPlotInput {
  histogram: HistogramData;
  median: number | null;
  width: number;
  height: number;
  hoverIndex: number | null;
  onHover(index: number | null): void;
}

let cache: { key: unknown[]; layout: HistogramLayout } | undefined;

export function histogramLayout(p: Pick<HistogramPlotInput, 'histogram' | 'median' | 'width' | 'height'>): HistogramLayout {
  const key = [p.histogram, p.median, p.width, p.height];
  if (!cache || cache.key.some((k, i) => k !== key[i])) {
    cache = { key, layout: layoutHistogram(p.histogram, { width: p.width, height: p.height, marker: p.median }) };
  }
  return cache.layout;
}

/** Text alternative: the range, the bin width and the fullest bin. */
export function histogramDescription(l: HistogramLayout, median: number | null): string {
  if (l.bars.length === 0 || l.total === 0) return 'No finite rows to plot.';
  const fullest = l.bars.reduce((a, b) => (b.count > a.count ? b : a));
  const first = l.bars[0], last = l.bars[l.bars.length - 1];
  const range = l.singleValue
    ? `Every one of the ${plural(l.total, 'row')} has norm ${formatNumber(first.lo)}.`
    : `${plural(l.total, 'row')} in ${plural(l.bars.length, 'equal-width bin')} from ${formatNumber(first.lo)} to ${formatNumber(last.hi)} `
      + `(bin width ${formatNumber(first.hi - first.lo, 3)}); the fullest bin, ${binRange(fullest.lo, fullest.hi, fullest === last)}, holds ${formatCount(fullest.count)} (${formatShare(fullest.count, l.total)}).`;
  return `Histogram of the Euclidean row norms. ${range}${median !== null ? ` Median ${formatNumber(median)}.` : ''}`;
}

function hoverLayer(l: HistogramLayout, index: number | null): SVGTemplateResult | typeof nothing {
  const b = index === null ? undefined : l.bars[index];
  if (!b) return nothing;
  return svg`<g class="hover" aria-hidden="true" data-export="omit">
    <rect class="hover-bar" x=${b.x} y=${b.y} width=${b.width} height=${b.height}></rect>
    ${hoverReadout(l.box, b.x + b.width / 2, Math.min(b.y, l.box.bottom - 4), histogramReadout(b, l.bars.length, l.total))}
  </g>`;
}

/** The keyboard steps through the bins; the hover index is the bin's. */
function histogramCursor(l: HistogramLayout, input: HistogramPlotInput): PlotCursor {
  const b = input.hoverIndex === null ? undefined : l.bars[input.hoverIndex];
  return {
    count: l.bars.length,
    position: b ? b.index : null,
    select: input.onHover,
    announcement: b ? histogramAnnouncement(b, l.bars.length, l.total) : '',
  };
}

export function histogramPlot(input: HistogramPlotInput): TemplateResult {
  const l = histogramLayout(input);
  const { box } = l;
  const desc = histogramDescription(l, input.median);
  const markerRight = l.marker !== null && l.marker.x > (box.left + box.right) / 2;
  return plotSvg({
    id: 'row-norm-histogram', cls: 'plot', label: desc, title: 'Row-norm histogram', description: desc,
    size: l, viewBox: l, cursor: histogramCursor(l, input),
  }, svg`${gridLayer(box, [], l.yTicks)}
    <g class="bars" aria-hidden="true">
      ${l.bars.map(b => svg`<rect class="bar" x=${b.x} y=${b.y} width=${b.width} height=${b.height}></rect>`)}
    </g>
    ${axesLayer({ box, width: l.width, height: l.height, xTicks: l.xTicks, yTicks: l.yTicks,
      xTitle: 'Row norm \u2016x\u2016\u2082', yTitle: 'Rows' })}
    ${l.marker ? svg`<g class="marker" aria-hidden="true">
      <line class="marker-line" x1=${l.marker.x} x2=${l.marker.x} y1=${box.top} y2=${box.bottom}></line>
      <text class="marker-label" x=${l.marker.x + (markerRight ? -6 : 6)} y=${box.top + 10} text-anchor=${markerRight ? 'end' : 'start'}>median ${formatNumber(l.marker.value, 3)}</text>
    </g>` : nothing}
    ${hoverLayer(l, input.hoverIndex)}
    ${hitArea(box, px => {
      const b = barAt(l, px);
      const i = b ? b.index : null;
      if (i !== input.hoverIndex) input.onHover(i);
    }, () => input.onHover(null))}`);
}
