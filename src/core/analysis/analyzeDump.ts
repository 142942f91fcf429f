import * as path from 'node:path';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import { openDump } from '../formats/openDump';
import type { DumpFile, EmbeddingMatrix, RawShape } from '../formats/dumpFile';
import { DenseMatrix } from '../formats/npy';
import { StreamingStatistics, type StatisticsResult } from '../stats/streamingStatistics';
import { sampleRowIndices, uniqueSortedRuns } from '../stats/rowSampler';
import { symmetricEigenvalues, EigenWorkspace } from '../linalg/symmetricEigenvalues';
import type { AnalysisReport } from '../report/analysisReport';
import type { ReportSubject } from './buildReport';
import { DEFAULT_THRESHOLDS, type FindingThresholds } from './findings';
import { openDumpSource, siblingOpener } from '../formats/openDumpFile';
import { NullRowTally } from './nullRowTally';
import { FiniteRows, gramRouteSpectrum, spectrumRoute } from './spectrumRoute';
import { RowIndexRecorder } from '../stats/rowIndices';
import { DEFAULT_PROJECTION_ROWS, centredRowsOperator, principalAxes, sortedHas, type PrincipalAxes } from './projection';
import { projectionOfDump } from './dumpProjection';
import type { OutlierRows } from './outlierRows';
import { MAX_COVARIANCE_DIM, usesWasmStatistics } from './statisticsPass';
import { addKeys, passOfShard, shardPass } from '../dataset/shardPartial';
import { RowSampleCollector } from '../dataset/rowSample';
import { finiteRowKeys } from '../stats/rowHash';
import type { ShardEntry } from '../dataset/partial';
import { ROW_KEYS_BOUND, RowKeyCollector } from '../dataset/rowKeys';
import { covarianceOfPartial, diagonalOf, reportFromPartial, spectrumOfPartial } from '../dataset/partialReport';

