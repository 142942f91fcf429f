/**
 * Pure text helpers for saving a plot as a stand-alone SVG file: resolving var(--…)
 * references against a colour map, turning computed styles into presentation attributes,
 * and finishing the serialised markup (namespace, background, no lit comments).
 * The DOM side is in plotExport.ts; no DOM here, so the unit tests run this under Node.
 */

export const SVG_NS = 'http://www.w3.org/2000/svg';

/** Where a var() reference's parts are in a string. */
interface VarRef { start: number; end: number; name: string; fallback: string | undefined }

/** The first `var(` … `)` at or after `from`, with nested parentheses balanced; undefined when none. */
function findVar(text: string, from: number): VarRef | undefined {
  const start = text.indexOf('var(', from);
  if (start < 0) return undefined;
  let depth = 0, comma = -1;
  for (let i = start + 3; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        const inner = comma >= 0 ? text.slice(start + 4, comma) : text.slice(start + 4, i);
        return { start, end: i + 1, name: inner.trim(), fallback: comma >= 0 ? text.slice(comma + 1, i).trim() : undefined };
      }
    } else if (c === ',' && depth === 1 && comma < 0) comma = i;
  }
  return undefined; // unbalanced: leave the rest as it is
}

/** The custom property names (`--vscode-foreground`, …) that `text` references through var(). */
export function cssVarNames(text: string): string[] {
  const names = new Set<string>();
  const re = /var\(\s*(--[\w-]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) names.add(m[1]);
  return [...names];
}

export type ColourMap = Readonly<Record<string, string | undefined>> | ((name: string) => string | undefined);

/**
 * Replaces every `var(--name)` / `var(--name, fallback)` in `text` by the map's value for
 * the name, else by its (itself resolved) fallback, else by `missing`. Values taken from
 * the map are resolved too, so `--a: var(--b)` chains work; a cycle resolves to `missing`.
 */
export function resolveCssVars(text: string, colours: ColourMap, missing = 'currentColor'): string {
  const lookup = typeof colours === 'function' ? colours : (n: string) => colours[n];
  const resolve = (s: string, seen: ReadonlySet<string>): string => {
    let out = '';
    let pos = 0;
    for (let ref = findVar(s, 0); ref; ref = findVar(s, pos)) {
      out += s.slice(pos, ref.start);
      const raw = seen.has(ref.name) ? undefined : lookup(ref.name)?.trim();
      if (raw) out += resolve(raw, new Set([...seen, ref.name]));
      else if (ref.fallback !== undefined && ref.fallback !== '') out += resolve(ref.fallback, seen);
      else out += missing;
      pos = ref.end;
    }
    return out + s.slice(pos);
  };
  return resolve(text, new Set());
}

export interface Rgba { r: number; g: number; b: number; a: number }

/**
 * Parses the colour forms getComputedStyle returns (`rgb(…)`, `rgba(…)`, also space-separated
 * with a slash) and hex (#rgb, #rgba, #rrggbb, #rrggbbaa), plus `transparent`. Else null.
 */
export function parseColour(value: string): Rgba | null {
  const v = value.trim().toLowerCase();
  if (v === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const hex = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(v);
  if (hex) {
    let h = hex[1];
    if (h.length <= 4) h = [...h].map(c => c + c).join('');
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? Math.round((n(6) / 255) * 1000) / 1000 : 1 };
  }
  const fn = /^rgba?\(\s*([^)]*)\)$/.exec(v);
  if (!fn) return null;
  const parts = fn[1].split(/\s*[,/]\s*|\s+/).filter(p => p.length > 0);
  if (parts.length !== 3 && parts.length !== 4) return null;
  const channel = (p: string) => (p.endsWith('%') ? (parseFloat(p) * 255) / 100 : parseFloat(p));
  const [r, g, b] = parts.slice(0, 3).map(channel);
  const a = parts.length === 4 ? (parts[3].endsWith('%') ? parseFloat(parts[3]) / 100 : parseFloat(parts[3])) : 1;
  if (![r, g, b, a].every(Number.isFinite)) return null;
  const clamp = (x: number, hi: number) => Math.min(hi, Math.max(0, x));
  return { r: Math.round(clamp(r, 255)), g: Math.round(clamp(g, 255)), b: Math.round(clamp(b, 255)), a: clamp(a, 1) };
}

/** `#rrggbb` of a colour (alpha dropped). */
export function toHex(c: Rgba): string {
  return '#' + [c.r, c.g, c.b].map(x => x.toString(16).padStart(2, '0')).join('');
}

/** Elements whose paint the export copies; groups and the root inherit nothing that matters. */
export const PAINTED_ELEMENTS: ReadonlySet<string> = new Set(['path', 'line', 'rect', 'circle', 'ellipse', 'polyline', 'polygon', 'text', 'tspan']);

