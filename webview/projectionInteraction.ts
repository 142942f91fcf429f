/**
 * The projection scatter's pointer and keyboard: pan (drag), zoom (wheel, + and − keys), the hover
 * read-out, box selection (shift-drag), a click or Enter opening a row, and the keyboard cursor with
 * its live-region sentence. It keeps the gestures' own state (the point hovered, the drag, the
 * keyboard order and cursor); projectionView.ts owns the view, the data and the painting, and
 * hands over what a gesture needs through InteractionScene.
 */
import { cursorAfterKey } from './plotCursor';
import type { PlotBox } from './plotScale';
import { pointAnnouncement, type PointFacts } from './projectionData';
import {
  KEY_ORDER_TEXT, KEY_ZOOM, keyboardOrder, panBy, screenToBase, wheelFactor, zoomAt,
  type GridIndex, type KeyOrder, type View,
} from './projectionGeometry';
import type { ProjectionPainter } from './projectionPainter';

/** How near (pixels) the pointer must be to a point to read it. */
const HOVER_RADIUS = 10;
/** Pointer travel (pixels) below which a press is a click, not a drag. */
const CLICK_SLOP = 4;
/** Shift+arrow pans by this many pixels. */
const KEY_PAN = 40;

/** The pair drawn, as a gesture sees it: the plot box, the points' base positions and their grid. */
export interface SceneGeometry {
  box: PlotBox;
  bx: Float32Array;
  by: Float32Array;
  grid: GridIndex;
}

/** What a gesture asks of the view. */
export interface InteractionScene {
  geometry(): SceneGeometry;
  /** The same, with the points' colouring made first (it may start a new keyboard order), so `shown` is current. */
  colouredGeometry(): SceneGeometry;
  /** Whether point i is drawn (its legend entry not hidden). */
  shown(i: number): boolean;
  facts(i: number): PointFacts;
  view(): View;
  setView(view: View): void;
  resetView(): void;
  select(points: number[]): void;
  /** Opens the row of point i. */
  openPoint(i: number): void;
  /** Draws on the next frame; `ui: false` when only the points, axes and read-out move. */
  redraw(ui: boolean): void;
  /** A drag or the wheel moves the view: its frames move the last full paint. */
  painter: Pick<ProjectionPainter, 'moved' | 'stopMoving'>;
}

export class ProjectionInteraction {
  private stage: HTMLElement | null = null;
  private hover = -1;
  private order: Uint32Array | null = null;
  private focus: number | null = null;
  private announcement = '';
  private drag: { x: number; y: number; view: View; box: boolean; moved: boolean; cx: number; cy: number } | null = null;
  /** The keyboard order the user chose. */
  keyOrder: KeyOrder = 'nearest';

  constructor(private readonly scene: InteractionScene) {}

  /** Listens to the stage (the element holding the canvas and axes); nothing when it is the one already listened to. */
  attach(stage: HTMLElement): void {
    if (stage === this.stage) return;
    this.stage = stage;
    stage.addEventListener('pointerdown', e => this.onDown(e));
    stage.addEventListener('pointermove', e => this.onMove(e));
    stage.addEventListener('pointerup', e => this.onUp(e));
    stage.addEventListener('pointercancel', () => { this.drag = null; this.scene.painter.stopMoving(); this.scene.redraw(false); });
    stage.addEventListener('pointerleave', () => { if (!this.drag && this.hover >= 0) { this.hover = -1; this.scene.redraw(false); } });
    stage.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    stage.addEventListener('keydown', e => this.onKey(e));
    stage.addEventListener('blur', () => { if (this.focus !== null && document.hasFocus()) { this.focus = null; this.announcement = ''; this.scene.redraw(true); } });
  }

  detach(): void {
    this.stage = null;
  }

  // ---------------------------------------------------------------- what the view reads and resets

  /** The point read out: the keyboard cursor's, else the one under the pointer (-1: none). */
  active(): number {
    return this.focus !== null && this.order && this.focus < this.order.length ? this.order[this.focus] : this.hover;
  }

  /** The box being shift-dragged, in screen pixels; null when none. */
  dragBox(): { x0: number; y0: number; x1: number; y1: number } | null {
    const d = this.drag;
    return d && d.box && d.moved ? { x0: d.x, y0: d.y, x1: d.cx, y1: d.cy } : null;
  }

  /** What the live region says: the keyboard cursor's point, or nothing. */
  liveText(): string {
    return this.focus !== null ? this.announcement : '';
  }

  /** The view or the colouring changed: the keyboard order is made again at the next key. */
  forgetOrder(): void {
    this.order = null;
  }

  /** The points stepped through changed (pair, colouring, legend, order): the keyboard cursor starts again. */
  clearCursor(): void {
    this.focus = null;
    this.order = null;
  }

  /** The hovered point is read no more; `onlyHidden`: only when the legend now hides it. */
  dropHover(onlyHidden = false): void {
    if (this.hover >= 0 && (!onlyHidden || !this.scene.shown(this.hover))) this.hover = -1;
  }

  /** Another projection: nothing hovered, no cursor. */
  clear(): void {
    this.hover = -1;
    this.clearCursor();
    this.announcement = '';
  }

