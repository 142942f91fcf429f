/**
 * SVG pieces every plot shares: the focusable <svg> with its keyboard cursor and live region,
 * grid, axes with ticks and titles, a legend band and the hover read-out. Colours come from
 * classes styled in styles.css (--vscode-* variables). Elements the saved file should not
 * contain carry data-export="omit".
 */
import { html, nothing, svg, type SVGTemplateResult, type TemplateResult } from 'lit';
import { CURSOR_KEYS_HINT, cursorAfterKey } from './plotCursor';
import type { LegendItem, PlotBox, Tick } from './plotScale';
import { LEGEND_SWATCH } from './plotScale';

/**
 * The item a plot's read-out shows, shared by the mouse and the keyboard: items are numbered
 * 0..count−1 in drawing order, and each plot maps them to its own hover index.
 */
export interface PlotCursor {
  count: number;
  /** The item under the cursor, null when none. */
  position: number | null;
  /** Moves the cursor (null clears it); the page re-renders with the read-out at that item. */
  select(position: number | null): void;
  /** What a screen reader hears for the item under the cursor ('' when none). */
  announcement: string;
}

export interface PlotSvgOptions {
  id: string;
  /** Class of the <svg> ('plot' for the data plots). */
  cls: string;
  /** The one-sentence summary: the accessible name. */
  label: string;
  title: string;
  /** The long text alternative, in <desc> and referenced as the description. */
  description: string;
  /** Drawing size in pixels; without it the drawing scales to its container (CSS). */
  size?: { width: number; height: number };
  viewBox: { width: number; height: number };
  cursor: PlotCursor;
}

/**
 * The cursor position each plot's last key chose, until the page re-renders with it: the page
 * draws on the next animation frame, and keys pressed before that must step on from there.
 */
const chosenBeforeRender = new WeakMap<Element, { rendered: number | null; chosen: number | null }>();

function cursorKeyHandler(cursor: PlotCursor): (e: KeyboardEvent) => void {
  return (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const el = e.currentTarget as Element;
    const pending = chosenBeforeRender.get(el);
    const current = pending && pending.rendered === cursor.position ? pending.chosen : cursor.position;
    const r = cursorAfterKey(e.key, current, cursor.count);
    if (!r.handled) return;
    e.preventDefault();
    chosenBeforeRender.set(el, { rendered: cursor.position, chosen: r.position });
    cursor.select(r.position);
  };
}

/** Focus moving elsewhere on the page clears the cursor; the window losing focus does not. */
function cursorBlurHandler(cursor: PlotCursor): () => void {
  return () => {
    if (cursor.position !== null && document.hasFocus()) cursor.select(null);
  };
}

/** Only the focused plot speaks, so moving the mouse over plots does not fill the screen reader's queue. */
function hasFocus(id: string): boolean {
  return typeof document !== 'undefined' && document.activeElement?.id === id;
}

/**
 * A plot's <svg>: focusable, with the keys of plotCursor.ts moving the read-out between its
 * items, its text alternative as the description, and a live region (outside the drawing, so
 * saved files do not have it) announcing the item under the keyboard cursor.
 */
export function plotSvg(o: PlotSvgOptions, content: unknown): TemplateResult {
  const descId = `${o.id}-desc`, keysId = `${o.id}-keys`;
  const size = o.size;
  return html`<svg id=${o.id} class=${o.cls} tabindex="0" role="application" aria-roledescription="plot"
      aria-label=${o.label} aria-describedby=${`${descId} ${keysId}`}
      width=${size ? size.width : nothing} height=${size ? size.height : nothing}
      viewBox=${`0 0 ${o.viewBox.width} ${o.viewBox.height}`} xmlns="http://www.w3.org/2000/svg"
      @keydown=${cursorKeyHandler(o.cursor)} @blur=${cursorBlurHandler(o.cursor)}>
    <title>${o.title}</title>
    <desc id=${descId}>${o.description}</desc>
    ${content}
  </svg><span id=${keysId} hidden>${CURSOR_KEYS_HINT}</span><div id=${`${o.id}-live`} class="plot-live sr-only" role="status"
    aria-live="polite" aria-atomic="true">${o.cursor.position !== null && hasFocus(o.id) ? o.cursor.announcement : ''}</div>`;
}

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
