import type { ByteSource } from '../io/byteSource';
import { EmbdiagError } from '../errors';
import type { ArrayInfo, DumpFile, EmbeddingMatrix } from './dumpFile';
import type { DTypeName } from './dtype';
import { checkRowRange, findArray } from './npy';

/**
 * Arrow IPC files (.arrow, and Feather v2 .feather, which is the same format), decoded by
 * apache-arrow. Like Parquet: a (fixed-size) list column of numbers per row, or one numeric
 * column per dimension grouped as '<prefix>*'. The file footer locates each record batch, so
 * rows are read one record batch at a time (random access, bounded memory).
 * Not read: the IPC stream format (no footer) and Feather v1.
 */

type Arrow = typeof import('apache-arrow');
type Reader = import('apache-arrow').AsyncRecordBatchFileReader;
type Field = import('apache-arrow').Field;
type DataType = import('apache-arrow').DataType;
type RecordBatch = import('apache-arrow').RecordBatch;

const ARROW_MAGIC = 'ARROW1';

export function hasArrowMagic(head: Uint8Array): boolean {
  return head.length >= 6 && String.fromCharCode(...head.subarray(0, 6)) === ARROW_MAGIC;
}

let loaded: Promise<Arrow> | undefined;
function loadArrow(): Promise<Arrow> {
  loaded ??= import('apache-arrow');
  return loaded;
}

/** What apache-arrow's random-access reader needs of a Node FileHandle, over a ByteSource. */
function fileHandle(source: ByteSource) {
  return {
    fd: -1,
    async stat() { return { size: source.size }; },
    async read(buffer: Uint8Array, offset: number, length: number, position: number) {
      const n = Math.max(0, Math.min(length, source.size - position));
      buffer.set(await source.read(position, n), offset);
      return { bytesRead: n, buffer };
    },
    async close() { /* the source belongs to the caller */ },
  };
}

type Leaf = { ok: true; dtype: DTypeName } | { ok: false; name: string; reason: string };

function leafType(arrow: Arrow, t: DataType): Leaf {
  const { DataType: D } = arrow;
  if (D.isFloat(t)) {
    const precision = (t as unknown as { precision: number }).precision;
    return { ok: true, dtype: precision === 0 ? 'float16' : precision === 1 ? 'float32' : 'float64' };
  }
  if (D.isInt(t)) {
    const { bitWidth, isSigned } = t as unknown as { bitWidth: number; isSigned: boolean };
    return { ok: true, dtype: `${isSigned ? 'int' : 'uint'}${bitWidth}` as DTypeName };
  }
  if (D.isBool(t)) return { ok: true, dtype: 'bool' };
  if (D.isUtf8(t) || D.isLargeUtf8(t)) return { ok: false, name: 'str', reason: 'it holds strings, not numbers' };
  return { ok: false, name: String(t), reason: `it holds ${String(t)} values, not numbers` };
}

interface ArraySpec {
  info: ArrayInfo;
  columns: string[];
  list: boolean;
  dtype?: DTypeName;
}