  setKeyOrder(order: KeyOrder): void {
    this.keyOrder = order;
    this.clearCursor();
  }

  // ---------------------------------------------------------------- pointer

  private local(e: { clientX: number; clientY: number }): [number, number] {
    const r = this.stage!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private pointAt(sx: number, sy: number): number {
    const g = this.scene.colouredGeometry();
    const view = this.scene.view();
    const [x, y] = screenToBase(view, sx, sy);
    return g.grid.nearest(x, y, HOVER_RADIUS / view.k, i => this.scene.shown(i));
  }

  private onDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const [x, y] = this.local(e);
    this.drag = { x, y, cx: x, cy: y, view: this.scene.view(), box: e.shiftKey, moved: false };
    this.stage!.setPointerCapture(e.pointerId);
    e.preventDefault();
    this.stage!.focus({ preventScroll: true });
  }

  private onMove(e: PointerEvent): void {
    const [x, y] = this.local(e);
    const d = this.drag;
    if (d) {
      d.cx = x;
      d.cy = y;
      if (!d.moved && Math.hypot(x - d.x, y - d.y) >= CLICK_SLOP) d.moved = true;
      if (d.moved && !d.box) {
        this.scene.setView(panBy(d.view, x - d.x, y - d.y));
        this.scene.painter.moved();
      }
      if (d.moved) this.scene.redraw(false);
      return;
    }
    const i = this.pointAt(x, y);
    if (i !== this.hover) {
      this.hover = i;
      this.scene.redraw(false);
    }
  }

  private onUp(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    this.scene.painter.stopMoving();
    const [x, y] = this.local(e);
    if (!d.moved) {
      const i = this.pointAt(x, y);
      if (i >= 0) this.scene.openPoint(i);
    } else if (d.box) {
      const g = this.scene.geometry(), view = this.scene.view();
      const [ax, ay] = screenToBase(view, d.x, d.y), [bx, by] = screenToBase(view, x, y);
      this.scene.select(g.grid.inRect(ax, ay, bx, by, i => this.scene.shown(i)));
    } else {
      this.order = null; // the keyboard's "nearest the centre" follows the new view
    }
    this.scene.redraw(true);
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const [x, y] = this.local(e);
    const dy = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
    this.scene.setView(zoomAt(this.scene.view(), x, y, wheelFactor(dy)));
    this.order = null;
    this.scene.painter.moved();
    this.scene.redraw(false);
  }

  // ---------------------------------------------------------------- keyboard

  private zoomCentre(factor: number): void {
    const g = this.scene.geometry();
    this.scene.setView(zoomAt(this.scene.view(), (g.box.left + g.box.right) / 2, (g.box.top + g.box.bottom) / 2, factor));
    this.scene.redraw(true);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const pan: Record<string, [number, number]> = { ArrowLeft: [KEY_PAN, 0], ArrowRight: [-KEY_PAN, 0], ArrowUp: [0, KEY_PAN], ArrowDown: [0, -KEY_PAN] };
    let handled = true;
    if (e.key === '+' || e.key === '=') this.zoomCentre(KEY_ZOOM);
    else if (e.key === '-' || e.key === '_') this.zoomCentre(1 / KEY_ZOOM);
    else if (e.key === '0') this.scene.resetView();
    else if (e.shiftKey && pan[e.key]) {
      this.scene.setView(panBy(this.scene.view(), ...pan[e.key]));
      this.scene.redraw(true);
    } else if (e.key === 'Enter' && this.active() >= 0) this.scene.openPoint(this.active());
    else if (!e.shiftKey) handled = this.moveFocus(e.key);
    else handled = false;
    if (handled) e.preventDefault();
  }

  /** The keyboard cursor after `key`; false when the key is not the cursor's. */
  private moveFocus(key: string): boolean {
    const g = this.scene.colouredGeometry();
    if (!this.order) {
      const [cx, cy] = screenToBase(this.scene.view(), (g.box.left + g.box.right) / 2, (g.box.top + g.box.bottom) / 2);
      this.order = keyboardOrder(this.keyOrder, g.bx, g.by, i => this.scene.shown(i), cx, cy);
      this.focus = null;
    }
    const r = cursorAfterKey(key, this.focus, this.order.length);
    if (!r.handled) return false;
    this.focus = r.position;
    if (r.position === null) {
      this.announcement = '';
    } else {
      const i = this.order[r.position];
      this.bringIntoView(i);
      this.announcement = pointAnnouncement(this.scene.facts(i), r.position, this.order.length, KEY_ORDER_TEXT[this.keyOrder]);
    }
    this.scene.redraw(true);
    return true;
  }

  /** Pans so that point i is inside the plot box (centred when it was outside). */
  private bringIntoView(i: number): void {
    const g = this.scene.geometry(), view = this.scene.view();
    const x = g.bx[i] * view.k + view.tx, y = g.by[i] * view.k + view.ty;
    if (x >= g.box.left && x <= g.box.right && y >= g.box.top && y <= g.box.bottom) return;
    this.scene.setView(panBy(view, (g.box.left + g.box.right) / 2 - x, (g.box.top + g.box.bottom) / 2 - y));
  }
}
