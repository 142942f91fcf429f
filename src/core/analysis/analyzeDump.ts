import * as path from 'node:path';
import type { ByteSource } from '../io/byteSource';
import { FileByteSource } from '../io/fileByteSource';
import { EmbdiagError } from '../errors';
import { openDump } from '../formats/openDump';
import type { EmbeddingMatrix } from '../formats/dumpFile';
import { StreamingStatistics } from '../stats/streamingStatistics';
import { sampleRowIndices, uniqueSortedRuns } from '../stats/rowSampler';
import { symmetricEigenvalues } from '../linalg/symmetricEigenvalues';
import { spectrumMetrics } from '../metrics/spectrumMetrics';
import type { AnalysisReport, HealthSection, RowNormSummary } from '../report/analysisReport';
import { deriveFindings, DEFAULT_THRESHOLDS, type FindingThresholds } from './findings';
import { TOOL_VERSION } from '../version';
import { formatNumber } from '../report/format';

export interface AnalyzeOptions {
  /** Analyse at most this many rows; larger arrays are sampled uniformly (seeded). */
  maxRows: number;
  seed: number;
  /** Array inside a container (npz, safetensors); default: the choice rule of DumpFile.open. */
  arrayName?: string;
  thresholds?: FindingThresholds;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = { maxRows: 100_000, seed: 0 };

export interface AnalyzeHooks {
  /** fraction in [0, 1]; called a few times per second at most by well-behaved callers. */
  onProgress?: (fraction: number, message: string) => void;
  /** Polled between blocks; throw-free cancellation for callers that cannot terminate a thread. */
  isCancelled?: () => boolean;
}

/** Bytes of float64 rows decoded per block: large enough for sequential reads, small enough for memory. */
const BLOCK_BYTES = 8 << 20;

/** Opens `filePath`, analyses it, and always closes it. */
export async function analyzeFile(filePath: string, options: AnalyzeOptions, hooks: AnalyzeHooks = {}): Promise<AnalysisReport> {
  const source = await FileByteSource.open(filePath);
  try {
    const dir = path.dirname(filePath);
    return await analyzeSource(source, path.basename(filePath), options, hooks, async (name) => {
      try { return await FileByteSource.open(path.join(dir, name)); } catch { return undefined; }
    }, filePath);
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
  const started = Date.now();
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  if (!(Number.isSafeInteger(options.maxRows) && options.maxRows >= 2)) {
    throw new EmbdiagError('bad-argument', `max rows must be an integer of at least 2 (got ${options.maxRows}).`);
  }
  const dump = await openDump(source, { fileName, openSibling });
  const matrix = await dump.open(options.arrayName);
  const { rows: rowsTotal, dim } = matrix;
  const sampled = rowsTotal > options.maxRows;
  const rowsUsed = sampled ? options.maxRows : rowsTotal;

  const readStarted = Date.now();
  const stats = new StreamingStatistics(dim, { hashDuplicates: true });
  await streamRows(matrix, sampled ? uniqueSortedRuns(sampleRowIndices(rowsTotal, rowsUsed, options.seed)) : [[0, rowsTotal]], rowsUsed,
    (block, n) => stats.add(block, n), hooks);
  const st = stats.finish();
  const readMs = Date.now() - readStarted;

  hooks.onProgress?.(0.95, 'Computing eigenvalues');
  const eigenStarted = Date.now();
  // values near float64's limits make squares overflow; say so instead of computing on Infinity
  const overflow = st.covariance !== null && !st.covariance.every(Number.isFinite);
  const eigenvalues = st.covariance && !overflow ? symmetricEigenvalues(st.covariance, dim) : new Float64Array(0);
  const eigenMs = Date.now() - eigenStarted;
  const metrics = eigenvalues.length > 0 ? spectrumMetrics(eigenvalues) : null;

  const variance = st.variance && !overflow ? Array.from(st.variance) : [];
  const deadDimIndices: number[] = [];
  let deadDims = 0;
  for (let j = 0; j < variance.length; j++) {
    if (variance[j] <= thresholds.deadDimensionVariance) {
      deadDims++;
      if (deadDimIndices.length < 100) deadDimIndices.push(j);
    }
  }
  const health: HealthSection = {
    nanRows: st.nanRows, infRows: st.infRows, zeroRows: st.zeroRows, duplicateRows: st.duplicateRows,
    deadDims, deadDimIndices, rowNorms: summariseNorms(st.rowNorms),
  };
  const findings = [
    ...dump.findings,
    ...(overflow ? [{ code: 'numeric-overflow', severity: 'error' as const, message:
      `Some values are so large (largest row norm ${formatNumber(summariseNorms(st.rowNorms)?.max)}) that their squares overflow float64, so no covariance, spectrum or rank could be computed. Rescale the embeddings, or look for the diverged rows.` }] : []),
    ...deriveFindings({ rowsTotal, rowsUsed, rowsInStatistics: st.count, dim, sampled, seed: options.seed, health, metrics }, thresholds),
  ];
  hooks.onProgress?.(1, 'Done');
  return {
    schemaVersion: 1,
    tool: { name: 'embdiag', version: TOOL_VERSION },
    file: displayPath,
    fileSize: source.size,
    format: dump.format,
    array: { name: matrix.name, dtype: matrix.dtype, shape: [...matrix.shape] },
    arrays: dump.arrays,
    rowsTotal,
    rowsUsed,
    rowsInStatistics: st.count,
    dim,
    sampling: {
      sampled,
      method: sampled ? 'uniform random sample without replacement' : 'all rows',
      seed: options.seed,
      maxRows: options.maxRows,
    },
    health,
    mean: Array.from(st.mean),
    variance,
    eigenvalues: Array.from(eigenvalues),
    metrics,
    notes: [...dump.notes, ...matrix.notes],
    findings,
    timings: { totalMs: Date.now() - started, readMs, eigenMs },
  };
}

/** Reads the requested row runs in blocks, in ascending order, feeding each block to `sink`. */
async function streamRows(
  matrix: EmbeddingMatrix,
  runs: Iterable<readonly [number, number]>,
  rowsWanted: number,
  sink: (block: Float64Array, rows: number) => void,
  hooks: AnalyzeHooks,
): Promise<void> {
  const blockRows = Math.max(1, Math.floor(BLOCK_BYTES / (8 * Math.max(1, matrix.dim))));
  let done = 0;
  let lastReport = 0;
  for (const [start, count] of runs) {
    for (let r = start; r < start + count; r += blockRows) {
      if (hooks.isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
      const n = Math.min(blockRows, start + count - r);
      sink(await matrix.readRows(r, n), n);
      done += n;
      const now = Date.now();
      if (hooks.onProgress && now - lastReport > 100) {
        lastReport = now;
        hooks.onProgress(0.9 * (done / Math.max(1, rowsWanted)), `Read ${done} of ${rowsWanted} rows`);
      }
    }
  }
}

function summariseNorms(norms: Float64Array): RowNormSummary | null {
  if (norms.length === 0) return null;
  const sorted = Float64Array.from(norms).sort();
  const n = sorted.length;
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return { min: sorted[0], median, max: sorted[n - 1], mean: sum / n };
}
