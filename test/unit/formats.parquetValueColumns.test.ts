/**
 * A Parquet value column (label, text, id) read for scattered rows: the reader decodes a column
 * chunk whole whatever rows of it are asked for, so the rows of one row group are read together,
 * once per row group (the row view and the rows shown ask for rows all over the file). Fixture by
 * parquet-wasm (test/fixtures/information/make_metadata_label_fixtures.py: 90 rows, row groups of
 * 32), its values from the generator's own list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDump } from '../../src/core/formats/openDump';
import { rowRuns } from '../../src/core/formats/valueColumns';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { CountingSource } from './formats.helpers';
import { FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'information', 'metadata_labels');
const E = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8'));

test('rowRuns by units: the rows of one unit share a run, whatever the gap; no run crosses a unit', () => {
  assert.deepEqual(rowRuns([1, 5, 40, 41, 63, 64, 90], { starts: [0, 32, 64] }), [[1, 6], [40, 64], [64, 91]]);
  assert.deepEqual(rowRuns([1, 5, 40], 16), [[1, 6], [40, 41]]);
});

test('scattered rows of a Parquet string column: one read of its chunk per row group touched, the values as written', async () => {
  const file = path.join(DIR, 'labelled.parquet');
  const source = new CountingSource(await FileByteSource.open(file));
  try {
    const dump = await openDump(source, { fileName: 'labelled.parquet' });
    const label = (await dump.valueColumns!()).find(c => c.name === 'label')!;
    const rows = [60, 0, 20, 40, 80, 89, 1];
    await label.read([0, 40, 80]); // the first read of a chunk also checks its pages
    source.reads = 0;
    const values = await label.read(rows);
    assert.deepEqual(values, rows.map(r => E['labelled.parquet'].labels[r]));
    // rows 0, 1, 20 | 40, 60 | 80, 89: three row groups, one chunk read each
    assert.equal(source.reads, 3, `${source.reads} reads`);
  } finally {
    await source.close();
  }
});
