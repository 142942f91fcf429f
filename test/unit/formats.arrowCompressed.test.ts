import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EmbdiagError } from '../../src/core/errors';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { openDump } from '../../src/core/formats/openDump';
import { assertExactly, FORMAT_FIXTURES, withDump } from './formats.helpers';
import { referenceColumns, referenceList, type ReferenceColumn } from './arrowReference';

/**
 * Arrow IPC files whose record batch bodies are compressed (BodyCompression LZ4_FRAME or ZSTD, as
 * pandas' to_feather and pyarrow write them): each buffer is its int64 uncompressed length, then
 * the buffer compressed whole, or -1 and the buffer stored as is. The fixtures are compressed twins
 * of apache-arrow-written files (test/fixtures/make_arrow_fixtures.mjs, compressedTwin: the real
 * lz4 and zstd tools, some buffers stored): linked lz4 blocks with block and content checksums, a
 * frame content size or none, several batches, null rows and elements. Expected values: apache-arrow
 * reading the uncompressed original.
 */

const DIR = 'arrow/compressed';
const CODECS = ['lz4', 'zstd'];

const LISTS: [original: string, twin: string][] = [
  ['arrow/null_rows/fixed_float32.arrow', 'fixed_float32'],
  ['arrow/null_rows/list_float32.arrow', 'list_float32'],
];

function sameAs(actual: ArrayLike<number>, want: ReferenceColumn, start: number, count: number, what: string): void {
  assertExactly(actual, want.values.slice(start * want.dim, (start + count) * want.dim), what);
}

for (const codec of CODECS) {
  for (const [original, twin] of LISTS) {
    const rel = `${DIR}/${twin}.${codec}.arrow`;
    test(`${rel}: read from its compressed buffers as apache-arrow reads the uncompressed original`, async () => {
      const want = referenceList(original, 'emb');
      await withDump(rel, async dump => {
        const m = await dump.open();
        assert.equal(m.name, 'emb');
        assert.deepEqual([m.rows, m.dim, m.dtype], [want.rows, want.dim, 'float32']);
        sameAs(await m.readRows(0, m.rows), want, 0, m.rows, 'all rows');
        for (const [start, count] of [[0, 6], [5, 3], [14, 13], [27, 1], [3, 22]]) {
          sameAs(await m.readRows(start, count), want, start, count, `rows ${start}+${count}`);
          assert.deepEqual(await m.nullRowsIn!(start, count), want.nullRows.filter(r => r >= start && r < start + count), `null rows in ${start}+${count}`);
        }
        const float32 = m as unknown as { readRowsFloat32(start: number, count: number): Promise<Float32Array> };
        assertExactly(await float32.readRowsFloat32(6, 10), want.values.slice(6 * m.dim, 16 * m.dim), 'float32 rows 6+10');
        assert.ok(dump.notes.some(n => n.includes(codec === 'lz4' ? 'compressed (LZ4_FRAME)' : 'compressed (ZSTD)')), dump.notes.join(' | '));
        assert.ok(m.notes.some(n => /decompressed whole/.test(n)), m.notes.join(' | '));
      });
    });
  }

  // a string column, a fixed-size list, a list, a large list, int32 / float64 columns per dimension, in two batches
  const NESTED = 'arrow/endianness/nested.little.arrow';
  const rel = `${DIR}/nested.${codec}.arrow`;
  for (const [name, reference, dtype] of [
    ['fixed', () => referenceList(NESTED, 'fixed'), 'float32'],
    ['list', () => referenceList(NESTED, 'list'), 'float64'],
    ['large', () => referenceList(NESTED, 'large'), 'float32'],
    ['dim_*', () => referenceColumns(NESTED, ['dim_0', 'dim_1']), 'float64'],
  ] as [string, () => ReferenceColumn, string][]) {
    test(`${rel} '${name}': the values of the uncompressed original, in any row range`, async () => {
      const want = reference();
      await withDump(rel, async dump => {
        const m = await dump.open(name);
        assert.deepEqual([m.rows, m.dim, m.dtype], [want.rows, want.dim, dtype]);
        sameAs(await m.readRows(0, m.rows), want, 0, m.rows, 'all rows');
        for (const [start, count] of [[0, 7], [5, 4], [7, 5], [11, 1]]) sameAs(await m.readRows(start, count), want, start, count, `rows ${start}+${count}`);
        if (name !== 'dim_*') assert.deepEqual(await m.nullRowsIn!(0, m.rows), want.nullRows, 'null rows');
      });
    });
  }

  // a union column: the buffer reader does not lay the batch out, apache-arrow decodes it with our codecs
  test(`${DIR}/union.${codec}.arrow: decoded by apache-arrow with our decoders, the values of the original`, async () => {
    const want = referenceList(`${DIR}/union.arrow`, 'emb');
    assert.ok(want.nullRows.length > 0, 'the fixture has null rows');
    await withDump(`${DIR}/union.${codec}.arrow`, async dump => {
      const m = await dump.open('emb');
      assert.ok(m.notes.some(n => /one record batch at a time/.test(n)), m.notes.join(' | '));
      assert.deepEqual([m.rows, m.dim], [want.rows, want.dim]);
      sameAs(await m.readRows(0, m.rows), want, 0, m.rows, 'all rows');
      sameAs(await m.readRows(3, 9), want, 3, 9, 'rows 3+9');
      assert.deepEqual(await m.nullRowsIn!(0, m.rows), want.nullRows, 'null rows');
    });
  });
}

