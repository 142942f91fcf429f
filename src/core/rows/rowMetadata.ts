/**
 * Labels and texts that sit next to the vectors (other Parquet/Arrow columns, projector
 * metadata.tsv, `labels`/`ids` arrays of the same npz/safetensors/pt/h5, JSON Lines fields, the
 * words of word-vector files, FAISS ids), read for the rows asked for only.
 */
export type MetadataRole = 'label' | 'text' | 'id' | 'numeric' | 'other';

export interface MetadataColumn {
  name: string;
  /** What the column is used as: label (categorical colouring, NC1), text (shown truncated), id, numeric (colour bar). */
  role: MetadataRole;
  /** One value per row asked for, in the order asked; null where the row has none. */
  values: (string | number | null)[];
}

export interface RowMetadata {
  /** Where the columns come from, e.g. "columns of train.parquet" or "runs/metadata.tsv". */
  source: string;
  /** The global row indices the values belong to, in order. */
  rows: number[];
  columns: MetadataColumn[];
  /** The column chosen as the label (role 'label') and as the text, if any. */
  labelColumn?: string;
  textColumn?: string;
  /** What the user should know, e.g. a column left out because its row count differs from the vectors'. */
  notes?: string[];
}

/** One row, as the panel's row view shows it. */
export interface RowView {
  row: number;
  /** Datasets: the shard and the row inside it. */
  shard?: { file: string; localRow: number };
  norm: number;
  /** The first values of the vector (at most 16) and the dimension. */
  firstValues: number[];
  dim: number;
  /** Nearest neighbours among the sample rows, by each metric (stated), nearest first. */
  neighbours: {
    metric: 'cosine' | 'euclidean'; sampleSize: number; items: { row: number; distance: number }[];
    /** Why the list is empty (a row of NaN/Inf values, or of zeros for the cosine distance). */
    note?: string;
  }[];
  metadata?: { name: string; role: MetadataRole; value: string | number | null }[];
  /** True when the neighbours were sought in a sample of the rows (sampleSize of rowsTotal), not in all. */
  sampled?: boolean;
  rowsTotal?: number;
  /** The label and text of each neighbour (by global row), when the dump has metadata. */
  neighbourMetadata?: { labelColumn?: string; textColumn?: string; rows: Record<number, { label: string | number | null; text: string | number | null }> };
}

/** Rows in the sample the row view's neighbours are searched in, and neighbours listed per metric. */
export const DEFAULT_NEIGHBOUR_SAMPLE = 10_000;
export const DEFAULT_NEIGHBOURS = 10;
