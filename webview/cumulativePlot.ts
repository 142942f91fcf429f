/**
 * Cumulative explained variance: the share of the total variance in the top k principal
 * directions against k (linear 0–100% vertically; log or linear k like the spectrum),
 * with the k that reaches 90% marked, a text alternative and a hover read-out.
 */
import { nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import { formatCount } from './format';
import { axesLayer, gridLayer, hitArea, hoverReadout, plotSvg, type PlotCursor } from './plotParts';
import { cumulativeAnnouncement, cumulativeReadout } from './plotReadouts';
import { componentsFor, layoutCumulative, type CumulativeLayout } from './plotGeometry';
import { nearestPoint } from './plotScale';

export interface CumulativePlotInput {
  eigenvalues: readonly number[];
  width: number;
  height: number;
  logX: boolean;
  hoverIndex: number | null;
  onHover(index: number | null): void;
}

let cache: { key: unknown[]; layout: CumulativeLayout } | undefined;

export function cumulativeLayout(p: Pick<CumulativePlotInput, 'eigenvalues' | 'width' | 'height' | 'logX'>): CumulativeLayout {
  const key = [p.eigenvalues, p.width, p.height, p.logX];
  if (!cache || cache.key.some((k, i) => k !== key[i])) {
    cache = { key, layout: layoutCumulative(p.eigenvalues, { width: p.width, height: p.height, logX: p.logX, targets: [0.9] }) };
  }
  return cache.layout;
}

/** `Half of the variance lies in the top 7 directions, 90% in the top 57 and 99% in the top 210 (of 384).` */
export function cumulativeSentence(fractions: readonly number[]): string {
  if (fractions.length === 0) return 'There is no variance to explain: every eigenvalue is zero.';
  const k = (t: number) => componentsFor(fractions, t);
  const dirs = (n: number | null) => (n === null ? '\u2014' : n === 1 ? 'the top direction' : `the top ${formatCount(n)}`);
  const k50 = k(0.5), k90 = k(0.9), k99 = k(0.99);
  return `Half of the variance lies in ${dirs(k50)}, 90% in ${dirs(k90)} and 99% in ${dirs(k99)} (of ${formatCount(fractions.length)} directions).`;
}

function hoverLayer(l: CumulativeLayout, hoverIndex: number | null): SVGTemplateResult | typeof nothing {
  const p = hoverIndex === null ? undefined : l.points[hoverIndex - 1];
  if (!p) return nothing;
  return svg`<g class="hover" aria-hidden="true" data-export="omit">
    <line class="hover-line" x1=${p.x} x2=${p.x} y1=${l.box.top} y2=${l.box.bottom}></line>
    <circle class="hover-dot" cx=${p.x} cy=${p.y} r="4"></circle>
    ${hoverReadout(l.box, p.x, p.y, cumulativeReadout(p))}
  </g>`;
}

/** The keyboard steps through k = 1..n; the hover index is k. */
function cumulativeCursor(l: CumulativeLayout, input: CumulativePlotInput): PlotCursor {
  const p = input.hoverIndex === null ? undefined : l.points[input.hoverIndex - 1];
  return {
    count: l.points.length,
    position: p ? input.hoverIndex! - 1 : null,
    select: pos => input.onHover(pos === null ? null : pos + 1),
    announcement: p ? cumulativeAnnouncement(p, l.total) : '',
  };
}

export function cumulativePlot(input: CumulativePlotInput): TemplateResult {
  const l = cumulativeLayout(input);
  const { box } = l;
  const sentence = cumulativeSentence(l.fractions);
  const midY = (box.top + box.bottom) / 2;
  return plotSvg({
    id: 'cumulative-plot', cls: 'plot', label: `Cumulative explained variance against k. ${sentence}`, title: 'Cumulative explained variance',
    description: `Line plot of the share of the total variance in the top k eigenvalues, for k from 1 to ${formatCount(l.total)} `
      + `(${l.logX ? 'log' : 'linear'} scale), vertical axis 0% to 100%. ${sentence}`,
    size: l, viewBox: l, cursor: cumulativeCursor(l, input),
  }, svg`${gridLayer(box, l.xTicks, l.yTicks)}
    ${axesLayer({ box, width: l.width, height: l.height, xTicks: l.xTicks, yTicks: l.yTicks,
      xTitle: `Components k (${l.logX ? 'log' : 'linear'} scale)`, yTitle: 'Variance explained (%)' })}
    ${l.guides.map(g => {
      // The label sits on the empty side of the guide: above its left end while the curve is still below it there.
      const above = (l.points[0]?.value ?? 1) < g.target - 0.08;
      return svg`<g class="guide" aria-hidden="true">
        <line class="guide-line" x1=${box.left} x2=${g.x} y1=${g.y} y2=${g.y}></line>
        <line class="guide-line" x1=${g.x} x2=${g.x} y1=${g.y} y2=${box.bottom}></line>
        <circle class="guide-dot" cx=${g.x} cy=${g.y} r="3.5"></circle>
        <text class="guide-label" x=${above ? box.left + 6 : box.right - 6} y=${above ? g.y - 6 : g.y + 16}
          text-anchor=${above ? 'start' : 'end'}>${`${Math.round(g.target * 100)}% of the variance at k = ${formatCount(g.k)}`}</text>
      </g>`;
    })}
    ${l.areaPath ? svg`<path class="series-area" d=${l.areaPath} aria-hidden="true"></path>` : nothing}
    ${l.linePath ? svg`<path class="series-line cumulative-line" d=${l.linePath} aria-hidden="true"></path>` : nothing}
    ${l.points.length === 0 ? svg`<text class="empty-label" x=${(box.left + box.right) / 2} y=${midY} text-anchor="middle">No variance to plot</text>` : nothing}
    ${hoverLayer(l, input.hoverIndex)}
    ${hitArea(box, px => {
      const p = nearestPoint(l, px);
      if (p && p.index !== input.hoverIndex) input.onHover(p.index);
    }, () => input.onHover(null))}`);
}