test(`${DIR}/blocks.lz4.arrow: 512-byte linked lz4 blocks referring back into earlier blocks`, async () => {
  const want = referenceList(`${DIR}/blocks.arrow`, 'emb');
  await withDump(`${DIR}/blocks.lz4.arrow`, async dump => {
    const m = await dump.open();
    sameAs(await m.readRows(0, m.rows), want, 0, m.rows, 'all rows');
    sameAs(await m.readRows(40, 20), want, 40, 20, 'rows 40+20');
  });
});

/** The fixture's bytes, with its last compressed buffer changed by `damage` (given the content start and declared length). */
function damaged(rel: string, damage: (bytes: Uint8Array, content: number, length: number) => void): Uint8Array {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));
  // a compressed buffer's 8-byte prefix is followed by the frame's magic
  const magic = rel.includes('lz4') ? [0x04, 0x22, 0x4d, 0x18] : [0x28, 0xb5, 0x2f, 0xfd];
  let at = -1;
  for (let i = 8; i + 4 <= bytes.length; i++) if (magic.every((b, k) => bytes[i + k] === b)) at = i;
  assert.ok(at > 8, 'a compressed buffer is found');
  const view = new DataView(bytes.buffer);
  damage(bytes, at, Number(view.getBigInt64(at - 8, true)));
  return bytes;
}

async function refusal(bytes: Uint8Array): Promise<EmbdiagError> {
  try {
    const dump = await openDump(new MemoryByteSource(bytes, 'damaged.arrow'), { fileName: 'damaged.arrow' });
    const m = await dump.open();
    await m.readRows(0, m.rows);
    await m.nullRowsIn?.(0, m.rows);
  } catch (e) {
    assert.ok(e instanceof EmbdiagError, `our refusal, not ${e}`);
    return e;
  }
  assert.fail('the damaged file was read');
}

for (const codec of CODECS) {
  const rel = `${DIR}/fixed_float32.${codec}.arrow`;
  test(`${rel} damaged: a declared length past what the rows take, or a frame of another length, is refused as damaged`, async () => {
    const huge = await refusal(damaged(rel, (bytes, at) => new DataView(bytes.buffer).setBigInt64(at - 8, 1n << 40n, true)));
    assert.equal(huge.code, 'bad-header');
    assert.match(huge.message, /declares 1099511627776 bytes uncompressed/);
    const longer = await refusal(damaged(rel, (bytes, at, length) => new DataView(bytes.buffer).setBigInt64(at - 8, BigInt(length - 4), true)));
    assert.equal(longer.code, 'bad-header');
    assert.match(longer.message, /is damaged: its .*compressed/);
    const garbled = await refusal(damaged(rel, (bytes, at) => { for (let i = 4; i < 40; i++) bytes[at + i] ^= 0x5a; }));
    assert.equal(garbled.code, 'bad-header');
  });
}

test(`${DIR}/nested.zstd.arrow damaged: a zstd frame without a content size that decodes to another length is refused as damaged`, async () => {
  const rel = `${DIR}/nested.zstd.arrow`;
  for (const change of [-8, 8]) {
    const bytes = damaged(rel, (b, at, length) => new DataView(b.buffer).setBigInt64(at - 8, BigInt(length + change), true));
    // the damaged buffer belongs to one of the columns: reading that one is refused
    const refusals: EmbdiagError[] = [];
    for (const name of ['fixed', 'list', 'large', 'dim_*']) {
      const dump = await openDump(new MemoryByteSource(bytes, 'damaged.arrow'), { fileName: 'damaged.arrow' });
      try {
        const m = await dump.open(name);
        await m.readRows(0, m.rows);
      } catch (e) {
        assert.ok(e instanceof EmbdiagError, `our refusal, not ${e}`);
        refusals.push(e);
      }
    }
    assert.equal(refusals.length, 1, refusals.map(e => e.message).join(' | '));
    assert.equal(refusals[0].code, 'bad-header');
    assert.match(refusals[0].message, /the zstd frame holds \d+ bytes of content, not the \d+ declared/);
  }
});
