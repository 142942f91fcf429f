import * as path from 'node:path';
import { openDumpFile } from '../formats/openDumpFile';
import type { EmbeddingMatrix } from '../formats/dumpFile';
import { EmbdiagError } from '../errors';
import { sampleRowIndices, uniqueSortedRuns } from '../stats/rowSampler';
import { COVARIANCE_DISTANCE_FORMULA, relativeFrobeniusDistance } from './compareReports';
import type { AnalyzeHooks, AnalyzeOptions } from './analyzeDump';
import { statisticsOfRows } from './statisticsPass';

/**
 * The covariance-level distance of two dumps for the compare view:
 *   2‖Σ_R − Σ_L‖_F / (‖Σ_L‖_F + ‖Σ_R‖_F),
 * with Σ the sample covariance (1/(N−1), centred, finite rows only) of each dump. Unlike the
 * spectrum distance it sees rotations: two dumps whose rows differ by an orthogonal map have
 * the same eigenvalues but, in general, different covariances.
 *
 * Each side uses the rows its analysis uses (the same rule and seed): every row when the dump
 * has at most `maxRows` rows, else a seeded uniform sample of `maxRows` rows. Two dumps with
 * the same row count therefore get the same row indices, so row-matched dumps stay matched.
 */

/**
 * Largest dimension compared: both d × d float64 covariances are held at once, which at this size
 * is 2 · 8 · 4096² bytes = 256 MiB (plus the accumulators while the second is built).
 */
export const MAX_COVARIANCE_DISTANCE_DIM = 4096;

export interface CovarianceDistanceOptions extends Pick<AnalyzeOptions, 'maxRows' | 'seed' | 'kernels' | 'workers'> {
  leftArray?: string;
  rightArray?: string;
  /** Largest dimension compared (default MAX_COVARIANCE_DISTANCE_DIM); above it the figure is not computed and says why. */
  maxDim?: number;
}

/** What one side contributed: which array, how many rows, and how they were chosen. */
export interface CovarianceSide {
  file: string;
  arrayName: string;
  dim: number;
  rowsTotal: number;
  /** Rows read: all of them, or the sample. */
  rowsRead: number;
  /** Finite rows among those read: the rows the covariance is computed from. */
  rowsInStatistics: number;
  sampled: boolean;
  seed: number;
  method: 'all rows' | 'uniform random sample without replacement';
}

export interface CovarianceDistanceResult {
  /** The distance, or null when it is not defined or not computed (`unavailable` says why). */
  value: number | null;
  /** A plug-in estimate from the rows each side used (exact for those rows, an estimate of the population figure). */
  kind: 'estimate';
  formula: string;
  left: CovarianceSide | null;
  right: CovarianceSide | null;
  /** ‖Σ_L‖_F and ‖Σ_R‖_F, for the reader who wants the scale. */
  frobeniusLeft: number | null;
  frobeniusRight: number | null;
  unavailable?: string;
  notes: string[];
}

interface OpenedSide {
  side: Omit<CovarianceSide, 'rowsInStatistics'>;
  matrix: EmbeddingMatrix;
  /** Closes the file; safe to call again. */
  close(): Promise<void>;
}

async function openSide(filePath: string, arrayName: string | undefined, options: CovarianceDistanceOptions): Promise<OpenedSide> {
  const { source, dump } = await openDumpFile(filePath);
  try {
    const matrix = await dump.open(arrayName);
    const sampled = matrix.rows > options.maxRows;
    let closing: Promise<void> | undefined;
    return {
      matrix,
      close: () => (closing ??= source.close()),
      side: {
        file: filePath, arrayName: matrix.name, dim: matrix.dim, rowsTotal: matrix.rows,
        rowsRead: sampled ? options.maxRows : matrix.rows, sampled, seed: options.seed,
        method: sampled ? 'uniform random sample without replacement' : 'all rows',
      },
    };
  } catch (e) {
    await source.close();
    throw e;
  }
}

/**
 * The covariance distance of two dump files. Reads the left dump's rows, then the right's, each
 * in one streaming pass; the files are opened only as long as they are read. Progress: left in
 * [0, 0.5), right in [0.5, 1). A dimension mismatch, a dimension above the cap, fewer than two
 * finite rows on a side or an overflowing covariance give value null with the reason.
 */
