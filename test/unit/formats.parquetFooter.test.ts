import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { readThriftStruct } from '../../src/core/formats/thriftCompact';
import { FORMAT_FIXTURES } from './formats.helpers';

/**
 * The Parquet footer check (src/core/formats/parquetFooter.ts): encrypted files, and footers that
 * declare what cannot exist, are refused with a sentence about the file, never JavaScript exception
 * text. parquet-wasm cannot write encrypted Parquet, so the encrypted files here are built by hand
 * from a valid parquet-wasm file: its trailing magic changed to PARE (an encrypted footer), or its
 * footer given the FileMetaData.encryption_algorithm field (a plaintext footer). The damaged
 * footers change parquet-wasm-written files at byte positions found in their footers; parquet-wasm
 * (arrow-rs) refuses each of them too.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pw = require('parquet-wasm/node') as typeof import('parquet-wasm/node/parquet_wasm');

const fixture = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));

function footerOf(bytes: Uint8Array): { start: number; length: number } {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
  return { start: bytes.length - 8 - length, length };
}

/** The file with `insert` placed before the footer's last byte (FileMetaData's STOP), the footer length updated. */
function withFooterField(bytes: Uint8Array, insert: number[]): Uint8Array {
  const { start, length } = footerOf(bytes);
  const end = start + length;
  assert.equal(bytes[end - 1], 0, 'the footer ends with the STOP of FileMetaData');
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, end - 1));
  out.set(insert, end - 1);
  out.set(bytes.subarray(end - 1), end - 1 + insert.length);
  new DataView(out.buffer).setUint32(out.length - 8, length + insert.length, true);
  return out;
}

/** Opens the file, picks the default array and reads it all; the EmbdiagError it fails with, or undefined. */
async function failure(bytes: Uint8Array, name = 'x.parquet'): Promise<EmbdiagError | undefined> {
  try {
    const dump = await openDump(new MemoryByteSource(bytes, name), { fileName: name });
    const m = await dump.open();
    await m.readRows(0, m.rows);
    return undefined;
  } catch (e) {
    if (e instanceof EmbdiagError) return e;
    throw e;
  }
}

const JS_TEXT = /Cannot (read|destructure|set)|is not a function|is not iterable|Invalid typed array|outside the bounds|must be an instance|\bundefined\b|TypeError|RangeError/;

test('an encrypted footer (magic PARE) is refused as encrypted, not as truncated', async () => {
  const bytes = fixture('parquet/lists/one_null_row.parquet');
  bytes.set([0x50, 0x41, 0x52, 0x45], bytes.length - 4); // 'PARE'
  assert.throws(() => pw.readParquet(bytes), /encrypt/i, 'parquet-wasm reads it as an encrypted footer');
  const e = await failure(bytes, 'enc.parquet');
  assert.equal(e?.code, 'unsupported-encryption', e?.message);
  assert.match(e!.message, /enc\.parquet: is an encrypted Parquet file .*does not decrypt/);
  assert.doesNotMatch(e!.message, /truncated|cut short|damaged/);
});

test('a plaintext footer with encryption_algorithm is refused as encrypted, not read or called damaged', async () => {
  // FileMetaData field 8 (long form: type struct, id zigzag 8) = EncryptionAlgorithm { AES_GCM_V1 {} }.
  const bytes = withFooterField(fixture('parquet/lists/one_null_row.parquet'), [0x0c, 0x10, 0x1c, 0x00, 0x00]);
  const hp = await import('hyparquet');
  assert.equal(hp.parquetMetadata(bytes.slice().buffer).num_rows, 4n, 'the footer still parses: without the check the file would be read as plain');
  const e = await failure(bytes);
  assert.equal(e?.code, 'unsupported-encryption', e?.message);
  assert.match(e!.message, /encrypted Parquet file \(its footer is plaintext, but its columns are encrypted\)/);
});

