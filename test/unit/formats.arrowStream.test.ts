import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/findings';
import { assertAllClose } from './support';
import { CountingSource, FORMAT_FIXTURES, assertExactly, withDump } from './formats.helpers';
import { completeRowMean, referenceColumns, referenceList, type ReferenceColumn } from './arrowReference';

/**
 * Arrow IPC streams written by apache-arrow's tableToIPC(table, 'stream') (test/fixtures/make_arrow_stream_fixtures.mjs),
 * the format of Hugging Face datasets on disk. Expected values: apache-arrow's reading of the same files.
 */
const HF = 'arrow/stream/hf_dataset/data-00000-of-00001.arrow';
const CASES: { rel: string; array: string; dtype: string; reference: () => ReferenceColumn; batches: number }[] = [
  { rel: HF, array: 'embedding', dtype: 'float32', reference: () => referenceList(HF, 'embedding'), batches: 3 },
  { rel: 'arrow/stream/fixed_dictionary.arrow', array: 'emb', dtype: 'float64', reference: () => referenceList('arrow/stream/fixed_dictionary.arrow', 'emb'), batches: 2 },
  { rel: 'arrow/stream/per_dim.arrow', array: 'emb_*', dtype: 'float32', reference: () => referenceColumns('arrow/stream/per_dim.arrow', [0, 1, 2, 3, 4].map(k => `emb_${k}`)), batches: 3 },
];

for (const c of CASES) {
  test(`Arrow stream ${c.rel}: read as apache-arrow reads it, from the column buffers`, async () => {
    const ref = c.reference();
    await withDump(c.rel, async dump => {
      assert.equal(dump.format, 'arrow');
      assert.match(dump.notes[0], new RegExp(`Arrow IPC stream: ${ref.rows} rows in ${c.batches} record batches`));
      const m = await dump.open();
      assert.equal(m.name, c.array);
      assert.equal(m.dtype, c.dtype);
      assert.deepEqual([...m.shape], [ref.rows, ref.dim]);
      assert.match(m.notes[0], /Read from the column buffers/);
      assertExactly(await m.readRows(0, ref.rows), ref.values, c.rel);
      // a range across a batch boundary, and one inside the last batch
      assertExactly(await m.readRows(35, 30), ref.values.slice(35 * ref.dim, 65 * ref.dim), `${c.rel} rows 35..64`);
      assertExactly(await m.readRows(ref.rows - 3, 3), ref.values.slice((ref.rows - 3) * ref.dim), `${c.rel} last rows`);
    });
    const report = await analyzeFile(path.join(FORMAT_FIXTURES, c.rel), { maxRows: 1_000_000, seed: 0, thresholds: DEFAULT_THRESHOLDS });
    assertAllClose(report.mean, completeRowMean(ref), 1e-6, `${c.rel} mean`);
  });
}

test('Arrow stream: opening reads the message headers, never the bodies', async () => {
  const file = path.join(FORMAT_FIXTURES, HF);
  const source = new CountingSource(await FileByteSource.open(file));
  try {
    const dump = await openDump(source, { fileName: file });
    const bodies = arrow.tableFromIPC(fs.readFileSync(file)).batches.length;
    assert.equal(bodies, 3);
    // everything read while opening lies outside the record batch bodies, except the first list's offsets (the dimension)
    const opened = source.bytesRead;
    assert.ok(opened < fs.statSync(file).size / 2, `opening read ${opened} of ${fs.statSync(file).size} bytes`);
    const m = await dump.open();
    source.ranges.length = 0;
    await m.readRows(120, 5);
    const read = source.ranges.reduce((n, [a, b]) => n + b - a, 0);
    assert.ok(read < 4 * 5 * 16 + 4096, `5 rows of 16 float32 took ${read} bytes`);
  } finally {
    await source.close();
  }
});

test('Arrow stream: a null list is a missing row, as in the file format', async () => {
  const t = new arrow.Table({ v: arrow.vectorFromArray([[1n, 2n], [3n, 4n], null, [5n, 6n]], new arrow.List(new arrow.Field('item', new arrow.Int64(), true))) });
  const bytes = arrow.tableToIPC(t, 'stream');
  const dump = await openDump(new MemoryByteSource(bytes, 'x.arrow'), { fileName: 'x.arrow' });
  const m = await dump.open('v');
  const values = await m.readRows(0, 4);
  assertExactly(values.slice(0, 4), [1, 2, 3, 4], 'rows 0..1');
  assert.ok(Number.isNaN(values[4]) && Number.isNaN(values[5]), 'the null row is NaN');
  assertExactly(values.slice(6), [5, 6], 'row 3');
  assert.deepEqual(await m.nullRowsIn!(0, 4), [2]);
});

test('an Arrow stream is recognised by its bytes under any name', async () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, HF)));
  const dump = await openDump(new MemoryByteSource(bytes, 'cache-1234'), { fileName: 'cache-1234' });
  assert.equal(dump.format, 'arrow');
  assert.equal((await dump.open()).rows, 187);
});

test('Arrow stream: columns the buffer reader does not lay out (a union beside) are decoded by apache-arrow one batch at a time, as in the file', async () => {
  const fileBytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, 'arrow/compressed/union.arrow')));
  const streamBytes = arrow.tableToIPC(arrow.tableFromIPC(fileBytes), 'stream');
  const open = async (bytes: Uint8Array) => (await openDump(new MemoryByteSource(bytes, 'u.arrow'), { fileName: 'u.arrow' })).open('emb');
  const [file, stream] = [await open(fileBytes), await open(streamBytes)];
  assert.match(stream.notes[0], /Read one record batch at a time/);
  assert.deepEqual([...stream.shape], [...file.shape]);
  const expected = referenceList('arrow/compressed/union.arrow', 'emb').values; // apache-arrow's reading
  assertExactly(await stream.readRows(0, stream.rows), expected, 'all rows');
  assertExactly(await stream.readRows(5, 7), expected.slice(5 * file.dim, 12 * file.dim), 'rows 5..11');
  assert.deepEqual(await stream.nullRowsIn!(0, stream.rows), await file.nullRowsIn!(0, file.rows));
});
