/**
 * The projection section's markup around the scatter: the UMAP bar and the controls, the figure
 * (the stage the view draws into, the live region, the legend, the text alternative, the keys
 * hint, the caption) and the selected rows. projectionView.ts owns the state (the pointer and keys:
 * projectionInteraction.ts) and passes what to show and the actions here.
 * All file-derived text (labels, texts) goes through lit's text bindings: it is data, never markup.
 */
import { html, type TemplateResult } from 'lit';
import type { Projection, UmapProjection } from '../src/core/report/projection';
import { plural } from './format';
import { exportToolbar, type ExportFormat } from './plotExport';
import type { Colouring } from './projectionColours';
import { axisTitle, leftOutSentence, sampleSentence, type ComponentChoice, type SampleMetadata } from './projectionData';
import { controlsBar, legendBlock, selectionBlock, umapBar, type ControlsInput, type UmapActions } from './projectionParts';
import { umapCaption, umapTitle, type UmapState } from './projectionUmap';

const KEYS_HINT = 'Left and Right arrows step through the points in the keyboard order chosen above, Home and End go to the first and last, '
  + 'Page Up and Page Down jump by 10, Enter opens the row, Escape clears. Plus and minus zoom, 0 resets the view, Shift with an arrow pans. '
  + 'With a mouse: drag pans, the wheel zooms, Shift-drag selects a box of points, a click opens the row under the pointer.';

export interface FigureInput {
  /** The projection drawn: the report's, or its UMAP layout (then `umap` is that layout). */
  projection: Projection;
  umap: UmapProjection | null;
  umapState: UmapState;
  umapActions: UmapActions;
  /** The scatter's state and actions; null when the sample has no points to draw. */
  scatter: ScatterInput | null;
}

export interface ScatterInput {
  width: number;
  height: number;
  pair: readonly [ComponentChoice, ComponentChoice];
  colouring: Colouring;
  hidden: ReadonlySet<string>;
  meta: SampleMetadata | null;
  selection: readonly number[] | null;
  /** What the live region says: the keyboard cursor's point, or nothing. */
  announcement: string;
  controls: ControlsInput;
  toggleBucket(key: string): void;
  exportAs(format: ExportFormat): void;
  openRow(row: number): void;
  clearSelection(): void;
}

export function projectionFigure(f: FigureInput): TemplateResult {
  const p = f.projection;
  const umap = f.umap;
  const caption = umap
    ? html`<figcaption id="projection-caption"><strong id="projection-umap-note">${umap.note}</strong>
      <span id="projection-sample">${umapCaption(umap).slice(umap.note.length + 1)}</span> ${leftOutSentence(p)}</figcaption>`
    : html`<figcaption id="projection-caption">
    <span id="projection-sample">${sampleSentence(p)}</span>. ${leftOutSentence(p)}
    <span class="formula">${p.formula}</span></figcaption>`;
  const umapControls = umapBar(f.umapState, f.umapActions);
  const s = f.scatter;
  if (!s) {
    return html`<p class="muted" id="projection-empty">No points to draw: the projection needs finite rows, and this sample has none.</p>${caption}`;
  }
  const controls = controlsBar(s.controls);
  const label = umap ? `Scatter plot of ${umapTitle(p)}` : `Scatter plot of ${plural(p.rows.length, 'sample row')} on ${axisTitle(s.pair[0])} and ${axisTitle(s.pair[1])}`;
  const stage = html`<div id="projection-stage" class="projection-stage" tabindex="0" role="application" aria-roledescription="scatter plot"
      aria-label=${label} aria-describedby="projection-desc projection-keys">
    <svg id="projection-axes" class="plot projection-axes" width=${s.width} height=${s.height} viewBox=${`0 0 ${s.width} ${s.height}`} aria-hidden="true"></svg>
    <canvas id="projection-canvas" class="projection-canvas" aria-hidden="true"></canvas>
    <div id="projection-readout-host"></div>
  </div>`;
  return html`${umapControls}${controls}
    <figure class="plot-figure" id="projection-figure">
      <div class="plot-header">
        <span class="plot-title">${umap ? `Sample rows laid out by UMAP: a visual aid, not metric` : 'Sample rows on two principal components'}</span>
        <div class="plot-header-aside">${exportToolbar('projection', 'Projection', ['svg', 'png', 'csv'], format => s.exportAs(format))}</div>
      </div>
      <div class="plot-body">${stage}
        <div id="projection-live" class="plot-live sr-only" role="status" aria-live="polite" aria-atomic="true">${s.announcement}</div>
      </div>
      ${legendBlock(s.colouring, s.hidden, key => s.toggleBucket(key))}
      <p id="projection-desc" class="sr-only"></p>
      <span id="projection-keys" hidden>${KEYS_HINT}</span>
      ${caption}
    </figure>
    ${selectionBlock(s.selection, p.rows, s.meta, row => s.openRow(row), () => s.clearSelection())}`;
}