/** Computed properties copied as presentation attributes, with SVG's initial values (left out when equal). */
const PROPERTY_DEFAULTS: readonly (readonly [string, string | null])[] = [
  ['fill', null],
  ['fill-opacity', '1'],
  ['stroke', 'none'],
  ['stroke-width', '1px'],
  ['stroke-opacity', '1'],
  ['stroke-dasharray', 'none'],
  ['stroke-linecap', 'butt'],
  ['stroke-linejoin', 'miter'],
  ['opacity', '1'],
];

const TEXT_PROPERTIES: readonly (readonly [string, string | null])[] = [
  ['font-family', null],
  ['font-size', null],
  ['font-weight', '400'],
  ['font-style', 'normal'],
];

const round3 = (x: number) => String(Math.round(x * 1000) / 1000);

/**
 * Presentation attributes that reproduce an element's computed paint outside the page.
 * `get(property)` reads the computed value (getComputedStyle(el).getPropertyValue).
 * Colours become `#rrggbb` (their alpha folded into fill-/stroke-opacity, fully transparent
 * becomes `none`), so the file renders the same in tools that do not read rgba().
 */
export function paintAttributes(tag: string, get: (property: string) => string): [string, string][] {
  const name = tag.toLowerCase();
  if (!PAINTED_ELEMENTS.has(name)) return [];
  const props = name === 'text' || name === 'tspan' ? [...PROPERTY_DEFAULTS, ...TEXT_PROPERTIES] : PROPERTY_DEFAULTS;
  const values = new Map<string, string>();
  for (const [p] of props) {
    const v = get(p).trim();
    if (v) values.set(p, v);
  }
  for (const paint of ['fill', 'stroke'] as const) {
    const v = values.get(paint);
    if (!v) continue;
    const c = parseColour(v);
    if (!c) continue; // none, url(#…), currentcolor: kept as they are
    if (c.a === 0) {
      values.set(paint, 'none');
      continue;
    }
    values.set(paint, toHex(c));
    if (c.a < 1) {
      const op = `${paint}-opacity`;
      const base = parseFloat(values.get(op) ?? '1');
      values.set(op, round3((Number.isFinite(base) ? base : 1) * c.a));
    }
  }
  const out: [string, string][] = [];
  for (const [p, initial] of props) {
    const v = values.get(p);
    if (v === undefined) continue;
    if (initial !== null && (v === initial || (p === 'stroke-width' && v === '1'))) continue;
    if (p === 'fill' && values.get('fill') === '#000000') continue; // SVG's initial fill
    out.push([p, v]);
  }
  return out;
}

/** Removes comments (lit's `<!--?lit$…$-->` markers and `<!---->` anchors) from markup. */
export function stripComments(markup: string): string {
  return markup.replace(/<!--[\s\S]*?-->/g, '');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export interface FinishOptions {
  /** Solid background colour painted behind the plot (a theme's editor background). */
  background?: string;
  /** Default font family set on the root. */
  fontFamily?: string;
}

/**
 * A stand-alone SVG document from an element's serialised markup: comments removed,
 * the SVG namespace declared on the root, an optional background rectangle painted first
 * (after the root's <title> and <desc>, which stay its first children). Starts with `<svg`.
 */
export function finishSvg(markup: string, opts: FinishOptions = {}): string {
  let s = stripComments(markup).trim();
  const open = /^<svg\b[^>]*>/.exec(s);
  if (!open) throw new Error('finishSvg: the markup is not an <svg> element');
  let tag = open[0];
  if (!/\sxmlns="/.test(tag)) tag = tag.replace(/^<svg\b/, `<svg xmlns="${SVG_NS}"`);
  if (opts.fontFamily && !/\sfont-family="/.test(tag)) tag = tag.replace(/\/?>$/, m => ` font-family="${escapeAttr(opts.fontFamily!)}"${m}`);
  s = tag + s.slice(open[0].length);
  if (opts.background) {
    const rect = `<rect class="export-background" x="0" y="0" width="100%" height="100%" fill="${escapeAttr(opts.background)}"/>`;
    const head = /^(<svg\b[^>]*>\s*(?:<title\b[^>]*>[\s\S]*?<\/title>\s*)?(?:<desc\b[^>]*>[\s\S]*?<\/desc>\s*)?)/.exec(s);
    const at = head ? head[1].length : tag.length;
    s = s.slice(0, at) + rect + s.slice(at);
  }
  return s;
}

/** Pixel size of a PNG drawn at `scale` times the plot's size (whole pixels, at least 1). */
export function pngSize(width: number, height: number, scale = 2): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A data: URL that loads SVG text as an image (allowed by the page's `img-src data:`). */
export function svgDataUrl(svgText: string): string {
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgText);
}