export interface AnalyzeOptions {
  /** Analyse at most this many rows; larger arrays are sampled uniformly (seeded). */
  maxRows: number;
  seed: number;
  /** Array inside a container (npz, safetensors); default: the choice rule of DumpFile.open. */
  arrayName?: string;
  /** A headerless raw array's dtype and dimension (CLI --dtype/--dim, the editor's prompt). */
  raw?: RawShape;
  thresholds?: FindingThresholds;
  /**
   * Statistics engine. 'auto' (default): when the covariance costs enough to matter, the
   * WebAssembly SIMD kernels on worker threads — float32 arithmetic (float32 products summed in
   * float32 over chunks of 256 rows, in two levels of 32 and 8, then into float64) for dtypes
   * float32 represents exactly (float32, float16, bfloat16, float8, 8/16-bit integers, bool),
   * float64 arithmetic for the others; below that, the
   * float64 JS StreamingStatistics. 'js', 'float64' and 'float32' force one (the float32
   * kernels only where the dtype allows, else float64). On the Gram route (fewer rows than
   * dimensions, see spectrumRoute.ts) the statistics are always the float64 JS ones: there is no
   * d × d covariance to accelerate.
   */
  kernels?: 'auto' | 'js' | 'float64' | 'float32';
  /** Worker threads of the float32 kernels (default: min(2, cores); 0: on the calling thread). */
  workers?: number;
  /**
   * Before the exact analysis, deliver a quick report through `hooks.onQuickReport`, computed on
   * a uniform random sample of rows (size chosen to take well under a second, or `rows`). The
   * report says so: sampling.sampled is true and sampling.method names the quick pass and its size.
   */
  quickFirstPass?: boolean | { rows: number };
  /** Rows of the report's projection (a uniform seeded sample of the finite rows); 0: none. Default DEFAULT_PROJECTION_ROWS. */
  projectionRows?: number;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = { maxRows: 100_000, seed: 0 };

export interface AnalyzeHooks {
  /** fraction in [0, 1]; called a few times per second at most by well-behaved callers. */
  onProgress?: (fraction: number, message: string) => void;
  /** Polled between blocks; throw-free cancellation for callers that cannot terminate a thread. */
  isCancelled?: () => boolean;
  /** The quick first-pass report (only with options.quickFirstPass), delivered before the exact one. */
  onQuickReport?: (report: AnalysisReport) => void;
}

/** Work budget of the quick first pass, in multiply-adds (≈ 50 ms of plain JS on a free core). */
const QUICK_WORK = 4e7;

/** Reads in flight during the quick pass (dense arrays only). */
const QUICK_READS = 16;
/**
 * Below this size the quick pass solves its eigenvalues in plain JS (≈ 40 ms at 400), sparing the
 * first report the compilation of the WebAssembly kernels (the exact pass compiles them anyway).
 */
const QUICK_JS_EIGEN = 600;

/** Opens `filePath`, analyses it, and always closes it. */
export async function analyzeFile(filePath: string, options: AnalyzeOptions, hooks: AnalyzeHooks = {}): Promise<AnalysisReport> {
  const source = await openDumpSource(filePath);
  try {
    return await analyzeSource(source, path.basename(filePath), options, hooks, siblingOpener(filePath), filePath);
  } finally {
    await source.close();
  }
}

export async function analyzeSource(
  source: ByteSource,
  fileName: string,
  options: AnalyzeOptions,
  hooks: AnalyzeHooks = {},
  openSibling?: (name: string) => Promise<ByteSource | undefined>,
  displayPath: string = source.name,
): Promise<AnalysisReport> {
  checkMaxRows(options);
  return analyzeOpenedDump(source, await openDump(source, { fileName, openSibling, raw: options.raw }), options, hooks, displayPath);
}

function checkMaxRows(options: AnalyzeOptions): void {
  if (!(Number.isSafeInteger(options.maxRows) && options.maxRows >= 2)) {
    throw new EmbdiagError('bad-argument', `max rows must be an integer of at least 2 (got ${options.maxRows}).`);
  }
}

/** The analysis of a dump already opened from `source` (which gives its size and change checks). */
export async function analyzeOpenedDump(
  source: ByteSource,
  dump: DumpFile,
  options: AnalyzeOptions,
  hooks: AnalyzeHooks = {},
  displayPath: string = source.name,
): Promise<AnalysisReport> {
  const started = Date.now();
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  checkMaxRows(options);
  projectionRowsOf(options);
  // null rows (Arrow/Parquet null lists) are read as NaN rows: the tally tells them apart
  const nulls = new NullRowTally(await dump.open(options.arrayName));
  const matrix = nulls.matrix;
  const { rows: rowsTotal, dim } = matrix;
  // the d × d covariance is held in float64: refuse clearly rather than run out of memory
  if (dim > MAX_COVARIANCE_DIM) {
    throw new EmbdiagError('too-large', `${displayPath}: ${dim} dimensions: its ${dim} × ${dim} covariance would need ${(8 * dim * dim / 2 ** 30).toFixed(0)} GiB.`,
      `Analyse a projection or a slice with at most ${MAX_COVARIANCE_DIM} dimensions.`);
  }
  const sampled = rowsTotal > options.maxRows;
  const rowsUsed = sampled ? options.maxRows : rowsTotal;

  const runs = (): Iterable<readonly [number, number]> =>
    sampled ? uniqueSortedRuns(sampleRowIndices(rowsTotal, rowsUsed, options.seed)) : [[0, rowsTotal]];
  const context: ReportContext = { source, dump, matrix, nulls, options, thresholds, started, displayPath, rowsTotal, rowsUsed, sampled };

  if (options.quickFirstPass && hooks.onQuickReport) {
    const quick = await quickReport(context, hooks);
    if (quick) hooks.onQuickReport(quick);
  }

  nulls.reset(); // the exact pass counts its own null rows

  // Fewer rows than dimensions: the N × N Gram matrix instead of the d × d covariance.
  const gram = spectrumRoute(rowsUsed, dim, usesWasmStatistics(rowsUsed, dim, options)) === 'gram';
  const kept = gram ? new FiniteRows(dim, rowsUsed) : null;
  const readStarted = Date.now();
  // The WebAssembly path builds its covariance straight into the eigenvalue solver's memory.
  const solver: { workspace: EigenWorkspace | null } = { workspace: null };
  // A file is a dataset of one shard: the shard's pass and partial, with the file's own sampling
  // and spectrum route, its norms and row keys all kept (exact median, outliers and duplicates, as
  // the pass holds every norm anyway), no shared row sample (the projection reads its rows), and
  // the co-moment in the covariance's own array.
  const pass = await passOfShard(nulls, 0, {
    seed: options.seed, arrayName: options.arrayName, kernels: options.kernels, workers: options.workers,
    runs: runs(), rowsUsed, sampleRows: 0, normsKept: Infinity, keyBound: Math.max(ROW_KEYS_BOUND, rowsUsed), everyDuplicate: projecting(context),
    covariance: !gram, onBlock: kept ? (block, n) => kept.add(block, n) : undefined,
    covarianceBuffer: () => (solver.workspace = EigenWorkspace.create(dim))?.matrix, comomentInPlace: true,
  }, hooks);
  const st = pass.statistics;
  let workspace = solver.workspace;
  const readMs = Date.now() - readStarted;
  // Readers such as HDF5 read the file by themselves, not through `source`: check once at the end too.
  await source.assertUnchanged?.();
  const partial = pass.partialOf(shardOf(context));

  hooks.onProgress?.(0.95, 'Computing eigenvalues');
  const eigenStarted = Date.now();
  // back in the array the statistics built it in (the solver's, on the WebAssembly path); null on the Gram route
  let covariance = covarianceOfPartial(partial, true);
  const variance = gram ? st.variance : diagonalOf(covariance, dim);
  // values near float64's limits make squares overflow; say so instead of computing on Infinity
  const covarianceOverflow = covariance !== null && !covariance.every(Number.isFinite);
  // the axes before the eigenvalues: the WebAssembly solver overwrites the covariance
  const axesStarted = Date.now();
  const axes = projecting(context) && covariance && !covarianceOverflow && st.count >= 2 ? principalAxes({ matrix: covariance }, dim, options.seed) : null;
  const axesMs = Date.now() - axesStarted;
  // Small Gram matrices are solved in JS, as in the quick pass: faster than compiling the kernels.
  const spectrum = kept ? gramRouteSpectrum(kept, st, kept.count <= QUICK_JS_EIGEN)
    : spectrumOfPartial(partial, covariance, c => (workspace && c.buffer === workspace.matrix.buffer ? workspace.eigenvalues() : symmetricEigenvalues(c, dim)));
  // not needed any more: let the d × d array go before the report is built
  covariance = null;
  st.covariance = null;
  partial.comoment = new Float64Array(0);
  workspace = null;
  // the axes are the projection's (counted in its projectionMs), not the eigenvalues'
  const eigenMs = Date.now() - eigenStarted - axesMs;
  const { report, statistics } = reportFromPartial(partial, subjectOf(context), variance, spectrum, { readMs, eigenMs }, {
    method: sampled ? 'uniform random sample without replacement' : 'all rows', maxRows: options.maxRows,
  });
  // the Gram route's axes: the kept rows are centred now (gramRouteSpectrum), the covariance is Yᵀ·Y/(N − 1), used through products
  const gramAxesStarted = Date.now();
  const gramAxes = kept && projecting(context) && spectrum.eigenvalues.length > 0 && st.count >= 2
    ? principalAxes({ operator: centredRowsOperator(kept.rows, kept.count, dim) }, dim, options.seed) : null;
  const duplicates = pass.duplicateRows ?? new Float64Array(0);
  await withProjection(context, report, st, axes ?? gramAxes, axesMs + (kept ? Date.now() - gramAxesStarted : 0),
    { has: row => sortedHas(duplicates, row) }, statistics.outliers ?? null, hooks, kept?.rows);
  hooks.onProgress?.(1, 'Done');
  return report;
}

/** The file as the one shard of its partial (never stored: no modification time). */
function shardOf(ctx: ReportContext): ShardEntry {
  const { dump, matrix } = ctx;
  return {
    file: ctx.displayPath, firstRow: 0, rows: ctx.rowsTotal, format: dump.format, array: matrix.name, dtype: matrix.dtype, shape: [...matrix.shape],
    size: ctx.source.size, mtimeMs: 0, findings: dump.findings.map(f => ({ ...f })), notes: [...dump.notes, ...matrix.notes],
  };
}

function projectionRowsOf(options: AnalyzeOptions): number {
  const n = options.projectionRows ?? DEFAULT_PROJECTION_ROWS;
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new EmbdiagError('bad-argument', `projection rows must be a non-negative integer (got ${n}).`);
  return n;
}

function projecting(ctx: ReportContext): boolean {
  return projectionRowsOf(ctx.options) > 0 && ctx.matrix.dim >= 2;
}

/** Adds the projection (and its time, from the axes to the coordinates) to the report. */
async function withProjection(ctx: ReportContext, report: AnalysisReport, st: StatisticsResult, axes: PrincipalAxes | null, axesMs: number,
  duplicates: { has(row: number): boolean }, outliers: OutlierRows | null, hooks: AnalyzeHooks, centredRows?: Float64Array): Promise<void> {
  const spectrum = report.metrics !== null && report.metrics.totalVariance > 0;
  const unconverged = 'No projection: the leading eigenvectors did not converge to the spectrum\'s eigenvalues, and a projection on inexact axes is not shown.';
  if (!axes) {
    if (projecting(ctx) && st.count >= 2 && spectrum) report.notes.push(unconverged);
    return;
  }
  hooks.onProgress?.(0.97, 'Projecting a sample of rows');
  const started = Date.now();
  const projection = await projectionOfDump({
    matrix: ctx.matrix, statistics: st, axes, report, projectionRows: projectionRowsOf(ctx.options), seed: ctx.options.seed,
    duplicates, outliers: outliers?.rows ?? [], centredRows,
    concurrency: ctx.matrix instanceof DenseMatrix ? QUICK_READS : 1, isCancelled: hooks.isCancelled,
  });
  await ctx.source.assertUnchanged?.();
  if (!projection) {
    if (spectrum) report.notes.push(unconverged);
    return;
  }
  report.projection = projection;
  report.timings.projectionMs = axesMs + Date.now() - started;
}

interface ReportContext {
  source: ByteSource;
  dump: DumpFile;
  matrix: EmbeddingMatrix;
  /** Null rows of the pass being reported. */
  nulls: NullRowTally;
  options: AnalyzeOptions;
  thresholds: FindingThresholds;
  started: number;
  displayPath: string;
  rowsTotal: number;
  rowsUsed: number;
  sampled: boolean;
}

/** What a report of this file is about (the subject of reportFromStatistics but its dimension, seed and null rows). */
function subjectOf(ctx: ReportContext): Omit<ReportSubject, 'dim' | 'seed' | 'nullRows'> {
  const { source, dump, matrix } = ctx;
  return {
    displayPath: ctx.displayPath, fileSize: source.size, format: dump.format,
    array: { name: matrix.name, dtype: matrix.dtype, shape: [...matrix.shape] }, arrays: dump.arrays,
    readerFindings: dump.findings, notes: [...dump.notes, ...matrix.notes],
    rowsTotal: ctx.rowsTotal, rowsUsed: ctx.rowsUsed, sampled: ctx.sampled,
    thresholds: ctx.thresholds, started: ctx.started,
  };
}

/**
 * The quick first pass: a uniform random sample small enough to finish well within a second
 * whatever the file size (the sample's rows are read one run at a time), its covariance
 * eigenvalues through the covariance (sample ≥ dim) or the Gram matrix (sample < dim).
 * Undefined when the exact analysis would use no more rows than the sample.
 */
async function quickReport(ctx: ReportContext, hooks: AnalyzeHooks): Promise<AnalysisReport | undefined> {
  const { matrix, options, rowsUsed } = ctx;
  const dim = matrix.dim;
  const requested = typeof options.quickFirstPass === 'object' ? options.quickFirstPass.rows : 0;
  const byBudget = Math.max(Math.sqrt((2 * QUICK_WORK) / dim), Math.min(dim, (2 * QUICK_WORK) / (dim * dim)));
  const q = Math.max(2, Math.floor(requested > 0 ? requested : Math.max(100, byBudget)));
  if (q >= rowsUsed) return undefined;
  const started = Date.now();
  const gram = spectrumRoute(q, dim) === 'gram';
  // the exact pass's statistics and partial (see analyzeOpenedDump), on the sample
  const stats = new StreamingStatistics(dim, { hashDuplicates: false, covariance: !gram,
    rowIndices: new RowIndexRecorder({ isNull: row => ctx.nulls.has(row) }) });
  const keys = new RowKeyCollector(Math.max(ROW_KEYS_BOUND, q));
  const kept = gram ? new FiniteRows(dim, q) : null;
  const runs = [...uniqueSortedRuns(sampleRowIndices(ctx.rowsTotal, q, options.seed))];
  // Dense arrays take positioned reads: fetch the sample's rows QUICK_READS at a time (the
  // latency of hundreds of small reads, not their bytes, is what costs); others read in order.
  const blocks = await readRunsConcurrently(matrix, runs, matrix instanceof DenseMatrix ? QUICK_READS : 1, hooks);
  for (let b = 0; b < runs.length; b++) {
    const block = blocks[b];
    const n = runs[b][1];
    stats.add(block, n, runs[b][0]);
    addKeys(keys, finiteRowKeys(block, n, dim));
    kept?.add(block, n);
  }
  const st = stats.finish();
  const quick = { ...ctx, rowsUsed: q, sampled: true, started };
  const partial = shardPass(st, keys, new RowSampleCollector(dim, 0, options.seed), ctx.nulls, 0,
    { seed: options.seed, arrayName: options.arrayName, normsKept: Infinity, covariance: !gram, comomentInPlace: true }).partialOf(shardOf(quick));
  const readMs = Date.now() - started;
  const eigenStarted = Date.now();
  const covariance = covarianceOfPartial(partial, true);
  const variance = kept ? st.variance : diagonalOf(covariance, dim);
  const spectrum = kept ? gramRouteSpectrum(kept, st, kept.count <= QUICK_JS_EIGEN)
    : spectrumOfPartial(partial, covariance, c => symmetricEigenvalues(c, dim, { forceJs: dim <= QUICK_JS_EIGEN }));
  return reportFromPartial(partial, subjectOf(quick), variance, spectrum, { readMs, eigenMs: Date.now() - eigenStarted },
    { method: 'uniform random sample without replacement', maxRows: q,
      note: `Quick first pass: computed on a uniform random sample of ${q} of the ${ctx.rowsTotal} rows (seed ${options.seed}); the exact report follows.` }).report;
}

/** Reads each run whole, `concurrency` reads in flight; blocks come back in the order of `runs`. */
async function readRunsConcurrently(
  matrix: EmbeddingMatrix, runs: readonly (readonly [number, number])[], concurrency: number, hooks: AnalyzeHooks,
): Promise<Float64Array[]> {
  const blocks: Float64Array[] = new Array(runs.length);
  let next = 0;
  const lane = async () => {
    while (next < runs.length) {
      const i = next++;
      if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
      blocks[i] = await matrix.readRows(runs[i][0], runs[i][1]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, runs.length)) }, lane));
  return blocks;
}