export async function openArrow(source: ByteSource): Promise<DumpFile> {
  const label = source.name;
  const bad = (problem: string) => new EmbdiagError('bad-header', `${label}: ${problem}.`,
    'The file is damaged or truncated, or not an Arrow IPC file; re-save it (pyarrow.feather.write_feather, or an IPC file writer) or re-copy it.');
  const head = await source.read(0, Math.min(8, source.size));
  if (!hasArrowMagic(head)) {
    throw bad(head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff
      ? 'is an Arrow IPC stream (no footer), which cannot be read by row ranges; write the IPC file format instead'
      : head.length >= 4 && String.fromCharCode(...head.subarray(0, 4)) === 'FEA1' ? 'is a Feather v1 file; re-save it as Feather v2' : 'does not start with the Arrow file magic ARROW1');
  }
  if (source.size < 14 || String.fromCharCode(...await source.read(source.size - 6, 6)) !== ARROW_MAGIC) {
    throw bad('does not end with the Arrow file magic (the footer is missing: probably cut short)');
  }
  const arrow = await loadArrow();
  let reader: Reader;
  try {
    reader = await arrow.RecordBatchReader.from(fileHandle(source) as never) as unknown as Reader;
    await reader.open();
  } catch (e) {
    if (e instanceof EmbdiagError) throw e;
    throw bad(`has an unreadable footer or schema (${(e as Error).message})`);
  }
  if (!reader.isFile()) throw bad('is not an Arrow IPC file');
  const batches = await batchLengths(arrow, source, reader, label);
  const totalRows = batches.reduce((n, b) => n + b.rows, 0);
  const schema = reader.schema;

  const specs: ArraySpec[] = [];
  const dimGroups = new Map<string, { spec: ArraySpec; members: { index: number; name: string; dtype: DTypeName }[] }>();
  const prefixCounts = new Map<string, number>();
  const scalarLeaf = (f: Field): Leaf | undefined => (arrow.DataType.isList(f.type) || arrow.DataType.isFixedSizeList(f.type) || arrow.DataType.isStruct(f.type) ? undefined : leafType(arrow, f.type));
  for (const f of schema.fields) {
    const m = /^(.*?)(\d+)$/.exec(f.name);
    if (m && scalarLeaf(f)?.ok) prefixCounts.set(m[1], (prefixCounts.get(m[1]) ?? 0) + 1);
  }
  let batchCache: { index: number; batch: RecordBatch } | undefined;
  const readBatch = async (index: number): Promise<RecordBatch> => {
    if (batchCache?.index !== index) {
      let batch: RecordBatch | null;
      try {
        batch = await reader.readRecordBatch(index);
      } catch (e) {
        throw bad(`has an unreadable record batch ${index} (${(e as Error).message})`);
      }
      if (!batch) throw bad(`has no record batch ${index}`);
      batchCache = { index, batch };
    }
    return batchCache.batch;
  };

  for (const f of schema.fields) {
    const name = f.name;
    const t = f.type;
    if (arrow.DataType.isFixedSizeList(t) || arrow.DataType.isList(t)) {
      const leaf = leafType(arrow, (t as unknown as { children: Field[] }).children[0].type);
      if (!leaf.ok) {
        specs.push({ info: { name, dtype: leaf.name, shape: [totalRows], analysable: false, reason: leaf.reason }, columns: [name], list: true });
        continue;
      }
      let dim: number | undefined = arrow.DataType.isFixedSizeList(t) ? (t as unknown as { listSize: number }).listSize : undefined;
      if (dim === undefined) {
        for (let i = 0; i < Math.min(batches.length, 3) && dim === undefined; i++) {
          const col = (await readBatch(i)).getChild(name);
          for (let r = 0; col && r < col.length && dim === undefined; r++) {
            const row = col.get(r) as { length: number } | null;
            if (row) dim = row.length;
          }
        }
      }
      specs.push({
        info: dim ? { name, dtype: leaf.dtype, shape: [totalRows, dim], analysable: true }
          : { name, dtype: leaf.dtype, shape: [totalRows], analysable: false, reason: dim === 0 ? 'its lists are empty' : 'its first record batches hold only null lists' },
        columns: [name], list: true, dtype: leaf.dtype,
      });
      continue;
    }
    const leaf = scalarLeaf(f) ?? { ok: false as const, name: 'struct', reason: 'it is a struct column' };
    const m = /^(.*?)(\d+)$/.exec(name);
    if (m && leaf.ok && (prefixCounts.get(m[1]) ?? 0) >= 2) {
      let group = dimGroups.get(m[1]);
      if (!group) {
        const spec: ArraySpec = { info: { name: `${m[1]}*`, dtype: '', shape: [], analysable: true }, columns: [], list: false };
        group = { spec, members: [] };
        dimGroups.set(m[1], group);
        specs.push(spec);
      }
      group.members.push({ index: Number(m[2]), name, dtype: leaf.dtype });
      continue;
    }
    specs.push({
      info: { name, dtype: leaf.ok ? leaf.dtype : leaf.name, shape: [totalRows], analysable: false,
        reason: leaf.ok ? 'it holds one number per row; embeddings are a list column or one column per dimension' : leaf.reason },
      columns: [name], list: false,
    });
  }
  for (const { spec, members } of dimGroups.values()) {
    members.sort((a, b) => a.index - b.index);
    spec.columns = members.map(m => m.name);
    spec.dtype = members.every(m => m.dtype === members[0].dtype) ? members[0].dtype : 'float64';
    spec.info.dtype = spec.dtype;
    spec.info.shape = [totalRows, members.length];
  }
  const arrays = specs.map(s => s.info);
  const notes = [`Arrow IPC file: ${totalRows} rows in ${batches.length} record batch${batches.length === 1 ? '' : 'es'}.`];
  for (const { spec, members } of dimGroups.values()) {
    notes.push(`'${spec.info.name}' gathers ${members.length} numeric columns (${members[0].name} … ${members[members.length - 1].name}) into one ${members.length}-dimensional array.`);
  }
  return {
    format: 'arrow',
    arrays,
    notes,
    findings: [],
    async open(requested?: string): Promise<EmbeddingMatrix> {
      const info = findArray(label, arrays, requested);
      const spec = specs.find(s => s.info === info)!;
      if (!info.analysable || !spec.dtype) {
        const numeric = /^(float|int|uint|bool)/.test(info.dtype);
        throw new EmbdiagError(numeric ? 'bad-shape' : 'unsupported-dtype', `${label}: column '${info.name}' cannot be analysed: ${info.reason}.`,
          'Pick a list column of numbers, or store the embeddings as one.');
      }
      return new ArrowMatrix(label, spec, batches, readBatch);
    },
  };
}

