/**
 * Geometry of the projection scatter, without DOM: data to screen coordinates (typed arrays,
 * computed once per component pair and plot size), the pan/zoom view on top of them, a grid
 * index for the point under the pointer, box selection and the keyboard's order of points.
 *
 * Coordinates come in three frames: data (PC scores), base (pixels when the whole sample fits the
 * plot box, computed once) and screen (base after the view's zoom k and shift t: s = b·k + t).
 */
import type { PlotBox } from './plotScale';

export interface Domain { x0: number; x1: number; y0: number; y1: number }

/** The data range of the points with a margin (`pad` of the span each side); a zero span gets ±1 around its value. */
export function fitDomain(xs: ArrayLike<number>, ys: ArrayLike<number>, pad = 0.04): Domain {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i], y = ys[i];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!(x1 >= x0)) { x0 = -1; x1 = 1; }
  if (!(y1 >= y0)) { y0 = -1; y1 = 1; }
  const widen = (lo: number, hi: number): [number, number] => {
    const span = hi - lo;
    if (span > 0) return [lo - span * pad, hi + span * pad];
    const half = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 1;
    return [lo - half, hi + half];
  };
  [x0, x1] = widen(x0, x1);
  [y0, y1] = widen(y0, y1);
  return { x0, x1, y0, y1 };
}

/** The affine map data → base pixels: bx = ax·x + cx, by = ay·y + cy (ay < 0: up is up). */
export interface BaseMap { ax: number; cx: number; ay: number; cy: number }

export function baseMap(d: Domain, box: PlotBox): BaseMap {
  const ax = (box.right - box.left) / (d.x1 - d.x0);
  const ay = -(box.bottom - box.top) / (d.y1 - d.y0);
  return { ax, cx: box.left - d.x0 * ax, ay, cy: box.bottom - d.y0 * ay };
}

/** Base pixel coordinates of every point, computed once per pair and size. */
export function toBase(xs: ArrayLike<number>, ys: ArrayLike<number>, m: BaseMap): { bx: Float32Array; by: Float32Array } {
  const n = xs.length;
  const bx = new Float32Array(n), by = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    bx[i] = xs[i] * m.ax + m.cx;
    by[i] = ys[i] * m.ay + m.cy;
  }
  return { bx, by };
}

/** Pan and zoom: screen = base·k + (tx, ty). */
export interface View { k: number; tx: number; ty: number }

export const HOME_VIEW: View = { k: 1, tx: 0, ty: 0 };
/** Zoom limits: a little smaller than the whole sample, down to 1/2000 of it. */
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 2000;
/** Zoom factor of one +/− key press; the wheel uses a continuous factor. */
export const KEY_ZOOM = 1.25;

/** The view zoomed by `factor` about the screen point (px, py), which stays where it is; k stays within the limits. */
export function zoomAt(v: View, px: number, py: number, factor: number): View {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, v.k * factor));
  const r = k / v.k;
  return { k, tx: px - (px - v.tx) * r, ty: py - (py - v.ty) * r };
}

/** The wheel's zoom factor for a deltaY in pixels (one notch of ~100 px zooms by ~1.2). */
export function wheelFactor(deltaY: number): number {
  return Math.exp(-Math.max(-500, Math.min(500, deltaY)) * 0.0018);
}

export function panBy(v: View, dx: number, dy: number): View {
  return { k: v.k, tx: v.tx + dx, ty: v.ty + dy };
}

/** Screen point → base point. */
export function screenToBase(v: View, sx: number, sy: number): [number, number] {
  return [(sx - v.tx) / v.k, (sy - v.ty) / v.k];
}

/** Base point → data point. */
export function baseToData(m: BaseMap, bx: number, by: number): [number, number] {
  return [(bx - m.cx) / m.ax, (by - m.cy) / m.ay];
}

/** The data range the plot box shows under the view (for the axes' ticks). */
export function visibleDomain(v: View, m: BaseMap, box: PlotBox): Domain {
  const [l, t] = screenToBase(v, box.left, box.top);
  const [r, b] = screenToBase(v, box.right, box.bottom);
  const [x0, y1] = baseToData(m, l, t);
  const [x1, y0] = baseToData(m, r, b);
  return { x0, x1, y0, y1 };
}

// ---------------------------------------------------------------- grid index

/**
 * Points bucketed into square cells of the base frame, for the point nearest the pointer and the
 * points inside a box without visiting all of them. Cells hold point indices (CSR layout).
 */
