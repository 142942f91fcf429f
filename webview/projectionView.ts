/**
 * The projection section's interactive scatter: a canvas of the sample's points under an SVG of
 * axes, with pan, zoom, hover read-out, box selection and a keyboard cursor (projectionInteraction.ts),
 * a clickable legend, and SVG/PNG/CSV export.
 *
 * It owns its part of the page (main.ts renders only an empty container and hands over the data):
 * pointer moves and pans redraw this part on the next animation frame, never the whole report,
 * and the points' pixel positions are computed once per component pair and size (typed arrays).
 * All file-derived text (labels, texts) goes through lit's text bindings: it is data, never markup.
 */
import { nothing, render, svg, type TemplateResult } from 'lit';
import type { Projection, UmapProjection } from '../src/core/report/projection';
import type { RowMetadata } from '../src/core/rows/rowMetadata';
import type { ExportFormat } from './plotExport';
import { axesLayer, gridLayer } from './plotParts';
import { linearTicks, type PlotBox } from './plotScale';
import { pointSize, type PointLayer } from './projectionCanvas';
import {
  continuousColouring, findingColouring, hiddenBuckets, labelColouring, plainColouring, pointsByBucket, toggleHidden,
  type Colouring,
} from './projectionColours';
import {
  axisTitle, choosePair, componentChoices, pickComponent, sampleMetadata,
  sampleSentence, type ComponentChoice, type PointFacts, type SampleMetadata,
} from './projectionData';
import { projectionFigure } from './projectionFigure';
import { ProjectionInteraction } from './projectionInteraction';
import { ProjectionPainter } from './projectionPainter';
import { saveProjection, type SaveTarget } from './projectionSave';
import { colourOptions, parseColourBy, readoutBox, readTheme, viewDescription, type Theme } from './projectionParts';
import { shownProjection, umapChoices, UMAP_OFF, type UmapState } from './projectionUmap';
import { baseMap, fitDomain, GridIndex, HOME_VIEW, toBase, visibleDomain, type BaseMap, type View } from './projectionGeometry';

/** What the view asks of the page and the host. */
export interface ProjectionHost extends SaveTarget {
  openRow(row: number): void;
  /** The non-linear view: start computing it, cancel it, switch between it and the principal components. */
  startUmap(): void;
  cancelUmap(): void;
  showUmap(view: 'pc' | 'umap'): void;
}

const HEIGHT = 440;
const MARGIN = { left: 64, right: 16, top: 12, bottom: 44 };

/** Geometry of one component pair at one width. */
interface Prepared {
  pair: [ComponentChoice, ComponentChoice];
  box: PlotBox;
  map: BaseMap;
  bx: Float32Array;
  by: Float32Array;
  grid: GridIndex;
}

export class ProjectionView {
  private container: HTMLElement | null = null;
  private canvas: HTMLCanvasElement | null = null;
  /** The projection drawn: the report's, or its UMAP layout (then `umap` is that layout). */
  private projection: Projection | null = null;
  private umap: UmapProjection | null = null;
  private umapState: UmapState = UMAP_OFF;
  /** The metadata message the labels came from (undefined: none taken yet). */
  private metaSource: RowMetadata | null | undefined = undefined;
  private meta: SampleMetadata | null = null;
  private wanted: [number, number] | null = null;
  private colourChoice: string | null = null;
  private hidden = new Set<string>();
  private view: View = HOME_VIEW;
  private width = 640;
  private geo: Prepared | null = null;
  private colouring: { colouring: Colouring; layer: PointLayer; themeKey: string; choice: string } | null = null;
  private theme: Theme | null = null;
  private selection: number[] | null = null;
  private selectedMask: Uint8Array | null = null;
  private frame = 0;
  private resize: ResizeObserver | null = null;
  /** The controls, legend or list changed (not only the view): the whole section renders. */
  private uiDirty = true;
  private readonly painter = new ProjectionPainter(() => this.schedule(false));
  /** The pointer and keyboard: they move the view, select, open rows and redraw through this scene. */
  private readonly interaction = new ProjectionInteraction({
    geometry: () => this.prepared(),
    colouredGeometry: () => {
      const g = this.prepared();
      this.coloured();
      return g;
    },
    shown: i => this.shown(i),
    facts: i => this.facts(i),
    view: () => this.view,
    setView: view => { this.view = view; },
    resetView: () => this.resetView(),
    select: points => this.select(points),
    openPoint: i => this.host.openRow(this.projection!.rows[i]),
    redraw: ui => this.schedule(ui),
    painter: this.painter,
  });

