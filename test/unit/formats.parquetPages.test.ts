import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryByteSource, type ByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';

/**
 * The page-by-page reader of Parquet list columns (src/core/formats/parquetPages.ts), on files
 * written here byte by byte, so that the cases writers rarely produce are covered: rows cut across
 * data pages, null lists and null elements, data page v2, a dictionary page with bit-packed
 * indices, ragged and empty lists. hyparquet, an independent decoder, reads every file too: it must
 * agree with the data the file was written from, so the writer here is checked as well.
 */

// ---- a minimal Parquet writer (Thrift compact protocol) ----------------------------------------

type Field = [id: number, type: number, write: (w: Thrift) => void];
const T = { TRUE: 1, FALSE: 2, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 };

class Thrift {
  readonly bytes: number[] = [];
  byte(b: number) { this.bytes.push(b & 0xff); }
  varint(n: number) { while (n >= 0x80) { this.byte((n % 0x80) | 0x80); n = Math.floor(n / 0x80); } this.byte(n); }
  int(n: number) { this.varint(n >= 0 ? 2 * n : -2 * n - 1); }
  binary(s: string) { const b = Buffer.from(s); this.varint(b.length); for (const x of b) this.byte(x); }
  struct(fields: Field[]) {
    let last = 0;
    for (const [id, type, write] of fields) {
      const delta = id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type); else { this.byte(type); this.int(id); }
      write(this);
      last = id;
    }
    this.byte(0);
  }
  list(type: number, items: ((w: Thrift) => void)[]) {
    if (items.length < 15) this.byte((items.length << 4) | type); else { this.byte(0xf0 | type); this.varint(items.length); }
    for (const item of items) item(this);
  }
}
const i32 = (id: number, v: number): Field => [id, T.I32, w => w.int(v)];
const i64 = (id: number, v: number): Field => [id, T.I64, w => w.int(v)];
const bin = (id: number, v: string): Field => [id, T.BINARY, w => w.binary(v)];
const bool = (id: number, v: boolean): Field => [id, v ? T.TRUE : T.FALSE, () => undefined];
const sub = (id: number, fields: Field[]): Field => [id, T.STRUCT, w => w.struct(fields)];

/** RLE runs only (valid hybrid encoding), one byte per value (widths up to 8). */
function rleLevels(levels: number[]): number[] {
  const w = new Thrift();
  for (let i = 0; i < levels.length;) {
    let j = i;
    while (j < levels.length && levels[j] === levels[i]) j++;
    w.varint((j - i) * 2);
    w.byte(levels[i]);
    i = j;
  }
  return w.bytes;
}

/** Bit-packed groups of 8 (valid hybrid encoding), `width` bits per value. */
function bitPacked(values: number[], width: number): number[] {
  const groups = Math.ceil(values.length / 8);
  const w = new Thrift();
  w.varint(groups * 2 + 1);
  const out = new Uint8Array(groups * width);
  values.forEach((v, i) => { for (let b = 0; b < width; b++) if ((v >> b) & 1) out[(i * width + b) >> 3] |= 1 << ((i * width + b) & 7); });
  return [...w.bytes, ...out];
}

const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const floats = (xs: number[]) => [...new Uint8Array(Float32Array.from(xs).buffer)];

type Row = (number | null)[] | null;

interface WriteOptions {
  /** Rows per row group. */
  groups: number[];
  /** Level entries per data page (v1 pages cut anywhere, v2 pages at the next row start). */
  pageEntries: number;
  v2?: boolean;
  /** The first data page of each chunk is dictionary-encoded (bit-packed indices). */
  dictionary?: boolean;
  /** The list column is required (no null lists) with required elements. */
  required?: boolean;
  /** With `required`: the column is a MAP whose key_value group holds only its key (parquet-testing's map_no_value.parquet). */
  mapKeyOnly?: boolean;
}