test('a column chunk with crypto_metadata (encrypted columns under a plaintext footer) is refused as encrypted', async () => {
  const bytes = fixture('parquet/lists/one_null_row.parquet');
  const { start, length } = footerOf(bytes);
  const footer = bytes.subarray(start, start + length);
  // Where the first ColumnChunk struct ends (its STOP byte), found with the project's Thrift reader.
  let stop = -1;
  readThriftStruct(footer, { at: 0 }, 0, (id, type, count, pos) => {
    if (id !== 4) return false; // FileMetaData.row_groups
    readThriftStruct(footer, pos, 1, (field, _type, n, at) => {
      if (field !== 1) return false; // RowGroup.columns
      readThriftStruct(footer, at, 2);
      stop = at.at - 1;
      for (let c = 1; c < n; c++) readThriftStruct(footer, at, 2);
      return true;
    });
    for (let g = 1; g < count; g++) readThriftStruct(footer, pos, 1);
    return true;
  });
  assert.equal(footer[stop], 0, 'a STOP byte ends the column chunk');
  // ColumnChunk field 8 (long form) = ColumnCryptoMetaData { ENCRYPTION_WITH_FOOTER_KEY {} }.
  const insert = [0x0c, 0x10, 0x1c, 0x00, 0x00];
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, start + stop));
  out.set(insert, start + stop);
  out.set(bytes.subarray(start + stop), start + stop + insert.length);
  new DataView(out.buffer).setUint32(out.length - 8, length + insert.length, true);
  const hp = await import('hyparquet');
  assert.equal(hp.parquetMetadata(out.slice().buffer).row_groups[0].columns.length, 1, 'the footer still parses');
  const e = await failure(out);
  assert.equal(e?.code, 'unsupported-encryption', e?.message);
  assert.match(e!.message, /encrypted Parquet file \(some of its columns are encrypted\)/);
});

test('a footer declaring physical type -7 (PARQUET-1481) says so, without JavaScript text or "truncated"', async () => {
  const bytes = fixture('parquet/lists/one_null_row.parquet');
  const { start, length } = footerOf(bytes);
  // The leaf: type FLOAT (0x15 0x08), repetition OPTIONAL (0x25 0x02), name 'element' (0x18 0x07 ...).
  const leaf = [0x15, 0x08, 0x25, 0x02, 0x18, 0x07, ...Buffer.from('element')];
  const at = Buffer.from(bytes.subarray(start, start + length)).indexOf(Buffer.from(leaf));
  assert.ok(at > 0, 'the leaf element is in the footer');
  const typed = bytes.slice();
  typed[start + at + 1] = 13; // zigzag(-7)
  assert.throws(() => pw.readParquet(typed), /-7/, 'parquet-wasm refuses type -7');
  const e = await failure(typed);
  assert.equal(e?.code, 'bad-header');
  assert.match(e!.message, /its footer declares physical type -7 for column 'element', which does not exist\. The file is damaged, or its writer broke the Parquet format/);
  assert.doesNotMatch(e!.message, JS_TEXT);
  assert.doesNotMatch(e!.message, /truncated|cut short/);

  const repeated = bytes.slice();
  repeated[start + at + 3] = 10; // zigzag(5): no such repetition
  assert.throws(() => pw.readParquet(repeated), Error, 'parquet-wasm refuses repetition 5');
  const r = await failure(repeated);
  assert.match(r?.message ?? '', /its footer declares repetition type 5 for column 'element', which does not exist/);
});

test('a file cut short says so, and only that', async () => {
  const whole = fixture('parquet/lists/one_null_row.parquet');
  const e = await failure(whole.subarray(0, whole.length - 3));
  assert.equal(e?.code, 'bad-header');
  assert.match(e!.message, /does not end with the Parquet magic bytes PAR1, so its footer is missing\. Re-copy the file: it looks cut short\.$/);
  assert.doesNotMatch(e!.message, /damaged/);
});

test('every single-byte change of a footer: read, or refused with our own sentence (no JavaScript text)', async () => {
  const leaks: string[] = [];
  for (const rel of ['parquet/lists/one_null_row.parquet', 'parquet/lists/int_list_nulls.parquet', 'parquet/per_dim_columns.parquet']) {
    const bytes = fixture(rel);
    const { start, length } = footerOf(bytes);
    for (let i = start; i < start + length; i++) {
      for (const value of [bytes[i] ^ 0xff, 0x00, (bytes[i] + 1) & 0xff, 0x7f]) {
        if (value === bytes[i]) continue;
        const changed = bytes.slice();
        changed[i] = value;
        const e = await failure(changed);
        if (e && JS_TEXT.test(e.message)) leaks.push(`${rel}: byte ${i} = ${value}: ${e.message}`);
      }
    }
  }
  assert.deepEqual(leaks, []);
});
