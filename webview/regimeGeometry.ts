/**
 * Pure geometry of the prism drawing in the regime section (no DOM, no lit): where the
 * prism's corners and faces are drawn, and where a configuration's three prism coordinates
 * (spec §5a) put its point.
 *
 * The prism (spec §2.2) is the triangle A–B–E times the data segment. Drawn in an oblique
 * view: the large-data triangle in front, the small-data triangle behind it (offset by DEPTH),
 * and the three rectangles joining them: free = A–B (top), mean-field = B–E (right),
 * narrow-latent = E–A (left, hidden behind the front triangle).
 *
 * Mapping of the coordinates (each to a fraction in [0, 1], see prismPosition):
 *   u from the latent coordinate log(H/p): 0 on the narrow-latent side E–A, 1 on the mean-field side B–E;
 *   v from the init coordinate log(σ² max(p,H)): 0 at the small-init vertex E, 1 on the free side A–B;
 *   w from the data coordinate log(p/n): 0 on the large-data (front) triangle, 1 on the small-data (back) one.
 * Each coordinate c is mapped linearly, f = (c + R)/(2R), and clamped to [0, 1] beyond. R is chosen
 * per axis so that a face is touched where its own distance ε (spec §5a) reaches 0.1, and the middle
 * is where ε = 1: ε_NL = √(H/p) and ε_MF = √(p/H) give R = 2 ln 10 for the latent axis, ε_LD = √(p/n)
 * gives R = 2 ln 10 for the data axis, ε_F = 1/(σ² max(p,H)) gives R = ln 10 for the init axis.
 * The point in the triangle is E + v·((1−u)·(A−E) + u·(B−E)), moved back by w·DEPTH.
 */
import type { FaceId } from '../src/core/regime/prismPlacement';

export interface Pt { x: number; y: number }

/** Half-width of each coordinate's drawn range: a face is touched where its distance ε = 0.1 (see the module comment). */
export const PRISM_RANGE: Readonly<Record<'latent' | 'data' | 'init', number>> = {
  latent: 2 * Math.log(10),
  data: 2 * Math.log(10),
  init: Math.log(10),
};

/** Size of the drawing (its viewBox). */
export const PRISM_VIEW = { width: 440, height: 250 } as const;

/** Front (large-data) triangle. */
export const FRONT: Readonly<Record<'A' | 'B' | 'E', Pt>> = {
  A: { x: 90, y: 80 },
  B: { x: 252, y: 98 },
  E: { x: 188, y: 224 },
};

/** From a front corner to the same corner of the back (small-data) triangle. */
export const DEPTH: Pt = { x: 118, y: -52 };

const add = (a: Pt, b: Pt, k = 1): Pt => ({ x: a.x + k * b.x, y: a.y + k * b.y });
const r2 = (v: number) => Math.round(v * 100) / 100;
const round = (p: Pt): Pt => ({ x: r2(p.x), y: r2(p.y) });

/** A corner of the prism: front (depth 0) or back (depth 1) copy of A, B or E. */
export function corner(name: 'A' | 'B' | 'E', depth: number): Pt {
  return round(add(FRONT[name], DEPTH, depth));
}

/** Each face's polygon, in drawing order (hidden faces first, the front triangle last). */
export const FACE_ORDER: readonly FaceId[] = ['NL', 'SD', 'F', 'MF', 'LD'];

/** Faces hidden behind others in this view (drawn dashed). */
export const HIDDEN_FACES: ReadonlySet<FaceId> = new Set<FaceId>(['NL', 'SD']);

export function facePolygon(face: FaceId): Pt[] {
  switch (face) {
    case 'LD': return [corner('A', 0), corner('B', 0), corner('E', 0)];
    case 'SD': return [corner('A', 1), corner('B', 1), corner('E', 1)];
    case 'F': return [corner('A', 0), corner('B', 0), corner('B', 1), corner('A', 1)];
    case 'MF': return [corner('B', 0), corner('E', 0), corner('E', 1), corner('B', 1)];
    case 'NL': return [corner('E', 0), corner('A', 0), corner('A', 1), corner('E', 1)];
  }
}

/** `x,y x,y …` for an SVG polygon. */
export function polygonPoints(pts: readonly Pt[]): string {
  return pts.map(p => `${p.x},${p.y}`).join(' ');
}

const centroid = (pts: readonly Pt[]): Pt => ({ x: pts.reduce((s, p) => s + p.x, 0) / pts.length, y: pts.reduce((s, p) => s + p.y, 0) / pts.length });
const mid = (a: Pt, b: Pt): Pt => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/**
 * Where each face's name is written (first line's baseline) and its text anchor: at the middle
 * of the visible faces, beside the middle of the outer edge of the hidden ones.
 */
export function faceLabel(face: FaceId): { x: number; y: number; anchor: 'start' | 'middle' | 'end' } {
  const at = (p: Pt, dx: number, dy: number, anchor: 'start' | 'middle' | 'end') => ({ x: r2(p.x + dx), y: r2(p.y + dy), anchor });
  switch (face) {
    case 'LD': return at(centroid(facePolygon('LD')), 0, 0, 'middle');
    case 'F': return at(centroid(facePolygon('F')), 0, -2, 'middle');
    case 'MF': return at(centroid(facePolygon('MF')), 0, 4, 'middle');
    case 'SD': return at(mid(corner('B', 1), corner('E', 1)), 12, 4, 'start');
    case 'NL': return at(mid(corner('E', 0), corner('A', 0)), -14, 4, 'end');
  }
}