/** A Parquet file with one column 'embedding': list<float>, 3-level, optional list and elements unless `required`. */
function writeParquet(rows: Row[], o: WriteOptions): Uint8Array {
  const out: number[] = [...Buffer.from('PAR1')];
  const names = o.mapKeyOnly ? ['embedding', 'key_value', 'key'] : ['embedding', 'list', 'element'];
  const maxDef = o.required ? 1 : 3;
  const elementDef = o.required ? 1 : 2;
  const rowGroups: Field[][] = [];
  let r0 = 0;
  for (const groupRows of o.groups) {
    // levels and values of this group's rows
    const rep: number[] = [], def: number[] = [], vals: (number | null)[] = [], rowOf: number[] = [];
    for (let r = r0; r < r0 + groupRows; r++) {
      const row = rows[r];
      if (row === null) { rep.push(0); def.push(0); vals.push(null); rowOf.push(r); continue; }
      if (row.length === 0) { rep.push(0); def.push(elementDef - 1); vals.push(null); rowOf.push(r); continue; }
      row.forEach((x, k) => { rep.push(k ? 1 : 0); def.push(x === null ? elementDef : maxDef); vals.push(x); rowOf.push(r); });
    }
    const chunkStart = out.length;
    let dictionaryOffset: number | undefined;
    const dictionary = [...new Set(vals.filter((x): x is number => x !== null))];
    if (o.dictionary) {
      dictionaryOffset = out.length;
      const body = floats(dictionary);
      const h = new Thrift();
      h.struct([i32(1, 2), i32(2, body.length), i32(3, body.length), sub(7, [i32(1, dictionary.length), i32(2, 0)])]);
      out.push(...h.bytes, ...body);
    }
    const dataOffset = out.length;
    let first = true;
    for (let e = 0; e < rep.length;) {
      let end = Math.min(rep.length, e + o.pageEntries);
      if (o.v2) while (end < rep.length && rep[end] !== 0) end++; // v2 pages hold whole rows
      const pageRep = rep.slice(e, end), pageDef = def.slice(e, end);
      const present = vals.slice(e, end).filter((x): x is number => x !== null);
      const useDictionary = o.dictionary && first;
      const width = Math.max(1, 32 - Math.clz32(Math.max(1, dictionary.length - 1)));
      const valueBytes = useDictionary ? [width, ...bitPacked(present.map(x => dictionary.indexOf(x)), width)] : floats(present);
      const encoding = useDictionary ? 8 : 0;
      const repBytes = rleLevels(pageRep);
      const defBytes = o.required ? rleLevels(pageDef) : rleLevels(pageDef);
      const h = new Thrift();
      if (o.v2) {
        const body = [...repBytes, ...defBytes, ...valueBytes];
        const rowsInPage = pageRep.filter(x => x === 0).length;
        h.struct([i32(1, 3), i32(2, body.length), i32(3, body.length), sub(8, [i32(1, end - e), i32(2, end - e - present.length), i32(3, rowsInPage), i32(4, encoding), i32(5, defBytes.length), i32(6, repBytes.length), bool(7, false)])]);
        out.push(...h.bytes, ...body);
      } else {
        const body = [...le32(repBytes.length), ...repBytes, ...le32(defBytes.length), ...defBytes, ...valueBytes];
        h.struct([i32(1, 0), i32(2, body.length), i32(3, body.length), sub(5, [i32(1, end - e), i32(2, encoding), i32(3, 3), i32(4, 3)])]);
        out.push(...h.bytes, ...body);
      }
      first = false;
      e = end;
    }
    const chunkBytes = out.length - chunkStart;
    const meta: Field[] = [
      i32(1, 4), [2, T.LIST, w => w.list(T.I32, [x => x.int(0), x => x.int(3), ...(o.dictionary ? [(x: Thrift) => x.int(8)] : [])])],
      [3, T.LIST, w => w.list(T.BINARY, names.map(s => (x: Thrift) => x.binary(s)))],
      i32(4, 0), i64(5, rep.length), i64(6, chunkBytes), i64(7, chunkBytes), i64(9, dataOffset),
      ...(dictionaryOffset !== undefined ? [i64(11, dictionaryOffset)] : []),
    ];
    rowGroups.push([[1, T.LIST, w => w.list(T.STRUCT, [x => x.struct([i64(2, chunkStart), sub(3, meta)])])], i64(2, chunkBytes), i64(3, groupRows)]);
    r0 += groupRows;
  }
  const OPTIONAL = 1, REQUIRED = 0, REPEATED = 2;
  const MAP = 1, LIST = 3;
  const footer = new Thrift();
  footer.struct([
    i32(1, 1),
    [2, T.LIST, w => w.list(T.STRUCT, [
      x => x.struct([bin(4, 'schema'), i32(5, 1)]),
      x => x.struct([i32(3, o.required ? REQUIRED : OPTIONAL), bin(4, names[0]), i32(5, 1), i32(6, o.mapKeyOnly ? MAP : LIST)]),
      x => x.struct([i32(3, REPEATED), bin(4, names[1]), i32(5, 1)]),
      x => x.struct([i32(1, 4), i32(3, o.required ? REQUIRED : OPTIONAL), bin(4, names[2])]),
    ])],
    i64(3, rows.length),
    [4, T.LIST, w => w.list(T.STRUCT, rowGroups.map(g => (x: Thrift) => x.struct(g)))],
  ]);
  out.push(...footer.bytes, ...le32(footer.bytes.length), ...Buffer.from('PAR1'));
  return Uint8Array.from(out);
}

