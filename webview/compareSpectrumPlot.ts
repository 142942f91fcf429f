/**
 * Two eigenvalue spectra on one log-scale plot (the compare view): left and right in
 * their own colours (the right one also dashed, so the two differ without colour), a
 * legend with the file names, a text alternative and a read-out of both values at an index.
 */
import { nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import { formatCount, formatNumber } from './format';
import { indexAt } from './plotGeometry';
import { axesLayer, gridLayer, hitArea, hoverReadout, legendLayer, plotSvg, type LegendEntry, type PlotCursor } from './plotParts';
import { compareSpectrumAnnouncement, compareSpectrumReadout } from './plotReadouts';
import { layoutSpectra, type SpectraLayout } from './plotScale';

export interface CompareSpectrumInput {
  left: readonly number[];
  right: readonly number[];
  labels: { left: string; right: string };
  width: number;
  height: number;
  logX: boolean;
  hoverIndex: number | null;
  onHover(index: number | null): void;
}

let cache: { key: unknown[]; layout: SpectraLayout } | undefined;

export function compareSpectrumLayout(p: Pick<CompareSpectrumInput, 'left' | 'right' | 'labels' | 'width' | 'height' | 'logX'>): SpectraLayout {
  const key = [p.left, p.right, p.labels.left, p.labels.right, p.width, p.height, p.logX];
  if (!cache || cache.key.some((k, i) => k !== key[i])) {
    cache = { key, layout: layoutSpectra([p.left, p.right], { width: p.width, height: p.height, logX: p.logX, legend: [`Left: ${p.labels.left}`, `Right: ${p.labels.right}`] }) };
  }
  return cache.layout;
}

const SIDES = ['left', 'right'] as const;

function hoverLayer(l: SpectraLayout, index: number | null): SVGTemplateResult | typeof nothing {
  if (index === null) return nothing;
  const pts = l.series.map(s => s.points.find(p => p.index === index));
  if (!pts[0] && !pts[1]) return nothing;
  const x = (pts[0] ?? pts[1])!.x;
  const text = compareSpectrumReadout(index, pts[0]?.value, pts[1]?.value);
  const y = Math.min(...pts.filter(p => p).map(p => p!.y));
  return svg`<g class="hover" aria-hidden="true" data-export="omit">
    <line class="hover-line" x1=${x} x2=${x} y1=${l.box.top} y2=${l.box.bottom}></line>
    ${pts.map((p, i) => (p ? svg`<circle class=${`hover-dot side-${SIDES[i]}`} cx=${p.x} cy=${p.y} r="4"></circle>` : nothing))}
    ${hoverReadout(l.box, x, y, text)}
  </g>`;
}

/** The keyboard steps through k = 1..xMax; the hover index is k. */
function compareCursor(l: SpectraLayout, input: CompareSpectrumInput): PlotCursor {
  const k = input.hoverIndex;
  const valueAt = (i: number) => (k === null ? undefined : l.series[i].points.find(p => p.index === k)?.value);
  const empty = l.series.every(s => s.points.length === 0);
  return {
    count: empty ? 0 : l.xMax,
    position: k === null || empty ? null : k - 1,
    select: pos => input.onHover(pos === null ? null : pos + 1),
    announcement: k === null ? '' : compareSpectrumAnnouncement(k, l.xMax, valueAt(0), valueAt(1), input.labels),
  };
}

export function compareSpectrumSummary(l: SpectraLayout, labels: { left: string; right: string }): string {
  const side = (i: number, name: string) => {
    const s = l.series[i];
    return s.largest === null
      ? `${name}: no positive eigenvalue`
      : `${name}: ${formatCount(s.total)} eigenvalues from ${formatNumber(s.largest)} down to ${formatNumber(s.smallestPositive)}${s.omitted ? ` (${formatCount(s.omitted)} numerically zero not plotted)` : ''}`;
  };
  return `Eigenvalue spectra of both dumps on a log scale. ${side(0, `Left, ${labels.left}`)}. ${side(1, `Right, ${labels.right}`)}.`;
}

export function compareSpectrumPlot(input: CompareSpectrumInput): TemplateResult {
  const l = compareSpectrumLayout(input);
  const { box } = l;
  const summary = compareSpectrumSummary(l, input.labels);
  const entries: LegendEntry[] = l.legend.items.map((item, i) => ({ item, kind: i === 0 ? 'line' : 'dashed', cls: `series-${SIDES[i]}` }));
  const empty = l.series.every(s => s.points.length === 0);
  return plotSvg({
    id: 'compare-spectrum-plot', cls: 'plot', label: summary, title: `Eigenvalue spectra: ${input.labels.left} and ${input.labels.right}`,
    description: `${summary} Horizontal axis: index from 1 to ${formatCount(l.xMax)} on a ${l.logX ? 'log' : 'linear'} scale.`,
    size: l, viewBox: l, cursor: compareCursor(l, input),
  }, svg`${gridLayer(box, l.xTicks, l.yTicks)}
    ${axesLayer({ box, width: l.width, height: l.height, xTicks: l.xTicks, yTicks: l.yTicks,
      xTitle: `Index k (1-based, ${l.logX ? 'log' : 'linear'} scale)`, yTitle: 'Eigenvalue (log\u2081\u2080 scale)' })}
    ${l.series.map((s, i) => (s.linePath ? svg`<path class=${`series-${SIDES[i]}${i === 1 ? ' dashed' : ''}`} d=${s.linePath} aria-hidden="true"></path>` : nothing))}
    ${empty ? svg`<text class="empty-label" x=${(box.left + box.right) / 2} y=${(box.top + box.bottom) / 2} text-anchor="middle">No positive eigenvalue to plot</text>` : nothing}
    ${legendLayer(entries)}
    ${hoverLayer(l, input.hoverIndex)}
    ${hitArea(box, px => {
      const k = indexAt(l.xPos, px, l.xMax);
      if (k !== input.hoverIndex) input.onHover(k);
    }, () => input.onHover(null))}`);
}
