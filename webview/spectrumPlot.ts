/**
 * The eigenvalue spectrum as an inline SVG: log10 eigenvalue against 1-based index,
 * colours only from --vscode-* variables (set in styles.css on the classes used here),
 * with a text alternative (<title>, <desc>, aria-label) and a hover read-out.
 */
import { html, nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import { formatCount, formatNumber, plural } from './format';
import { layoutSpectrum, nearestPoint, type SpectrumLayout } from './plotScale';

export interface SpectrumPlotInput {
  eigenvalues: readonly number[];
  effectiveRank: number | null;
  rowsInStatistics: number;
  width: number;
  height: number;
  logX: boolean;
  /** 1-based index of the eigenvalue under the pointer. */
  hoverIndex: number | null;
  onHover(index: number | null): void;
}

let cache: { key: unknown[]; layout: SpectrumLayout } | undefined;

/** Layout is recomputed only when the data, size or axis changes (not on every hover). */
export function spectrumLayout(p: Pick<SpectrumPlotInput, 'eigenvalues' | 'effectiveRank' | 'width' | 'height' | 'logX'>): SpectrumLayout {
  const key = [p.eigenvalues, p.effectiveRank, p.width, p.height, p.logX];
  if (!cache || cache.key.some((k, i) => k !== key[i])) {
    cache = { key, layout: layoutSpectrum(p.eigenvalues, { width: p.width, height: p.height, logX: p.logX, effectiveRank: p.effectiveRank }) };
  }
  return cache.layout;
}

/** The one-sentence summary used as the plot's accessible name. */
export function spectrumSummary(l: SpectrumLayout, effectiveRank: number | null): string {
  const parts = [`Covariance eigenvalue spectrum: ${plural(l.total, 'eigenvalue')}`];
  if (l.largest !== null) parts.push(`largest ${formatNumber(l.largest)}`);
  if (l.smallestPositive !== null) {
    parts.push(`${l.omittedTiny > 0 ? 'smallest above the zero tolerance' : 'smallest positive'} ${formatNumber(l.smallestPositive)}`);
  }
  if (effectiveRank !== null) parts.push(`effective rank ${formatNumber(effectiveRank)}`);
  if (l.omitted > 0) parts.push(`${formatCount(l.omitted)} numerically zero (zero or negative) not plotted`);
  return parts.join(', ') + '.';
}

function describe(l: SpectrumLayout, rows: number): string {
  const top = l.points.slice(0, 5).map(p => `\u03bb${p.index} = ${formatNumber(p.value)}`).join(', ');
  return `Line plot of the eigenvalues of the sample covariance of ${plural(rows, 'finite row')}, in descending order. `
    + `Vertical axis: eigenvalue on a log10 scale${l.largest !== null ? ` from ${formatNumber(l.smallestPositive)} to ${formatNumber(l.largest)}` : ''}. `
    + `Horizontal axis: index from 1 to ${formatCount(l.total)} on a ${l.logX ? 'log' : 'linear'} scale. `
    + (top ? `First values: ${top}.` : 'No positive eigenvalue to plot.');
}

function hoverLayer(l: SpectrumLayout, hoverIndex: number | null): SVGTemplateResult | typeof nothing {
  const p = hoverIndex === null ? undefined : l.points.find(q => q.index === hoverIndex);
  if (!p) return nothing;
  const text = `\u03bb${formatCount(p.index)} = ${formatNumber(p.value)}`;
  const w = Math.round(text.length * 6.6 + 14);
  const h = 20;
  const right = p.x + 10 + w <= l.box.right;
  const tx = right ? p.x + 10 : p.x - 10 - w;
  const ty = Math.min(Math.max(p.y - h - 6, l.box.top), l.box.bottom - h);
  return svg`<g class="hover" aria-hidden="true">
    <line class="hover-line" x1=${p.x} x2=${p.x} y1=${l.box.top} y2=${l.box.bottom}></line>
    <circle class="hover-dot" cx=${p.x} cy=${p.y} r="4"></circle>
    <rect class="hover-box" x=${tx} y=${ty} width=${w} height=${h} rx="2"></rect>
    <text class="hover-text" x=${tx + 7} y=${ty + 14}>${text}</text>
  </g>`;
}

export function spectrumPlot(input: SpectrumPlotInput): TemplateResult {
  const l = spectrumLayout(input);
  const { box } = l;
  const summary = spectrumSummary(l, input.effectiveRank);
  const midY = (box.top + box.bottom) / 2;
  const showDots = l.points.length <= 64;
  const onMove = (e: PointerEvent) => {
    const svgEl = (e.currentTarget as SVGElement).ownerSVGElement;
    if (!svgEl) return;
    const px = e.clientX - svgEl.getBoundingClientRect().left;
    const p = nearestPoint(l, px);
    if (p && p.index !== input.hoverIndex) input.onHover(p.index);
  };
  return html`<svg id="spectrum-plot" class="plot" role="img" aria-label=${summary}
      width=${l.width} height=${l.height} viewBox=${`0 0 ${l.width} ${l.height}`} xmlns="http://www.w3.org/2000/svg">
    <title>Covariance eigenvalue spectrum</title>
    <desc>${describe(l, input.rowsInStatistics)}</desc>
    <g class="grid" aria-hidden="true">
      ${l.yTicks.map(t => svg`<line class=${t.major ? 'grid-major' : 'grid-minor'} x1=${box.left} x2=${box.right} y1=${t.pos} y2=${t.pos}></line>`)}
      ${l.xTicks.map(t => svg`<line class=${t.major ? 'grid-major' : 'grid-minor'} x1=${t.pos} x2=${t.pos} y1=${box.top} y2=${box.bottom}></line>`)}
    </g>
    <g class="axis" aria-hidden="true">
      <line class="axis-line" x1=${box.left} x2=${box.right} y1=${box.bottom} y2=${box.bottom}></line>
      <line class="axis-line" x1=${box.left} x2=${box.left} y1=${box.top} y2=${box.bottom}></line>
      ${l.yTicks.filter(t => t.label).map(t => svg`<line class="tick" x1=${box.left - 5} x2=${box.left} y1=${t.pos} y2=${t.pos}></line>
        <text class="tick-label" x=${box.left - 8} y=${t.pos} text-anchor="end" dominant-baseline="central">${t.label}</text>`)}
      ${l.xTicks.filter(t => t.label).map(t => svg`<line class="tick" x1=${t.pos} x2=${t.pos} y1=${box.bottom} y2=${box.bottom + 5}></line>
        <text class="tick-label" x=${t.pos} y=${box.bottom + 18} text-anchor="middle">${t.label}</text>`)}
      <text class="axis-title" x=${(box.left + box.right) / 2} y=${l.height - 6} text-anchor="middle">Index (1-based, ${l.logX ? 'log' : 'linear'} scale)</text>
      <text class="axis-title" transform=${`translate(14 ${midY}) rotate(-90)`} text-anchor="middle">Eigenvalue (log\u2081\u2080 scale)</text>
    </g>
    ${l.areaPath ? svg`<path class="series-area" d=${l.areaPath} aria-hidden="true"></path>` : nothing}
    ${l.linePath ? svg`<path class="series-line" d=${l.linePath} aria-hidden="true"></path>` : nothing}
    ${showDots ? svg`<g class="series-dots" aria-hidden="true">${l.points.map(p => svg`<circle cx=${p.x} cy=${p.y} r="2.5"></circle>`)}</g>` : nothing}
    ${l.marker ? svg`<g class="marker" aria-hidden="true">
        <line class="marker-line" x1=${l.marker.x} x2=${l.marker.x} y1=${box.top} y2=${box.bottom}></line>
        <text class="marker-label" x=${l.marker.x + (l.marker.x > (box.left + box.right) / 2 ? -6 : 6)} y=${box.top + 12}
          text-anchor=${l.marker.x > (box.left + box.right) / 2 ? 'end' : 'start'}>effective rank ${formatNumber(l.marker.value, 3)}</text>
      </g>` : nothing}
    ${l.points.length === 0 ? svg`<text class="empty-label" x=${(box.left + box.right) / 2} y=${midY} text-anchor="middle">No positive eigenvalue to plot</text>` : nothing}
    ${hoverLayer(l, input.hoverIndex)}
    <rect class="hit-area" x=${box.left} y=${box.top} width=${Math.max(0, box.right - box.left)} height=${Math.max(0, box.bottom - box.top)}
      @pointermove=${onMove} @pointerleave=${() => input.onHover(null)} aria-hidden="true"></rect>
  </svg>`;
}
