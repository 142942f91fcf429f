import type { AnalysisReport } from '../core/report/analysisReport';
import type { DumpComparison } from '../core/analysis/compareReports';
import type { CovarianceDistanceResult } from '../core/analysis/covarianceDistance';
import type { RegimeResult } from '../core/regime/regimeResult';
import type { InformationReport } from '../core/information/informationReport';
import type { RowMetadata, RowView } from '../core/rows/rowMetadata';
import type { UmapProjection } from '../core/report/projection';

/**
 * Messages between the extension host and the report webview. Both bundles
 * import this file, so a change to a message is a type error on both sides.
 */

/** Host -> webview. */
export type HostToWebview =
  /** An analysis started or is in progress for the panel's file. */
  | { type: 'progress'; file: string; fraction: number; message: string }
  /** The full report to render (replaces anything shown). */
  | { type: 'report'; report: AnalysisReport }
  /** The analysis failed; `code` is the EmbdiagError code or 'internal'. */
  | { type: 'error'; file: string; code: string; message: string }
  /** Two dumps side by side (the compare view). */
  | { type: 'compare'; comparison: DumpComparison }
  /** The compare view's covariance distance, computed after the comparison is shown. */
  | { type: 'covarianceDistance'; result: CovarianceDistanceResult }
  | { type: 'covarianceDistanceProgress'; fraction: number; message: string }
  | { type: 'covarianceDistanceError'; code: string; message: string }
  /** The autoencoder-regime section for the report shown (sent after the report). */
  | { type: 'regime'; result: RegimeResult }
  /** The regime analysis is running (the report stays visible). */
  | { type: 'regimeProgress'; fraction: number; message: string }
  /** The regime analysis failed; the report stays visible. */
  | { type: 'regimeError'; code: string; message: string }
  /** The information section (rate, capacity, rate–distortion, verdict) for the report shown. */
  | { type: 'information'; report: InformationReport }
  | { type: 'informationProgress'; fraction: number; message: string }
  | { type: 'informationError'; code: string; message: string }
  /** The row view asked for by openRow. */
  | { type: 'rowView'; view: RowView }
  /** The row view of `row` could not be computed. */
  | { type: 'rowViewError'; row: number; code: string; message: string }
  /**
   * Labels and texts of rows the panel shows (sent after a report): the projection's sample rows
   * (for colouring by label) and the findings' listed rows; `metadata.rows` says which.
   */
  | { type: 'rowMetadata'; metadata: RowMetadata }
  /** The projection's non-linear view (UMAP layout of its sample), computed on request (startUmap). */
  | { type: 'umap'; layout: UmapProjection }
  | { type: 'umapProgress'; fraction: number; message: string }
  /** The layout failed or was cancelled (code 'cancelled'); the principal components stay shown. */
  | { type: 'umapError'; code: string; message: string };

/** Webview -> host. */
export type WebviewToHost =
  /** The page's script has loaded and can receive messages. */
  | { type: 'ready' }
  /** The page rendered a report; `text` is its visible text (used by tests and accessibility checks). */
  | { type: 'rendered'; file: string; text: string }
  /** The user asked to analyse the file again (bypassing the cache). */
  | { type: 'reanalyze' }
  /** The user asked to copy the report as Markdown. */
  | { type: 'copyMarkdown' }
  /** The user picked another array of a container (npz, safetensors, ...). */
  | { type: 'selectArray'; name: string }
  /** Save the report as Markdown or as the CLI's JSON. */
  | { type: 'exportReport'; format: 'markdown' | 'json' }
  /** Open the single-file report of one shard of the dataset shown (the host checks the report lists it). */
  | { type: 'openShard'; file: string }
  /** Save a plot: `data` is SVG text, or a `data:image/png;base64,…` URL for PNG. `plot` names it (e.g. "spectrum"). */
  | { type: 'exportPlot'; plot: string; format: 'svg' | 'png'; data: string }
  /** Save a plot's data as CSV text (e.g. the projection's coordinates with their row indices); `plot` names it. */
  | { type: 'exportCsv'; plot: string; data: string }
  /** Show the row view of one global row of the report shown (the host checks it is a row of it). */
  | { type: 'openRow'; row: number }
  /** Compute the non-linear view (UMAP) of the projection shown; off until the user asks. */
  | { type: 'startUmap' }
  /** Stop computing it. */
  | { type: 'cancelUmap' }
  /** One of the page's own files (script, stylesheet) failed to load: the host loads the page again. */
  | { type: 'resourceFailed'; url: string };

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; file?: unknown; text?: unknown; name?: unknown; format?: unknown; plot?: unknown; data?: unknown; row?: unknown; url?: unknown };
  switch (m.type) {
    case 'ready': case 'reanalyze': case 'copyMarkdown': case 'startUmap': case 'cancelUmap': return true;
    case 'rendered': return typeof m.file === 'string' && typeof m.text === 'string';
    case 'resourceFailed': return typeof m.url === 'string';
    case 'selectArray': return typeof m.name === 'string';
    case 'openShard': return typeof m.file === 'string';
    case 'openRow': return typeof m.row === 'number' && Number.isSafeInteger(m.row) && m.row >= 0;
    case 'exportReport': return m.format === 'markdown' || m.format === 'json';
    case 'exportPlot':
      return typeof m.plot === 'string' && /^[\w-]{1,40}$/.test(m.plot) && typeof m.data === 'string' &&
        ((m.format === 'svg' && m.data.startsWith('<svg')) || (m.format === 'png' && m.data.startsWith('data:image/png;base64,')));
    case 'exportCsv': return typeof m.plot === 'string' && /^[\w-]{1,40}$/.test(m.plot) && typeof m.data === 'string';
    default: return false;
  }
}
