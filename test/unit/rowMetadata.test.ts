/**
 * Row metadata (labels, texts, ids beside the vectors) and the row view, against the values the
 * writers wrote (numpy, h5py, json, parquet-wasm, apache-arrow, gensim) and numpy's brute-force
 * neighbours. Fixtures and references: test/fixtures/rows/make_metadata_fixtures.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { readRowMetadata, openRowMetadata } from '../../src/core/rows/readRowMetadata';
import { columnRole } from '../../src/core/rows/metadataColumns';
import { openRowViewContext, rowView, rowViewOf } from '../../src/core/rows/rowView';
import { readDatasetRowMetadata, shardOfRow } from '../../src/core/rows/datasetRows';
import { csvCell, renderRowViewText } from '../../src/core/rows/renderRowView';
import { openDump } from '../../src/core/formats/openDump';
import { siblingOpener } from '../../src/core/formats/openDumpFile';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { MemoryByteSource } from '../../src/core/io/byteSource';
import { isSafetyNetCatch } from '../../src/core/formats/readerSafetyNet';
import { isEmbdiagError } from '../../src/core/errors';
import { parseManifest } from '../../src/core/information/manifest';
import { isWebviewToHost } from '../../src/shared/protocol';
import { isRowMetadata, isRowView, rowLabels } from '../../webview/rowViewModel';
import { CountingSource } from './formats.helpers';
import { assertClose, FIXTURES, REPO_ROOT } from './support';

const DIR = path.join(FIXTURES, 'rows', 'metadata');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'metadata.expected.json'), 'utf8'));
const ASK: number[] = EXPECTED.ask;
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

const SOURCES = ['meta.npz', 'meta.safetensors', 'meta.pt', 'meta.h5', 'meta.jsonl', 'meta.json', 'meta.parquet', 'meta.arrow', 'words.vec', 'words.bin', 'vectors.tsv', 'plain.npy'];

for (const file of SOURCES) {
  test(`${file}: the metadata of the rows asked for are the values written, with the label and text columns picked by name and type`, async () => {
    const e = EXPECTED[file];
    const meta = await readRowMetadata(path.join(DIR, file), ASK);
    assert.ok(meta, `${file} has metadata`);
    assert.deepEqual(meta.rows, ASK);
    for (const [name, values] of Object.entries(e.columns)) {
      const column: { values: unknown[] } | undefined = meta.columns.find(c => c.name === name);
      assert.ok(column, `${file}: column ${name} among ${meta.columns.map(c => c.name).join(', ')}`);
      assert.deepEqual(column.values, values, `${file}: ${name}`);
    }
    assert.equal(meta.labelColumn, e.labelColumn, `${file}: label column`);
    assert.equal(meta.textColumn, e.textColumn, `${file}: text column`);
    if (e.labelColumn) assert.equal(meta.columns.find(c => c.name === e.labelColumn)?.role, 'label');
    if (e.textColumn) assert.equal(meta.columns.find(c => c.name === e.textColumn)?.role, 'text');
    // the vectors themselves are not metadata
    assert.ok(!meta.columns.some(c => c.name === 'embeddings' || c.name === 'embedding'), `${file}: ${meta.columns.map(c => c.name)}`);
    // any order, repeats included
    const reversed = await readRowMetadata(path.join(DIR, file), [...ASK].reverse().concat(ASK[0]));
    const key = e.labelColumn ?? e.textColumn;
    const label = reversed!.columns.find(c => c.name === key)!;
    assert.deepEqual(label.values, [...e.columns[key]].reverse().concat(e.columns[key][0]));
  });
}

test('hostile texts (<script>, escape sequences, bell, right-to-left override) come back verbatim as data', async () => {
  const meta = (await readRowMetadata(path.join(DIR, 'meta.npz'), [3, 13, 33]))!;
  assert.deepEqual(meta.columns.find(c => c.name === 'labels')!.values, ['<script>alert(1)</script>', 'esc\x1b[31mred', 'bell\x07 and \u202e']);
  const parquet = (await readRowMetadata(path.join(DIR, 'meta.parquet'), [3, 7]))!;
  // row 7's text is null in the table
  assert.deepEqual(parquet.columns.find(c => c.name === 'text')!.values, ['<script>alert(1)</script>', null]);
});

test('the text surfaces escape them: the row view text and CSV cells hold no control character; JSON keeps the exact text', async () => {
  const view = await rowView(path.join(DIR, 'meta.npz'), 13);
  assert.equal(view.metadata!.find(m => m.name === 'labels')!.value, 'esc\x1b[31mred');
  const text = renderRowViewText('meta.npz', view);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(text.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/);
  assert.match(text, /labels \(label\): esc\\x1b\[31mred/);
  assert.equal(csvCell('a,"b"\x1b\nc'), '"a,""b""\\x1b\\nc"');
  assert.ok(isRowView(JSON.parse(JSON.stringify(view))));
});

test('neighbours: the 10 nearest rows by cosine distance and by Euclidean distance, as numpy brute force finds them (the row itself and, for cosine, zero rows left out)', async () => {
  for (const [row, e] of Object.entries(EXPECTED.neighbours) as [string, { norm: number; first: number[]; cosine: { rows: number[]; distances: number[] }; euclidean: { rows: number[]; distances: number[] } }][]) {
    const view = await rowView(path.join(DIR, 'meta.npz'), Number(row), { sampleRows: 1000 });
    assert.equal(view.row, Number(row));
    assertClose(view.norm, e.norm, 1e-12);
    assert.equal(view.dim, 6);
    view.firstValues.forEach((v, j) => assertClose(v, e.first[j], 1e-12, 1e-12, `value ${j}`));
    for (const metric of ['cosine', 'euclidean'] as const) {
      const n = view.neighbours.find(x => x.metric === metric)!;
      assert.equal(n.sampleSize, 40);
      assert.deepEqual(n.items.map(i => i.row), e[metric].rows, `row ${row} ${metric}`);
      n.items.forEach((item, k) => assertClose(item.distance, e[metric].distances[k], 1e-9, 1e-12, `row ${row} ${metric} #${k}`));
    }
    assert.equal(view.sampled, false);
    // each neighbour carries its label
    const first = view.neighbours[0].items[0].row;
    assert.equal(view.neighbourMetadata!.labelColumn, 'labels');
    assert.ok(first in view.neighbourMetadata!.rows);
  }
});

test('a row of zeros has no cosine neighbours (said so), only Euclidean ones; a row out of range is refused with our sentence', async () => {
  const view = await rowView(path.join(DIR, 'meta.npz'), EXPECTED.zeroRows[0]);
  const cosine = view.neighbours.find(n => n.metric === 'cosine')!;
  assert.deepEqual(cosine.items, []);
  assert.match(cosine.note!, /all zeros/);
  assert.equal(view.neighbours.find(n => n.metric === 'euclidean')!.items.length, 10);
  await assert.rejects(rowView(path.join(DIR, 'meta.npz'), 40), (e: unknown) => isEmbdiagError(e) && e.code === 'invalid-range' && /Row 40/.test(e.message));
});

test('only the rows asked for are read: 3 labels of 2000 cost a few hundred bytes (npz) and a few indexed lines (JSON Lines)', async () => {
  for (const [file, column, limit] of [['big.npz', 'labels', 1024], ['big.jsonl', 'label', 24_000]] as const) {
    const p = path.join(DIR, file);
    const source = new CountingSource(await FileByteSource.open(p));
    try {
      const dump = await openDump(source, { fileName: file, openSibling: siblingOpener(p) });
      const reader = (await openRowMetadata(p, dump))!;
      source.bytesRead = 0;
      const meta = await reader.read(EXPECTED.big.rows);
      assert.deepEqual(meta.columns.find(c => c.name === column)!.values, EXPECTED.big.labels);
      assert.ok(source.bytesRead <= limit, `${file}: ${source.bytesRead} bytes read for 3 rows (file: ${source.size})`);
      await reader.close();
    } finally {
      await source.close();
    }
  }
});

test('--label-column / --text-column override the choice; an unknown column is refused naming the columns there are', async () => {
  const meta = (await readRowMetadata(path.join(DIR, 'meta.npz'), ASK, { labelColumn: 'y' }))!;
  assert.equal(meta.labelColumn, 'y');
  assert.equal(meta.columns.find(c => c.name === 'y')!.role, 'label');
  assert.notEqual(meta.columns.find(c => c.name === 'labels')!.role, 'label');
  // a column named for the text is not also picked as the label
  const swapped = (await readRowMetadata(path.join(DIR, 'meta.parquet'), ASK, { textColumn: 'category' }))!;
  assert.equal(swapped.textColumn, 'category');
  assert.equal(swapped.labelColumn, 'y');
  await assert.rejects(readRowMetadata(path.join(DIR, 'meta.npz'), ASK, { textColumn: 'nope' }),
    (e: unknown) => isEmbdiagError(e) && e.code === 'bad-argument' && /'nope'/.test(e.message) && /'labels', 'y', 'ids'/.test(e.message));
});

test('the manifest accepts "metadata" (a file, optionally one array) as a known key', () => {
  const parsed = parseManifest('{"metadata": "meta.tsv", "labels": {"file": "y.npy"}}');
  assert.deepEqual(parsed.manifest.metadata, { file: 'meta.tsv' });
  assert.deepEqual(parsed.problems, []);
});

test('the panel protocol: openRow takes a whole non-negative row only; the page checks rowView and rowMetadata and maps rows to labels', async () => {
  assert.ok(isWebviewToHost({ type: 'openRow', row: 3 }));
  for (const row of [-1, 1.5, '3', Number.NaN, 2 ** 60]) assert.ok(!isWebviewToHost({ type: 'openRow', row }), String(row));
  const meta = (await readRowMetadata(path.join(DIR, 'meta.parquet'), [3, 7]))!;
  assert.ok(isRowMetadata(meta));
  assert.ok(!isRowMetadata({ ...meta, columns: [{ name: 'x', role: 'label', values: [1] }] }), 'one value per row');
  const labels = rowLabels(meta);
  assert.deepEqual(labels.get(3), { label: '<script>alert(1)</script>', text: '<script>alert(1)</script>' });
  assert.deepEqual(labels.get(7), { label: 'dog', text: null });
});

test('CLI row: text and --json, with the metadata and the neighbours', () => {
  const text = cli('row', path.join(DIR, 'meta.jsonl'), '13', '--neighbours', '3');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^Row 13 of /);
  assert.match(text.stdout, /label \(label\): esc\\x1b\[31mred/);
  assert.equal((text.stdout.match(/^ {4}row \d+/gm) ?? []).length, 6);
  const json = cli('row', path.join(DIR, 'meta.npz'), '0', '--json');
  assert.equal(json.status, 0, json.stderr);
  const view = JSON.parse(json.stdout);
  assert.deepEqual(view.neighbours[0].items.map((i: { row: number }) => i.row), EXPECTED.neighbours['0'].cosine.rows);
  assert.equal(view.metadata.find((m: { name: string }) => m.name === 'labels').value, 'cat');
  const bad = cli('row', path.join(DIR, 'meta.npz'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /INDEX/);
});

test('CLI rows --metadata: the metadata columns follow each row (CSV and JSON lines); without it, the rows alone as before', () => {
  const csv = cli('rows', path.join(DIR, 'meta.npz'), '--finding', 'zero-rows', '--metadata');
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'row,labels,y,ids');
  const [a, b] = EXPECTED['meta.npz'].zeroRowLabels as string[];
  const [ya, yb] = EXPECTED['meta.npz'].zeroRowY as number[];
  assert.deepEqual(lines.slice(1), [`20,${a},${ya},1020`, `33,${csvCell(b)},${yb},1033`]);
  assert.match(lines[2], /bell\\x07/);
  const jsonl = cli('rows', path.join(DIR, 'meta.npz'), '--finding', 'zero-rows', '--format', 'jsonl', '--label-column', 'labels');
  const records = jsonl.stdout.trim().split('\n').map(l => JSON.parse(l));
  assert.deepEqual(records, [
    { row: 20, metadata: { labels: a, y: ya, ids: 1020 } },
    { row: 33, metadata: { labels: b, y: yb, ids: 1033 } },
  ]);
  const plain = cli('rows', path.join(DIR, 'meta.npz'), '--finding', 'zero-rows');
  assert.equal(plain.stdout, 'row\n20\n33\n');
});

test('datasets: a global row maps to its shard and local row; metadata merges the shards\' columns, the row view names global rows', async () => {
  const shards = [
    { file: path.join(DIR, 'meta.npz'), firstRow: 0, rows: 40 },
    { file: path.join(DIR, 'broken.npz'), error: { code: 'bad-header', message: 'x' } },
    { file: path.join(DIR, 'meta.jsonl'), firstRow: 40, rows: 40 },
  ];
  assert.deepEqual(shardOfRow(shards, 53), { file: shards[2].file, localRow: 13, firstRow: 40 });
  assert.throws(() => shardOfRow(shards, 80), (e: unknown) => isEmbdiagError(e) && e.code === 'invalid-range');
  const meta = (await readDatasetRowMetadata(shards, [3, 53]))!;
  assert.deepEqual(meta.rows, [3, 53]);
  assert.deepEqual(meta.columns.find(c => c.name === 'labels')!.values, [EXPECTED['meta.npz'].columns.labels[1], null]);
  assert.deepEqual(meta.columns.find(c => c.name === 'label')!.values, [null, EXPECTED['meta.jsonl'].columns.label[3]]);
  const ctx = await openRowViewContext(shards[2].file);
  try {
    const view = await rowViewOf(ctx, 13, { globalOffset: 40, shard: { file: shards[2].file, localRow: 13 } });
    assert.equal(view.row, 53);
    assert.deepEqual(view.shard, { file: shards[2].file, localRow: 13 });
    assert.deepEqual(view.neighbours[1].items.map(i => i.row), EXPECTED.neighbours['13'].euclidean.rows.map((r: number) => r + 40));
    // a second row from the same context: the sample is not read again
    const again = await rowViewOf(ctx, 0, { globalOffset: 40 });
    assert.deepEqual(again.neighbours[0].items.map(i => i.row), EXPECTED.neighbours['0'].cosine.rows.map((r: number) => r + 40));
  } finally {
    await ctx.close();
  }
});

test('a metadata.tsv of another length is left out, and said so (our note), not read against the wrong rows', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rowmeta-'));
  try {
    fs.copyFileSync(path.join(DIR, 'vectors.tsv'), path.join(dir, 'vectors.tsv'));
    const lines = fs.readFileSync(path.join(DIR, 'metadata.tsv'), 'utf8').split('\n');
    fs.writeFileSync(path.join(dir, 'metadata.tsv'), lines.slice(0, 30).join('\n') + '\n');
    const meta = (await readRowMetadata(path.join(dir, 'vectors.tsv'), [0, 1]))!;
    assert.deepEqual(meta.columns, []);
    assert.match(meta.notes![0], /'name' of metadata\.tsv has 29 rows, but the vectors have 40: left out/);
    const rows = cli('rows', path.join(dir, 'vectors.tsv'), '--finding', 'zero-rows', '--metadata');
    assert.equal(rows.stdout, 'row\n20\n33\n');
    assert.match(rows.stderr, /Left out of the metadata: 'name' of metadata\.tsv has 29 rows/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged files: reading metadata gives the values or our own refusal, never a stray exception (seeded bit flips)', async () => {
  let seed = 15;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const file of ['meta.npz', 'meta.parquet', 'meta.arrow', 'meta.jsonl', 'words.bin', 'words.vec', 'meta.json', 'meta.safetensors', 'meta.pt']) {
    const original = new Uint8Array(fs.readFileSync(path.join(DIR, file)));
    for (let k = 0; k < 60; k++) {
      const bytes = original.slice();
      for (let j = 0; j < 1 + Math.floor(random() * 4); j++) bytes[Math.floor(random() * bytes.length)] ^= 1 << Math.floor(random() * 8);
      try {
        const dump = await openDump(new MemoryByteSource(bytes, file), { fileName: file });
        for (const column of (await dump.valueColumns?.()) ?? []) {
          const rows = Array.from({ length: Math.min(column.rows, 100) }, (_, i) => i);
          assert.equal((await column.read(rows)).length, rows.length);
        }
      } catch (e) {
        assert.ok(isEmbdiagError(e), `${file} case ${k}: ${String(e)}`);
        assert.ok(!isSafetyNetCatch(e), `${file} case ${k}: the safety net caught ${e.detail}`);
      }
    }
  }
});

test('roles by name and values: ids, labels (named, or few distinct values), texts (named, or long / spaced strings), numbers', () => {
  const col = (name: string, kind: 'string' | 'integer' | 'float') => ({ name, kind, rows: 100, read: async () => [] });
  const few = Array.from({ length: 40 }, (_, i) => `c${i % 3}`);
  const many = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const role = (name: string, kind: 'string' | 'integer' | 'float', probe: (string | number | null)[] = []) => columnRole(col(name, kind), probe).role;
  assert.equal(role('id', 'integer'), 'id');
  assert.equal(role('doc_id', 'string'), 'id');
  assert.equal(role('docId', 'integer'), 'id');
  assert.equal(role('valid', 'integer', Array.from({ length: 40 }, (_, i) => i)), 'numeric', '"valid" is not an id');
  assert.equal(role('label', 'integer'), 'label');
  assert.equal(role('y', 'float', [0, 1, 2, null]), 'label', 'integral floats named y');
  assert.equal(role('target', 'float', [0.5, 1.25]), 'numeric', 'a regression target is a number');
  assert.equal(role('sentence', 'string'), 'text');
  assert.equal(role('kind', 'string', few), 'label', 'few distinct strings');
  assert.equal(role('kind', 'string', many), 'other', 'many short distinct strings');
  assert.equal(role('blurb', 'string', many.map(w => `${w} and more`)), 'text', 'strings with spaces');
  assert.equal(role('bucket', 'integer', few.map(s => Number(s.slice(1)))), 'label', 'few distinct integers');
  assert.equal(role('score', 'float', [0.1, 0.2]), 'numeric');
});
