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
