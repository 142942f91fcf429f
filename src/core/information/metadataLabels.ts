/**
 * Class labels for NC1 (E10) from the row metadata's label column (a Parquet/Arrow column, a
 * projector metadata.tsv, a 1-D array of the container, a JSON Lines field, the manifest's
 * "metadata" file), when no `labels` companion is given: the companion wins. Only the label column
 * is read, for the rows analysed, in blocks, so memory holds one block of values and the classes.
 */
import * as nodePath from 'node:path';
import { EmbdiagError, isEmbdiagError } from '../errors';
import type { DumpFormat } from '../formats/dumpFile';
import { openRowMetadata, type RowMetadataReader } from '../rows/readRowMetadata';
import type { ResolvedArray, ResolvedInformationInputs } from './informationInputs';

export interface MetadataLabels {
  /** One class number per row asked for (the values numbered in the order first met); NaN where the row has no label. */
  classes: Float64Array;
  /** Distinct labels among the rows asked for. */
  classCount: number;
  /** Rows without a label (null, empty text, NaN): left out of NC1. */
  missing: number;
  /** Where they come from, e.g. "Parquet column 'label' of train.parquet (string, 6 classes)". */
  description: string;
}

/** Values read per request: one block of one column in memory at a time. */
const BLOCK_ROWS = 8192;

const FORMAT_WORD: Partial<Record<DumpFormat, string>> = { parquet: 'Parquet', arrow: 'Arrow' };

/**
 * The reader's label column at the given global rows (any order), as class numbers. Undefined
 * when the metadata has no label column.
 */
export async function readMetadataLabels(reader: RowMetadataReader, rows: ArrayLike<number>, format?: DumpFormat, isCancelled?: () => boolean): Promise<MetadataLabels | undefined> {
  const name = reader.labelColumn;
  const column = reader.columns.find(c => c.name === name);
  if (name === undefined || !column) return undefined;
  const classes = new Float64Array(rows.length);
  const numbering = new Map<string | number, number>();
  let missing = 0;
  for (let start = 0; start < rows.length; start += BLOCK_ROWS) {
    if (isCancelled?.()) throw new EmbdiagError('cancelled', 'Analysis cancelled.');
    const block = Array.from({ length: Math.min(BLOCK_ROWS, rows.length - start) }, (_, k) => rows[start + k]);
    const values = await reader.readColumn(name, block);
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (v === null || (typeof v === 'number' && !Number.isFinite(v)) || (typeof v === 'string' && v.trim() === '')) {
        classes[start + k] = NaN;
        missing++;
        continue;
      }
      let c = numbering.get(v);
      if (c === undefined) numbering.set(v, c = numbering.size);
      classes[start + k] = c;
    }
  }
  const where = column.source.startsWith('columns of ')
    ? `${FORMAT_WORD[format!] ?? 'the'} column '${name}' of ${column.source.slice('columns of '.length)}`
    : `'${name}' of ${column.source}`;
  const classCount = numbering.size;
  return { classes, classCount, missing, description: `${where} (${column.kind}, ${classCount} class${classCount === 1 ? '' : 'es'})` };
}

/**
 * NC1's labels from the row metadata's label column (or --label-column), read for the analysed
 * rows only, when no `labels` companion is given (one given but left out does not fall back).
 * Metadata that cannot be read is a warning of the report, not a failure of the analysis.
 */
export async function labelsOfRowMetadata(inputs: ResolvedInformationInputs, rows: Float64Array, hooks: { isCancelled?: () => boolean }): Promise<MetadataLabels | undefined> {
  if (inputs.companions.labels || !inputs.embeddingsDump) return undefined;
  let reader: RowMetadataReader | undefined;
  try {
    reader = await openRowMetadata(inputs.dumpPath, inputs.embeddingsDump, { arrayName: inputs.embeddings.array, labelColumn: inputs.labelColumn });
    return reader ? await readMetadataLabels(reader, rows, inputs.embeddingsDump.format, hooks.isCancelled) : undefined;
  } catch (e) {
    // the column asked for by name must exist; a cancel is a cancel
    if (!isEmbdiagError(e) || inputs.labelColumn !== undefined || e.code === 'cancelled') throw e;
    inputs.problems.push({ code: 'metadata-labels-unreadable', severity: 'warning', role: 'labels', message: `The row metadata's labels could not be read for NC1: ${e.message}` });
    return undefined;
  } finally {
    await reader?.close();
  }
}

/** "container key 'labels' of emb.npz", "labels.npy (manifest)", ... */
export function companionLabelSource(a: ResolvedArray): string {
  const file = nodePath.basename(a.file);
  const array = a.array ? `'${a.array}' of ${file}` : file;
  return a.source === 'container' ? `container key ${array}` : a.source === 'manifest' ? `${array} (manifest)` : `${array} (--labels)`;
}
