import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { EmbdiagError } from '../../src/core/errors';
import type { EmbeddingMatrix } from '../../src/core/formats/dumpFile';
import { FORMAT_FIXTURES, assertExactly, loadExpected, withDump } from './formats.helpers';

/**
 * Parquet list columns with null rows, all-null, empty, ragged and nested lists, and the default
 * choice among list columns: fixtures written by parquet-wasm through
 * test/fixtures/make_parquet_list_fixtures.py. Every value and every null row is checked against
 * parquet-wasm (arrow-rs) reading the same file into apache-arrow, not against our own output.
 */

// The npm package's Node build (CommonJS); its types are those of the package's node/ folder.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pw = require('parquet-wasm/node') as typeof import('parquet-wasm/node/parquet_wasm');

/** A list column as parquet-wasm reads it: one array per row, null for a null list. */
function referenceRows(rel: string, column: string): (number[] | null)[] {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));
  const table = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
  const vector = table.getChild(column)!;
  const rows: (number[] | null)[] = [];
  for (let r = 0; r < table.numRows; r++) {
    const row = vector.get(r) as arrow.Vector | null;
    rows.push(row === null ? null : Array.from(row.toArray() as ArrayLike<number | bigint>, v => (v === null ? NaN : Number(v))));
  }
  return rows;
}

/** What a reader must return for rows [start, start + count): the values, a null row as NaN. */
function expectedRows(rows: (number[] | null)[], dim: number, start: number, count: number): number[] {
  const out: number[] = [];
  for (let r = start; r < start + count; r++) {
    for (let k = 0; k < dim; k++) out.push(rows[r] === null ? NaN : rows[r]![k]);
  }
  return out;
}

const nullIndices = (rows: (number[] | null)[], start: number, count: number): number[] =>
  rows.map((row, r) => (row === null && r >= start && r < start + count ? r : -1)).filter(r => r >= 0);

async function checkAgainstReference(m: EmbeddingMatrix, rows: (number[] | null)[], ranges: [number, number][]): Promise<void> {
  for (const [start, count] of ranges) {
    assertExactly(await m.readRows(start, count), expectedRows(rows, m.dim, start, count), `${m.name} rows ${start}+${count}`);
    assert.deepEqual(await m.nullRowsIn!(start, count), nullIndices(rows, start, count), `${m.name} null rows in ${start}+${count} after reading them`);
  }
  // nullRowsIn on ranges not just read (levels only for a paged column)
  for (const [start, count] of ranges.slice().reverse()) {
    await m.readRows(0, 1);
    assert.deepEqual(await m.nullRowsIn!(start, count), nullIndices(rows, start, count), `${m.name} null rows in ${start}+${count}`);
  }
}

test('a List<float32> of 4 x 5 with row 1 null: dimension 5, row 1 a null row (not ragged)', async () => {
  const rel = 'parquet/lists/one_null_row.parquet';
  const rows = referenceRows(rel, 'emb');
  assert.deepEqual(rows.map(r => r && r.length), [5, null, 5, 5], 'parquet-wasm: rows 0, 2, 3 hold 5 values, row 1 is null');
  await withDump(rel, async dump => {
    const m = await dump.open();
    assert.deepEqual([m.name, m.rows, m.dim], ['emb', 4, 5]);
    assert.equal(typeof m.nullRowsIn, 'function');
    await checkAgainstReference(m, rows, [[0, 4], [1, 1], [2, 2], [0, 1]]);
  });
});

