import { loadFiniteRows, type LoadedRows } from '../analysis/loadRows';
import { openDumpFile } from '../formats/openDumpFile';
import type { EmbeddingMatrix } from '../formats/dumpFile';
import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { RowMetadata, RowView } from './rowMetadata';
import { openRowMetadata, type RowMetadataOptions, type RowMetadataReader } from './readRowMetadata';

/** Rows sampled to look for neighbours among, and neighbours listed per metric. */
import { DEFAULT_NEIGHBOUR_SAMPLE, DEFAULT_NEIGHBOURS } from './rowMetadata';
export { DEFAULT_NEIGHBOUR_SAMPLE, DEFAULT_NEIGHBOURS };
const FIRST_VALUES = 16;

export interface RowViewOptions extends RowMetadataOptions {
  /** Size of the uniform sample the neighbours are sought in (seeded, as the analysis samples). */
  sampleRows?: number;
  seed?: number;
  neighbours?: number;
}

/**
 * The metadata of rows of the dump (as RowMetadataReader.read gives it; undefined when it has
 * none): the context's own reader, or the extension worker's RowMetadataCache, already open.
 */
export type RowMetadataSource = (rows: readonly number[]) => Promise<RowMetadata | undefined>;

/**
 * What a row view needs of a dump, opened once and kept (the extension's worker caches it, so a
 * second row of the same file is answered without reading the sample again).
 */
export interface RowViewContext {
  file: string;
  matrix: EmbeddingMatrix;
  sample: LoadedRows;
  /** The sample rows' norms (for the cosine distance). */
  sampleNorms: Float64Array;
  metadata?: RowMetadataSource;
  close(): Promise<void>;
}

/**
 * Opens the row view of the dump at `filePath`: its neighbour sample, and its metadata read through
 * `metadata` when given (the caller keeps that open), else through a reader opened here.
 */
export async function openRowViewContext(filePath: string, options: RowViewOptions = {}, metadata?: RowMetadataSource): Promise<RowViewContext> {
  const seed = options.seed ?? 0;
  const sample = await loadFiniteRows(filePath, { arrayName: options.arrayName, maxRows: options.sampleRows ?? DEFAULT_NEIGHBOUR_SAMPLE, seed });
  const { source, dump } = await openDumpFile(filePath);
  let reader: RowMetadataReader | undefined;
  try {
    const matrix = await dump.open(options.arrayName);
    if (!metadata) {
      const opened = reader = await openRowMetadata(filePath, dump, options);
      metadata = opened && (rows => opened.read(rows));
    }
    return {
      file: filePath, matrix, sample, sampleNorms: rowNorms(sample.X, sample.n, sample.d), metadata,
      close: closing(source, reader),
    };
  } catch (e) {
    await closing(source, reader)();
    throw e;
  }
}

function closing(source: ByteSource, metadata: RowMetadataReader | undefined): () => Promise<void> {
  return async () => {
    await metadata?.close();
    await source.close();
  };
}

function rowNorms(X: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j] ** 2;
    out[i] = Math.sqrt(s);
  }
  return out;
}

/**
 * One row: its norm, first values, nearest neighbours among the sample by cosine distance
 * (1 − cos) and by Euclidean distance (the row itself left out; rows of norm 0 have no cosine
 * distance and are left out of that list), and its metadata.
 */
