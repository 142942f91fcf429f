import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { testFixtureFolder, assertExactly, decodeNumbers, loadExpected, withDump } from './formats.helpers';

/** Fixtures written by test/fixtures/make_format_fixtures_ml.py with apache-arrow's own writer. */
testFixtureFolder('arrow', 'arrow', 'apache-arrow');

test('record batches are read by row range, in any order', async () => {
  const want = decodeNumbers(loadExpected('arrow/fixed_size_list.arrow').arrays!.find(a => a.name === 'embedding')!.data!);
  await withDump('arrow/fixed_size_list.arrow', async dump => {
    assert.equal(dump.format, 'arrow');
    assert.ok(dump.notes.some(n => /2 record batches/.test(n)));
    const m = await dump.open();
    for (const [start, count] of [[45, 5], [28, 4], [0, 2], [10, 35]]) {
      assertExactly(await m.readRows(start, count), want.slice(start * m.dim, (start + count) * m.dim), `rows ${start}+${count}`);
    }
  });
});

test('Arrow streams and Feather v1 are refused with the reason', async () => {
  const stream = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, ...new Array(16).fill(0)]);
  await assert.rejects(openDump(new MemoryByteSource(stream, 'x.arrow'), { fileName: 'x.arrow' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-header' && /stream/.test(e.message));
  const v1 = new Uint8Array([0x46, 0x45, 0x41, 0x31, ...new Array(20).fill(0)]);
  await assert.rejects(openDump(new MemoryByteSource(v1, 'x.feather'), { fileName: 'x.feather' }),
    (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-header' && /Feather v1/.test(e.message));
});
