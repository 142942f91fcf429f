/**
 * The "Projection" section: a heading and the container the scatter (projectionView.ts) draws
 * into. Reports written before the projection existed have none, and show no section.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { Projection } from '../src/core/report/projection';
import { section } from './layout';
import { asProjection } from './projectionData';

const checked = new WeakMap<AnalysisReport, Projection | null>();

/**
 * The report's projection when it has a well-formed one (read as an optional field: older reports
 * lack it). Checked once per report: the page renders often and the sample can hold 100,000 points.
 */
export function reportProjection(r: AnalysisReport): Projection | null {
  let p = checked.get(r);
  if (p === undefined) {
    p = asProjection((r as AnalysisReport & { projection?: unknown }).projection);
    checked.set(r, p);
  }
  return p;
}

export function projectionSection(r: AnalysisReport): TemplateResult | typeof nothing {
  if (!reportProjection(r)) return nothing;
  return section('projection', 'Projection', html`<p class="muted projection-intro">The sample's rows on two principal components of the
    covariance (PCA): a linear view, so distances between points are real distances in that plane. Pick the components, colour the points,
    hover or use the keys to read a point, click one to open its row. The non-linear view (UMAP), computed only when asked for, shows
    neighbourhoods: a visual aid whose distances and axes are not metric.</p>
    <div id="projection-view" class="projection-view"></div>`);
}
