/**
 * A Parquet text column whose row group is above the text budget (as a pandas file of one
 * 1,048,576-row group is): a request reads only the data pages holding its rows (and the
 * dictionary page), not the whole column chunk, and keeps the pages it read within the budget. Fixtures by parquet-wasm
 * (test/fixtures/rows/make_paged_text_fixtures.py: one row group of 2,000 rows in pages of about
 * 4 KiB, PLAIN and dictionary-encoded), the texts from the generator's own list. The budget is set
 * to 0 here so that the small fixtures take the path of a large row group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDump } from '../../src/core/formats/openDump';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { isEmbdiagError } from '../../src/core/errors';
import { CountingSource } from './formats.helpers';
import { FIXTURES } from './support';

const DIR = path.join(FIXTURES, 'rows', 'paged');
const E: { rows: number; texts: (string | null)[] } = JSON.parse(fs.readFileSync(path.join(DIR, 'paged.expected.json'), 'utf8'));

/** The text column chunk's bytes, from the footer as hyparquet (an independent reader) parses it. */
async function textChunkBytes(file: string): Promise<number> {
  const hp = await import('hyparquet');
  const b = fs.readFileSync(file);
  const md = hp.parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  assert.equal(md.row_groups.length, 1);
  return Number(md.row_groups[0].columns.find(c => c.meta_data?.path_in_schema[0] === 'text')!.meta_data!.total_compressed_size);
}

const openText = (file: string) => openDumpText(file, 0);

async function openDumpText(file: string, textCacheBytes: number) {
  const source = new CountingSource(await FileByteSource.open(file));
  const dump = await openDump(source, { fileName: path.basename(file) });
  const text = (await dump.valueColumns!({ textCacheBytes })).find(c => c.name === 'text')!;
  assert.ok(text, 'a text column');
  return { source, text };
}

test('PLAIN pages: a few rows of a row group above the budget read a few pages, not the column chunk; the values as written', async () => {
  const file = path.join(DIR, 'paged_plain.parquet');
  const chunk = await textChunkBytes(file);
  const { source, text } = await openText(file);
  try {
    let before = source.bytesRead;
    // the first request also walks the page headers (small reads)
    assert.deepEqual(await text.read([1000, 1001]), [E.texts[1000], E.texts[1001]]);
    const first = source.bytesRead - before;
    assert.ok(first < chunk / 2, `first request: ${first} bytes read of a ${chunk}-byte chunk`);
    for (const rows of [[10, 11, 12], [1990, 1999], [507, 7]]) {
      before = source.bytesRead;
      assert.deepEqual(await text.read(rows), rows.map(r => E.texts[r]));
      const read = source.bytesRead - before;
      assert.ok(read < chunk / 4, `rows ${rows}: ${read} bytes read of a ${chunk}-byte chunk`);
    }
  } finally {
    await source.close();
  }
});

test('rows spread over many pages of a row group above the budget: each page read once per request at most (checked, then decoded), not once per row', async () => {
  const file = path.join(DIR, 'paged_plain.parquet');
  const pages = (await textPages(file)).length;
  const { source, text } = await openText(file);
  try {
    await text.read([1000]); // walks the page headers
    const rows = Array.from({ length: 40 }, (_, k) => 50 * k + 3);
    const before = source.reads;
    assert.deepEqual(await text.read(rows), rows.map(r => E.texts[r]));
    assert.ok(source.reads - before <= 2 * pages, `${source.reads - before} reads for ${pages} pages`);
  } finally {
    await source.close();
  }
});

test('the pages of a row group above the budget are kept within it: rows of a page read before are answered without reading', async () => {
  const file = path.join(DIR, 'paged_plain.parquet');
  const chunk = await textChunkBytes(file);
  // a budget of a few pages (about 4 KiB each), well below the row group's texts
  const { source, text } = await openDumpText(file, 4 * 6000);
  try {
    assert.ok(chunk > 0);
    assert.deepEqual(await text.read([1000, 1003]), [E.texts[1000], E.texts[1003]]);
    const before = source.reads;
    assert.deepEqual(await text.read([1001, 1002, 1000]), [E.texts[1001], E.texts[1002], E.texts[1000]]);
    assert.equal(source.reads - before, 0);
  } finally {
    await source.close();
  }
});

for (const name of ['paged_plain.parquet', 'paged_dict.parquet']) {
  test(`${name}: scattered rows read page by page equal the texts written (nulls and non-ASCII included), as do the rows read whole`, async () => {
    const file = path.join(DIR, name);
    const rows = [0, 3, 7, 40, 108, 111, 999, 1000, 1500, 1999, 1202, 5, 1999];
    const paged = await openText(file);
    const whole = await openText(file);
    try {
      assert.deepEqual(await paged.text.read(rows), rows.map(r => E.texts[r]));
      const all = Array.from({ length: E.rows }, (_, r) => r);
      const sample = all.filter(r => r % 13 === 0 || r % 101 === 7 || r % 37 === 3);
      assert.deepEqual(await paged.text.read(sample), sample.map(r => E.texts[r]));
      assert.deepEqual(await whole.text.read(all), E.texts);
    } finally {
      await paged.source.close();
      await whole.source.close();
    }
  });
}

/** The text column's data pages, as the offset index parquet-wasm wrote says (hyparquet parses it). */
async function textPages(file: string) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const hp = await import('hyparquet');
  const md = hp.parquetMetadata(bytes.slice().buffer);
  const chunk = md.row_groups[0].columns.find(c => c.meta_data?.path_in_schema[0] === 'text')!;
  return hp.readOffsetIndex({ view: new DataView(bytes.buffer, bytes.byteOffset + Number(chunk.offset_index_offset), chunk.offset_index_length!), offset: 0 }).page_locations;
}

test('a damaged page header anywhere in the chunk is still refused when only the first rows are read (every header is walked)', async () => {
  const file = path.join(DIR, 'paged_plain.parquet');
  const bytes = new Uint8Array(fs.readFileSync(file));
  const pages = await textPages(file);
  assert.ok(pages.length >= 8, `${pages.length} pages`);
  const late = pages[pages.length - 2];
  bytes.fill(0xff, Number(late.offset), Number(late.offset) + 8);
  const dump = await openDump(new MemoryByteSource(bytes, 'damaged.parquet'), { fileName: 'damaged.parquet' });
  const text = (await dump.valueColumns!({ textCacheBytes: 0 })).find(c => c.name === 'text')!;
  await assert.rejects(text.read([1, 2]), (e: unknown) => isEmbdiagError(e) && e.code === 'bad-header' && /damaged page/.test(e.message));
});
