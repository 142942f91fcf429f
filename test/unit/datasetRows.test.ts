import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from './support';
import { analyzeDataset, partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { reportOfPartial } from '../../src/core/dataset/datasetReport';
import { readEmbstats, writeEmbstats } from '../../src/core/dataset/embstatsFile';
import { mergeAll, type DatasetPartial } from '../../src/core/dataset/partial';
import { RowKeyCollector } from '../../src/core/dataset/rowKeys';
import { EmbdiagError } from '../../src/core/errors';
import type { AnalysisReport } from '../../src/core/report/analysisReport';

/** Issue #14: the row-level findings of a dataset name global rows, and each row's shard and local row. */
const DIR = path.join(FIXTURES, 'dataset', 'outliers');
const SHARDS = path.join(DIR, 'shards');
const NAMES = ['o-1.npy', 'o-2.npy', 'o-10.npy'];
const OFFSETS = [0, 300, 550];
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8'));
const tmp = mkdtempSync(path.join(tmpdir(), 'embdiag-dataset-rows-'));

const outlierFinding = (r: AnalysisReport) => r.findings.find(f => f.code === 'outlier-rows');

test('outlier rows of a dataset: numpy\'s rows of the concatenation, named by shard and local row, from the folder and from merged .embstats', async () => {
  const folder = await analyzeDataset([SHARDS], { seed: 0 });
  const parts: DatasetPartial[] = [];
  for (let i = 0; i < NAMES.length; i++) {
    const out = path.join(tmp, `${i}.embstats`);
    await writeEmbstats(out, (await partialOfDataset([path.join(SHARDS, NAMES[i])], { seed: 0, firstRow: OFFSETS[i] })).partial!);
    parts.push(await readEmbstats(out));
  }
  const merged = reportOfPartial(mergeAll([parts[2], parts[0], parts[1]].sort((a, b) => a.shards[0].firstRow - b.shards[0].firstRow)), { displayPath: 'merged' });
  for (const [name, r] of [['folder', folder], ['merged .embstats', merged]] as const) {
    const f = outlierFinding(r);
    assert.ok(f, `${name}: an outlier-rows finding`);
    assert.deepEqual(f!.rows, expected.outlierRows, `${name}: numpy's rows`);
    assert.equal(f!.rowCount, expected.outlierRows.length);
    for (const [file, local] of expected.where as [string, number][]) assert.match(f!.message, new RegExp(`${file.replace('.', '\\.')}: local rows? [^;]*\\b${local}\\b`), `${name}: ${file} local ${local}`);
  }
});

test('a one-shard dataset of the concatenation flags the same outlier rows', async () => {
  const r = await analyzeDataset([path.join(DIR, 'concat.npy')], { seed: 0 });
  assert.deepEqual(outlierFinding(r)!.rows, expected.outlierRows);
});

test('a partial without the norms\' rows (an older .embstats) has no outlier finding, rather than a guess', async () => {
  const p = (await partialOfDataset([SHARDS], { seed: 0 })).partial!;
  assert.equal(outlierFinding(reportOfPartial({ ...p, normRows: null }, { displayPath: 'x' })), undefined);
  assert.ok(outlierFinding(reportOfPartial(p, { displayPath: 'x' })));
});

test('an .embstats whose norm rows are not distinct rows of its shards is refused in our words', async () => {
  const p = (await partialOfDataset([SHARDS], { seed: 0 })).partial!;
  for (const [name, rows] of [['same', p.normRows!.map(() => 7)], ['outside', p.normRows!.map((r, i) => (i === 0 ? 800 : r))], ['fraction', p.normRows!.map((r, i) => (i === 0 ? 0.5 : r))]] as const) {
    const file = path.join(tmp, `bad-${name}.embstats`);
    await writeEmbstats(file, { ...p, normRows: rows });
    await assert.rejects(readEmbstats(file), (e: Error) => e instanceof EmbdiagError && e.code === 'bad-header' && /norm rows are not distinct row indices/.test(e.message), name);
  }
});

test('duplicate rows of a dataset: numpy\'s rows and the rows they repeat, across shards, from the folder, merged .embstats in any order, and one file', async () => {
  const want = JSON.parse(readFileSync(path.join(FIXTURES, 'dataset', 'duplicates.json'), 'utf8'));
  const dir = path.join(FIXTURES, 'dataset');
  const names = ['part-1.npy', 'part-2.npy', 'part-10.npy'];
  const offsets = [0, 200, 350];
  const parts: DatasetPartial[] = [];
  for (let i = 0; i < names.length; i++) {
    const out = path.join(tmp, `dup-${i}.embstats`);
    await writeEmbstats(out, (await partialOfDataset([path.join(dir, 'shards', names[i])], { seed: 0, firstRow: offsets[i] })).partial!);
    parts.push(await readEmbstats(out));
  }
  const reports: [string, AnalysisReport][] = [
    ['folder', await analyzeDataset([path.join(dir, 'shards')], { seed: 0 })],
    ['merged (1 2) 3', reportOfPartial(mergeAll(parts), { displayPath: 'm' })],
    ['merged 1 (2 3)', reportOfPartial(mergeAll([parts[0], mergeAll([parts[1], parts[2]])]), { displayPath: 'm' })],
    ['one file', await analyzeDataset([path.join(dir, 'concat.npy')], { seed: 0 })],
  ];
  for (const [name, r] of reports) {
    const f = r.findings.find(x => x.code === 'duplicate-rows');
    assert.ok(f, `${name}: a duplicate-rows finding`);
    assert.deepEqual(f!.rows, want.rows, `${name}: rows`);
    assert.deepEqual(f!.repeats, want.repeats, `${name}: the rows they repeat`);
    assert.equal(f!.rowCount, want.rows.length);
  }
  assert.match(reports[0][1].findings.find(x => x.code === 'duplicate-rows')!.message, /part-2\.npy: local rows 3, 61, 77, 120.*part-10\.npy: local rows 2, 5/);
});

test('the row key collector keeps each key\'s first row and the first duplicates through compactions, as a brute force does', () => {
  let seed = 7;
  const next = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  const added = Array.from({ length: 500 }, () => 1 + (next() % 97) * 1e9);
  const rowOf = (o: number) => 1000 + 3 * o; // finite rows spread out: the ordinal is not the row
  const c = new RowKeyCollector(128);
  for (const k of added) c.add(k);
  const got = c.finish({ count: added.length, rowOf });
  const first = new Map<number, number>();
  const dups: { row: number; repeats: number }[] = [];
  added.forEach((k, o) => { if (first.has(k)) dups.push({ row: rowOf(o), repeats: first.get(k)! }); else first.set(k, rowOf(o)); });
  const keys = [...first.keys()].sort((a, b) => a - b);
  assert.equal(got.saturated, false);
  assert.deepEqual([...got.keys], keys);
  assert.deepEqual([...got.firstRows!], keys.map(k => first.get(k)!));
  assert.deepEqual(got.duplicates!.map(d => ({ row: d.row, repeats: d.repeats })), dups.slice(0, 100));
});

test('an .embstats whose duplicate rows or key first rows are not rows of its shards is refused in our words', async () => {
  const p = (await partialOfDataset([path.join(FIXTURES, 'dataset', 'shards')], { seed: 0 })).partial!;
  const d = p.keys.duplicates!;
  const bad: [string, DatasetPartial['keys'], RegExp][] = [
    ['repeats a later row', { ...p.keys, duplicates: d.map((x, i) => (i === 0 ? { ...x, repeats: x.row + 1 } : x)) }, /duplicate rows are not pairs/],
    ['outside', { ...p.keys, duplicates: d.map((x, i) => (i === 0 ? { ...x, row: 10_000 } : x)) }, /duplicate rows are not pairs/],
    ['first rows repeated', { ...p.keys, firstRows: p.keys.firstRows!.map(() => 3) }, /first rows are not distinct row indices/],
    ['first rows short', { ...p.keys, firstRows: p.keys.firstRows!.slice(1) }, /first rows do not hold one row per key/],
  ];
  for (const [name, keys, re] of bad) {
    const file = path.join(tmp, `bad-keys-${name.replace(/ /g, '-')}.embstats`);
    await writeEmbstats(file, { ...p, keys });
    await assert.rejects(readEmbstats(file), (e: Error) => e instanceof EmbdiagError && e.code === 'bad-header' && re.test(e.message), name);
  }
});
