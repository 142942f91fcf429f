import type { DumpFile, ValueColumn } from '../formats/dumpFile';
import { openDumpFile } from '../formats/openDumpFile';
import { EmbdiagError } from '../errors';
import type { FileStamps } from '../io/fileStamps';
import type { MetadataRole, RowMetadata } from './rowMetadata';
import { checkColumnOption, columnRole, findMetadataColumns, PROBE_ROWS, type FoundColumn } from './metadataColumns';

export interface RowMetadataOptions {
  /** The array holding the vectors (its rows are the rows asked for); default: the reader's choice. */
  arrayName?: string;
  /** The column to use as the label / as the text, instead of the one picked by name and type. */
  labelColumn?: string;
  textColumn?: string;
}

/** The metadata columns of one dump, open: read any rows, as often as needed, then close. */
export interface RowMetadataReader {
  /** Where the columns come from, e.g. "columns of train.parquet; metadata.tsv". */
  readonly source: string;
  readonly columns: { name: string; role: MetadataRole; kind: ValueColumn['kind']; source: string }[];
  readonly labelColumn?: string;
  readonly textColumn?: string;
  /** Rows of the vectors. */
  readonly rows: number;
  /** Columns left out because their row count differs (a note for the user). */
  readonly mismatched: { name: string; source: string; rows: number }[];
  /* With no usable column, only `mismatched` (read gives no columns, and says why in notes). */
  /** The values of the given global rows (any order; each checked to be in range), in that order. */
  read(rows: readonly number[]): Promise<RowMetadata>;
  /** The values of one column only, for the given global rows (in range, any order), in that order. */
  readColumn(name: string, rows: readonly number[]): Promise<(string | number | null)[]>;
  close(): Promise<void>;
}

/**
 * Opens the row metadata of an opened dump (the caller keeps the dump open while reading). Roles
 * are fixed here, from the names and a probe of the first rows, so every later read names the same
 * label and text columns whatever rows it asks for. Undefined when there is no metadata. The
 * files besides the dump looked for are recorded in `readFrom` (findMetadataColumns).
 */
export async function openRowMetadata(filePath: string, dump: DumpFile, options: RowMetadataOptions = {}, readFrom?: FileStamps): Promise<RowMetadataReader | undefined> {
  const vectors = await dump.open(options.arrayName);
  const found = await findMetadataColumns(filePath, dump, { name: vectors.name, rows: vectors.rows }, readFrom);
  try {
    checkColumnOption('--label-column', options.labelColumn, found.columns);
    checkColumnOption('--text-column', options.textColumn, found.columns);
    // columns left out for their length are still said (in notes), so the reader exists for them too
    if (!found.columns.length && !found.mismatched.length) { await found.close(); return undefined; }
    const probeRows = Array.from({ length: Math.min(PROBE_ROWS, vectors.rows) }, (_, i) => i);
    const roles: { found: FoundColumn; role: MetadataRole; byName: boolean }[] = [];
    for (const f of found.columns) {
      const guess = f.manifestLabels ? { role: 'label' as const, byName: true } : columnRole(f.column, await f.column.read(probeRows));
      roles.push({ found: f, ...guess });
    }
    // a column named by an option for one role is not picked for the other
    const pick = (role: MetadataRole, option: string | undefined, taken: string | undefined) => {
      if (option !== undefined) return option;
      const candidates = roles.filter(r => r.role === role && r.found.column.name !== taken);
      return (candidates.find(r => r.found.manifestLabels) ?? candidates.find(r => r.byName) ?? candidates[0])?.found.column.name;
    };
    const labelColumn = pick('label', options.labelColumn, options.textColumn);
    const textColumn = pick('text', options.textColumn, labelColumn);
    const roleOf = (r: typeof roles[number]): MetadataRole => {
      const name = r.found.column.name;
      if (name === labelColumn) return 'label';
      if (name === textColumn) return 'text';
      // one label and one text: another column guessed as such is shown as what it holds
      if (r.role === 'label' || r.role === 'text') return r.found.column.kind === 'string' ? 'other' : 'numeric';
      return r.role;
    };
    const columns = roles.map(r => ({ name: r.found.column.name, role: roleOf(r), column: r.found.column, source: r.found.source }));
    const source = [...new Set(found.columns.map(f => f.source))].join('; ');
    const checkRows = (rows: readonly number[]) => {
      for (const r of rows) {
        if (!(Number.isSafeInteger(r) && r >= 0 && r < vectors.rows)) {
          throw new EmbdiagError('invalid-range', `Row ${r} is not a row of ${filePath} (it has rows 0 to ${vectors.rows - 1}).`);
        }
      }
    };
    return {
      source, labelColumn, textColumn, rows: vectors.rows, mismatched: found.mismatched,
      columns: columns.map(({ name, role, column, source: from }) => ({ name, role, kind: column.kind, source: from })),
      async read(rows: readonly number[]): Promise<RowMetadata> {
        checkRows(rows);
        const out: RowMetadata = { source, rows: [...rows], columns: [] };
        if (found.mismatched.length) {
          out.notes = found.mismatched.map(m => `'${m.name}' of ${m.source} has ${m.rows} rows, but the vectors have ${vectors.rows}: left out (rows must match one to one).`);
        }
        if (labelColumn !== undefined) out.labelColumn = labelColumn;
        if (textColumn !== undefined) out.textColumn = textColumn;
        for (const c of columns) out.columns.push({ name: c.name, role: c.role, values: rows.length ? await c.column.read(rows) : [] });
        return out;
      },
      async readColumn(name: string, rows: readonly number[]) {
        const c = columns.find(x => x.name === name);
        if (!c) throw new EmbdiagError('bad-argument', `There is no metadata column '${name}' for ${filePath}.`);
        checkRows(rows);
        return rows.length ? c.column.read(rows) : [];
      },
      close: found.close,
    };
  } catch (e) {
    await found.close();
    throw e;
  }
}

/** The metadata of the given rows of the dump at `filePath` (opened and closed here); undefined when it has none. */
export async function readRowMetadata(filePath: string, rows: readonly number[], options: RowMetadataOptions = {}): Promise<RowMetadata | undefined> {
  const { source, dump } = await openDumpFile(filePath);
  try {
    const reader = await openRowMetadata(filePath, dump, options);
    if (!reader) return undefined;
    try {
      return await reader.read(rows);
    } finally {
      await reader.close();
    }
  } finally {
    await source.close();
  }
}
