/** Building blocks shared by the sections: a titled section and the page's actions. */
import { html, nothing, type TemplateResult } from 'lit';

/** What the page can ask of the host or of itself, passed down to the sections. */
export interface PageActions {
  reanalyze(): void;
  copyMarkdown(): void;
  setLogX(logX: boolean): void;
  setHover(index: number | null): void;
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