// ---- data and checks ----------------------------------------------------------------------------

/** Values exactly representable in float32. */
function makeRows(n: number, dim: number, nulls: { rows?: number[]; elements?: [number, number][] } = {}): Row[] {
  const rows: Row[] = [];
  for (let r = 0; r < n; r++) rows.push(Array.from({ length: dim }, (_, k) => (r * dim + k) * 0.25 - 3));
  for (const r of nulls.rows ?? []) rows[r] = null;
  for (const [r, k] of nulls.elements ?? []) rows[r]![k] = null;
  return rows;
}

function expected(rows: Row[], dim: number, start: number, count: number): number[] {
  const out: number[] = [];
  for (let r = start; r < start + count; r++) for (let k = 0; k < dim; k++) out.push(rows[r] === null ? NaN : rows[r]![k] ?? NaN);
  return out;
}

function same(actual: ArrayLike<number>, want: number[], what: string): void {
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(actual[i], want[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(want[i]))) {
      assert.fail(`${what}: value ${i} is ${actual[i]}, expected ${want[i]}`);
    }
  }
}

/** Records every read's length. */
class Recording implements ByteSource {
  readonly lengths: number[] = [];
  constructor(private readonly inner: ByteSource) {}
  get name() { return this.inner.name; }
  get size() { return this.inner.size; }
  read(offset: number, length: number) { this.lengths.push(length); return this.inner.read(offset, length); }
  close() { return this.inner.close(); }
}

async function hyparquetRows(bytes: Uint8Array): Promise<unknown[]> {
  const hp = await import('hyparquet');
  const buffer = bytes.slice().buffer;
  return (await hp.parquetReadObjects({ file: buffer, columns: ['embedding'] })).map(r => (r as { embedding: unknown }).embedding);
}

async function checkFile(rows: Row[], dim: number, o: WriteOptions, reads: [number, number][]): Promise<void> {
  const bytes = writeParquet(rows, o);
  // the writer, checked by an independent decoder
  const oracle = await hyparquetRows(bytes);
  assert.equal(oracle.length, rows.length);
  oracle.forEach((row, r) => assert.deepEqual(row == null ? null : Array.from(row as number[], x => x ?? null), rows[r], `hyparquet row ${r}`));

  const source = new Recording(new MemoryByteSource(bytes, 'paged.parquet'));
  const dump = await openDump(source, { fileName: 'paged.parquet' });
  const m = await dump.open('embedding');
  assert.deepEqual([m.rows, m.dim], [rows.length, dim]);
  assert.ok(m.notes.some(n => /page by page/.test(n)), m.notes.join(' | '));
  source.lengths.length = 0; // opening read the footer (hyparquet reads up to its last 512 KiB)
  same(await m.readRows(0, rows.length), expected(rows, dim, 0, rows.length), 'all rows');
  for (const [start, count] of reads) same(await m.readRows(start, count), expected(rows, dim, start, count), `rows ${start}+${count}`);
  // concurrent reads, out of order
  const pieces = await Promise.all(reads.map(([s, c]) => m.readRows(s, c)));
  pieces.forEach((p, i) => same(p, expected(rows, dim, reads[i][0], reads[i][1]), `concurrent rows ${reads[i][0]}+${reads[i][1]}`));
  const f32 = await (m as unknown as { readRowsFloat32(s: number, c: number): Promise<Float32Array> }).readRowsFloat32(5, 9);
  same(f32, expected(rows, dim, 5, 9), 'float32 rows 5+9');
  // never more than a page (or a header window) at once
  const pageBytes = Math.max(256, (o.dictionary ? 4 * rows.length * dim : 0) + o.pageEntries * 8 + 64);
  assert.ok(source.lengths.every(n => n <= pageBytes), `reads of ${Math.max(...source.lengths)} bytes, pages are at most ${pageBytes}`);
}

const READS: [number, number][] = [[37, 3], [0, 1], [12, 9], [29, 2], [49, 1], [3, 40], [30, 1], [20, 10]];

test('rows cut across v1 data pages, several row groups: any range, any order, concurrently', async () => {
  const rows = makeRows(50, 7);
  await checkFile(rows, 7, { groups: [30, 20], pageEntries: 10 }, READS);
  await checkFile(rows, 7, { groups: [50], pageEntries: 7 }, READS); // pages on row boundaries
  await checkFile(rows, 7, { groups: [50], pageEntries: 3 }, READS); // rows spanning three pages
  await checkFile(rows, 7, { groups: [50], pageEntries: 10, required: true }, READS);
});

