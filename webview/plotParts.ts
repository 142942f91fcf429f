/**
 * SVG pieces every plot shares: grid, axes with ticks and titles, a legend band and the
 * hover read-out. Colours come from classes styled in styles.css (--vscode-* variables).
 * Elements the saved file should not contain carry data-export="omit".
 */
import { nothing, svg, type SVGTemplateResult } from 'lit';
import type { LegendItem, PlotBox, Tick } from './plotScale';
import { LEGEND_SWATCH } from './plotScale';

export function gridLayer(box: PlotBox, xTicks: readonly Tick[], yTicks: readonly Tick[]): SVGTemplateResult {
  return svg`<g class="grid" aria-hidden="true">
    ${yTicks.map(t => svg`<line class=${t.major ? 'grid-major' : 'grid-minor'} x1=${box.left} x2=${box.right} y1=${t.pos} y2=${t.pos}></line>`)}
    ${xTicks.map(t => svg`<line class=${t.major ? 'grid-major' : 'grid-minor'} x1=${t.pos} x2=${t.pos} y1=${box.top} y2=${box.bottom}></line>`)}
  </g>`;
}

export function axesLayer(opts: {
  box: PlotBox; width: number; height: number; xTicks: readonly Tick[]; yTicks: readonly Tick[]; xTitle: string; yTitle: string;
}): SVGTemplateResult {
  const { box } = opts;
  const midY = (box.top + box.bottom) / 2;
  return svg`<g class="axis" aria-hidden="true">
    <line class="axis-line" x1=${box.left} x2=${box.right} y1=${box.bottom} y2=${box.bottom}></line>
    <line class="axis-line" x1=${box.left} x2=${box.left} y1=${box.top} y2=${box.bottom}></line>
    ${opts.yTicks.filter(t => t.label).map(t => svg`<line class="tick" x1=${box.left - 5} x2=${box.left} y1=${t.pos} y2=${t.pos}></line>
      <text class="tick-label" x=${box.left - 8} y=${t.pos} text-anchor="end" dominant-baseline="central">${t.label}</text>`)}
    ${opts.xTicks.filter(t => t.label).map(t => svg`<line class="tick" x1=${t.pos} x2=${t.pos} y1=${box.bottom} y2=${box.bottom + 5}></line>
      <text class="tick-label" x=${t.pos} y=${box.bottom + 18} text-anchor="middle">${t.label}</text>`)}
    <text class="axis-title" x=${(box.left + box.right) / 2} y=${opts.height - 6} text-anchor="middle">${opts.xTitle}</text>
    <text class="axis-title" transform=${`translate(14 ${midY}) rotate(-90)`} text-anchor="middle">${opts.yTitle}</text>
  </g>`;
}

/** How a legend entry's swatch is drawn; `cls` is the class of the series it stands for. */
export type SwatchKind = 'line' | 'dashed' | 'vertical' | 'bar';

export interface LegendEntry { item: LegendItem; kind: SwatchKind; cls: string; tooltip?: string }

export function legendLayer(entries: readonly LegendEntry[]): SVGTemplateResult | typeof nothing {
  if (entries.length === 0) return nothing;
  return svg`<g class="legend">
    ${entries.map(({ item, kind, cls, tooltip }) => {
      const y = item.y;
      const x0 = item.x, x1 = item.x + LEGEND_SWATCH;
      const swatch = kind === 'vertical'
        ? svg`<line class=${`legend-swatch ${cls}`} x1=${x0 + LEGEND_SWATCH / 2} x2=${x0 + LEGEND_SWATCH / 2} y1=${y - 7} y2=${y + 7}></line>`
        : kind === 'bar'
          ? svg`<rect class=${`legend-swatch ${cls}`} x=${x0 + 4} y=${y - 5} width=${LEGEND_SWATCH - 8} height="10"></rect>`
          : svg`<line class=${`legend-swatch ${cls}${kind === 'dashed' ? ' dashed' : ''}`} x1=${x0} x2=${x1} y1=${y} y2=${y}></line>`;
      return svg`<g class="legend-item">${tooltip ? svg`<title>${tooltip}</title>` : nothing}
        ${swatch}<text class="legend-label" x=${x1 + 6} y=${y} dominant-baseline="central">${item.label}</text></g>`;
    })}
  </g>`;
}

/** A small box with one line of text next to (px, py), kept inside the plot box. */
export function hoverReadout(box: PlotBox, px: number, py: number, text: string): SVGTemplateResult {
  const w = Math.round(text.length * 6.6 + 14);
  const h = 20;
  const right = px + 10 + w <= box.right;
  const tx = right ? px + 10 : Math.max(box.left, px - 10 - w);
  const ty = Math.min(Math.max(py - h - 6, box.top), box.bottom - h);
  return svg`<rect class="hover-box" x=${tx} y=${ty} width=${w} height=${h} rx="2"></rect>
    <text class="hover-text" x=${tx + 7} y=${ty + 14}>${text}</text>`;
}

/** The transparent rectangle that receives the pointer over the plot area. */
export function hitArea(box: PlotBox, onMove: (px: number) => void, onLeave: () => void): SVGTemplateResult {
  const move = (e: PointerEvent) => {
    const svgEl = (e.currentTarget as SVGElement).ownerSVGElement;
    if (!svgEl) return;
    onMove(e.clientX - svgEl.getBoundingClientRect().left);
  };
  return svg`<rect class="hit-area" data-export="omit" x=${box.left} y=${box.top} width=${Math.max(0, box.right - box.left)}
    height=${Math.max(0, box.bottom - box.top)} @pointermove=${move} @pointerleave=${onLeave} aria-hidden="true"></rect>`;
}

/** A clip path to the plot box (for lines that could leave it), named by `id`. */
export function clipDef(id: string, box: PlotBox): SVGTemplateResult {
  return svg`<defs><clipPath id=${id}><rect x=${box.left} y=${box.top} width=${Math.max(0, box.right - box.left)} height=${Math.max(0, box.bottom - box.top)}></rect></clipPath></defs>`;
}