export async function covarianceDistanceOfFiles(
  leftPath: string,
  rightPath: string,
  options: CovarianceDistanceOptions,
  hooks: AnalyzeHooks = {},
): Promise<CovarianceDistanceResult> {
  if (!(Number.isSafeInteger(options.maxRows) && options.maxRows >= 2)) {
    throw new EmbdiagError('bad-argument', `max rows must be an integer of at least 2 (got ${options.maxRows}).`);
  }
  const maxDim = options.maxDim ?? MAX_COVARIANCE_DISTANCE_DIM;
  const notes: string[] = [];
  const result = (value: number | null, left: CovarianceSide | null, right: CovarianceSide | null, extra: Partial<CovarianceDistanceResult> = {}): CovarianceDistanceResult =>
    ({ value, kind: 'estimate', formula: COVARIANCE_DISTANCE_FORMULA, left, right, frobeniusLeft: null, frobeniusRight: null, notes, ...extra });

  // Open both first: a dimension mismatch or a dimension above the cap is known before any row is read.
  const left = await openSide(leftPath, options.leftArray, options);
  let right: OpenedSide;
  try {
    right = await openSide(rightPath, options.rightArray, options);
  } catch (e) {
    await left.close();
    throw e;
  }
  const sides = [left, right];
  const unread = (s: OpenedSide): CovarianceSide => ({ ...s.side, rowsInStatistics: 0 });
  try {
    const dL = left.side.dim, dR = right.side.dim;
    if (dL !== dR) {
      return result(null, unread(left), unread(right), { unavailable: `Not defined: the dumps have different dimensions (d = ${dL} and ${dR}).` });
    }
    if (dL > maxDim) {
      const mib = Math.round((2 * 8 * dL * dL) / 2 ** 20);
      return result(null, unread(left), unread(right), {
        unavailable: `Not computed: d = ${dL} is above ${maxDim}; the two ${dL} \u00d7 ${dL} covariances would need ${mib} MiB held at once. The spectrum distance still compares their eigenvalues.`,
      });
    }
    const covariances: Float64Array[] = [];
    const used: CovarianceSide[] = [];
    for (const [i, s] of sides.entries()) {
      const { rowsTotal, rowsRead, sampled } = s.side;
      const runs = sampled ? uniqueSortedRuns(sampleRowIndices(rowsTotal, rowsRead, options.seed)) : [[0, rowsTotal] as const];
      const name = path.basename(s.side.file);
      const st = await statisticsOfRows(s.matrix, runs, rowsRead, options, {
        isCancelled: hooks.isCancelled,
        onProgress: hooks.onProgress && ((f, message) => hooks.onProgress!((i + Math.min(1, f / 0.9)) / 2, `${name}: ${message}`)),
      }, { hashDuplicates: false });
      await s.close(); // done with this file: do not hold it while the other is read
      const side: CovarianceSide = { ...s.side, rowsInStatistics: st.count };
      used.push(side);
      if (!st.covariance) {
        return result(null, used[0], i === 0 ? unread(right) : side, {
          unavailable: `Not defined: ${name} has ${st.count} finite row${st.count === 1 ? '' : 's'} among those read; a covariance needs at least 2.`,
        });
      }
      if (!st.covariance.every(Number.isFinite)) {
        return result(null, used[0], i === 0 ? unread(right) : side, {
          unavailable: `Not computed: values in ${name} are so large that their squares overflow float64.`,
        });
      }
      covariances.push(st.covariance);
    }
    hooks.onProgress?.(1, 'Comparing covariances');
    const d = relativeFrobeniusDistance(covariances[0], covariances[1]);
    // (rows left out and row counts are in `left` and `right`; the comparison's notes say when the counts differ)
    if (used.some(s => s.sampled)) notes.push('At least one side is a row sample: the figure carries sampling noise of the order of 1/\u221aN.');
    return result(d.value, used[0], used[1], {
      frobeniusLeft: d.normA, frobeniusRight: d.normB,
      unavailable: d.value === null ? 'Not defined: both covariances are zero.' : undefined,
    });
  } finally {
    for (const s of sides) await s.close();
  }
}
