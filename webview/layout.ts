/** Building blocks shared by the sections: a titled section and the page's actions. */
import { html, nothing, type TemplateResult } from 'lit';
import type { PlotFormat, PlotName } from './plotExport';

/** What the page can ask of the host or of itself, passed down to the sections. */
export interface PageActions {
  reanalyze(): void;
  copyMarkdown(): void;
  exportReport(format: 'markdown' | 'json'): void;
  exportPlot(plot: PlotName, format: PlotFormat): void;
  selectArray(name: string): void;
  setLogX(logX: boolean): void;
  /** The pointer is over item `index` of a plot (null: it left the plot). */
  setHover(plot: PlotName, index: number | null): void;
}

/** Which plot item is under the pointer. */
export interface HoverState { plot: PlotName; index: number }

/** The index hovered in `plot`, or null. */
export function hoverIn(hover: HoverState | null, plot: PlotName): number | null {
  return hover && hover.plot === plot ? hover.index : null;
}

/** A report section with an h2 in the light DOM (so it is part of the page's visible text). */
export function section(id: string, title: string, body: unknown, aside?: unknown): TemplateResult {
  return html`<section class="section" id=${`${id}-section`} aria-labelledby=${`${id}-heading`}>
    <header class="section-header">
      <h2 id=${`${id}-heading`}>${title}</h2>
      ${aside ? html`<div class="section-aside">${aside}</div>` : nothing}
    </header>
    ${body}
  </section>`;
}

/** One term/value pair of a definition list; `valueId` names the value for tests and links. */
export function field(term: string, value: unknown, valueId?: string, opts: { mono?: boolean; title?: string } = {}): TemplateResult {
  return html`<div class="field">
    <dt>${term}</dt>
    <dd id=${valueId ?? nothing} class=${opts.mono ? 'mono' : nothing} title=${opts.title ?? nothing}>${value}</dd>
  </div>`;
}
