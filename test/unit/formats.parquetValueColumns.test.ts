/**
 * A Parquet value column (label, text, id) read for scattered rows: the reader decodes a column
 * chunk whole whatever rows of it are asked for, so the rows of one row group are read together,
 * once per row group, and a text column keeps the chunks it read within a byte budget (the row
 * view and the rows shown ask for rows all over the file, again and again). Fixture by
 * parquet-wasm (test/fixtures/information/make_metadata_label_fixtures.py: 90 rows, row groups of
 * 32), its values from the generator's own list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDump } from '../../src/core/formats/openDump';
import { rowRuns } from '../../src/core/formats/valueColumns';
import { parquetTextColumn, TEXT_VALUE_OVERHEAD } from '../../src/core/formats/parquetTextColumn';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { CountingSource } from './formats.helpers';
import { FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'information', 'metadata_labels');
const E = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));

test('rowRuns by units: the rows of one unit share a run, whatever the gap; no run crosses a unit', () => {
  assert.deepEqual(rowRuns([1, 5, 40, 41, 63, 64, 90], { starts: [0, 32, 64] }), [[1, 6], [40, 64], [64, 91]]);
  assert.deepEqual(rowRuns([1, 5, 40], 16), [[1, 6], [40, 41]]);
});

test('scattered rows of a Parquet string column: each row group\'s chunk read once, then kept; the values as written', async () => {
  const file = path.join(DIR, 'labelled.parquet');
  const source = new CountingSource(await FileByteSource.open(file));
  try {
    const dump = await openDump(source, { fileName: 'labelled.parquet' });
    const label = (await dump.valueColumns!()).find(c => c.name === 'label')!;
    const rows = [60, 0, 20, 40, 80, 89, 1];
    source.reads = 0;
    source.ranges.length = 0;
    assert.deepEqual(await label.read(rows), rows.map(r => E['labelled.parquet'].labels[r]));
    // rows 0, 1, 20 | 40, 60 | 80, 89: three row groups, one chunk each (its first read also checks its pages)
    assert.equal(new Set(source.ranges.map(r => r.join())).size, 3, JSON.stringify(source.ranges));
    // other rows of the same row groups: from the chunks kept, nothing read
    source.reads = 0;
    const again = [2, 77, 33, 50];
    assert.deepEqual(await label.read(again), again.map(r => E['labelled.parquet'].labels[r]));
    assert.equal(source.reads, 0);
  } finally {
    await source.close();
  }
});

test('the kept chunks stay within the byte budget (least recently used out); a row group above it is read run by run', async () => {
  const groups = [{ start: 0, rows: 10 }, { start: 10, rows: 10 }, { start: 20, rows: 10 }];
  const reads: [number, number][] = [];
  const reader = async (start: number, end: number, sink: (data: ArrayLike<unknown>, firstRow: number) => void) => {
    reads.push([start, end]);
    sink(Array.from({ length: end - start }, (_, i) => (start + i === 13 ? null : `v${start + i}`)), start);
  };
  // room for two row groups of 10 short values (at most 3 bytes each, kept packed: TEXT_VALUE_OVERHEAD more each)
  const column = parquetTextColumn('t', 30, groups, reader, 2 * 10 * (TEXT_VALUE_OVERHEAD + 3));
  assert.deepEqual(await column.read([25, 3, 13]), ['v25', 'v3', null]);
  assert.deepEqual(reads, [[0, 10], [10, 20], [20, 30]]);
  reads.length = 0;
  await column.read([14, 27]); // kept: groups 1 and 2 (group 0 went out)
  assert.deepEqual(reads, []);
  await column.read([5]);
  assert.deepEqual(reads, [[0, 10]]);
  // a budget below one row group: only the runs asked for, every time
  reads.length = 0;
  const small = parquetTextColumn('t', 30, groups, reader, 100);
  assert.deepEqual(await small.read([2, 3, 12]), ['v2', 'v3', 'v12']);
  await small.read([2]);
  assert.deepEqual(reads, [[2, 4], [12, 13], [2, 3]]);
});

test('texts kept packed as UTF-8: row groups of strings that fit the budget as bytes are all kept, so scattered rows are answered without reading again', async () => {
  // 3 row groups of 10 texts of 20 characters (strings, as hyparquet gives a UTF8 column), one non-ASCII
  const groups = [{ start: 0, rows: 10 }, { start: 10, rows: 10 }, { start: 20, rows: 10 }];
  const text = (r: number) => (r === 17 ? 'é—ü'.padEnd(20, '.') : `text of row ${r}`.padEnd(20, '.'));
  const reads: [number, number][] = [];
  const reader = async (start: number, end: number, sink: (data: ArrayLike<unknown>, firstRow: number) => void) => {
    reads.push([start, end]);
    sink(Array.from({ length: end - start }, (_, i) => text(start + i)), start);
  };
  // every row group's bytes (the non-ASCII row takes 4 more) and its per-value cost
  const column = parquetTextColumn('t', 30, groups, reader, 3 * 10 * (TEXT_VALUE_OVERHEAD + 20) + 4);
  const rows = [29, 0, 17, 11, 23, 5];
  assert.deepEqual(await column.read(rows), rows.map(text));
  assert.equal(reads.length, 3);
  reads.length = 0;
  assert.deepEqual(await column.read([...rows].reverse()), [...rows].reverse().map(text));
  assert.deepEqual(reads, [], 'all three row groups kept');
});