test('null lists read as NaN rows and null elements as NaN values, with rows found by counting', async () => {
  const rows = makeRows(50, 6, { rows: [0, 13, 14, 30, 49], elements: [[2, 0], [2, 5], [31, 3]] });
  await checkFile(rows, 6, { groups: [30, 20], pageEntries: 10 }, READS);
  await checkFile(rows, 6, { groups: [50], pageEntries: 4 }, READS);
});

test('data page v2 (rows on page boundaries, row counts in the headers), with and without nulls', async () => {
  await checkFile(makeRows(50, 5), 5, { groups: [50], pageEntries: 12, v2: true }, READS);
  await checkFile(makeRows(50, 5, { rows: [7, 8, 40], elements: [[9, 1]] }), 5, { groups: [25, 25], pageEntries: 12, v2: true }, READS);
});

test('a dictionary page with bit-packed indices, then plain pages', async () => {
  const rows = makeRows(50, 4).map((row, r) => row!.map((_, k) => ((r + k) % 5) - 2)); // 5 distinct values
  await checkFile(rows, 4, { groups: [50], pageEntries: 9, dictionary: true }, READS);
  await checkFile(rows, 4, { groups: [20, 30], pageEntries: 9, dictionary: true, v2: true }, READS);
});

test('a ragged row, an empty list: bad-shape naming the row', async () => {
  const ragged = makeRows(20, 4);
  ragged[11] = [1, 2, 3];
  ragged[12] = [1, 2, 3, 4, 5]; // the chunk still holds 20 x 4 entries
  const empty = makeRows(20, 4);
  empty[6] = [];
  for (const [rows, row] of [[ragged, 11], [empty, 6]] as const) {
    const bytes = writeParquet(rows, { groups: [20], pageEntries: 5 });
    const dump = await openDump(new MemoryByteSource(bytes, 'ragged.parquet'), { fileName: 'ragged.parquet' });
    const m = await dump.open('embedding');
    await assert.rejects(m.readRows(0, 20), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && new RegExp(`row ${row}\\b`).test(e.message), `row ${row}`);
  }
});

test('damaged pages: an EmbdiagError naming the column, never a crash', async () => {
  const bytes = writeParquet(makeRows(30, 4), { groups: [30], pageEntries: 8 });
  const m0 = await (await openDump(new MemoryByteSource(bytes, 'x.parquet'), { fileName: 'x.parquet' })).open('embedding');
  same(await m0.readRows(0, 30), expected(makeRows(30, 4), 4, 0, 30), 'undamaged');
  // flip each byte of the data pages in turn (the footer stays intact)
  const footerLength = new DataView(bytes.buffer).getUint32(bytes.length - 8, true);
  for (let i = 4; i < bytes.length - 8 - footerLength; i++) {
    const damaged = bytes.slice();
    damaged[i] ^= 0xff;
    try {
      const m = await (await openDump(new MemoryByteSource(damaged, 'x.parquet'), { fileName: 'x.parquet' })).open('embedding');
      await m.readRows(0, 30);
    } catch (e) {
      assert.ok(e instanceof EmbdiagError, `byte ${i}: ${(e as Error).stack}`);
      assert.ok(e.code === 'bad-header' || e.code === 'bad-shape' || e.code === 'too-large' || e.code === 'unsupported-dtype' || e.code === 'truncated', `byte ${i}: ${e.code} ${e.message}`);
    }
  }
});

test('a MAP whose key_value group holds only its key is a map, not a list of numbers', async () => {
  // Every row holds 4 keys: read as a list, it would pass for 20 x 4 embeddings.
  const rows = makeRows(20, 4);
  const plain = await openDump(new MemoryByteSource(writeParquet(rows, { groups: [20], pageEntries: 16, required: true }), 'list.parquet'), { fileName: 'list.parquet' });
  assert.deepEqual((await plain.open()).shape, [20, 4], 'the same layout as a LIST is an embedding');
  const bytes = writeParquet(rows, { groups: [20], pageEntries: 16, required: true, mapKeyOnly: true });
  const hp = await import('hyparquet');
  const schema = hp.parquetMetadata(bytes.slice().buffer).schema.map(e => [e.name, e.converted_type ?? null]);
  assert.deepEqual(schema.slice(1), [['embedding', 'MAP'], ['key_value', null], ['key', null]], 'hyparquet sees a key-only MAP');
  const dump = await openDump(new MemoryByteSource(bytes, 'map.parquet'), { fileName: 'map.parquet' });
  assert.deepEqual(dump.arrays.map(a => [a.name, a.analysable, a.reason]), [['embedding', false, 'it is a map column']]);
  await assert.rejects(dump.open(), (e: unknown) => e instanceof EmbdiagError && e.code === 'no-array' && /map column/.test(e.message));
});
