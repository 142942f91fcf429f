/**
 * The projection of a single dump, after its statistics pass: the sampled finite rows are read
 * again by ranged reads (nearby rows in one read), never the whole file, and projected on the
 * axes computed from the pass's covariance (projection.ts).
 */
import type { EmbeddingMatrix } from '../formats/dumpFile';
import { DenseMatrix } from '../formats/npy';
import { EmbdiagError } from '../errors';
import type { AnalysisReport } from '../report/analysisReport';
import type { Projection } from '../report/projection';
import type { RowIndices } from '../stats/rowIndices';
import { SampleCoordinates, axesMatchSpectrum, buildProjection, projectionSample, sortedHas, type PrincipalAxes } from './projection';

/** Rows skipped between two sampled rows and still read in the same call, in bytes read (float32 rows read directly) or decoded. */
const GAP_BYTES = 64 << 10;
/** Decoded bytes of one read at most. */
const SPAN_BYTES = 1 << 20;

export interface DumpProjectionInput {
  matrix: EmbeddingMatrix;
  statistics: { count: number; mean: Float64Array; rowNorms: Float64Array; rows: RowIndices };
  axes: PrincipalAxes | null;
  report: AnalysisReport;
  projectionRows: number;
  seed: number;
  /** The duplicate rows (each repeats an earlier row). */
  duplicates: { has(row: number): boolean };
  /** Flagged outlier rows, ascending (outlierRows.ts). */
  outliers: readonly number[];
  /** The Gram route's finite rows, centred, in row order (no read needed then). */
  centredRows?: Float64Array;
  /** Reads in flight. */
  concurrency: number;
  isCancelled?: () => boolean;
}

/** The projection, or undefined when there is none to stand behind (too few rows, no spectrum, axes that disagree with it). */
export async function projectionOfDump(input: DumpProjectionInput): Promise<Projection | undefined> {
  const { statistics: st, axes, report, matrix } = input;
  if (!axes || st.count < 2 || matrix.dim < 2 || !axesMatchSpectrum(axes, report.eigenvalues)) return undefined;
  const { positions, rows } = projectionSample(st.rows.finiteRuns, st.count, input.projectionRows, input.seed);
  const d = matrix.dim;
  const coordinates = new SampleCoordinates(rows.length, input.centredRows ? null : st.mean, axes);
  if (input.centredRows) {
    for (let i = 0; i < rows.length; i++) coordinates.add(i, input.centredRows, positions[i] * d);
  } else {
    await forEachRowAt(matrix, rows, input.concurrency, (i, block, offset) => coordinates.add(i, block, offset), input.isCancelled);
  }
  const n = rows.length;
  const analysed = report.sampling.sampled ? ` analysed (a sample of the ${report.rowsTotal} rows)` : '';
  return buildProjection({
    rows, coordinates: coordinates.coordinates,
    norms: Array.from(positions, p => st.rowNorms[p]),
    duplicate: i => input.duplicates.has(rows[i]),
    outlier: i => sortedHas(input.outliers, rows[i]),
  }, report.eigenvalues, {
    rowsEligible: st.count,
    leftOut: { nan: report.health.nanRows, inf: report.health.infRows, null: report.health.nullRows ?? 0 },
    sampleMethod: n === st.count ? `all ${n} finite rows${analysed}` : `uniform random sample of ${n} of the ${st.count} finite rows${analysed} (seed ${input.seed})`,
    seed: input.seed,
  });
}

/**
 * Hands each of the given rows (ascending global indices) to `sink` as it is read, by its index in
 * `rows`: rows close together are read in one call (the skipped ones cost less than another
 * read), `concurrency` reads in flight.
 */
export async function forEachRowAt(matrix: EmbeddingMatrix, rows: readonly number[], concurrency: number,
  sink: (i: number, block: Float32Array | Float64Array, offset: number) => void, isCancelled?: () => boolean): Promise<void> {
  const d = matrix.dim;
  // little-endian float32 rows come as the file's bytes: the skipped rows cost no decoding
  const direct = matrix instanceof DenseMatrix && matrix.float32Direct ? matrix : null;
  const rowBytes = (direct ? 4 : 8) * d;
  const gap = Math.floor(GAP_BYTES / rowBytes);
  const most = Math.max(1, Math.floor(SPAN_BYTES / rowBytes));
  // spans: [first index into rows, last index into rows] read as rows[first] … rows[last]
  const spans: [number, number][] = [];
  for (let i = 0; i < rows.length; i++) {
    const last = spans[spans.length - 1];
    if (last && rows[i] - rows[last[1]] - 1 <= gap && rows[i] - rows[last[0]] < most) last[1] = i;
    else spans.push([i, i]);
  }
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < spans.length) {
      const [a, b] = spans[next++];
      if (isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
      const start = rows[a];
      const block = direct ? await direct.readRowsFloat32(start, rows[b] - start + 1) : await matrix.readRows(start, rows[b] - start + 1);
      for (let i = a; i <= b; i++) sink(i, block, (rows[i] - start) * d);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, spans.length)) }, lane));
}
