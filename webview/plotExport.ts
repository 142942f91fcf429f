/**
 * Saving a plot: the SVG as a stand-alone file (its theme colours, which the page gets
 * from CSS classes and --vscode-* variables, written onto the elements), or a PNG drawn
 * from that SVG on a canvas at twice the size. The page posts the result to the host,
 * which asks where to save it. The image loads from a data: URL (the CSP's img-src allows
 * data:), so the canvas is not tainted and toDataURL works.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { cssVarNames, finishSvg, paintAttributes, pngSize, resolveCssVars, svgDataUrl } from './svgExport';

export type PlotName = 'spectrum' | 'cumulative' | 'row-norms' | 'compare-spectrum';
export type PlotFormat = 'svg' | 'png';

/** The id of each plot's <svg> element. */
export const PLOT_ELEMENT_ID: Record<PlotName, string> = {
  spectrum: 'spectrum-plot',
  cumulative: 'cumulative-plot',
  'row-norms': 'row-norm-histogram',
  'compare-spectrum': 'compare-spectrum-plot',
};

/** Background of the saved file: the editor's, as the plot is seen in the panel. */
const BACKGROUND = 'var(--vscode-editor-background, var(--vscode-sideBar-background, #ffffff))';

function themeLookup(): (name: string) => string | undefined {
  const root = getComputedStyle(document.documentElement);
  const body = getComputedStyle(document.body);
  return name => body.getPropertyValue(name).trim() || root.getPropertyValue(name).trim() || undefined;
}

/** The plot as a stand-alone SVG document (starts with `<svg`, declares its namespace). */
export function plotSvgText(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const live = [svg, ...Array.from(svg.querySelectorAll('*'))];
  const copy = [clone, ...Array.from(clone.querySelectorAll('*'))];
  for (let i = 0; i < live.length && i < copy.length; i++) {
    const el = live[i];
    const style = getComputedStyle(el);
    for (const [k, v] of paintAttributes(el.localName, p => style.getPropertyValue(p))) copy[i].setAttribute(k, v);
  }
  // Pointer targets and the hover read-out belong to the page, not to the picture.
  for (const el of Array.from(clone.querySelectorAll('[data-export="omit"]'))) el.remove();
  // The keyboard cursor belongs to the page too: the saved file is a picture with its text alternative.
  clone.removeAttribute('tabindex');
  clone.removeAttribute('aria-roledescription');
  clone.removeAttribute('aria-describedby');
  clone.setAttribute('role', 'img');
  const lookup = themeLookup();
  const background = resolveCssVars(BACKGROUND, lookup, '#ffffff');
  const markup = new XMLSerializer().serializeToString(clone);
  // Anything still referring to a theme variable (none expected) gets the theme's value.
  const resolved = cssVarNames(markup).length ? resolveCssVars(markup, lookup) : markup;
  return finishSvg(resolved, { background, fontFamily: getComputedStyle(svg).fontFamily });
}

/**
 * The plot as a `data:image/png;base64,…` URL at `scale` times its size. `paintOver` draws on
 * top in the plot's own pixel units (the projection's points, which its SVG leaves out).
 */
export async function plotPngDataUrl(svg: SVGSVGElement, scale = 2, paintOver?: (ctx: CanvasRenderingContext2D) => void): Promise<string> {
  const text = plotSvgText(svg);
  const w = svg.width.baseVal.value || svg.getBoundingClientRect().width;
  const h = svg.height.baseVal.value || svg.getBoundingClientRect().height;
  const img = new Image();
  img.width = w;
  img.height = h;
  img.src = svgDataUrl(text);
  await img.decode();
  const size = pngSize(w, h, scale);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas context');
  ctx.setTransform(size.width / w, 0, 0, size.height / h, 0, 0);
  ctx.drawImage(img, 0, 0, w, h);
  paintOver?.(ctx);
  return canvas.toDataURL('image/png');
}

/** The plot's data for an exportPlot message, or undefined when the plot is not on the page. */
export async function exportPlotData(plot: PlotName, format: PlotFormat): Promise<string | undefined> {
  const el = document.getElementById(PLOT_ELEMENT_ID[plot]);
  if (!(el instanceof SVGSVGElement)) return undefined;
  return format === 'svg' ? plotSvgText(el) : plotPngDataUrl(el);
}

export type ExportFormat = PlotFormat | 'csv';

const FORMAT_ICON: Record<ExportFormat, string> = { svg: 'file-code', png: 'file-media', csv: 'table' };

/** Small "Save as …" buttons (ids `export-<plot>-<format>`) of a plot's header. */
export function exportToolbar(plot: string, title: string, formats: readonly ExportFormat[], onExport: (format: ExportFormat) => void): TemplateResult {
  const button = (format: ExportFormat) => {
    const label = format === 'csv' ? `Save the ${title.toLowerCase()} plot's data as CSV` : `Save the ${title.toLowerCase()} plot as ${format.toUpperCase()}`;
    return html`<vscode-toolbar-button class="export-button" id=${`export-${plot}-${format}`} icon=${FORMAT_ICON[format]}
      label=${label} title=${`Save as ${format.toUpperCase()}`} @click=${() => onExport(format)}>${format.toUpperCase()}</vscode-toolbar-button>`;
  };
  return html`<div class="plot-toolbar" role="toolbar" aria-label=${`${title} plot actions`}>
    ${formats.map(button)}
  </div>`;
}

/** The small "Save as SVG" / "Save as PNG" buttons of a plot's header. */
export function plotToolbar(plot: PlotName, title: string, onExport: (plot: PlotName, format: PlotFormat) => void): TemplateResult {
  return exportToolbar(plot, title, ['svg', 'png'], format => onExport(plot, format as PlotFormat));
}

/** A plot's figure: a header with its title and export buttons, the plot, then its caption. */
export function plotFigure(opts: {
  id: string; plot: PlotName; title: string; body: unknown; caption?: unknown; captionId?: string; aside?: unknown;
  onExport: (plot: PlotName, format: PlotFormat) => void;
}): TemplateResult {
  return html`<figure class="plot-figure" id=${opts.id}>
    <div class="plot-header">
      <span class="plot-title">${opts.title}</span>
      <div class="plot-header-aside">${opts.aside ?? ''}${plotToolbar(opts.plot, opts.title, opts.onExport)}</div>
    </div>
    <div class="plot-body">${opts.body}</div>
    ${opts.caption ? html`<figcaption id=${opts.captionId ?? nothing}>${opts.caption}</figcaption>` : ''}
  </figure>`;
}
