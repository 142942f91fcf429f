import type { ByteSource } from '../io/byteSource';
import type { RowMetadata } from '../rows/rowMetadata';

/** The container formats we read. Names are stable: they appear in the CLI's JSON. */
export type DumpFormat = 'npy' | 'npz' | 'safetensors' | 'fvecs' | 'bvecs' | 'tsv' | 'csv' | 'pt' | 'hdf5' | 'parquet' | 'arrow' | 'jsonl' | 'json'
  | 'word2vec-text' | 'glove' | 'word2vec-binary' | 'faiss' | 'raw' | 'zarr';

/** One array inside a dump, as listed to the user (npz and safetensors hold several). */
export interface ArrayInfo {
  name: string;
  /** numpy-style dtype name: float32, float16, bfloat16, int64, uint8, bool, ... */
  dtype: string;
  shape: number[];
  /** False when the array cannot be analysed (non-numeric, 0-D, ...); `reason` says why. */
  analysable: boolean;
  reason?: string;
}

/** A note or problem a reader found that belongs in the report (e.g. a metadata row-count mismatch). */
export interface ReaderFinding {
  code: string;
  severity: 'error' | 'warning' | 'information';
  message: string;
}

/**
 * An analysable array seen as a rows x dim matrix of numbers.
 * 1-D arrays are one row; N-D arrays are flattened to (product of leading dims) x last dim.
 */
export interface EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  /** Things the user should know about how the array was read (flattening, byte order, ...). */
  readonly notes: string[];
  /**
   * Rows [start, start + count) converted to float64, row-major (count x dim).
   * Cheapest when successive calls ascend (compressed entries decode forward only).
   */
  readRows(start: number, count: number): Promise<Float64Array>;
  /**
   * Formats with nullable rows (an Arrow or Parquet null list) only: the 0-based indices, ascending,
   * of the null rows in [start, start + count). A null row is a missing row, not a NaN row: readRows
   * returns it filled with NaN, and the analysis moves it from the NaN count to the `null-rows`
   * finding. Cheap right after readRows(start, count) on the same range (readers keep what they
   * decoded); never decodes values it does not need.
   */
  nullRowsIn?(start: number, count: number): Promise<number[]>;
  /**
   * Formats whose file labels each row (FAISS ids): the labels of the given global rows, in the
   * order asked, read for those rows only.
   */
  rowMetadata?(rows: readonly number[]): Promise<RowMetadata>;
}

/**
 * One value per row beside the vectors (a label, an id, a text): another column of the table, a
 * 1-D array of the same container, a JSON Lines field, the word of a word vector. Read for the rows
 * asked for only.
 */
export interface ValueColumn {
  readonly name: string;
  /** 'string' for text; numbers otherwise (integer: labels and ids; float: a numeric column). */
  readonly kind: 'string' | 'integer' | 'float';
  /** Rows it holds (it describes the vectors' rows only when this equals their count). */
  readonly rows: number;
  /** The values of `rows` (in range, any order), in that order; null where a row has none. */
  read(rows: readonly number[]): Promise<(string | number | null)[]>;
}

export interface DumpFile {
  readonly format: DumpFormat;
  readonly arrays: ArrayInfo[];
  readonly notes: string[];
  readonly findings: ReaderFinding[];
  /**
   * The named array, or when `name` is omitted the one picked by the rule:
   * `embeddings`, `emb`, `features`, `x` (in that order), else the largest 2-D float array.
   * Throws EmbdiagError `array-not-found` / `no-array` naming the arrays that exist.
   */
  open(name?: string): Promise<EmbeddingMatrix>;
  /**
   * Table formats (Parquet, Arrow) only: a column holding one number per row, which open() refuses
   * as embeddings, read as an N×1 matrix. The information analysis reads row-matched companions
   * (regression targets, predictions, labels) this way. Throws like open() for any other column.
   */
  openColumn?(name: string): Promise<EmbeddingMatrix>;
  /** The columns of one value per row besides the arrays (see ValueColumn); readers without any omit it. */
  valueColumns?(options?: ValueColumnOptions): Promise<ValueColumn[]>;
}

/** The layout of a headerless raw array, as the user gives it (CLI --dtype/--dim, manifest, editor prompt). */
export interface RawShape {
  /** 'float32', 'float16', '>f4', ... (see raw.ts parseRawDType). */
  dtype?: string;
  dim?: number;
}

export interface OpenDumpOptions {
  /** The file's name (for the extension); content sniffing is used when it says nothing. */
  fileName: string;
  /** Opens a file beside the dump (projector metadata.tsv), or undefined when absent. */
  openSibling?: (fileName: string) => Promise<ByteSource | undefined>;
  /**
   * Headerless raw arrays only (.f32, .raw, a .bin that is nothing else): their dtype and
   * dimension. Ignored for every format whose file says its own layout.
   */
  raw?: RawShape;
}

export interface ValueColumnOptions {
  /** Parquet: bytes of decoded texts kept per column (default TEXT_CACHE_BYTES); a row group above it is read page by page, uncached. */
  textCacheBytes?: number;
}
