/**
 * The report page's state: what it shows (a report, a comparison, progress or an error), the
 * sections that arrive after it, the user's choices, and the part of it kept in the webview state
 * (persistedState) so it survives the panel being hidden. main.ts changes it and renders it.
 */
import type { AnalysisReport } from '../src/core/report/analysisReport';
import type { DumpComparison } from '../src/core/analysis/compareReports';
import type { RowMetadata } from '../src/core/rows/rowMetadata';
import type { CovarianceView } from './compareModel';
import type { ErrorState } from './errorView';
import type { InformationView } from './informationModel';
import type { HoverState } from './layout';
import type { PersistedState } from './messages';
import type { ProgressState } from './progressView';
import { UMAP_OFF, type UmapState } from './projectionUmap';
import type { RegimeView } from './regimeSection';
import type { RowViewState } from './rowViewSection';
import type { RowLabels } from './rowViewModel';

export type View =
  | { kind: 'waiting' }
  | { kind: 'progress'; progress: ProgressState }
  | { kind: 'report'; report: AnalysisReport }
  | { kind: 'compare'; comparison: DumpComparison }
  | { kind: 'error'; error: ErrorState };

/** Figures whose plots are drawn at their measured width. */
export const FIGURES = ['spectrum-figure', 'row-norm-figure', 'compare-spectrum-figure', 'regime-loss-figure', 'rd-figure'] as const;
export type FigureId = typeof FIGURES[number];

export interface PageState {
  view: View;
  /** Progress of a re-analysis while the previous report stays on screen. */
  banner: ProgressState | null;
  /** The user's axis choice; null until they pick one. */
  logX: boolean | null;
  widths: Record<FigureId, number>;
  hover: HoverState | null;
  /** A plot export that failed, shown until the next render of another view. */
  exportError: string | null;
  /** The array the user picked, until its report (or an error) arrives. */
  pendingArray: string | null;
  /** The autoencoder-regime section under the report; null until a regime message arrives. */
  regime: RegimeView | null;
  /** Index of the loss plot's time grid under the pointer. */
  regimeHover: number | null;
  /** The prism's keyboard cursor. */
  prismCursor: number | null;
  /** The information section under the spectrum; null until an information message arrives. */
  information: InformationView | null;
  /** Index of the R(D) curve point under the pointer. */
  informationHover: number | null;
  /** The compare view's covariance distance, which arrives after the comparison. */
  covariance: CovarianceView | null;
  /** The row view opened from a finding's rows or a neighbour; null when closed. */
  rowView: RowViewState | null;
  /** Labels and texts of the rows shown (from the host's rowMetadata), and their lookup. */
  rowMetadata: RowMetadata | null;
  rowLabels: RowLabels;
  /** The projection's non-linear view: off until asked for, then running, done (and which view shows) or failed. */
  umap: UmapState;
}

/** The page before the host's first message. */
export function initialPageState(): PageState {
  return {
    view: { kind: 'waiting' }, banner: null, logX: null,
    widths: { 'spectrum-figure': 560, 'row-norm-figure': 560, 'compare-spectrum-figure': 900, 'regime-loss-figure': 900, 'rd-figure': 900 },
    hover: null, exportError: null, pendingArray: null, regime: null, regimeHover: null, prismCursor: null, information: null, informationHover: null,
    covariance: null, rowView: null, rowMetadata: null, rowLabels: new Map(), umap: UMAP_OFF,
  };
}

/** What the webview state keeps of the page; undefined while there is nothing to keep (waiting, progress). */
export function persistedState(state: PageState): PersistedState | undefined {
  const v = state.view;
  let view: PersistedState['view'] | undefined;
  if (v.kind === 'report') view = { kind: 'report', report: v.report };
  else if (v.kind === 'compare') {
    // a finished covariance distance is kept with its comparison; progress is replayed by the host
    const cov = state.covariance;
    view = cov?.kind === 'result' ? { kind: 'compare', comparison: v.comparison, covariance: cov.result } : { kind: 'compare', comparison: v.comparison };
  } else if (v.kind === 'error') view = { kind: 'error', ...v.error };
  if (!view) return undefined;
  const saved: PersistedState = { v: 1, view, logX: state.logX ?? undefined };
  // Only a finished regime is kept; progress and errors are replayed by the host when the page reloads.
  if (state.regime?.kind === 'result') saved.regime = { result: state.regime.result, stale: state.regime.stale };
  const info = state.information;
  if (info?.kind === 'result') saved.information = { report: info.report, file: info.file, arrayName: info.arrayName, stale: info.stale };
  return saved;
}
