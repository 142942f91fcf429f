/**
 * Saving the projection: the CSV of every sample row's coordinates, or the view as shown (axes,
 * legend, the shown points in view) as SVG, thinned to SVG_MAX_POINTS with a note, or as PNG at
 * twice the size with every point. The picture is drawn off screen inside the page, so the
 * theme's styles apply, then serialised with them (plotExport.ts).
 */
import { render } from 'lit';
import type { Projection } from '../src/core/report/projection';
import type { PlotBox } from './plotScale';
import { plotPngDataUrl, plotSvgText, type ExportFormat } from './plotExport';
import { drawPoints, pointSize, pointsInView, type PointLayer } from './projectionCanvas';
import { legendEntries, type Colouring } from './projectionColours';
import { axisTitle, type ComponentChoice, type SampleMetadata } from './projectionData';
import { decimate, decimationNote, projectionCsv } from './projectionExport';
import type { View } from './projectionGeometry';
import { picture } from './projectionParts';

/** Where the saved data goes (the page posts it to the host). */
export interface SaveTarget {
  exportPlot(format: 'svg' | 'png', data: string): void;
  exportCsv(data: string): void;
  exportFailed(message: string): void;
}

/** The view being saved. */
export interface ViewSnapshot {
  projection: Projection;
  meta: SampleMetadata | null;
  pair: readonly [ComponentChoice, ComponentChoice];
  width: number;
  height: number;
  box: PlotBox;
  view: View;
  colouring: Colouring;
  layer: PointLayer;
  shown(i: number): boolean;
  hidden: ReadonlySet<string>;
  /** The axes layer (svg template) and the text alternative of the view. */
  axes: unknown;
  description: string;
}

function pictureOf(s: ViewSnapshot, withPoints: boolean) {
  const { k, tx, ty } = s.view;
  const inView = withPoints ? pointsInView(s.layer, s.view, s.box, s.shown) : [];
  const kept = decimate(inView);
  return picture({
    width: s.width, height: s.height, box: s.box, axes: s.axes,
    title: `Sample rows on ${axisTitle(s.pair[0])} and ${axisTitle(s.pair[1])}`,
    description: `${s.description} ${s.projection.formula}`,
    legend: s.colouring.legend, entries: s.colouring.legend.kind === 'classes' ? legendEntries(s.colouring).filter(b => !s.hidden.has(b.key)) : [],
    points: kept.map(i => ({ x: s.layer.bx[i] * k + tx, y: s.layer.by[i] * k + ty, colour: s.layer.colours[s.colouring.bucket[i]] })),
    radius: pointSize(s.projection.rows.length) / 2 + 0.5,
    note: decimationNote(kept.length, inView.length),
  });
}

export async function saveProjection(format: ExportFormat, s: ViewSnapshot, parent: HTMLElement, target: SaveTarget): Promise<void> {
  const p = s.projection;
  try {
    if (format === 'csv') {
      target.exportCsv(projectionCsv({
        rows: p.rows, components: [s.pair[0].component, s.pair[1].component], axis: s.pair[0].axis, x: s.pair[0].coordinates, y: s.pair[1].coordinates,
        norms: p.norms, flags: p.flags, label: s.meta?.label, text: s.meta?.text,
      }));
      return;
    }
    const holder = document.createElement('div');
    holder.className = 'projection-export-holder';
    parent.appendChild(holder);
    try {
      render(pictureOf(s, format === 'svg'), holder);
      const el = holder.querySelector('svg')!;
      if (format === 'svg') target.exportPlot('svg', plotSvgText(el));
      else target.exportPlot('png', await plotPngDataUrl(el, 2, ctx => drawPoints(ctx, s.layer, s.view, s.box, pointSize(p.rows.length))));
    } finally {
      holder.remove();
    }
  } catch (e) {
    target.exportFailed(`Could not save the projection as ${format.toUpperCase()}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
