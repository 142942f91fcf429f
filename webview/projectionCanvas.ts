/**
 * Drawing the projection's points. On screen they are written straight into the canvas's pixels
 * (rasterPoints: a square of one packed colour per point, no path for the canvas to rasterise, so
 * 100,000 points take a few milliseconds even without a GPU), then the selection, the point under
 * the pointer or keyboard and the selection box are stroked on top (drawMarks). The saved PNG is
 * painted over the exported axes with canvas paths (drawPoints), which compose with what is there.
 * While the view moves (a drag, the wheel), a frame only moves the last full paint's pixels
 * (drawMovedRaster: one blit, whatever the number of points); the full paint follows when it pauses.
 */
import type { PlotBox } from './plotScale';
import type { View } from './projectionGeometry';
import { parseColour } from './svgExport';

export interface PointLayer {
  bx: Float32Array;
  by: Float32Array;
  /** Point indices grouped by bucket (pointsByBucket). */
  order: Uint32Array;
  start: Uint32Array;
  colours: readonly string[];
  /** 1 where the bucket is hidden. */
  hidden: Uint8Array;
}

export interface Marks {
  /** 1 for each selected point; null when nothing is selected. */
  selected: Uint8Array | null;
  /** The point under the pointer or the keyboard cursor (-1: none). */
  active: number;
  /** The box being dragged, in screen pixels. */
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  accent: string;
  foreground: string;
}

/** Side of a point's square in pixels: larger when few points, so small samples stay visible. */
export function pointSize(n: number): number {
  return n > 50000 ? 2 : n > 5000 ? 3 : n > 500 ? 4 : 6;
}

/** Opacity of the points (overlaps show as denser colour in the PNG; on screen a point covers the one under it). */
const POINT_ALPHA = 0.85;

/** A CSS colour as an ImageData pixel (RGBA bytes read as a little-endian uint32), with the points' opacity; grey when unreadable. */
export function packColour(css: string, alpha = POINT_ALPHA): number {
  const c = parseColour(css) ?? { r: 128, g: 128, b: 128, a: 1 };
  return ((Math.round(c.a * alpha * 255) << 24) | (c.b << 16) | (c.g << 8) | c.r) >>> 0;
}

/**
 * The points of the shown buckets as squares of `size` CSS pixels in a pixel buffer of
 * width × height device pixels (`scale` device pixels per CSS pixel), clipped to the plot box.
 * Later buckets cover earlier ones. The buffer is cleared first.
 */
export function rasterPoints(buf: Uint32Array, width: number, height: number, layer: PointLayer, packed: Uint32Array,
  view: View, box: PlotBox, size: number, scale: number): void {
  buf.fill(0);
  const { bx, by, order, start } = layer;
  const k = view.k * scale, tx = view.tx * scale, ty = view.ty * scale;
  const s = Math.max(1, Math.round(size * scale)), half = Math.floor(s / 2);
  const l = Math.max(0, Math.ceil(box.left * scale)), r = Math.min(width, Math.floor(box.right * scale));
  const t = Math.max(0, Math.ceil(box.top * scale)), b = Math.min(height, Math.floor(box.bottom * scale));
  for (let c = 0; c < packed.length; c++) {
    if (layer.hidden[c]) continue;
    const colour = packed[c];
    for (let j = start[c]; j < start[c + 1]; j++) {
      const i = order[j];
      const x0 = Math.max(l, Math.round(bx[i] * k + tx) - half), y0 = Math.max(t, Math.round(by[i] * k + ty) - half);
      const x1 = Math.min(r, Math.round(bx[i] * k + tx) - half + s), y1 = Math.min(b, Math.round(by[i] * k + ty) - half + s);
      for (let y = y0; y < y1; y++) {
        const row = y * width;
        for (let x = x0; x < x1; x++) buf[row + x] = colour;
      }
    }
  }
}

/**
 * The raster of a full paint made at view `from`, drawn as it lies at view `to` (translated by a
 * pan, scaled about the origin by a zoom), clipped to the plot box; the rest of the canvas is
 * cleared. `scale`: device pixels per CSS pixel (the raster is in device pixels). Points that were
 * outside the box at `from` are missing until the next full paint.
 */
export function drawMovedRaster(ctx: CanvasRenderingContext2D, raster: CanvasImageSource, from: View, to: View, box: PlotBox, scale: number): void {
  const s = to.k / from.k;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
  ctx.clip();
  // a raster pixel at device x lands at x·s + (to.tx − from.tx·s)·scale
  ctx.setTransform(s, 0, 0, s, (to.tx - from.tx * s) * scale, (to.ty - from.ty * s) * scale);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(raster, 0, 0);
  ctx.restore();
}

/** The shown points whose centre is inside the plot box, in drawing order. */
export function pointsInView(layer: PointLayer, view: View, box: PlotBox, shown: (i: number) => boolean): number[] {
  const { k, tx, ty } = view;
  const out: number[] = [];
  for (let j = 0; j < layer.order.length; j++) {
    const i = layer.order[j];
    if (!shown(i)) continue;
    const x = layer.bx[i] * k + tx, y = layer.by[i] * k + ty;
    if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) out.push(i);
  }
  return out;
}

/** The points as canvas paths, one fill per bucket (for the saved PNG, drawn over its axes). */
export function drawPoints(ctx: CanvasRenderingContext2D, layer: PointLayer, view: View, box: PlotBox, size: number): void {
  const { bx, by, order, start } = layer;
  const { k, tx, ty } = view;
  const h = size / 2;
  const l = box.left - h, r = box.right + h, t = box.top - h, b = box.bottom + h;
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
  ctx.clip();
  ctx.globalAlpha = POINT_ALPHA;
  for (let c = 0; c < layer.colours.length; c++) {
    if (layer.hidden[c]) continue;
    ctx.fillStyle = layer.colours[c];
    ctx.beginPath();
    for (let j = start[c]; j < start[c + 1]; j++) {
      const i = order[j];
      const x = bx[i] * k + tx, y = by[i] * k + ty;
      if (x < l || x > r || y < t || y > b) continue;
      ctx.rect(x - h, y - h, size, size);
    }
    ctx.fill();
  }
  ctx.restore();
}

/** The selection, the active point and the selection box, stroked inside the plot box (CSS pixel transform set). */
export function drawMarks(ctx: CanvasRenderingContext2D, layer: PointLayer, view: View, box: PlotBox, size: number, m: Marks): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.right - box.left, box.bottom - box.top);
  ctx.clip();
  const { bx, by } = layer;
  const { k, tx, ty } = view;
  if (m.selected) {
    ctx.strokeStyle = m.accent;
    ctx.lineWidth = 1;
    ctx.beginPath();
    const hs = size / 2 + 1.5;
    for (let i = 0; i < m.selected.length; i++) {
      if (!m.selected[i]) continue;
      const x = bx[i] * k + tx, y = by[i] * k + ty;
      ctx.rect(x - hs, y - hs, 2 * hs, 2 * hs);
    }
    ctx.stroke();
  }
  if (m.active >= 0) {
    const x = bx[m.active] * k + tx, y = by[m.active] * k + ty;
    ctx.lineWidth = 2;
    ctx.strokeStyle = m.foreground;
    ctx.beginPath();
    ctx.arc(x, y, size / 2 + 5, 0, 2 * Math.PI);
    ctx.stroke();
  }
  if (m.box) {
    const { x0, y0, x1, y1 } = m.box;
    ctx.lineWidth = 1;
    ctx.strokeStyle = m.accent;
    ctx.setLineDash([4, 3]);
    ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    ctx.setLineDash([]);
  }
  ctx.restore();
}