/** Rows of each record batch, from the batches' metadata messages (a few bytes each, no bodies). */
async function batchLengths(arrow: Arrow, source: ByteSource, reader: Reader, label: string): Promise<{ start: number; rows: number }[]> {
  const out: { start: number; rows: number }[] = [];
  let start = 0;
  for (let i = 0; i < reader.numRecordBatches; i++) {
    const block = reader.footer?.getRecordBatch(i);
    if (!block) throw new EmbdiagError('bad-header', `${label}: the Arrow footer lists no block for record batch ${i}.`, 'Re-save the file.');
    const offset = Number(block.offset);
    const length = block.metaDataLength;
    if (offset + length > source.size || length < 8) throw new EmbdiagError('truncated', `${label}: record batch ${i} lies past the end of the file.`, 'The file is probably truncated; re-save or re-copy it.');
    const bytes = await source.read(offset, length);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = view.getInt32(0, true) === -1 ? 8 : 4;
    const size = view.getInt32(at - 4, true);
    if (size <= 0 || at + size > length) throw new EmbdiagError('bad-header', `${label}: record batch ${i} has a damaged metadata message.`, 'Re-save the file.');
    let rows: number;
    try {
      const message = arrow.Message.decode(bytes.subarray(at, at + size));
      rows = Number((message.header() as { length: number | bigint }).length);
    } catch (e) {
      throw new EmbdiagError('bad-header', `${label}: record batch ${i} has an unreadable metadata message (${(e as Error).message}).`, 'Re-save the file.');
    }
    out.push({ start, rows });
    start += rows;
  }
  return out;
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}

class ArrowMatrix implements EmbeddingMatrix {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly rows: number;
  readonly dim: number;
  readonly notes: string[];

  constructor(private readonly label: string, private readonly spec: ArraySpec, private readonly batches: { start: number; rows: number }[],
    private readonly readBatch: (index: number) => Promise<RecordBatch>) {
    this.name = spec.info.name;
    this.dtype = spec.dtype!;
    this.shape = spec.info.shape.slice();
    this.rows = spec.info.shape[0];
    this.dim = spec.info.shape[1];
    this.notes = [`Read one record batch at a time (the largest holds ${Math.max(0, ...batches.map(b => b.rows))} rows).`,
      spec.list ? 'Null lists and null elements are read as NaN.' : 'Null values are read as NaN.'];
  }

  async readRows(start: number, count: number): Promise<Float64Array> {
    checkRowRange(this.label, this.name, this.rows, start, count);
    const dim = this.dim;
    const out = new Float64Array(count * dim).fill(NaN);
    const end = start + count;
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i];
      if (b.start + b.rows <= start || b.start >= end || !b.rows) continue;
      const batch = await this.readBatch(i);
      const from = Math.max(start, b.start);
      const to = Math.min(end, b.start + b.rows);
      this.spec.columns.forEach((column, j) => {
        const vector = batch.getChild(column);
        if (!vector) throw new EmbdiagError('bad-header', `${this.label}: record batch ${i} has no column '${column}'.`, 'Re-save the file.');
        for (let r = from; r < to; r++) {
          const o = (r - start) * dim;
          const v = vector.get(r - b.start);
          if (!this.spec.list) { out[o + j] = toNumber(v); continue; }
          if (v === null || v === undefined) continue;
          const row = v as { length: number; get(k: number): unknown };
          if (row.length !== dim) {
            throw new EmbdiagError('bad-shape', `${this.label}: row ${r} of column '${this.name}' holds ${row.length} values, but the rows before it hold ${dim}.`,
              'Embeddings need the same number of dimensions in every row.');
          }
          for (let k = 0; k < dim; k++) out[o + k] = toNumber(row.get(k));
        }
      });
    }
    return out;
  }
}
