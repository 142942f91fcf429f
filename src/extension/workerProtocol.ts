import type { AnalyzeOptions } from '../core/analysis/analyzeDump';
import type { LoadRowsOptions } from '../core/analysis/loadRows';
import type { AnalysisReport } from '../core/report/analysisReport';
import type { RegimeConfig } from '../core/regime/autoencoderConfig';
import type { RegimeResult } from '../core/regime/regimeResult';
import type { InformationFlags } from '../core/information/informationInputs';
import type { InformationOptions, InformationReport } from '../core/information/informationReport';
import type { CovarianceDistanceOptions, CovarianceDistanceResult } from '../core/analysis/covarianceDistance';
import type { FindingThresholds } from '../core/analysis/findings';
import type { RowViewOptions } from '../core/rows/rowView';
import type { RowMetadataOptions } from '../core/rows/readRowMetadata';
import type { RowMetadata, RowView } from '../core/rows/rowMetadata';
import type { ShardSummary } from '../core/report/analysisReport';
import type { UmapProjection } from '../core/report/projection';
import type { UmapParameters } from '../core/analysis/umapParameters';
import type { RawShape } from '../core/formats/dumpFile';

/** What a dataset analysis depends on besides its shards (see analyzeDataset). */
export interface DatasetTaskOptions { seed: number; arrayName?: string; thresholds?: FindingThresholds; projectionRows?: number }

/** The work the analysis worker can do; every task reads the dump at `path` (and `otherPath`, for two-file tasks). */
export type WorkerTask =
  | { type: 'analyze'; path: string; options: AnalyzeOptions }
  | { type: 'regime'; path: string; load: LoadRowsOptions; config: RegimeConfig }
  | { type: 'information'; path: string; flags: InformationFlags; options: Partial<InformationOptions> }
  /** The covariance distance of the dumps at `path` (left) and `otherPath` (right), for the compare view. */
  | { type: 'covarianceDistance'; path: string; otherPath: string; options: CovarianceDistanceOptions }
  /**
   * The dataset whose shards are the dump files of the folder or the matches of the glob at `path`
   * (every row of every shard); `cacheDir` holds the per-shard partials, so an added shard is the
   * only one read again.
   */
  | { type: 'dataset'; path: string; options: DatasetTaskOptions; cacheDir?: string }
  /**
   * The row view of `row` of the dump at `path` (for a dataset: of the shard at `path`, the row
   * inside it, and where the shard starts among the dataset's rows).
   */
  | { type: 'rowView'; path: string; row: number; options: RowViewOptions; shard?: { localRow: number; firstRow: number } }
  /** The metadata of rows of the dump at `path`, or of a dataset's global rows (`shards` given; `path` is the dataset's). */
  | { type: 'rowMetadata'; path: string; rows: number[]; options: RowMetadataOptions; shards?: ShardSummary[] }
  /**
   * The UMAP layout of the projection's sample `rows` (global, ascending) of the dump at `path`, or
   * of a dataset's global rows (`shards` given; `path` is its first shard's).
   */
  | { type: 'umap'; path: string; rows: number[]; parameters: UmapParameters; options: { arrayName?: string; raw?: RawShape }; shards?: ShardSummary[] };

export type { RegimeResult };

export type TaskResult<T extends WorkerTask['type']> =
  T extends 'analyze' | 'dataset' ? AnalysisReport : T extends 'regime' ? RegimeResult : T extends 'information' ? InformationReport
    : T extends 'rowView' ? RowView : T extends 'rowMetadata' ? RowMetadata | null : T extends 'umap' ? UmapProjection : CovarianceDistanceResult;

/** Messages between the extension host and the analysis worker thread. */
export type ToWorker = { id: number; task: WorkerTask };

export type FromWorker =
  | { type: 'progress'; id: number; fraction: number; message: string }
  /** A first, sampled report before the exact one (analyze tasks with quickFirstPass). */
  | { type: 'partial'; id: number; report: AnalysisReport }
  | { type: 'result'; id: number; result: AnalysisReport | RegimeResult | InformationReport | CovarianceDistanceResult | RowView | RowMetadata | UmapProjection | null }
  /** `detail`: the JavaScript exception behind the error, for the output channel only (never shown as the message). */
  | { type: 'error'; id: number; code: string; message: string; detail?: string };
