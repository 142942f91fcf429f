import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { DumpFile, ValueColumn } from '../formats/dumpFile';
import { openDumpFile } from '../formats/openDumpFile';
import { FileByteSource } from '../io/fileByteSource';
import type { FileStamps } from '../io/fileStamps';
import { manifestCandidates, parseManifest, type ManifestArrayRef } from '../information/manifest';
import { EmbdiagError } from '../errors';
import type { MetadataRole } from './rowMetadata';
import { projectorMetadataColumns } from './projectorMetadata';

/** A value column found for the rows of a dump, and where it comes from (in words). */
export interface FoundColumn {
  column: ValueColumn;
  source: string;
  /** Named as the labels by the manifest's "labels" entry. */
  manifestLabels?: boolean;
}

/** Columns found, and the files opened for them (closed by the caller). */
export interface FoundColumns {
  columns: FoundColumn[];
  /** Columns left out because their row count differs from the vectors'. */
  mismatched: { name: string; source: string; rows: number }[];
  close(): Promise<void>;
}

const base = (p: string) => path.basename(p);

/**
 * Every source of row metadata for the dump at `filePath` whose rows match the vectors' `rows`:
 * the manifest's "metadata" file and "labels" entry first, then the dump's own value columns
 * (other table columns, 1-D arrays of the container, JSON Lines fields, words), then a projector
 * metadata.tsv beside a projector .tsv. The array holding the vectors is left out. A name seen
 * twice keeps its first source. Each file looked for (found or not: the manifest, the files it
 * names, a metadata.tsv) is recorded in `readFrom` before it is read, so a cache can tell when
 * the columns found are no longer those on disk.
 */
