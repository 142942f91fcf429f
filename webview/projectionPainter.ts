/**
 * The projection scatter's canvas paint: the points written into the canvas's pixels, or, while the
 * view moves (a drag, the wheel), the last full paint moved (one blit); then the marks on top.
 * It keeps what a paint can reuse: the pixel buffer, the buckets' packed colours and the last full
 * paint's raster. projectionView.ts decides what is drawn and when.
 */
import type { PlotBox } from './plotScale';
import { drawMarks, drawMovedRaster, packColour, rasterPoints, type Marks, type PointLayer } from './projectionCanvas';
import type { View } from './projectionGeometry';

/** A drag or the wheel pausing this long (ms) is painted in full; until then frames move the last full paint. */
const SETTLE_MS = 120;

/** One paint: the points' layer and geometry (its identity tells whether the last raster still fits), the view, the size in CSS pixels. */
export interface PaintFrame {
  layer: PointLayer;
  geo: { box: PlotBox };
  view: View;
  width: number;
  height: number;
  /** Side of a point's square (pointSize). */
  size: number;
}

export class ProjectionPainter {
  private pixels: ImageData | null = null;
  private pixelWords: Uint32Array | null = null;
  private packedColours: { key: string; words: Uint32Array } | null = null;
  /** The last full paint's points (no marks), the view and the data it was made for: moved while the view moves. */
  private raster: { canvas: HTMLCanvasElement; view: View; layer: PointLayer; geo: { box: PlotBox }; packed: Uint32Array } | null = null;
  /** A drag or wheel in progress: frames move the raster; cleared when it pauses (SETTLE_MS) or ends. */
  moving = false;
  private settle: ReturnType<typeof setTimeout> | undefined;

  /** `settled`: the movement paused; the view paints in full again. */
  constructor(private readonly settled: () => void) {}

  draw(canvas: HTMLCanvasElement, f: PaintFrame, marks: Marks): void {
    const { layer, view } = f, g = f.geo;
    const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    const w = Math.round(f.width * dpr), h = Math.round(f.height * dpr);
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      canvas.style.width = `${f.width}px`;
      canvas.style.height = `${f.height}px`;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    let img = this.pixels;
    if (!img || img.width !== w || img.height !== h) {
      img = this.pixels = ctx.createImageData(w, h);
      this.pixelWords = new Uint32Array(img.data.buffer);
    }
    const packed = this.packed(layer);
    const r = this.raster;
    if (this.moving && r && r.layer === layer && r.geo === g && r.packed === packed && r.canvas.width === w && r.canvas.height === h) {
      drawMovedRaster(ctx, r.canvas, r.view, view, g.box, dpr);
    } else {
      rasterPoints(this.pixelWords!, w, h, layer, packed, view, g.box, f.size, dpr);
      ctx.putImageData(img, 0, 0);
      this.keepRaster(canvas, layer, g, packed, view);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawMarks(ctx, layer, view, g.box, f.size, marks);
  }

  /** A copy of the points just painted (before the marks), for the frames of a movement. */
  private keepRaster(canvas: HTMLCanvasElement, layer: PointLayer, geo: { box: PlotBox }, packed: Uint32Array, view: View): void {
    let copy = this.raster?.canvas;
    if (!copy) copy = document.createElement('canvas');
    if (copy.width !== canvas.width || copy.height !== canvas.height) {
      copy.width = canvas.width;
      copy.height = canvas.height;
    }
    const c = copy.getContext('2d');
    if (!c) { this.raster = null; return; }
    c.globalCompositeOperation = 'copy';
    c.drawImage(canvas, 0, 0);
    this.raster = { canvas: copy, view, layer, geo, packed };
  }

  /** The view moves (drag, wheel): frames move the last full paint until it pauses. */
  moved(): void {
    this.moving = true;
    clearTimeout(this.settle);
    this.settle = setTimeout(() => { this.moving = false; this.settled(); }, SETTLE_MS);
  }

  stopMoving(): void {
    clearTimeout(this.settle);
    this.moving = false;
  }

  /** The buckets' colours as pixels, kept while the colours stay the same. */
  private packed(layer: PointLayer): Uint32Array {
    const key = layer.colours.join();
    if (!this.packedColours || this.packedColours.key !== key) this.packedColours = { key, words: Uint32Array.from(layer.colours, c => packColour(c)) };
    return this.packedColours.words;
  }
}
