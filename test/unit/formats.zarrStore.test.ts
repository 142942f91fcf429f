import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EmbdiagError } from '../../src/core/errors';
import { openZarr } from '../../src/core/formats/zarr';
import { checkKey, DirectoryZarrStore, type ZarrStore } from '../../src/core/formats/zarrStore';
import { openDumpSource } from '../../src/core/formats/openDumpFile';
import { openDump } from '../../src/core/formats/openDump';
import { FORMAT_FIXTURES, assertExactly, decodeNumbers, loadExpected } from './formats.helpers';

/** The directory store's own guarantees: keys stay inside, links out are refused, chunks are read only when rows need them. */

const isCode = (code: string, words?: RegExp) => (e: unknown) => e instanceof EmbdiagError && e.code === code && (!words || words.test(e.message));

test('no key can name anything outside the store', () => {
  for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\..\\b', '', 'a/\0']) {
    assert.throws(() => checkKey('s.zarr', key), isCode('bad-header'), JSON.stringify(key));
  }
  assert.deepEqual(checkKey('s.zarr', 'group/emb/c/0/1'), ['group', 'emb', 'c', '0', '1']);
});

test('an array asked for by a path that leaves the store is not found; a leading / is accepted', async () => {
  const source = await openDumpSource(path.join(FORMAT_FIXTURES, 'zarr', 'group.zarr'));
  const dump = await openDump(source, { fileName: 'group.zarr' });
  await assert.rejects(dump.open('../blosc_lz4.zarr'), isCode('array-not-found', /'emb'/));
  assert.equal((await dump.open('/model/proj')).name, 'model/proj');
  assert.deepEqual(dump.arrays.map(a => a.name), ['emb', 'labels', 'model/proj']);
});

test('a chunk that is a link to a file outside the store is refused; a link inside is followed', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-zarr-'));
  try {
    const store = path.join(tmp, 'emb.zarr');
    fs.cpSync(path.join(FORMAT_FIXTURES, 'zarr', 'raw_bigendian.zarr'), store, { recursive: true });
    const outside = path.join(tmp, 'outside.bin');
    fs.copyFileSync(path.join(store, '0.0'), outside);
    fs.rmSync(path.join(store, '0.0'));
    fs.symlinkSync(outside, path.join(store, '0.0'));
    const dump = await openZarr(await DirectoryZarrStore.open(store));
    const matrix = await dump.open();
    await assert.rejects(matrix.readRows(0, 1), isCode('bad-header', /link to a file outside the store/));
    fs.rmSync(path.join(store, '0.0'));
    fs.renameSync(outside, path.join(store, 'kept.bin'));
    fs.symlinkSync(path.join(store, 'kept.bin'), path.join(store, '0.0'));
    const again = await (await openZarr(await DirectoryZarrStore.open(store))).open();
    const want = loadExpected('zarr/raw_bigendian.zarr').arrays![0];
    assertExactly(await again.readRows(0, again.rows), decodeNumbers(want.data!), 'through the link');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

/** A store that records the keys read. */
class CountingStore implements ZarrStore {
  readonly got: string[] = [];
  constructor(private readonly inner: ZarrStore) {}
  get name(): string { return this.inner.name; }
  metadataKeys(): Promise<string[]> { return this.inner.metadataKeys(); }
  get(key: string, maxBytes: number): Promise<Uint8Array | undefined> { this.got.push(key); return this.inner.get(key, maxBytes); }
}

test('rows are read from the chunks that hold them only, each chunk fetched once while rows ascend', async () => {
  // blosc_lz4.zarr: 150 x 12 in chunks of 64 x 8, so a grid of 3 x 2 chunks
  const store = new CountingStore(await DirectoryZarrStore.open(path.join(FORMAT_FIXTURES, 'zarr', 'blosc_lz4.zarr')));
  const matrix = await (await openZarr(store)).open();
  store.got.length = 0;
  await matrix.readRows(0, 10);
  assert.deepEqual(store.got, ['0.0', '0.1']);
  for (let r = 10; r < 150; r += 7) await matrix.readRows(r, Math.min(7, 150 - r));
  assert.deepEqual(store.got, ['0.0', '0.1', '1.0', '1.1', '2.0', '2.1']);
  // Fortran order: the same chunks, and the same values as C order
  const fortran = await (await openZarr(await DirectoryZarrStore.open(path.join(FORMAT_FIXTURES, 'zarr', 'fortran.zarr')))).open();
  assertExactly(await fortran.readRows(70, 50), await matrix.readRows(70, 50), 'Fortran-ordered chunks');
});