export async function findMetadataColumns(filePath: string, dump: DumpFile, vectors: { name: string; rows: number }, readFrom?: FileStamps): Promise<FoundColumns> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => { for (const c of closers.splice(0)) await c(); };
  const found: FoundColumn[] = [];
  const mismatched: FoundColumns['mismatched'] = [];
  const add = (columns: ValueColumn[], source: string, { own = false, manifestLabels = false } = {}) => {
    for (const column of columns) {
      if (own && column.name === vectors.name) continue;
      if (found.some(f => f.column.name === column.name)) continue;
      if (column.rows !== vectors.rows) { mismatched.push({ name: column.name, source, rows: column.rows }); continue; }
      found.push({ column, source, manifestLabels });
    }
  };
  try {
    const manifest = await readManifest(filePath, readFrom);
    if (manifest) {
      const dir = path.dirname(manifest.path);
      const where = `manifest ${base(manifest.path)}`;
      if (manifest.metadata?.file) {
        const file = path.resolve(dir, manifest.metadata.file);
        await readFrom?.add(file);
        const columns = await columnsOfFile(file, closers);
        add(manifest.metadata.array ? columns.filter(c => c.name === manifest.metadata!.array) : columns, `${base(file)} (${where})`);
      }
      const labels = manifest.labels;
      if (labels) {
        const file = labels.file ? path.resolve(dir, labels.file) : filePath;
        await readFrom?.add(file);
        const columns = file === filePath ? (await dump.valueColumns?.()) ?? [] : await columnsOfFile(file, closers);
        const chosen = labels.array ? columns.filter(c => c.name === labels.array) : columns.slice(0, 1);
        add(chosen, `${base(file)} (${where})`, { own: file === filePath, manifestLabels: true });
      }
    }
    add((await dump.valueColumns?.()) ?? [], dump.format === 'parquet' || dump.format === 'arrow' ? `columns of ${base(filePath)}` : base(filePath), { own: true });
    if (dump.format === 'tsv' && path.basename(filePath).toLowerCase() !== 'metadata.tsv') {
      const sibling = path.join(path.dirname(filePath), 'metadata.tsv');
      await readFrom?.add(sibling);
      const source = await FileByteSource.open(sibling).catch(() => undefined);
      if (source) {
        closers.push(() => source.close());
        add(await projectorMetadataColumns(source), 'metadata.tsv');
      }
    }
    return { columns: found, mismatched, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The "metadata" and "labels" entries of the dump's sidecar manifest, if it has one that parses. */
async function readManifest(filePath: string, readFrom?: FileStamps): Promise<{ path: string; metadata?: ManifestArrayRef; labels?: ManifestArrayRef } | undefined> {
  for (const candidate of manifestCandidates(filePath)) {
    await readFrom?.add(candidate);
    const text = await fs.readFile(candidate, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const { manifest } = parseManifest(text);
    return { path: candidate, metadata: manifest.metadata, labels: manifest.arrays.labels };
  }
  return undefined;
}

/** The value columns of another file: a metadata .tsv (projector style), or any dump we read. */
async function columnsOfFile(file: string, closers: (() => Promise<void>)[]): Promise<ValueColumn[]> {
  if (file.toLowerCase().endsWith('.tsv')) {
    const source = await FileByteSource.open(file);
    closers.push(() => source.close());
    return projectorMetadataColumns(source);
  }
  const { source, dump } = await openDumpFile(file);
  closers.push(() => source.close());
  return (await dump.valueColumns?.()) ?? [];
}

// ---- roles -------------------------------------------------------------------------------

const ID_NAME = /^(ids?|idx|index|uid|uuid|key|row_?(id|index)?|.+_ids?)$/i;
/** camelCase ids (docId, sampleID); case-sensitive, so that "valid" or "paid" are not ids. */
const CAMEL_ID = /[a-z](Id|ID)$/;
const isIdName = (name: string) => ID_NAME.test(name) || CAMEL_ID.test(name);
const LABEL_NAME = /^(labels?|class(es)?|category|categories|targets?|y|tags?|cluster|topic|species|genre|word|token)$|label|class|categor/i;
const TEXT_NAME = /text|sentence|document|content|caption|passage|title|body|query|prompt|description|review|comment|question|answer/i;

/** Rows looked at to tell a column's role by its values (the first ones: one ranged read). */
export const PROBE_ROWS = 256;

/** Few distinct values among many: a category. */
function categorical(values: (string | number | null)[]): boolean {
  const present = values.filter(v => v !== null);
  if (present.length < 8) return false;
  const distinct = new Set(present).size;
  return distinct <= Math.min(64, present.length / 2);
}

/**
 * What a column is used as, from its name first and then its values (a probe of its first rows):
 * ids by name; labels by name (strings or integers) or as a string/integer column of few distinct
 * values; texts by name, or strings that are long or hold spaces; other numbers are numeric.
 */
export function columnRole(column: ValueColumn, probe: (string | number | null)[]): { role: MetadataRole; byName: boolean } {
  const name = column.name;
  const integral = column.kind === 'integer' || (column.kind === 'float' && probe.every(v => v === null || Number.isInteger(v)));
  if (column.kind !== 'string' && isIdName(name) && !LABEL_NAME.test(name)) return { role: 'id', byName: true };
  if (column.kind === 'string' && isIdName(name) && !TEXT_NAME.test(name)) return { role: 'id', byName: true };
  if (LABEL_NAME.test(name) && (column.kind === 'string' || integral)) return { role: 'label', byName: true };
  if (TEXT_NAME.test(name) && column.kind === 'string') return { role: 'text', byName: true };
  if (column.kind === 'string') {
    if (categorical(probe)) return { role: 'label', byName: false };
    const strings = probe.filter((v): v is string => typeof v === 'string');
    const mean = strings.reduce((n, s) => n + s.length, 0) / Math.max(1, strings.length);
    return { role: mean >= 16 || strings.some(s => /\s/.test(s.trim())) ? 'text' : 'other', byName: false };
  }
  if (integral && categorical(probe)) return { role: 'label', byName: false };
  return { role: 'numeric', byName: false };
}

/** The names asked for by option, checked to exist (our refusal names the columns there are). */
export function checkColumnOption(option: string, name: string | undefined, columns: FoundColumn[]): void {
  if (name === undefined || columns.some(c => c.column.name === name)) return;
  const names = columns.map(c => `'${c.column.name}'`);
  throw new EmbdiagError('bad-argument', `There is no metadata column '${name}' (${option}): ${names.length ? `the columns are ${names.join(', ')}` : 'no metadata was found for these rows'}.`,
    'Name one of the columns, or leave the option out to pick by name and type.');
}