export async function rowViewOf(ctx: RowViewContext, row: number, options: { neighbours?: number; shard?: RowView['shard']; globalOffset?: number } = {}): Promise<RowView> {
  const { matrix, sample } = ctx;
  if (!(Number.isSafeInteger(row) && row >= 0 && row < matrix.rows)) {
    throw new EmbdiagError('invalid-range', `Row ${row} is not a row of ${ctx.file} (it has rows 0 to ${matrix.rows - 1}).`);
  }
  const d = matrix.dim;
  const x = await matrix.readRows(row, 1);
  const finite = x.every(Number.isFinite);
  let norm2 = 0;
  for (let j = 0; j < d; j++) norm2 += x[j] * x[j];
  const norm = Math.sqrt(norm2);
  const k = options.neighbours ?? DEFAULT_NEIGHBOURS;
  const offset = options.globalOffset ?? 0;
  const cosine = new Nearest(k);
  const euclidean = new Nearest(k);
  if (finite) {
    for (let i = 0; i < sample.n; i++) {
      const r = sample.rowIndices[i];
      if (r === row) continue;
      let dot = 0, dist2 = 0;
      for (let j = 0, base = i * d; j < d; j++) {
        const v = sample.X[base + j];
        dot += v * x[j];
        dist2 += (v - x[j]) ** 2;
      }
      euclidean.offer(r + offset, Math.sqrt(dist2));
      if (norm > 0 && ctx.sampleNorms[i] > 0) cosine.offer(r + offset, Math.max(0, 1 - dot / (norm * ctx.sampleNorms[i])));
    }
  }
  const nearest = (items: Nearest) => items.items;
  const sampleSize = sample.n;
  const cosineNote = !finite ? 'The row holds NaN or Inf values: it has no distance to any row.'
    : norm === 0 ? 'The row is all zeros: it has no direction, so no cosine distance.' : undefined;
  const view: RowView = {
    row: row + offset,
    norm: finite ? norm : NaN,
    firstValues: Array.from(x.subarray(0, FIRST_VALUES)),
    dim: d,
    neighbours: [
      { metric: 'cosine', sampleSize, items: nearest(cosine), ...(cosineNote ? { note: cosineNote } : {}) },
      { metric: 'euclidean', sampleSize, items: nearest(euclidean), ...(!finite ? { note: 'The row holds NaN or Inf values: it has no distance to any row.' } : {}) },
    ],
  };
  if (options.shard) view.shard = options.shard;
  view.sampled = sample.sampled;
  view.rowsTotal = matrix.rows;
  const ids = [row, ...view.neighbours.flatMap(n => n.items.map(i => i.row - offset))];
  const unique = [...new Set(ids)];
  const meta = await ctx.metadata?.(unique);
  if (meta) {
    view.metadata = meta.columns.map(c => ({ name: c.name, role: c.role, value: c.values[0] }));
    view.neighbourMetadata = { labelColumn: meta.labelColumn, textColumn: meta.textColumn, rows: {} };
    const pickColumn = (name: string | undefined) => meta.columns.find(c => c.name === name);
    const label = pickColumn(meta.labelColumn), text = pickColumn(meta.textColumn);
    unique.slice(1).forEach((r, i) => {
      view.neighbourMetadata!.rows[r + offset] = { label: label?.values[i + 1] ?? null, text: text?.values[i + 1] ?? null };
    });
  }
  return view;
}

/**
 * The k nearest offered, nearest first (ties: the lower row): kept by insertion, so a row view
 * over a sample of 10,000 rows neither allocates nor sorts an item per sample row.
 */
class Nearest {
  readonly items: { row: number; distance: number }[] = [];
  constructor(private readonly k: number) {}

  offer(row: number, distance: number): void {
    const items = this.items;
    const before = (a: { row: number; distance: number }) => distance < a.distance || (distance === a.distance && row < a.row);
    if (items.length === this.k && !(this.k > 0 && before(items[this.k - 1]))) return;
    let at = items.length;
    while (at > 0 && before(items[at - 1])) at--;
    items.splice(at, 0, { row, distance });
    if (items.length > this.k) items.pop();
  }
}

/** The row view of one row of the dump at `filePath` (everything opened and closed here). */
export async function rowView(filePath: string, row: number, options: RowViewOptions = {}): Promise<RowView> {
  const ctx = await openRowViewContext(filePath, options);
  try {
    return await rowViewOf(ctx, row, { neighbours: options.neighbours });
  } finally {
    await ctx.close();
  }
}