test('1000 x 769 with 125 null rows across pages and row groups: values and null rows as parquet-wasm reads them', async () => {
  const rel = 'parquet/lists/many_null_rows.parquet';
  const rows = referenceRows(rel, 'embedding');
  const nulls = nullIndices(rows, 0, rows.length);
  assert.equal(nulls.length, 125);
  assert.deepEqual(nulls, loadExpected(rel).nullRows, 'parquet-wasm and the generator agree on the null rows');
  await withDump(rel, async dump => {
    const m = await dump.open();
    assert.deepEqual([m.rows, m.dim], [1000, 769]);
    assert.ok(m.notes.some(n => /page by page \(4 row groups/.test(n)), m.notes.join(' | '));
    await checkAgainstReference(m, rows, [[0, 1000], [290, 20], [999, 1], [0, 1], [512, 300], [100, 7]]);
  });
});

test('a List<int32> with null rows (decoded by hyparquet): values and null rows as parquet-wasm reads them', async () => {
  const rel = 'parquet/lists/int_list_nulls.parquet';
  const rows = referenceRows(rel, 'codes');
  await withDump(rel, async dump => {
    const m = await dump.open('codes');
    assert.deepEqual([m.rows, m.dim, m.dtype], [12, 3, 'int32']);
    await checkAgainstReference(m, rows, [[0, 12], [4, 3], [11, 1], [5, 1]]);
  });
});

test('lists that are all null are refused as "only null lists", not analysed with an invented dimension 1', async () => {
  const rel = 'parquet/lists/all_null.parquet';
  for (const column of ['list', 'floats']) assert.ok(referenceRows(rel, column).every(r => r === null), `parquet-wasm: ${column} is all null`);
  await withDump(rel, async dump => {
    for (const column of ['list', 'floats']) {
      const info = dump.arrays.find(a => a.name === column)!;
      assert.deepEqual([info.analysable, info.shape], [false, [3]], column);
      await assert.rejects(dump.open(column), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && /only null lists/.test(e.message));
    }
  });
});

test('ragged lists: the refusal names the first row that differs and the row it differs from', async () => {
  const rel = 'parquet/lists/ragged.parquet';
  assert.deepEqual(referenceRows(rel, 'int64_list').map(r => r && r.length), [3, 2, 1, 3]);
  assert.deepEqual(referenceRows(rel, 'floats').map(r => r && r.length), [null, 3, 3, 2]);
  await withDump(rel, async dump => {
    const refused = async (column: string, message: string) => {
      const m = await dump.open(column);
      await assert.rejects(m.readRows(0, m.rows), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && e.message.includes(message), column);
      // a read that starts past the first differing row still names it
      await assert.rejects(m.readRows(3, 1), (e: unknown) => e instanceof EmbdiagError && e.message.includes(message), `${column} from row 3`);
    };
    await refused('int64_list', "row 1 of column 'int64_list' holds 2 values where row 0 holds 3 values");
    await refused('floats', "row 3 of column 'floats' holds 2 values where row 1 holds 3 values");
  });
});

test('a column of empty lists is "its lists are empty"; a list of lists is "nested lists"', async () => {
  await withDump('parquet/lists/empty_and_nested.parquet', async dump => {
    await assert.rejects(dump.open('empty'), (e: unknown) => e instanceof EmbdiagError && /its lists are empty/.test(e.message));
    await assert.rejects(dump.open('nested'), (e: unknown) => e instanceof EmbdiagError && /nested lists/.test(e.message) && !/struct/.test(e.message));
  });
});

test('the default choice goes past a preferred column that fails, and names both when none works', async () => {
  const rel = 'parquet/lists/preferred_fails.parquet';
  const vectors = referenceRows(rel, 'vectors');
  await withDump(rel, async dump => {
    const m = await dump.open();
    assert.equal(m.name, 'vectors');
    assertExactly(await m.readRows(0, 10), expectedRows(vectors, 4, 0, 10), 'vectors');
    // By name, 'emb' is opened (lazily) and its read refuses.
    const emb = await dump.open('emb');
    await assert.rejects(emb.readRows(0, 10), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape'
      && e.message.includes("row 9 of column 'emb' holds 1 value where row 0 holds 3 values"));
  });
});

test('a column gathered into a prefix* array is refused by its own name as one number per row, naming the array', async () => {
  await withDump('parquet/per_dim_columns.parquet', async dump => {
    assert.ok(!dump.arrays.some(a => a.name === 'dim_3'), 'dim_3 is listed only as part of dim_*');
    await assert.rejects(dump.open('dim_3'), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape'
      && /one number per row/.test(e.message) && e.message.includes("'dim_*'"));
    await assert.rejects(dump.open('dim_99'), (e: unknown) => e instanceof EmbdiagError && e.code === 'array-not-found');
  });
});
