import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import type { FileMetaData } from 'hyparquet';
import { testFixtureFolder, CountingSource, FORMAT_FIXTURES, assertExactly, decodeNumbers, loadExpected, withDump } from './formats.helpers';

/**
 * Fixtures written by parquet-wasm (Apache Arrow's Rust Parquet writer) through
 * test/fixtures/make_parquet_fixtures.mjs, from the data and expectations numpy makes in
 * test/fixtures/make_format_fixtures_ml.py (make_parquet).
 */
const { readable, refusals } = testFixtureFolder('parquet', 'parquet', 'parquet-wasm');

test('list columns are chosen by name or automatically; others are listed with the reason', async () => {
  await withDump('parquet/hf_gzip.parquet', async dump => {
    assert.equal(dump.format, 'parquet');
    assert.equal((await dump.open()).name, 'embeddings');
    const other = await dump.open('other');
    assert.deepEqual([other.rows, other.dim, other.dtype], [40, 10, 'float32']);
  });
  await withDump('parquet/list_float_snappy.parquet', async dump => {
    assert.equal((await dump.open()).name, 'embedding');
    await assert.rejects(dump.open('label'), (e: unknown) => e instanceof EmbdiagError && e.code === 'unsupported-dtype' && /strings/.test(e.message));
    await assert.rejects(dump.open('id'), (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && /one number per row/.test(e.message));
    const m = await dump.open('embedding');
    assert.ok(m.notes.some(n => /null/i.test(n)));
  });
  await withDump('parquet/per_dim_columns.parquet', async dump => {
    assert.ok(dump.notes.some(n => /'dim_\*' gathers 8 numeric columns \(dim_0 … dim_7\)/.test(n)), dump.notes.join(' | '));
    assert.equal((await dump.open()).name, 'dim_*');
  });
});

test('rows are decoded by row group: reads spanning groups, in any order, match one full read', async () => {
  const want = decodeNumbers(loadExpected('parquet/list_float_snappy.parquet').arrays!.find(a => a.name === 'embedding')!.data!);
  await withDump('parquet/list_float_snappy.parquet', async dump => {
    const m = await dump.open('embedding');
    const pieces: [number, number][] = [[55, 5], [20, 10], [0, 3], [24, 2], [3, 17], [30, 25]];
    for (const [start, count] of pieces) {
      assertExactly(await m.readRows(start, count), want.slice(start * m.dim, (start + count) * m.dim), `rows ${start}+${count}`);
    }
  });
});

test('opening reads only the footer and a row group, not the whole file', async () => {
  const file = path.join(FORMAT_FIXTURES, 'parquet/hf_gzip.parquet');
  const inner = await FileByteSource.open(file);
  const counting = new CountingSource(inner);
  try {
    const dump = await openDump(counting, { fileName: file });
    const m = await dump.open('other');
    const before = counting.bytesRead;
    await m.readRows(33, 2); // second row group only
    assert.ok(counting.bytesRead - before < inner.size / 2, `read ${counting.bytesRead - before} of ${inner.size} bytes`);
  } finally {
    await inner.close();
  }
});

test('a damaged page is an EmbdiagError naming the column', async () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, 'parquet/hf_gzip.parquet')));
  for (let i = 200; i < 600; i++) bytes[i] ^= 0x5a; // inside the first column chunk's gzip pages
  const dump = await openDump(new MemoryByteSource(bytes, 'damaged.parquet'), { fileName: 'damaged.parquet' });
  const m = await dump.open('embeddings');
  await assert.rejects(m.readRows(0, m.rows), (e: unknown) => e instanceof EmbdiagError && e.message.includes('damaged.parquet') && e.message.includes("'embeddings'"));
});

