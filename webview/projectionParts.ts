/**
 * The markup of the projection section that does not hold state: the colour-by choices, the
 * legend (clickable classes or a colour bar), the hover read-out, the selected rows, the text
 * alternative and the picture saved as SVG/PNG. projectionView.ts owns the state, projectionInteraction.ts
 * the pointer and the keys.
 * All file-derived text (labels, texts) goes through lit's text bindings: it is data, never markup.
 */
import { html, nothing, svg, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { formatCount, formatNumber, plural } from './format';
import type { PlotBox } from './plotScale';
import { legendEntries, sequentialColour, type Bucket, type ColourBy, type Colouring, type ThemeColours } from './projectionColours';
import { axisTitle, pointReadout, truncateText, type ComponentChoice, type PointFacts, type SampleMetadata } from './projectionData';
import { KEY_ORDER_TEXT, type Domain, type KeyOrder } from './projectionGeometry';
import { umapButtonLabel, umapProgressText, type UmapState } from './projectionUmap';

/** Rows listed for a box selection (all are counted). */
export const LIST_LIMIT = 100;

/**
 * Inline CSS properties set through the CSSOM (element.style), which the page's Content-Security-
 * Policy allows, unlike a `style` attribute (lit's styleMap writes the attribute on first render).
 */
export function cssProperties(props: Record<string, string>): unknown {
  return ref(el => {
    if (!(el instanceof HTMLElement)) return;
    for (const [k, v] of Object.entries(props)) el.style.setProperty(k, v);
  });
}

/** The theme's colours for the canvas, which has no CSS of its own. */
export type Theme = ThemeColours & { accent: string; foreground: string };

/** The theme's colours as the page's CSS variables resolve them (see styles.css, "projection scatter"). */
export function readTheme(el: Element): Theme {
  const cs = getComputedStyle(el);
  const v = (name: string, fallback: string) => cs.getPropertyValue(name).trim() || fallback;
  return {
    series: v('--series', '#3794ff'), muted: v('--projection-muted', '#8a8a8a'), zero: v('--projection-zero', '#e51400'),
    duplicate: v('--projection-duplicate', '#bf8803'), outlier: v('--projection-outlier', '#b180d7'),
    accent: v('--projection-accent', '#007fd4'), foreground: v('--vscode-foreground', '#616161'),
  };
}

export interface ControlsInput {
  choices: readonly ComponentChoice[];
  pair: readonly [ComponentChoice, ComponentChoice];
  colourOptions: readonly { value: string; label: string }[];
  colourValue: string;
  keyOrder: KeyOrder;
  setPair(axis: 0 | 1, component: number): void;
  setColour(value: string): void;
  setKeyOrder(order: KeyOrder): void;
  resetView(): void;
}

/** The two component selects, the colouring, the keyboard order and "Reset view". */
export function controlsBar(c: ControlsInput): TemplateResult {
  const value = (e: Event) => (e.target as HTMLSelectElement).value;
  const select = (axis: 0 | 1) => html`<label class="projection-control">${axis === 0 ? 'X axis' : 'Y axis'}
    <select id=${axis === 0 ? 'projection-x' : 'projection-y'} @change=${(e: Event) => c.setPair(axis, Number(value(e)))}>
      ${c.choices.map(x => html`<option value=${x.component} ?selected=${x.component === c.pair[axis].component}>${axisTitle(x)}</option>`)}
    </select></label>`;
  return html`<div class="projection-controls">
    ${select(0)}${select(1)}
    <label class="projection-control">Colour by
      <select id="projection-colour" @change=${(e: Event) => c.setColour(value(e))}>
        ${c.colourOptions.map(o => html`<option value=${o.value} ?selected=${o.value === c.colourValue}>${o.label}</option>`)}
      </select></label>
    <label class="projection-control">Keyboard order
      <select id="projection-order" @change=${(e: Event) => c.setKeyOrder(value(e) as KeyOrder)}>
        ${(['nearest', 'row'] as const).map(o => html`<option value=${o} ?selected=${o === c.keyOrder}>${KEY_ORDER_TEXT[o]}</option>`)}
      </select></label>
    <vscode-button secondary id="projection-reset" @click=${c.resetView}>Reset view</vscode-button>
  </div>`;
}

export interface UmapActions { start(): void; cancel(): void; show(view: 'pc' | 'umap'): void }

/**
 * The non-linear view's bar: off by default, a button starts it; while it runs, its progress and
 * Cancel; once done, the switch between the principal components and the UMAP layout.
 */
export function umapBar(s: UmapState, a: UmapActions): TemplateResult {
  const body = s.kind === 'running'
    ? html`<span id="projection-umap-progress" role="status">${umapProgressText(s)}</span>
        <vscode-progress-bar .value=${Math.round(s.fraction * 1000) / 10} max="100" aria-label="UMAP layout progress"></vscode-progress-bar>
        <vscode-button secondary id="projection-umap-cancel" @click=${a.cancel}>Cancel</vscode-button>`
    : s.kind === 'done'
      ? html`<span role="group" aria-label="View">
          <vscode-button ?secondary=${s.showing !== 'pc'} id="projection-show-pc" aria-pressed=${s.showing === 'pc'} @click=${() => a.show('pc')}>Principal components</vscode-button>
          <vscode-button ?secondary=${s.showing !== 'umap'} id="projection-show-umap" aria-pressed=${s.showing === 'umap'} @click=${() => a.show('umap')}>UMAP (non-linear)</vscode-button></span>`
      : html`<vscode-button secondary id="projection-umap-start" @click=${a.start}
          title="A seeded UMAP layout of the same sample, computed on request: a visual aid whose distances and axes are not metric">${umapButtonLabel(s)}</vscode-button>
        ${s.kind === 'failed' ? html`<span id="projection-umap-error" class="muted" role="status">${s.message}</span>` : nothing}`;
  return html`<div class="projection-controls projection-umap">${body}</div>`;
}

/** The colour-by choices for this sample and its metadata, as select values. */
export function colourOptions(meta: SampleMetadata | null): { value: string; label: string }[] {
  const out = [{ value: 'none', label: 'Nothing' }];
  if (meta?.label) out.push({ value: 'label', label: `Label (${meta.label.name})` });
  for (const c of meta?.numeric ?? []) out.push({ value: `numeric:${c.name}`, label: `Column ${c.name}` });
  out.push({ value: 'norm', label: 'Row norm' }, { value: 'finding', label: 'Finding (zero, duplicate, outlier)' });
  return out;
}

export function parseColourBy(value: string): ColourBy {
  if (value === 'label' || value === 'norm' || value === 'finding') return { kind: value };
  if (value.startsWith('numeric:')) return { kind: 'numeric', column: value.slice('numeric:'.length) };
  return { kind: 'none' };
}

/** The box next to the point under the pointer or keyboard, at screen (x, y) of a plot `width` × `height`. */
export function readoutBox(f: PointFacts, x: number, y: number, width: number, height: number): TemplateResult {
  const pos = x + 16 + 260 <= width ? { left: `${x + 14}px`, right: 'auto' } : { left: 'auto', right: `${width - x + 14}px` };
  return html`<div id="projection-readout" class="projection-readout" aria-hidden="true"
      ${cssProperties({ ...pos, top: `${Math.max(0, Math.min(y - 10, height - 80))}px` })}>
    <div class="mono">${pointReadout(f)}</div>
    ${f.text !== null ? html`<div class="projection-text">${truncateText(f.text)}</div>` : nothing}
  </div>`;
}

/** Clickable classes (aria-pressed: shown) or the colour bar with its range. */
export function legendBlock(c: Colouring, hidden: ReadonlySet<string>, toggle: (key: string) => void): TemplateResult | typeof nothing {
  const l = c.legend;
  if (l.kind === 'none') return nothing;
  if (l.kind === 'bar') {
    const stops = Array.from({ length: 9 }, (_, i) => sequentialColour(i / 8)).join(', ');
    const missing = c.buckets.find(b => b.key === 'missing');
    return html`<div class="projection-legend" id="projection-legend">
      <span class="projection-legend-title">${l.title}</span>
      <span class="mono">${formatNumber(l.min, 3)}</span>
      <span class="projection-colour-bar" role="img" aria-label=${`colour scale from ${formatNumber(l.min)} (dark purple) to ${formatNumber(l.max)} (yellow)`}
        ${cssProperties({ 'background-image': `linear-gradient(to right, ${stops})` })}></span>
      <span class="mono">${formatNumber(l.max, 3)}</span>
      ${missing && missing.count ? html`<span class="muted">${plural(missing.count, 'row')} without a value in grey</span>` : nothing}
    </div>`;
  }
  return html`<div class="projection-legend" id="projection-legend" role="group" aria-label=${`${l.title}: click an entry to hide or show it`}>
    <span class="projection-legend-title">${l.title}</span>
    ${legendEntries(c).map(b => html`<button class="projection-legend-entry" aria-pressed=${hidden.has(b.key) ? 'false' : 'true'}
        title=${hidden.has(b.key) ? 'Hidden: click to show' : 'Click to hide'} @click=${() => toggle(b.key)}>
      <span class="projection-swatch" ${cssProperties({ 'background-color': b.colour })}></span>${truncateText(b.label, 40)}
      <span class="muted">${formatCount(b.count)}</span></button>`)}
  </div>`;
}

/** The text alternative: the sample, the range in view, the colouring with its classes. */
export function viewDescription(sample: string, pair: readonly [ComponentChoice, ComponentChoice], d: Domain, c: Colouring, hidden: ReadonlySet<string>): string {
  const l = c.legend;
  const colours = l.kind === 'classes'
    ? ` Coloured by ${l.title.toLowerCase()}: ${legendEntries(c).map(b => `${b.label} ${formatCount(b.count)}${hidden.has(b.key) ? ' (hidden)' : ''}`).join(', ')}.`
    : l.kind === 'bar' ? ` Coloured by ${l.title} from ${formatNumber(l.min)} to ${formatNumber(l.max)}.` : '';
  return `${sample}. The view shows ${axisTitle(pair[0])} from ${formatNumber(d.x0, 3)} to ${formatNumber(d.x1, 3)} `
    + `and ${axisTitle(pair[1])} from ${formatNumber(d.y0, 3)} to ${formatNumber(d.y1, 3)}.${colours} The CSV export lists every point.`;
}

/** The rows of a box selection: the count, the first LIST_LIMIT with label and text, each opening its row. */
export function selectionBlock(sel: readonly number[] | null, rows: readonly number[], meta: SampleMetadata | null,
  openRow: (row: number) => void, clear: () => void): TemplateResult {
  if (!sel) return html`<p class="muted" id="projection-selection-hint">Shift-drag on the plot to select a box of points.</p>`;
  const listed = sel.slice(0, LIST_LIMIT);
  return html`<div class="projection-selection" id="projection-selection">
    <p role="status" id="projection-selection-count">${plural(sel.length, 'row')} selected${sel.length > LIST_LIMIT ? ` (the first ${LIST_LIMIT} listed)` : ''}.
      <vscode-button secondary id="projection-clear-selection" @click=${clear}>Clear selection</vscode-button></p>
    ${listed.length ? html`<ol class="projection-rows">
      ${listed.map(i => {
        const label = meta?.label?.values[i] ?? null, text = meta?.text?.values[i] ?? null;
        return html`<li><a href="#" class="mono" title=${`Open row ${rows[i]}`} @click=${(e: Event) => { e.preventDefault(); openRow(rows[i]); }}>row ${formatCount(rows[i])}</a>
          ${label !== null ? html`<span class="projection-row-label">${truncateText(label, 40)}</span>` : nothing}
          ${text !== null ? html`<span class="muted">${truncateText(text)}</span>` : nothing}</li>`;
      })}
    </ol>` : nothing}
  </div>`;
}

/** Width of the legend band the saved picture adds on the right. */
const EXPORT_LEGEND = 200;

export interface PictureInput {
  width: number;
  height: number;
  box: PlotBox;
  title: string;
  description: string;
  axes: unknown;
  legend: Colouring['legend'];
  /** The legend's entries still shown (classes). */
  entries: readonly Bucket[];
  /** Points drawn as circles (SVG), in screen pixels, with their colours; empty for the PNG (drawn on its canvas). */
  points: readonly { x: number; y: number; colour: string }[];
  radius: number;
  note: string;
}

/** The picture to save: axes, legend band on the right, the points given, and a note under the plot. */
export function picture(p: PictureInput): TemplateResult {
  const width = p.width + (p.legend.kind === 'none' ? 0 : EXPORT_LEGEND);
  const height = p.height + (p.note ? 20 : 0);
  const lx = p.width + 8, top = p.box.top;
  const bar = p.legend.kind === 'bar' ? Array.from({ length: 16 }, (_, s) => sequentialColour((s + 0.5) / 16)) : [];
  return html`<svg id="projection-export" class="plot" width=${width} height=${height} viewBox=${`0 0 ${width} ${height}`} xmlns="http://www.w3.org/2000/svg">
    <title>${p.title}</title>
    <desc>${p.description}</desc>
    ${p.axes}
    ${p.points.length ? svg`<g class="projection-points" fill-opacity="0.85">${p.points.map(q => svg`<circle cx=${q.x.toFixed(1)} cy=${q.y.toFixed(1)} r=${p.radius} fill=${q.colour}></circle>`)}</g>` : nothing}
    ${p.legend.kind !== 'none' ? svg`<text class="legend-label" x=${lx} y=${top + 10}>${truncateText(p.legend.title, 28)}</text>` : nothing}
    ${p.entries.map((b, j) => svg`<rect x=${lx} y=${top + 20 + j * 18} width="10" height="10" fill=${b.colour}></rect>
      <text class="legend-label" x=${lx + 16} y=${top + 29 + j * 18}>${`${truncateText(b.label, 22)} (${formatCount(b.count)})`}</text>`)}
    ${bar.map((c, s) => svg`<rect x=${lx} y=${top + 20 + (15 - s) * 10} width="14" height="10.5" fill=${c}></rect>`)}
    ${p.legend.kind === 'bar' ? svg`<text class="tick-label" x=${lx + 20} y=${top + 30}>${formatNumber(p.legend.max, 3)}</text>
      <text class="tick-label" x=${lx + 20} y=${top + 180}>${formatNumber(p.legend.min, 3)}</text>` : nothing}
    ${p.note ? svg`<text class="axis-title" x=${p.box.left} y=${height - 6}>${p.note}</text>` : nothing}
  </svg>`;
}
