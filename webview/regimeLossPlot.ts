/**
 * The regime section's loss plot as an inline SVG: loss against gradient-flow time t,
 * predicted train (one colour) and population (another) loss of each face prediction
 * (nearest solid, second dashed, faded past the trusted horizon), the simulated GD mean as
 * markers with a ±1 sd band, the trusted horizons and the long-time limits. Layout in
 * regimeCurves.ts; colours from classes styled in styles.css.
 */
import { nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import { formatNumber } from './format';
import { axesLayer, clipDef, gridLayer, hitArea, plotSvg, type PlotCursor } from './plotParts';
import { lossAnnouncement } from './plotReadouts';
import { LEGEND_SWATCH, type PlotBox } from './plotScale';
import { gridIndexAt, readoutLines, type LossLayout, type LossLegendEntry } from './regimeCurves';

export interface LossPlotInput {
  layout: LossLayout;
  /** Index into layout.grid under the pointer or the keyboard cursor. */
  hoverIndex: number | null;
  onHover(index: number | null): void;
}

const QUANTITY_NAME = { train: 'train', pop: 'population' } as const;

/** One-sentence summary: the accessible name of the plot. */
export function lossSummary(l: LossLayout): string {
  const c = l.curves;
  const parts = [`Loss against gradient-flow time t from 0 to ${formatNumber(c.tEnd, 3)} on a ${l.logY ? 'log' : 'linear'} loss axis`];
  for (const p of l.predicted) {
    const last = p.beyond.length ? p.beyond[p.beyond.length - 1] : p.trusted[p.trusted.length - 1];
    if (!last) continue;
    parts.push(`predicted ${QUANTITY_NAME[p.quantity]} loss (${p.faceName}, ${p.role}) ${formatNumber(last.v, 3)} at t = ${formatNumber(last.t, 3)}`
      + (p.trustedUntil === null ? ' (not trusted)' : p.beyond.length ? ` (trusted up to t = ${formatNumber(p.trustedUntil, 3)})` : '')
      + (p.endedAt !== null ? `, ending at t = ${formatNumber(p.endedAt, 3)} where the formula leaves its domain` : ''));
  }
  for (const s of l.simulated) {
    const last = s.mean[s.mean.length - 1];
    parts.push(`simulated ${QUANTITY_NAME[s.quantity]} loss ${formatNumber(last.v, 3)} at t = ${formatNumber(last.t, 3)} (mean of ${c.runs} GD runs)`);
  }
  for (const lim of c.limits) parts.push(`${QUANTITY_NAME[lim.quantity]} limit L(\u221e) = ${formatNumber(lim.value, 4)}`);
  return parts.join('; ') + '.';
}

function legendSwatch(e: LossLegendEntry, x0: number, y: number): SVGTemplateResult {
  const x1 = x0 + LEGEND_SWATCH, mid = x0 + LEGEND_SWATCH / 2;
  switch (e.kind) {
    case 'pred-nearest': return svg`<line class="legend-swatch loss-neutral" x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
    case 'pred-second': return svg`<line class="legend-swatch loss-neutral dashed" x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
    case 'simulation': return svg`<rect class="legend-band" x=${x0} y=${y - 5} width=${LEGEND_SWATCH} height="10"></rect>
      <circle class="sim-marker neutral" cx=${mid} cy=${y} r="3"></circle>`;
    case 'train': return svg`<rect class="legend-colour q-train" x=${x0 + 3} y=${y - 5} width=${LEGEND_SWATCH - 6} height="10" rx="2"></rect>`;
    case 'pop': return svg`<rect class="legend-colour q-pop" x=${x0 + 3} y=${y - 5} width=${LEGEND_SWATCH - 6} height="10" rx="2"></rect>`;
    case 'horizon': return svg`<line class="legend-swatch horizon-line" x1=${mid} x2=${mid} y1=${y - 7} y2=${y + 7}></line>`;
    case 'limit': return svg`<line class="legend-swatch limit-line loss-neutral" x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
  }
}

function legendLayer(l: LossLayout): SVGTemplateResult {
  return svg`<g class="legend">${l.legend.items.map((item, i) => {
    const e = l.legendEntries[i];
    return svg`<g class="legend-item"><title>${e.tooltip}</title>${legendSwatch(e, item.x, item.y)}
      <text class="legend-label" x=${item.x + LEGEND_SWATCH + 6} y=${item.y} dominant-baseline="central">${item.label}</text></g>`;
  })}</g>`;
}

/** A multi-line read-out box next to column px, kept inside the plot box. */
function readoutBox(box: PlotBox, px: number, lines: string[]): SVGTemplateResult {
  const w = Math.round(Math.max(...lines.map(s => s.length)) * 7.1 + 16);
  const h = lines.length * 16 + 8;
  const tx = px + 12 + w <= box.right ? px + 12 : Math.max(box.left + 2, px - 12 - w);
  const ty = box.top + 6;
  return svg`<rect class="hover-box" x=${tx} y=${ty} width=${w} height=${h} rx="2"></rect>
    ${lines.map((s, i) => svg`<text class=${`hover-text${i === 0 ? ' hover-head' : ''}`} x=${tx + 8} y=${ty + 16 + i * 16}>${s}</text>`)}`;
}

function hoverLayer(l: LossLayout, index: number | null): SVGTemplateResult | typeof nothing {
  if (index === null || index < 0 || index >= l.grid.length) return nothing;
  const t = l.grid[index];
  const x = l.xPos(t);
  const dots: SVGTemplateResult[] = [];
  for (const s of l.simulated) {
    const p = s.mean.find(q => Math.abs(q.t - t) < 1e-9 * Math.max(1, t));
    if (p && (!l.logY || p.v > 0)) dots.push(svg`<circle class=${`hover-dot q-${s.quantity}`} cx=${x} cy=${l.yPos(p.v)} r="4"></circle>`);
  }
  return svg`<g class="hover" aria-hidden="true" data-export="omit">
    <line class="hover-line" x1=${x} x2=${x} y1=${l.box.top} y2=${l.box.bottom}></line>
    ${dots}
    ${readoutBox(l.box, x, readoutLines(l.curves, t))}
  </g>`;
}

/** The keyboard steps through the time grid; the hover index is the grid index. */
function lossCursor(l: LossLayout, input: LossPlotInput): PlotCursor {
  const i = input.hoverIndex !== null && input.hoverIndex >= 0 && input.hoverIndex < l.grid.length ? input.hoverIndex : null;
  return {
    count: l.grid.length,
    position: i,
    select: input.onHover,
    announcement: i === null ? '' : lossAnnouncement(readoutLines(l.curves, l.grid[i]), i, l.grid.length),
  };
}

export function lossPlot(input: LossPlotInput): TemplateResult {
  const l = input.layout;
  const { box } = l;
  const summary = lossSummary(l);
  const empty = l.predicted.length === 0 && l.simulated.length === 0;
  return plotSvg({
    id: 'regime-loss-plot', cls: 'plot loss-plot', label: summary, title: 'Predicted and simulated loss curves of the weight-tied autoencoder',
    description: `${summary} Predicted curves: the nearest face solid, the second face dashed, faded past the time up to which `
      + `the face's validity diagnostic holds (vertical markers). Simulation: mean of full-batch GD runs (markers) with a \u00b11 standard deviation band.`,
    size: l, viewBox: l, cursor: lossCursor(l, input),
  }, svg`${clipDef('regime-loss-clip', box)}
    ${gridLayer(box, l.xTicks, l.yTicks)}
    ${axesLayer({ box, width: l.width, height: l.height, xTicks: l.xTicks, yTicks: l.yTicks,
      xTitle: 'Gradient-flow time t = k\u00b7\u03b7 (k steps)', yTitle: `Loss${l.logY ? ' (log\u2081\u2080 scale)' : ''}` })}
    <g clip-path="url(#regime-loss-clip)">
      ${l.limits.map(lim => svg`<g class="limit"><title>${`${QUANTITY_NAME[lim.quantity]} loss limit L(\u221e) = ${formatNumber(lim.value, 4)}`}</title>
        <line class=${`limit-line q-${lim.quantity}`} x1=${box.left} x2=${box.right} y1=${lim.y} y2=${lim.y}></line></g>`)}
      ${l.simulated.map(s => svg`<path class=${`sim-band q-${s.quantity}`} d=${s.bandPath} aria-hidden="true"></path>`)}
      ${l.predicted.map(p => {
        const dash = p.role === 'second' ? ' dashed' : '';
        return svg`${p.path.beyond ? svg`<path class=${`pred-line beyond q-${p.quantity}${dash}`} d=${p.path.beyond} aria-hidden="true"></path>` : nothing}
          ${p.path.trusted ? svg`<path class=${`pred-line q-${p.quantity}${dash}`} d=${p.path.trusted} aria-hidden="true"></path>` : nothing}`;
      })}
      ${l.simulated.map(s => svg`<path class=${`sim-line q-${s.quantity}`} d=${s.linePath} aria-hidden="true"></path>
        <g class=${`sim-markers q-${s.quantity}`} aria-hidden="true">${s.markers.map(m => svg`<circle class="sim-marker" cx=${m.x} cy=${m.y} r="3"></circle>`)}</g>`)}
    </g>
    ${l.horizons.map(h => svg`<g class="horizon"><title>${`${h.faceName} prediction trusted up to t = ${formatNumber(h.t, 3)}`}</title>
      <line class=${`horizon-line${h.role === 'second' ? ' dashed' : ''}`} x1=${h.x} x2=${h.x} y1=${box.top} y2=${box.bottom}></line>
      <text class="horizon-label" x=${h.x + 4} y=${h.labelY}>${`${h.faceName} trusted \u2264 ${formatNumber(h.t, 3)}`}</text></g>`)}
    ${l.limits.map(lim => svg`<text class=${`limit-label q-${lim.quantity}`} x=${box.left + 6} y=${lim.labelY} text-anchor="start" aria-hidden="true">${`L${lim.quantity === 'train' ? '_train' : '_pop'}(\u221e)`}</text>`)}
    ${empty ? svg`<text class="empty-label" x=${(box.left + box.right) / 2} y=${(box.top + box.bottom) / 2} text-anchor="middle">No curve to plot</text>` : nothing}
    ${legendLayer(l)}
    ${hoverLayer(l, input.hoverIndex)}
    ${hitArea(box, px => {
      const i = gridIndexAt(l, px);
      if (i !== input.hoverIndex) input.onHover(i);
    }, () => input.onHover(null))}`);
}