/** The footer of a fixture, as hyparquet parses it (for what the tests assume about a file's layout). */
async function footer(rel: string): Promise<FileMetaData> {
  const hp = await import('hyparquet');
  const bytes = fs.readFileSync(path.join(FORMAT_FIXTURES, rel));
  return hp.parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

const CODECS = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'];

test('the fixtures come from parquet-rs, and each codec fixture is compressed with its codec', async () => {
  for (const rel of [...readable, ...refusals].filter(r => !r.endsWith('truncated.parquet'))) {
    assert.match((await footer(rel)).created_by ?? '', /^parquet-rs version /, rel);
  }
  for (const codec of CODECS) {
    const rel = `parquet/codecs/${codec.toLowerCase()}.parquet`;
    assert.equal(loadExpected(rel).codec, codec);
    const meta = await footer(rel);
    assert.deepEqual(meta.row_groups.map(g => Number(g.num_rows)), [16, 16, 16, 4], rel);
    for (const group of meta.row_groups) {
      for (const chunk of group.columns) assert.equal(chunk.meta_data?.codec, codec, `${rel}: ${chunk.meta_data?.path_in_schema.join('.')}`);
    }
  }
});

test('a row group whose lists are all null (an empty dictionary page) reads as NaN rows with every codec', async () => {
  for (const codec of CODECS) {
    const rel = `parquet/codecs/${codec.toLowerCase()}.parquet`;
    const want = decodeNumbers(loadExpected(rel).arrays!.find(a => a.name === 'embedding')!.data!);
    assert.ok(want.slice(48 * 8).every(Number.isNaN), 'the expected rows 48..51 are NaN');
    await withDump(rel, async dump => {
      const m = await dump.open('embedding');
      assertExactly(await m.readRows(48, 4), want.slice(48 * 8), `${codec}: the last row group alone`);
      assertExactly(await m.readRows(44, 8), want.slice(44 * 8), `${codec}: rows across the last two groups`);
    });
  }
});

test('data pages v2 with float16, int8 and uint8 elements read as written', async () => {
  const meta = await footer('parquet/dtypes_v2.parquet');
  for (const group of meta.row_groups) {
    for (const chunk of group.columns) {
      const pages = (chunk.meta_data?.encoding_stats ?? []).map(s => s.page_type).filter(t => t !== 'DICTIONARY_PAGE');
      assert.deepEqual([...new Set(pages)], ['DATA_PAGE_V2'], chunk.meta_data?.path_in_schema.join('.'));
    }
  }
  await withDump('parquet/dtypes_v2.parquet', async dump => {
    const dtypes = Object.fromEntries(dump.arrays.map(a => [a.name, a.dtype]));
    assert.deepEqual(dtypes, { emb: 'float16', q8: 'int8', u8: 'uint8', f64: 'float64', label: 'str' });
  });
});

test('ten row groups: reading one row group fetches only that group\'s bytes of the column', async () => {
  const rel = 'parquet/fixed_size_list_zstd.parquet';
  const meta = await footer(rel);
  assert.equal(meta.row_groups.length, 10);
  const want = decodeNumbers(loadExpected(rel).arrays!.find(a => a.name === 'embedding')!.data!);
  const file = path.join(FORMAT_FIXTURES, rel);
  const inner = await FileByteSource.open(file);
  const counting = new CountingSource(inner);
  try {
    const dump = await openDump(counting, { fileName: file });
    const m = await dump.open('embedding');
    assert.deepEqual([m.rows, m.dim], [200, 16]);
    // Backwards, so that no group is still cached from opening.
    let end = m.rows;
    for (let g = meta.row_groups.length - 1; g >= 0; g--) {
      const rows = Number(meta.row_groups[g].num_rows);
      const chunk = meta.row_groups[g].columns.find(c => c.meta_data?.path_in_schema[0] === 'embedding')!.meta_data!;
      const lo = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
      const hi = lo + Number(chunk.total_compressed_size);
      const before = counting.ranges.length;
      assertExactly(await m.readRows(end - rows, rows), want.slice((end - rows) * 16, end * 16), `row group ${g}`);
      const reads = counting.ranges.slice(before);
      assert.ok(reads.length > 0, `row group ${g} was read`);
      for (const [a, b] of reads) assert.ok(a >= lo && b <= hi, `row group ${g} read bytes ${a}..${b}, outside its column chunk ${lo}..${hi}`);
      end -= rows;
    }
  } finally {
    await inner.close();
  }
});