export class GridIndex {
  readonly cell: number;
  private readonly x0: number;
  private readonly y0: number;
  private readonly cols: number;
  private readonly rows: number;
  private readonly start: Uint32Array;
  private readonly items: Uint32Array;

  constructor(private readonly bx: Float32Array, private readonly by: Float32Array, cell = 8) {
    const n = bx.length;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      x0 = Math.min(x0, bx[i]); x1 = Math.max(x1, bx[i]);
      y0 = Math.min(y0, by[i]); y1 = Math.max(y1, by[i]);
    }
    if (n === 0) { x0 = y0 = 0; x1 = y1 = 0; }
    this.cell = cell;
    this.x0 = x0;
    this.y0 = y0;
    this.cols = Math.max(1, Math.floor((x1 - x0) / cell) + 1);
    this.rows = Math.max(1, Math.floor((y1 - y0) / cell) + 1);
    const cellOf = new Uint32Array(n);
    const counts = new Uint32Array(this.cols * this.rows + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cellAt(bx[i], by[i]);
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (let c = 1; c < counts.length; c++) counts[c] += counts[c - 1];
    this.start = counts.slice();
    const fill = counts;
    this.items = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.items[fill[cellOf[i]]++] = i;
  }

  private col(x: number): number { return Math.min(this.cols - 1, Math.max(0, Math.floor((x - this.x0) / this.cell))); }
  private row(y: number): number { return Math.min(this.rows - 1, Math.max(0, Math.floor((y - this.y0) / this.cell))); }
  private cellAt(x: number, y: number): number { return this.row(y) * this.cols + this.col(x); }

  /** Calls `visit(i)` for every point in the cells that meet the base rectangle [x0, x1] × [y0, y1]. */
  private forCells(x0: number, y0: number, x1: number, y1: number, visit: (i: number) => void): void {
    if (x1 < this.x0 - this.cell || y1 < this.y0 - this.cell) return;
    const c0 = this.col(x0), c1 = this.col(x1), r0 = this.row(y0), r1 = this.row(y1);
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const cell = r * this.cols + c;
        for (let j = this.start[cell]; j < this.start[cell + 1]; j++) visit(this.items[j]);
      }
    }
  }

  /**
   * The point nearest the base point (x, y) within `radius` (base pixels) that `accept` lets
   * through (e.g. not hidden), or -1. Ties go to the lower index (the lower row).
   */
  nearest(x: number, y: number, radius: number, accept: (i: number) => boolean = () => true): number {
    let best = -1, bestD = radius * radius;
    this.forCells(x - radius, y - radius, x + radius, y + radius, i => {
      const dx = this.bx[i] - x, dy = this.by[i] - y;
      const d = dx * dx + dy * dy;
      if ((d < bestD || (d === bestD && (best < 0 || i < best))) && accept(i)) { best = i; bestD = d; }
    });
    return best;
  }

  /** The accepted points inside the base rectangle (corners in any order), ascending. */
  inRect(ax: number, ay: number, bx: number, by: number, accept: (i: number) => boolean = () => true): number[] {
    const x0 = Math.min(ax, bx), x1 = Math.max(ax, bx), y0 = Math.min(ay, by), y1 = Math.max(ay, by);
    const out: number[] = [];
    this.forCells(x0, y0, x1, y1, i => {
      const x = this.bx[i], y = this.by[i];
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && accept(i)) out.push(i);
    });
    return out.sort((a, b) => a - b);
  }
}

// ---------------------------------------------------------------- keyboard order

export type KeyOrder = 'nearest' | 'row';

export const KEY_ORDER_TEXT: Record<KeyOrder, string> = { nearest: 'nearest the centre of the view first', row: 'by row' };

/**
 * The order the keyboard steps through the shown points: by row (sample order; the rows are
 * ascending), or nearest the base point (cx, cy) first, ties by row.
 */
export function keyboardOrder(order: KeyOrder, bx: Float32Array, by: Float32Array, shown: (i: number) => boolean, cx: number, cy: number): Uint32Array {
  const idx: number[] = [];
  for (let i = 0; i < bx.length; i++) if (shown(i)) idx.push(i);
  if (order === 'nearest') {
    const d = new Float64Array(bx.length);
    for (const i of idx) d[i] = (bx[i] - cx) ** 2 + (by[i] - cy) ** 2;
    idx.sort((a, b) => d[a] - d[b] || a - b);
  }
  return Uint32Array.from(idx);
}