/** The scaling each face stands for, written under its name. */
export const FACE_CONDITION: Readonly<Record<FaceId, string>> = {
  LD: 'n \u226b p', SD: 'n \u226a p', F: 'p\u03c3\u00b2 \u226b 1', MF: 'H \u226b p', NL: 'H \u226a p',
};

export interface PrismCoordinates { latent: number | null; data: number | null; init: number | null }

export interface PrismPosition {
  /** Across the triangle: 0 narrow-latent side (E–A), 1 mean-field side (B–E). */
  u: number;
  /** Up the triangle: 0 small-init vertex E, 1 free side (A–B). */
  v: number;
  /** Depth: 0 large-data (front) triangle, 1 small-data (back) triangle. */
  w: number;
  /** Coordinates outside ±PRISM_RANGE, drawn at the edge of the range. */
  clamped: ('latent' | 'data' | 'init')[];
  /** Coordinates not defined (null or not finite), drawn in the middle. */
  missing: ('latent' | 'data' | 'init')[];
}

/** A coordinate as a fraction of the drawn range, clamped to [0, 1]; null when not a finite number. */
export function coordinateFraction(c: number | null | undefined, range: number): { f: number; clamped: boolean } | null {
  if (c === null || c === undefined || !Number.isFinite(c)) return null;
  const f = (c + range) / (2 * range);
  if (f < 0) return { f: 0, clamped: true };
  if (f > 1) return { f: 1, clamped: true };
  return { f, clamped: false };
}

/** The configuration's place in the drawing's prism, as three fractions (see the module comment). */
export function prismPosition(coords: PrismCoordinates, range: Readonly<Record<'latent' | 'data' | 'init', number>> = PRISM_RANGE): PrismPosition {
  const clamped: PrismPosition['clamped'] = [];
  const missing: PrismPosition['missing'] = [];
  const frac = (name: 'latent' | 'data' | 'init') => {
    const r = coordinateFraction(coords[name], range[name]);
    if (r === null) { missing.push(name); return 0.5; }
    if (r.clamped) clamped.push(name);
    return r.f;
  };
  const u = frac('latent');
  const w = frac('data');
  const v = frac('init');
  return { u, v, w, clamped, missing };
}

/** The point of (u, v) in the triangle at depth w, in drawing coordinates. */
export function prismPoint(pos: Pick<PrismPosition, 'u' | 'v' | 'w'>): Pt {
  const { A, B, E } = FRONT;
  const side = { x: (1 - pos.u) * (A.x - E.x) + pos.u * (B.x - E.x), y: (1 - pos.u) * (A.y - E.y) + pos.u * (B.y - E.y) };
  return round(add(add(E, side, pos.v), DEPTH, pos.w));
}

/** The cross-section of the prism at depth w (the triangle the point lies in). */
export function sliceAt(w: number): Pt[] {
  return [corner('A', w), corner('B', w), corner('E', w)];
}

const fmt = (v: number) => String(Number(v.toPrecision(3)));

/** One sentence per coordinate saying where it puts the point, and which were clamped. */
export function describePosition(coords: PrismCoordinates, pos: PrismPosition): string {
  const part = (name: 'latent' | 'data' | 'init', formula: string, low: string, high: string, f: number) => {
    const c = coords[name];
    if (pos.missing.includes(name)) return `${name} ${formula} is not defined (drawn in the middle)`;
    const where = f <= 0.02 ? `at the ${low}` : f >= 0.98 ? `at the ${high}` : `${Math.round(100 * f)}% of the way from the ${low} to the ${high}`;
    return `${name} ${formula} = ${fmt(c as number)}: ${where}${pos.clamped.includes(name) ? ' (clamped: beyond the drawn range)' : ''}`;
  };
  return [
    part('latent', 'log(H/p)', 'narrow-latent side', 'mean-field side', pos.u),
    part('init', 'log(\u03c3\u00b2 max(p,H))', 'small-init vertex E', 'free side', pos.v),
    part('data', 'log(p/n)', 'large-data (front) triangle', 'small-data (back) triangle', pos.w),
  ].join('; ') + '.';
}

/** How the drawing maps coordinates, for its <desc> and caption. */
export const MAPPING_NOTE = 'Across the triangle by the latent coordinate log(H/p) (narrow-latent side E\u2013A to mean-field side B\u2013E), '
  + 'from the small-init vertex E towards the free side A\u2013B by the init coordinate log(\u03c3\u00b2 max(p,H)), and from the large-data '
  + 'triangle (front) to the small-data triangle (back) by the data coordinate log(p/n). Each coordinate is drawn linearly, scaled so '
  + 'that the middle is where the two faces it runs between are at distance \u03b5 = 1 and a face is touched where its \u03b5 = 0.1 '
  + '(log(H/p) and log(p/n) from \u22122 ln 10 to +2 ln 10, the init coordinate from \u2212ln 10 to +ln 10), clamped beyond.';
