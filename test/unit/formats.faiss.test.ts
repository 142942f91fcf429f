import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { EmbdiagError } from '../../src/core/errors';
import { openDump } from '../../src/core/formats/openDump';
import { FORMAT_FIXTURES, assertRefused, loadExpected, testFixtureFolder, withDump } from './formats.helpers';

/**
 * FAISS indexes written by faiss.write_index (Debian's python3-faiss, test/fixtures/make_faiss_fixtures.py):
 * the vectors read exactly as FAISS reads them back; mean and eigenvalues against numpy's are
 * checked for every fixture by analyzeFixtures.test.ts.
 */
const { readable, refusals } = testFixtureFolder('faiss', 'FAISS', 'faiss.write_index');

test('there are FAISS fixtures of every readable kind and every refusal', () => {
  assert.ok(readable.length >= 7, readable.join());
  for (const kind of ['pq', 'sq', 'binary', 'truncated', 'huge_ntotal', 'huge_dim']) assert.ok(refusals.some(r => r.endsWith(`/${kind}.index`)), kind);
});

for (const rel of readable) {
  const expected = loadExpected(rel);
  test(`FAISS ${rel}: float32 rows, and each row's FAISS id ${expected.ids ? 'as faiss stores it' : '(none: rows are their own ids)'}`, async () => {
    await withDump(rel, async dump => {
      assert.equal(dump.format, 'faiss');
      const matrix = await dump.open();
      assert.equal(matrix.dtype, 'float32');
      assert.ok(dump.notes[0].startsWith('FAISS '), dump.notes[0]);
      const ids = expected.ids as string[] | undefined;
      const rows = Array.from({ length: matrix.rows }, (_, i) => i);
      const metadata = await matrix.rowMetadata!(rows);
      if (!ids) {
        assert.deepEqual(metadata.columns, []);
        return;
      }
      assert.equal(metadata.columns.length, 1);
      assert.deepEqual(metadata.columns[0].values.map(String), ids);
      assert.equal(metadata.columns[0].role, 'id');
      // scattered rows, in the order asked
      const some = [matrix.rows - 1, 0, Math.floor(matrix.rows / 2)];
      assert.deepEqual((await matrix.rowMetadata!(some)).columns[0].values.map(String), some.map(r => ids[r]));
    });
  });
}

test('FAISS: ids beyond 2^53 stay exact (as decimal strings); safe ones are numbers', async () => {
  await withDump('faiss/idmap2_large_ids.index', async dump => {
    const matrix = await dump.open();
    const values = (await matrix.rowMetadata!([0, 1, 2, 10, 11])).columns[0].values;
    assert.deepEqual(values, [String(2n ** 62n + 1n), -5, 3, String(-(2n ** 63n)), String(2n ** 63n - 1n)]);
  });
});

test('FAISS: IndexIVFFlat rows are in list order, and a note says so', async () => {
  await withDump('faiss/ivf_flat.index', async dump => {
    assert.ok(dump.notes.some(n => /inverted-list order/.test(n)), dump.notes.join(' | '));
    assert.ok(dump.notes.some(n => /FAISS id is its label/.test(n)));
  });
  await withDump('faiss/hnsw_flat.index', async dump => {
    assert.ok(dump.notes.some(n => /HNSW graph is not read/.test(n)));
    assert.match(dump.notes[0], /IndexHNSWFlat around IndexFlatL2/);
  });
});

const bytesOf = (rel: string) => new Uint8Array(fs.readFileSync(path.join(FORMAT_FIXTURES, rel)));

test('FAISS indexes are told by their bytes under any name, and refused ones keep their code', async () => {
  const flat = await openDump(new MemoryByteSource(bytesOf('faiss/flat_l2.index'), 'vectors.bin'), { fileName: 'vectors.bin' });
  assert.equal(flat.format, 'faiss');
  await assertRefused(() => openDump(new MemoryByteSource(bytesOf('faiss/refusals/pq.index'), 'x.bin'), { fileName: 'x.bin' }), 'unsupported-faiss-index', 'x.bin');
});

test('FAISS: every truncation of an index is refused with our own error', async () => {
  for (const rel of ['faiss/ivf_sparse_ip.index', 'faiss/idmap.index', 'faiss/hnsw_flat.index']) {
    const bytes = bytesOf(rel);
    for (let cut = 0; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 97))) {
      const name = `cut${cut}.index`;
      await assert.rejects(async () => {
        const dump = await openDump(new MemoryByteSource(bytes.subarray(0, cut), name), { fileName: name });
        const m = await dump.open();
        await m.readRows(0, m.rows);
      }, (e: unknown) => e instanceof EmbdiagError && ['truncated', 'bad-header'].includes(e.code) && e.message.includes(name), `${rel} cut at ${cut}`);
    }
  }
});

test('FAISS: a hostile list size is refused before anything is allocated', async () => {
  const bytes = bytesOf('faiss/ivf_flat.index').slice();
  const full = Buffer.from(bytes).indexOf('full');
  assert.ok(full > 0);
  // the sizes vector follows "full": its count, then one uint64 per list; make list 0 claim 2^40 vectors
  new DataView(bytes.buffer).setBigUint64(full + 4 + 8, 2n ** 40n, true);
  await assertRefused(() => openDump(new MemoryByteSource(bytes, 'hostile.index'), { fileName: 'hostile.index' }), 'truncated', 'hostile.index');
});

test('FAISS ids reach the row metadata (row view, projection read-out, embdiag rows --metadata) as the "id" column', async () => {
  const { readRowMetadata } = await import('../../src/core/rows/readRowMetadata');
  const rel = readable.find(r => loadExpected(r).ids && r.includes('idmap'))!;
  const ids = loadExpected(rel).ids as string[];
  const rows = [ids.length - 1, 0, 3];
  const metadata = await readRowMetadata(path.join(FORMAT_FIXTURES, rel), rows);
  assert.ok(metadata, `${rel} has row metadata`);
  const column = metadata.columns.find(c => c.name === 'id');
  assert.ok(column, metadata.columns.map(c => c.name).join());
  assert.equal(column.role, 'id');
  assert.deepEqual(column.values.map(String), rows.map(r => ids[r]), 'the ids faiss stores for those rows');
  const plain = readable.find(r => !loadExpected(r).ids)!;
  assert.equal(await readRowMetadata(path.join(FORMAT_FIXTURES, plain), [0]), undefined, `${plain} (no ids) has no row metadata`);
});
