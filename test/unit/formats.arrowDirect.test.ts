import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as arrow from 'apache-arrow';
import { MemoryByteSource, type ByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';

/**
 * List columns of Arrow IPC files read straight from their buffers (ArrowListColumn in
 * src/core/formats/arrow.ts): files written here by apache-arrow's own writer, with the cases a
 * converted DataFrame has (null lists, null elements, several record batches, columns before the
 * embeddings), read by any row range and compared with the values they were written from.
 */

type Row = (number | null)[] | null;

function rowsOf(n: number, dim: number, nullRows: number[] = [], nullElements: [number, number][] = []): Row[] {
  const rows: Row[] = Array.from({ length: n }, (_, r) => Array.from({ length: dim }, (_, k) => (r * dim + k) * 0.5 - 7));
  for (const r of nullRows) rows[r] = null;
  for (const [r, k] of nullElements) rows[r]![k] = null;
  return rows;
}

/** An IPC file with columns 'id' (int32), 'label' (utf8), 'embedding', in record batches of `batch` rows. */
function writeFile(rows: Row[], dim: number, o: { fixed: boolean; float64?: boolean; batch: number }): Uint8Array {
  const element = o.float64 ? new arrow.Float64() : new arrow.Float32();
  const item = new arrow.Field('item', element, true);
  const listType = o.fixed ? new arrow.FixedSizeList(dim, item) : new arrow.List(item);
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Int32(), false),
    new arrow.Field('label', new arrow.Utf8(), true),
    new arrow.Field('embedding', listType, true),
  ]);
  const batches: arrow.RecordBatch[] = [];
  for (let r0 = 0; r0 < rows.length; r0 += o.batch) {
    const part = rows.slice(r0, r0 + o.batch);
    const vectors = {
      id: arrow.vectorFromArray(part.map((_, i) => r0 + i), new arrow.Int32()),
      label: arrow.vectorFromArray(part.map((_, i) => ((r0 + i) % 3 ? `row ${r0 + i}` : null)), new arrow.Utf8()),
      embedding: arrow.vectorFromArray(part, listType as arrow.DataType),
    };
    batches.push(...new arrow.Table(schema, vectors as never).batches);
  }
  return arrow.tableToIPC(new arrow.Table(schema, batches), 'file');
}

function expected(rows: Row[], dim: number, start: number, count: number): number[] {
  const out: number[] = [];
  for (let r = start; r < start + count; r++) for (let k = 0; k < dim; k++) out.push(rows[r] === null ? NaN : rows[r]![k] ?? NaN);
  return out;
}

function same(actual: ArrayLike<number>, want: number[], what: string): void {
  assert.equal(actual.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(Object.is(actual[i], want[i]) || (Number.isNaN(actual[i]) && Number.isNaN(want[i])))) assert.fail(`${what}: value ${i} is ${actual[i]}, expected ${want[i]}`);
  }
}

class Recording implements ByteSource {
  readonly lengths: number[] = [];
  constructor(private readonly inner: ByteSource) {}
  get name() { return this.inner.name; }
  get size() { return this.inner.size; }
  read(offset: number, length: number) { this.lengths.push(length); return this.inner.read(offset, length); }
  close() { return this.inner.close(); }
}

async function check(rows: Row[], dim: number, o: { fixed: boolean; float64?: boolean; batch: number }): Promise<void> {
  const bytes = writeFile(rows, dim, o);
  const source = new Recording(new MemoryByteSource(bytes, 'x.arrow'));
  const dump = await openDump(source, { fileName: 'x.arrow' });
  const m = await dump.open('embedding');
  assert.deepEqual([m.rows, m.dim, m.dtype], [rows.length, dim, o.float64 ? 'float64' : 'float32']);
  assert.ok(m.notes.some(n => /buffers/.test(n)), m.notes.join(' | '));
  source.lengths.length = 0;
  same(await m.readRows(0, rows.length), expected(rows, dim, 0, rows.length), 'all rows');
  for (const [s, c] of [[17, 3], [0, 1], [9, 12], [rows.length - 1, 1], [5, 30], [10, 1]] as const) {
    same(await m.readRows(s, c), expected(rows, dim, s, c), `rows ${s}+${c}`);
  }
  const f32 = await (m as unknown as { readRowsFloat32(s: number, c: number): Promise<Float32Array> }).readRowsFloat32(3, 11);
  same(f32, expected(rows, dim, 3, 11).map(x => Math.fround(x)), 'float32 rows 3+11');
  // reads are of rows, never of whole batches
  const rowBytes = dim * (o.float64 ? 8 : 4);
  assert.ok(source.lengths.every(n => n <= rows.length * rowBytes), `a read of ${Math.max(...source.lengths)} bytes`);
  source.lengths.length = 0;
  await m.readRows(7, 2);
  assert.ok(source.lengths.every(n => n <= 2 * rowBytes + 8), `reading 2 rows read ${source.lengths.join(', ')} bytes`);
}

test('fixed-size lists and lists, float32 and float64, several record batches, other columns first', async () => {
  await check(rowsOf(40, 6), 6, { fixed: true, batch: 16 });
  await check(rowsOf(40, 6), 6, { fixed: false, batch: 16 });
  await check(rowsOf(40, 5), 5, { fixed: false, float64: true, batch: 40 });
  await check(rowsOf(40, 5), 5, { fixed: true, float64: true, batch: 7 });
});

test('null lists read as NaN rows and null elements as NaN values', async () => {
  const rows = rowsOf(40, 4, [0, 8, 9, 39], [[3, 0], [3, 3], [20, 2]]);
  await check(rows, 4, { fixed: false, batch: 16 });
  await check(rows, 4, { fixed: true, batch: 16 });
});

test('a list of another length: bad-shape naming the row', async () => {
  const rows = rowsOf(20, 4);
  rows[13] = [1, 2, 3];
  const bytes = writeFile(rows, 4, { fixed: false, batch: 8 });
  const m = await (await openDump(new MemoryByteSource(bytes, 'x.arrow'), { fileName: 'x.arrow' })).open('embedding');
  same(await m.readRows(0, 13), expected(rows, 4, 0, 13), 'rows before it');
  await assert.rejects(m.readRows(10, 5), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && /row 13\b/.test(e.message));
});

test('damaged bytes: an EmbdiagError, never a crash', async () => {
  const rows = rowsOf(24, 4, [5], [[7, 1]]);
  const bytes = writeFile(rows, 4, { fixed: false, batch: 10 });
  for (let i = 8; i < bytes.length - 10; i++) {
    const damaged = bytes.slice();
    damaged[i] ^= 0x5a;
    try {
      const m = await (await openDump(new MemoryByteSource(damaged, 'x.arrow'), { fileName: 'x.arrow' })).open('embedding');
      await m.readRows(0, m.rows);
    } catch (e) {
      assert.ok(e instanceof EmbdiagError, `byte ${i}: ${(e as Error).stack}`);
    }
  }
});
