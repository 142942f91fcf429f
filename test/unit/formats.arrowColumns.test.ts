import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { assertAllClose } from './support';
import { FORMAT_FIXTURES, assertExactly, withDump } from './formats.helpers';
import { completeRowMean, referenceColumns, referenceList } from './arrowReference';

/**
 * Arrow IPC files as apache-arrow writes them (test/fixtures/make_arrow_fixtures.mjs): a 0-row
 * record batch, one column per dimension of different widths, column types we do not read, the
 * default choice, and what the refusals say. Expected values: apache-arrow's reading.
 */

const JS_TEXT = /Cannot read|Cannot destructure|undefined|Invalid typed array|is not a function|Offset is outside|TypeError|RangeError|must be an instance/;

test('a 0-row record batch between two others (its header leaves out the default fields) is read', async () => {
  const rel = 'arrow/empty_batch.arrow';
  const want = referenceList(rel, 'emb');
  await withDump(rel, async dump => {
    assert.ok(dump.notes.some(n => /80 rows in 3 record batches/.test(n)), dump.notes.join(' | '));
    const m = await dump.open();
    assert.deepEqual([m.rows, m.dim], [80, 4]);
    assertExactly(await m.readRows(0, 80), want.values, 'all rows');
    assertExactly(await m.readRows(45, 10), want.values.slice(45 * 4, 55 * 4), 'rows across the empty batch');
  });
});

test('per-dimension columns of different widths (int32, float64, float32) are gathered, each read at its own width', async () => {
  const rel = 'arrow/mixed_width_dim.arrow';
  const want = referenceColumns(rel, ['dim_0', 'dim_1', 'dim_2']);
  await withDump(rel, async dump => {
    const m = await dump.open();
    assert.equal(m.name, 'dim_*');
    assert.deepEqual([m.rows, m.dim, m.dtype], [10, 3, 'float64']);
    const values = await m.readRows(0, 10);
    assertExactly(values, want.values, 'values');
    assertAllClose(completeRowMean({ ...want, values: [...values] }), completeRowMean(want), 1e-12, 'mean');
  });
});

test('a gathered column can be asked for by its own name: one number per row, refused as not an embedding', async () => {
  await withDump('arrow/mixed_width_dim.arrow', async dump => {
    await assert.rejects(dump.open('dim_1'), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape'
      && /'dim_1'/.test(e.message) && /one number per row/.test(e.message) && /'dim_\*'/.test(e.message) && !/no array named/.test(e.message));
  });
});

test('a decimal column is listed under a readable type name', async () => {
  await withDump('arrow/decimal.arrow', async dump => {
    const price = dump.arrays.find(a => a.name === 'price')!;
    assert.equal(price.dtype, 'decimal128(9, 2)');
    assert.equal(price.analysable, false);
    await assert.rejects(dump.open('price'), (e: unknown) => e instanceof EmbdiagError && e.code === 'unsupported-dtype' && /decimal128\(9, 2\)/.test(e.message));
  });
});

for (const [file, type] of [['list_view', 'ListView'], ['large_list_view', 'LargeListView'], ['run_end_encoded', 'RunEndEncoded']]) {
  test(`a ${type} column: the type is not supported (not "damaged")`, async () => {
    const bytes = fs.readFileSync(path.join(FORMAT_FIXTURES, 'arrow', 'refusals', `${file}.arrow`));
    await assert.rejects(openDump(new MemoryByteSource(bytes, 'x.arrow'), { fileName: 'x.arrow' }), (e: unknown) => e instanceof EmbdiagError
      && e.code === 'unsupported-dtype' && e.message.includes(type) && /'vectors'/.test(e.message) && !/damaged|truncated/.test(e.message) && !JS_TEXT.test(e.message));
  });
}

test('an IPC stream is read like the file format: its columns are listed the same way, not refused as damaged', async () => {
  const table = new arrow.Table({ x: arrow.vectorFromArray([1, 2, 3], new arrow.Float32()) });
  const listed = async (kind: 'stream' | 'file') => (await openDump(new MemoryByteSource(arrow.tableToIPC(table, kind), 'x.arrow'), { fileName: 'x.arrow' })).arrays;
  assert.deepEqual(await listed('stream'), await listed('file'));
  const stream = arrow.tableToIPC(table, 'stream');
  await assert.rejects((await openDump(new MemoryByteSource(stream, 'x.arrow'), { fileName: 'x.arrow' })).open(), (e: unknown) => e instanceof EmbdiagError
    && e.code === 'no-array' && /'x'/.test(e.message) && !/damaged|truncated/.test(e.message));
});

test('a file whose batches hold no rows: the default choice names the candidate and why', async () => {
  await withDump('arrow/no_rows.arrow', async dump => {
    await assert.rejects(dump.open(), (e: unknown) => e instanceof EmbdiagError && e.code === 'no-array' && /'emb'/.test(e.message) && /no rows/.test(e.message));
  });
});

test('a candidate that cannot be opened is skipped by the default choice, and refused when asked for', async () => {
  const rel = 'arrow/short_child.arrow';
  await withDump(rel, async dump => {
    const m = await dump.open();
    assert.equal(m.name, 'vectors');
    assertExactly(await m.readRows(0, 5), referenceList(rel, 'vectors').values, 'vectors');
    await assert.rejects(dump.open('emb'), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-header' && /'emb'/.test(e.message) && /20 elements/.test(e.message));
  });
});

test('damaged bytes in any Arrow fixture: our own sentence, never JavaScript exception text', async () => {
  for (const rel of ['arrow/empty_batch.arrow', 'arrow/endianness/nested.big.arrow', 'arrow/null_rows/list_float32.arrow', 'arrow/mixed_width_dim.arrow']) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));
    for (let i = 8; i < bytes.length - 10; i++) {
      for (const value of [bytes[i] ^ 0x5a]) {
        const damaged = bytes.slice();
        damaged[i] = value;
        try {
          const dump = await openDump(new MemoryByteSource(damaged, 'x.arrow'), { fileName: 'x.arrow' });
          for (const a of dump.arrays) {
            assert.ok(!JS_TEXT.test(a.dtype) && !JS_TEXT.test(a.reason ?? ''), `${rel} byte ${i} = ${value}: ${a.dtype} ${a.reason}`);
            if (!a.analysable) continue;
            const m = await dump.open(a.name);
            await m.readRows(0, m.rows);
            await m.nullRowsIn?.(0, m.rows);
          }
        } catch (e) {
          assert.ok(e instanceof EmbdiagError, `${rel} byte ${i} = ${value}: ${(e as Error).stack}`);
          assert.ok(!JS_TEXT.test(e.message), `${rel} byte ${i} = ${value}: ${e.message}`);
        }
      }
    }
  }
});
