/**
 * Class labels for NC1 (E10) from the row metadata's label column (a Parquet/Arrow column, a
 * projector metadata.tsv, a 1-D array of the container, a JSON Lines field, the manifest's
 * "metadata" file), when no `labels` companion is given: the companion wins. Only the label column
 * is read, for the rows analysed, in blocks, so memory holds one block of values and the classes.
 */
import * as nodePath from 'node:path';
import { EmbdiagError, isEmbdiagError } from '../errors';
import type { DumpFormat } from '../formats/dumpFile';
import { openDumpFile } from '../formats/openDumpFile';
import type { ShardSummary } from '../report/analysisReport';
import { openRowMetadata, type RowMetadataReader } from '../rows/readRowMetadata';
import { shardOfRow } from '../rows/shardOfRow';
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
  const column = reader.columns.find(c => c.name === reader.labelColumn);
  if (!column) return undefined;
  const numbering = new Map<string | number, number>();
  const { classes, missing } = await numberLabels(reader, column.name, rows, numbering, isCancelled);
  return { classes, classCount: numbering.size, missing, description: describeLabels(column, format, column.source, numbering.size) };
}

/** "Parquet column 'label' of x.parquet (string, 6 classes)", "'category' of x.npz (string, 4 classes)". */
function describeLabels(column: { name: string; kind: string }, format: DumpFormat | undefined, source: string, classCount: number): string {
  const where = source.startsWith('columns of ')
    ? `${FORMAT_WORD[format!] ?? 'the'} column '${column.name}' of ${source.slice('columns of '.length)}`
    : `'${column.name}' of ${source}`;
  return `${where} (${column.kind}, ${classCount} class${classCount === 1 ? '' : 'es'})`;
}

/**
 * One column's values at `rows`, read in blocks, as class numbers from `numbering` (values not
 * met before are added: shards share one numbering); NaN where a row has no label.
 */
async function numberLabels(reader: RowMetadataReader, name: string, rows: ArrayLike<number>, numbering: Map<string | number, number>, isCancelled?: () => boolean): Promise<{ classes: Float64Array; missing: number }> {
  const classes = new Float64Array(rows.length);
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
  return { classes, missing };
}

/**
 * NC1's labels for a dataset's sample rows (global indices, any order), from each shard's row
 * metadata: the column named by `labelColumn`, else the label column the first shard with
 * metadata picks; a shard without it gives rows without a label (counted, and said). One
 * numbering of the values across shards. Undefined when no shard has such a column.
 */
export async function datasetMetadataLabels(shards: readonly ShardSummary[], rows: readonly number[], labelColumn?: string, isCancelled?: () => boolean): Promise<MetadataLabels | undefined> {
  const byShard = new Map<ShardSummary, { local: number[]; at: number[] }>();
  rows.forEach((row, i) => {
    const s = shardOfRow(shards, row);
    const shard = shards.find(x => x.file === s.file)!;
    const entry = byShard.get(shard) ?? { local: [], at: [] };
    entry.local.push(s.localRow);
    entry.at.push(i);
    byShard.set(shard, entry);
  });
  const classes = new Float64Array(rows.length).fill(NaN);
  const numbering = new Map<string | number, number>();
  let name = labelColumn;
  let first: { kind: string; format?: DumpFormat } | undefined;
  let missing = 0;
  const without: string[] = [];
  for (const [shard, { local, at }] of byShard) {
    const { source, dump } = await openDumpFile(shard.file);
    let reader: RowMetadataReader | undefined;
    try {
      // a shard lacking the column asked for is a shard without labels here, not a refusal
      reader = await openRowMetadata(shard.file, dump, { arrayName: shard.array }).catch(() => undefined);
      const column = reader?.columns.find(c => c.name === (name ?? reader!.labelColumn));
      if (!reader || !column) {
        without.push(nodePath.basename(shard.file));
        missing += local.length;
        continue;
      }
      name ??= column.name;
      first ??= { kind: column.kind, format: dump.format };
      const got = await numberLabels(reader, column.name, local, numbering, isCancelled);
      got.classes.forEach((c, k) => { classes[at[k]] = c; });
      missing += got.missing;
    } finally {
      await reader?.close();
      await source.close();
    }
  }
  if (labelColumn !== undefined && !first) {
    throw new EmbdiagError('bad-argument', `No shard of the dataset has a metadata column '${labelColumn}' (--label-column).`, 'Name a column the shards have, or leave the option out to pick the label column by name and type.');
  }
  if (name === undefined || !first) return undefined;
  const whole = describeLabels({ name, kind: first.kind }, first.format, 'columns of every shard', numbering.size);
  const lacking = without.length ? `; ${without.length} shard${without.length === 1 ? '' : 's'} without it (${without.slice(0, 3).join(', ')}${without.length > 3 ? ', …' : ''})` : '';
  return { classes, classCount: numbering.size, missing, description: whole + lacking };
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