  constructor(private readonly host: ProjectionHost) {
    // VS Code switches themes by changing <html>'s style (the --vscode-* variables) and <body>'s class:
    // the canvas has no CSS of its own, so it is drawn again in the new colours.
    const redraw = new MutationObserver(() => { if (this.container) this.schedule(); });
    redraw.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
    redraw.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  /** Called after every page render: (re)attaches to the container and takes new data; cheap when nothing changed. */
  sync(container: HTMLElement | null, report: Projection | null, metadata: RowMetadata | null, umapState: UmapState = UMAP_OFF): void {
    if (!container || !report) {
      this.detach();
      this.projection = null; // a projection shown again later starts afresh
      return;
    }
    let changed = false;
    if (umapState !== this.umapState) {
      this.umapState = umapState;
      changed = true;
    }
    const shown = shownProjection(report, umapState);
    const projection = shown.projection;
    this.umap = shown.umap;
    if (projection !== this.projection) {
      this.projection = projection;
      this.wanted = null;
      this.view = HOME_VIEW;
      this.geo = null;
      this.clearMarks();
      this.metaSource = undefined;
      changed = true;
    }
    if (metadata !== this.metaSource) {
      this.metaSource = metadata;
      this.meta = sampleMetadata(projection.rows, metadata);
      this.colouring = null;
      this.hidden = new Set();
      this.select(this.selection);
      changed = true;
    }
    if (container !== this.container) {
      this.detach();
      this.container = container;
      this.resize = new ResizeObserver(() => this.measure());
      this.resize.observe(container);
      this.measure();
      changed = true;
    }
    if (changed) this.schedule();
  }

  private detach(): void {
    this.resize?.disconnect();
    this.resize = null;
    this.container = null;
    this.interaction.detach();
    this.canvas = null;
  }

  private clearMarks(): void {
    this.interaction.clear();
    this.selection = null;
    this.selectedMask = null;
    this.colouring = null;
    this.hidden = new Set();
  }

  private measure(): void {
    const w = this.container ? Math.floor(this.container.clientWidth) : 0;
    if (w <= 0) return;
    const width = Math.max(280, Math.min(w, 1400));
    if (Math.abs(width - this.width) >= 1) {
      this.width = width;
      this.geo = null;
      this.interaction.forgetOrder();
      this.schedule();
    }
  }

  /** Draws on the next frame; `ui: false` for a pan or zoom, which moves only the points, axes and read-out. */
  private schedule(ui = true): void {
    if (ui) this.uiDirty = true;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  // ---------------------------------------------------------------- data prepared for drawing

  private prepared(): Prepared {
    const p = this.projection!;
    if (this.geo) return this.geo;
    const pair = choosePair(this.choices(), this.wanted, p.components);
    const box: PlotBox = { left: MARGIN.left, top: MARGIN.top, right: this.width - MARGIN.right, bottom: HEIGHT - MARGIN.bottom };
    const map = baseMap(fitDomain(pair[0].coordinates, pair[1].coordinates), box);
    const { bx, by } = toBase(pair[0].coordinates, pair[1].coordinates, map);
    this.geo = { pair, box, map, bx, by, grid: new GridIndex(bx, by) };
    return this.geo;
  }

  /** What the axes can show: the principal components, or the two UMAP axes. */
  private choices() {
    return this.umap ? umapChoices(this.projection!) : componentChoices(this.projection!);
  }

  private colourValue(): string {
    const options = colourOptions(this.meta).map(o => o.value);
    if (this.colourChoice !== null && options.includes(this.colourChoice)) return this.colourChoice;
    return this.meta?.label ? 'label' : 'none';
  }

  private coloured(): { colouring: Colouring; layer: PointLayer } {
    const p = this.projection!, g = this.prepared();
    const theme = this.theme ?? readTheme(this.container ?? document.body);
    const themeKey = JSON.stringify(theme), choice = this.colourValue();
    let c = this.colouring;
    if (!c || c.themeKey !== themeKey || c.choice !== choice) {
      const by = parseColourBy(choice);
      const colouring = by.kind === 'label' && this.meta?.label ? labelColouring(this.meta.label.values, theme, `Label (${this.meta.label.name})`)
        : by.kind === 'numeric' ? continuousColouring(this.meta?.numeric.find(n => n.name === by.column)?.values ?? [], theme, by.column)
          : by.kind === 'norm' ? continuousColouring(p.norms, theme, 'Row norm')
            : by.kind === 'finding' ? findingColouring(p.flags, theme)
              : plainColouring(p.rows.length, theme);
      const { order, start } = pointsByBucket(colouring);
      const layer = { bx: g.bx, by: g.by, order, start, colours: colouring.buckets.map(b => b.colour), hidden: hiddenBuckets(colouring, this.hidden) };
      c = { colouring, layer, themeKey, choice };
      this.colouring = c;
      this.interaction.forgetOrder();
    }
    // the base arrays change with the size and the pair; the buckets do not
    c.layer.bx = g.bx;
    c.layer.by = g.by;
    return c;
  }

  private shown = (i: number): boolean => {
    const c = this.colouring;
    return !c || !c.layer.hidden[c.colouring.bucket[i]];
  };

  private facts(i: number): PointFacts {
    const p = this.projection!, g = this.prepared();
    return {
      row: p.rows[i], x: g.pair[0].coordinates[i], y: g.pair[1].coordinates[i], components: [g.pair[0].component, g.pair[1].component], axis: g.pair[0].axis,
      label: this.meta?.label?.values[i] ?? null, text: this.meta?.text?.values[i] ?? null, flags: p.flags[i],
    };
  }

  // ---------------------------------------------------------------- drawing

  private paint(): void {
    if (!this.container || !this.projection) return;
    const t0 = performance.now();
    this.theme = readTheme(this.container);
    // this section only (never the report); a pan or zoom redraws only what moves
    if (this.uiDirty || !this.canvas) {
      this.uiDirty = false;
      render(this.template(), this.container);
      this.bind();
    }
    const part = (id: string, content: unknown) => {
      const el = this.container!.querySelector(`#${id}`);
      if (el) render(content, el as HTMLElement);
    };
    if (this.projection.rows.length > 0) {
      const g = this.prepared();
      part('projection-axes', this.axes());
      part('projection-readout-host', this.readout(g));
      // the text of the view's extent follows when the movement pauses
      if (!this.painter.moving) part('projection-desc', this.description(g, this.coloured().colouring));
    }
    this.draw();
    // a User Timing entry, read by the bench (scripts/preview-projection.mjs); cheap, kept in the page
    performance.measure('projection-paint', { start: t0, end: performance.now() });
  }

  private draw(): void {
    const canvas = this.canvas;
    if (!canvas || this.projection!.rows.length === 0) return;
    const g = this.prepared();
    const { layer } = this.coloured();
    this.painter.draw(canvas, { layer, geo: g, view: this.view, width: this.width, height: HEIGHT, size: pointSize(this.projection!.rows.length) }, {
      selected: this.selectedMask, active: this.interaction.active(), accent: this.theme!.accent, foreground: this.theme!.foreground,
      box: this.interaction.dragBox(),
    });
  }

  private toScreen(g: Prepared): { x: (v: number) => number; y: (v: number) => number } {
    const { k, tx, ty } = this.view, m = g.map;
    return { x: v => (v * m.ax + m.cx) * k + tx, y: v => (v * m.ay + m.cy) * k + ty };
  }

  private ticks(g: Prepared) {
    const d = visibleDomain(this.view, g.map, g.box);
    const s = this.toScreen(g);
    return { x: linearTicks(d.x0, d.x1, s.x), y: linearTicks(d.y0, d.y1, s.y) };
  }

  private axes(width = this.width): unknown {
    const g = this.prepared();
    const t = this.ticks(g);
    return svg`${gridLayer(g.box, t.x, t.y)}${axesLayer({ box: g.box, width, height: HEIGHT, xTicks: t.x, yTicks: t.y, xTitle: axisTitle(g.pair[0]), yTitle: axisTitle(g.pair[1]) })}`;
  }

  // ---------------------------------------------------------------- events

  private bind(): void {
    const stage = this.container!.querySelector<HTMLElement>('#projection-stage');
    this.canvas = this.container!.querySelector<HTMLCanvasElement>('#projection-canvas');
    if (stage) this.interaction.attach(stage);
  }

  private select(points: number[] | null): void {
    this.selection = points;
    if (!points) {
      this.selectedMask = null;
      return;
    }
    const mask = new Uint8Array(this.projection!.rows.length);
    for (const i of points) mask[i] = 1;
    this.selectedMask = mask;
  }

  private resetView(): void {
    this.view = HOME_VIEW;
    this.interaction.forgetOrder();
    this.schedule();
  }

  private setPair(axis: 0 | 1, component: number): void {
    const g = this.prepared();
    this.wanted = pickComponent([g.pair[0].component, g.pair[1].component], axis, component);
    this.geo = null;
    this.view = HOME_VIEW;
    this.interaction.dropHover();
    this.interaction.clearCursor();
    this.schedule();
  }

  private setColour(value: string): void {
    this.colourChoice = value;
    this.hidden = new Set();
    this.interaction.clearCursor();
    this.schedule();
  }

  private toggleBucket(key: string): void {
    this.hidden = toggleHidden(this.hidden, key);
    const c = this.colouring;
    if (c) c.layer.hidden = hiddenBuckets(c.colouring, this.hidden);
    this.interaction.dropHover(true);
    this.interaction.clearCursor();
    this.schedule();
  }

  // ---------------------------------------------------------------- the section's markup

  private template(): TemplateResult {
    const p = this.projection!;
    const section = {
      projection: p, umap: this.umap, umapState: this.umapState,
      umapActions: { start: () => this.host.startUmap(), cancel: () => this.host.cancelUmap(), show: (view: 'pc' | 'umap') => this.host.showUmap(view) },
    };
    if (p.rows.length === 0) return projectionFigure({ ...section, scatter: null });
    const g = this.prepared();
    const { colouring } = this.coloured();
    return projectionFigure({
      ...section,
      scatter: {
        width: this.width, height: HEIGHT, pair: g.pair, colouring, hidden: this.hidden, meta: this.meta, selection: this.selection,
        announcement: this.interaction.liveText(),
        controls: {
          choices: this.choices(), pair: g.pair, colourOptions: colourOptions(this.meta), colourValue: this.colourValue(), keyOrder: this.interaction.keyOrder,
          setPair: (axis, component) => this.setPair(axis, component),
          setColour: value => this.setColour(value),
          setKeyOrder: order => { this.interaction.setKeyOrder(order); this.schedule(); },
          resetView: () => this.resetView(),
        },
        toggleBucket: key => this.toggleBucket(key),
        exportAs: f => this.export(f),
        openRow: row => this.host.openRow(row),
        clearSelection: () => { this.select(null); this.schedule(); },
      },
    });
  }

  private readout(g: Prepared): TemplateResult | typeof nothing {
    const i = this.interaction.active();
    if (i < 0) return nothing;
    const f = this.facts(i);
    const s = this.toScreen(g);
    return readoutBox(f, s.x(f.x), s.y(f.y), this.width, HEIGHT);
  }

  private description(g: Prepared, c: Colouring): string {
    return viewDescription(sampleSentence(this.projection!), g.pair, visibleDomain(this.view, g.map, g.box), c, this.hidden);
  }

  private export(format: ExportFormat): void {
    if (!this.projection || !this.container) return;
    const g = this.prepared();
    const { colouring, layer } = this.coloured();
    void saveProjection(format, {
      projection: this.projection, meta: this.meta, pair: g.pair, width: this.width, height: HEIGHT, box: g.box, view: this.view,
      colouring, layer, shown: this.shown, hidden: this.hidden, axes: this.axes(), description: this.description(g, colouring),
    }, this.container, this.host);
  }
}
