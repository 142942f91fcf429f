/**
 * The projection's optional non-linear view (UMAP), as the page models it: the state of the
 * request (off until the user asks, running with progress, done, failed or cancelled), which
 * view the scatter shows (principal components or UMAP), and the UMAP layout turned into the
 * projection the scatter draws, so colouring, hover, selection and export work unchanged on it.
 * Pure (no DOM), so the unit tests run it under Node.
 */
import type { Projection, UmapProjection } from '../src/core/report/projection';
import type { ComponentChoice } from './projectionData';
import { formatPercent, plural } from './format';

export type UmapState =
  | { kind: 'off' }
  | { kind: 'running'; fraction: number; message: string }
  | { kind: 'done'; layout: UmapProjection; showing: 'pc' | 'umap' }
  | { kind: 'failed'; code: string; message: string };

export const UMAP_OFF: UmapState = { kind: 'off' };

/** What changes the state: the host's messages and the user's switch. */
export type UmapEvent =
  | { type: 'start' }
  | { type: 'umapProgress'; fraction: number; message: string }
  | { type: 'umap'; layout: UmapProjection }
  | { type: 'umapError'; code: string; message: string }
  | { type: 'show'; view: 'pc' | 'umap' };

/** The state after an event; a layout arriving is shown at once, a late progress message does not undo a result. */
export function umapAfter(s: UmapState, e: UmapEvent): UmapState {
  switch (e.type) {
    case 'start': return { kind: 'running', fraction: 0, message: 'Starting' };
    case 'umapProgress': return s.kind === 'done' ? s : { kind: 'running', fraction: Math.max(0, Math.min(1, e.fraction)), message: e.message };
    case 'umap': return { kind: 'done', layout: e.layout, showing: 'umap' };
    case 'umapError': return { kind: 'failed', code: e.code, message: e.code === 'cancelled' ? 'Cancelled. The principal components are shown.' : e.message };
    case 'show': return s.kind === 'done' ? { ...s, showing: e.view } : s;
  }
}

/** The label of the button that starts the layout (again, after a failure or cancellation). */
export function umapButtonLabel(s: UmapState): string {
  return s.kind === 'failed' ? 'Non-linear view (UMAP) again…' : 'Non-linear view (UMAP)…';
}

/** `Computing the UMAP layout: 42% (Epoch 80 of 200)`. */
export function umapProgressText(s: Extract<UmapState, { kind: 'running' }>): string {
  return `Computing the UMAP layout: ${formatPercent(s.fraction)}${s.message ? ` (${s.message})` : ''}`;
}

/** The caption of the UMAP view: the note (not metric, seed, n_neighbors, min_dist, rows) and how it was made. */
export function umapCaption(u: UmapProjection): string {
  return `${u.note} Computed by ${u.library} on ${u.input}, ${u.epochs} epochs; ${u.sampleMethod}.`;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Structural check of a 'umap' message's layout. */
export function isUmapProjection(v: unknown): v is UmapProjection {
  if (typeof v !== 'object' || v === null) return false;
  const u = v as Record<string, unknown>;
  if (!Array.isArray(u.rows) || !u.rows.every(r => Number.isSafeInteger(r) && (r as number) >= 0)) return false;
  const n = u.rows.length;
  const coords = (a: unknown) => Array.isArray(a) && a.length === n && a.every(isNum);
  return coords(u.x) && coords(u.y) && isNum(u.seed) && isNum(u.neighbours) && isNum(u.minDist) && isNum(u.epochs) && isNum(u.inputDimensions)
    && isStr(u.input) && isStr(u.sampleMethod) && isStr(u.library) && isStr(u.note);
}

const derived = new WeakMap<UmapProjection, { base: Projection; shown: Projection | null }>();

/**
 * The projection the scatter draws for a UMAP layout of `base`'s sample: its rows (all of the
 * sample, or the stated subset), UMAP-1 and UMAP-2 as the coordinates, each row's norm and flags
 * from the sample. Null when the layout's rows are not rows of this sample (a layout of an older report).
 */
export function umapAsProjection(base: Projection, u: UmapProjection): Projection | null {
  const hit = derived.get(u);
  if (hit && hit.base === base) return hit.shown;
  const at = new Map<number, number>();
  base.rows.forEach((r, i) => at.set(r, i));
  const positions = u.rows.map(r => at.get(r));
  let shown: Projection | null = null;
  if (positions.every(p => p !== undefined)) {
    const pick = <T>(values: readonly T[]) => positions.map(p => values[p!]);
    shown = {
      rows: u.rows, x: u.x, y: u.y, components: [1, 2], explained: [NaN, NaN], norms: pick(base.norms), flags: pick(base.flags),
      rowsEligible: base.rowsEligible, leftOut: base.leftOut, sampleMethod: u.sampleMethod, seed: u.seed, formula: umapCaption(u),
    };
  }
  derived.set(u, { base, shown });
  return shown;
}

/** The two UMAP axes, as choices the scatter's selects offer. */
export function umapChoices(p: Projection): ComponentChoice[] {
  return [
    { component: 1, explained: NaN, coordinates: p.x, axis: 'UMAP' },
    { component: 2, explained: NaN, coordinates: p.y, axis: 'UMAP' },
  ];
}

/** What the scatter draws: the UMAP layout when it is done, shown and of this sample; else the principal components. */
export function shownProjection(base: Projection, s: UmapState): { projection: Projection; umap: UmapProjection | null } {
  if (s.kind === 'done' && s.showing === 'umap') {
    const p = umapAsProjection(base, s.layout);
    if (p) return { projection: p, umap: s.layout };
  }
  return { projection: base, umap: null };
}

/** `5,000 rows laid out by UMAP` for the scatter's title and label. */
export function umapTitle(p: Projection): string {
  return `${plural(p.rows.length, 'sample row')} laid out by UMAP (a visual aid, not metric)`;
}
