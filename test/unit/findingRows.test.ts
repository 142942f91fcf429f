/**
 * The rows behind every row-level finding (nan-rows, inf-rows, zero-rows, duplicate-rows,
 * outlier-rows): 0-based global row indices on every statistics path, against numpy's lists.
 * Fixtures and numpy references: test/fixtures/rows/make_row_fixtures.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeFile, type AnalyzeOptions } from '../../src/core/analysis/analyzeDump';
import type { AnalysisReport, Finding } from '../../src/core/report/analysisReport';
import { renderText } from '../../src/core/report/renderText';
import { sampleRowIndices } from '../../src/core/stats/rowSampler';
import { StreamingStatistics } from '../../src/core/stats/streamingStatistics';
import { WasmStatistics } from '../../src/core/stats/wasmStatistics';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/findings';
import { FIXTURES, REPO_ROOT } from './support';

const DIR = path.join(FIXTURES, 'rows');
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

interface Expected {
  rows: number; dim: number; nan: number[]; inf: number[]; zero: number[]; duplicate: number[]; repeats: number[];
  median: number; mad: number; cap: number; outliers: Record<string, { rows: number[]; exceeding: number }>;
}
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'rows.expected.json'), 'utf8')) as Record<string, Expected>;

const finding = (r: AnalysisReport, code: string): Finding => {
  const f = r.findings.find(x => x.code === code);
  assert.ok(f, `a ${code} finding among ${r.findings.map(x => x.code).join(', ')}`);
  return f;
};

function assertRows(r: AnalysisReport, e: Expected, label: string, outlierZ = '6'): void {
  for (const [code, rows] of [['nan-rows', e.nan], ['inf-rows', e.inf], ['zero-rows', e.zero], ['duplicate-rows', e.duplicate]] as const) {
    const f = finding(r, code);
    assert.deepEqual(f.rows, rows, `${label}: ${code} rows`);
    assert.equal(f.rowCount, rows.length, `${label}: ${code} rowCount`);
  }
  assert.deepEqual(finding(r, 'duplicate-rows').repeats, e.repeats, `${label}: the rows each duplicate repeats`);
  const o = finding(r, 'outlier-rows');
  assert.deepEqual(o.rows, e.outliers[outlierZ].rows, `${label}: outlier rows`);
  assert.equal(o.rowCount, e.outliers[outlierZ].rows.length);
}

const engines: { kernels: AnalyzeOptions['kernels']; workers: number }[] = [];
for (const kernels of ['js', 'float64', 'float32'] as const) for (const workers of [0, 2]) engines.push({ kernels, workers });

for (const { kernels, workers } of engines) {
  test(`row findings name their rows as numpy does (${kernels} statistics, ${workers} workers): covariance and Gram routes`, async () => {
    for (const file of ['findings_f32.npy', 'findings_gram.npy']) {
      const e = EXPECTED[file];
      const r = await analyzeFile(path.join(DIR, file), { maxRows: 100_000, seed: 0, kernels, workers });
      assert.equal(r.health.nanRows, e.nan.length);
      assertRows(r, e, `${file} ${kernels}/${workers}`);
    }
  });
}

test('outlier-rows: the robust z-score of the norm (median and MAD) as numpy computes it, capped at 1% of the finite rows', async () => {
  for (const file of ['findings_f32.npy', 'findings_gram.npy']) {
    const e = EXPECTED[file];
    for (const z of ['6', '1']) {
      const r = await analyzeFile(path.join(DIR, file), { maxRows: 100_000, seed: 0, kernels: 'js', thresholds: { ...DEFAULT_THRESHOLDS, outlierZ: Number(z) } });
      const o = finding(r, 'outlier-rows');
      assert.deepEqual(o.rows, e.outliers[z].rows, `${file} z ${z}`);
      assert.ok(o.rows!.length <= e.cap, 'never more than 1% of the finite rows');
      assert.equal(o.severity, 'information');
      assert.match(o.message, new RegExp(`above ${z} `));
      assert.match(o.message, /median and MAD|\(1\.4826 × MAD\)/);
      assert.match(o.message, /at most 1% of the finite rows are flagged/);
      if (e.outliers[z].exceeding > e.outliers[z].rows.length) {
        assert.match(o.message, new RegExp(`${e.outliers[z].exceeding} rows exceed the threshold; only the ${e.outliers[z].rows.length} farthest are flagged`));
      }
    }
  }
});

test('row findings: messages quote the first rows and duplicates the row they repeat; the text report shows them', async () => {
  const e = EXPECTED['findings_f32.npy'];
  const r = await analyzeFile(path.join(DIR, 'findings_f32.npy'), { maxRows: 100_000, seed: 0 });
  assert.match(finding(r, 'nan-rows').message, new RegExp(`First rows \\(0-based\\): ${e.nan.join(', ')}\\.`));
  assert.match(finding(r, 'duplicate-rows').message, new RegExp(`First \\(0-based\\): ${e.duplicate.map((d, i) => `${d} repeats ${e.repeats[i]}`).join(', ')}\\.`));
  assert.match(renderText(r), /First rows \(0-based\): 0, 42, 420\./);
});

test('row findings with sampling and the quick first pass: global indices of the rows read, "among the N rows read"', async () => {
  const e = EXPECTED['findings_f32.npy'];
  for (const kernels of ['js', 'float32'] as const) {
    const sample = new Set(sampleRowIndices(e.rows, 300, 3));
    const r = await analyzeFile(path.join(DIR, 'findings_f32.npy'), { maxRows: 300, seed: 3, kernels, workers: 2 });
    for (const [code, rows] of [['nan-rows', e.nan], ['inf-rows', e.inf], ['zero-rows', e.zero]] as const) {
      const want = rows.filter(x => sample.has(x));
      const f = r.findings.find(x => x.code === code);
      if (want.length === 0) { assert.ok(!f, `${code}: none sampled`); continue; }
      assert.deepEqual(f?.rows, want, `${kernels}: ${code} among the sampled rows`);
      assert.match(f!.message, /among the 300 rows read \(a sample of 600\)/);
    }
  }
  let quick: AnalysisReport | undefined;
  const { analyzeSource } = await import('../../src/core/analysis/analyzeDump');
  const { FileByteSource } = await import('../../src/core/io/fileByteSource');
  const source = await FileByteSource.open(path.join(DIR, 'findings_f32.npy'));
  try {
    await analyzeSource(source, 'findings_f32.npy', { maxRows: 100_000, seed: 5, quickFirstPass: { rows: 200 } }, { onQuickReport: q => { quick = q; } });
  } finally {
    await source.close();
  }
  assert.ok(quick, 'a quick report');
  const sample = new Set(sampleRowIndices(e.rows, 200, 5));
  for (const [code, rows] of [['nan-rows', e.nan], ['inf-rows', e.inf], ['zero-rows', e.zero]] as const) {
    const want = rows.filter(x => sample.has(x));
    assert.deepEqual(quick.findings.find(x => x.code === code)?.rows ?? [], want, `quick pass: ${code}`);
  }
});

/** A float32 .npy fixture's rows as float64 values. */
function valuesOf(file: string): { values: Float64Array; dim: number; rows: number } {
  const buf = fs.readFileSync(path.join(DIR, file));
  const headerLen = buf.readUInt16LE(8);
  const data = buf.subarray(10 + headerLen);
  const e = EXPECTED[file];
  const f32 = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + e.rows * e.dim * 4));
  return { values: Float64Array.from(f32), dim: e.dim, rows: e.rows };
}

test('statistics engines fed in small blocks (lanes answering out of order) record every kind of row as numpy lists them', async () => {
  const e = EXPECTED['findings_f32.npy'];
  const { values, dim, rows } = valuesOf('findings_f32.npy');
  const check = (st: { rows: { nan: { first: number[] }; inf: { first: number[] }; zero: { first: number[] }; duplicate: { first: number[]; repeats: number[] } } }, label: string) => {
    assert.deepEqual(st.rows.nan.first, e.nan, `${label} nan`);
    assert.deepEqual(st.rows.inf.first, e.inf, `${label} inf`);
    assert.deepEqual(st.rows.zero.first, e.zero, `${label} zero`);
    assert.deepEqual(st.rows.duplicate.first, e.duplicate, `${label} duplicate`);
    assert.deepEqual(st.rows.duplicate.repeats, e.repeats, `${label} repeats`);
  };
  const blockRows = 37;
  const js = new StreamingStatistics(dim);
  for (let r = 0; r < rows; r += blockRows) js.add(values.slice(r * dim, Math.min(rows, r + blockRows) * dim), Math.min(blockRows, rows - r), r);
  check(js.finish(), 'js');
  for (const element of ['float32', 'float64'] as const) {
    for (const workers of [0, 2]) {
      const st = new WasmStatistics(dim, { element, workers, maxBlockRows: blockRows });
      for (let r = 0; r < rows; r += blockRows) {
        const block = values.slice(r * dim, Math.min(rows, r + blockRows) * dim);
        await st.add(element === 'float32' ? Float32Array.from(block) : block, Math.min(blockRows, rows - r), r);
      }
      check(await st.finish(), `${element}/${workers}`);
    }
  }
});

test('--json carries findings[].rows, rowCount and repeats', () => {
  const e = EXPECTED['findings_f32.npy'];
  const r = cli('analyze', path.join(DIR, 'findings_f32.npy'), '--json');
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout) as AnalysisReport;
  assertRows(j, e, 'cli');
  const low = JSON.parse(cli('analyze', path.join(DIR, 'findings_f32.npy'), '--json', '--outlier-z', '1').stdout) as AnalysisReport;
  assert.deepEqual(finding(low, 'outlier-rows').rows, e.outliers['1'].rows);
});

test('embdiag rows streams every row of a finding as CSV or JSON lines', () => {
  const e = EXPECTED['findings_f32.npy'];
  const file = path.join(DIR, 'findings_f32.npy');
  for (const [code, rows] of [['nan-rows', e.nan], ['inf-rows', e.inf], ['zero-rows', e.zero]] as const) {
    const r = cli('rows', file, '--finding', code);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, ['row', ...rows].join('\n') + '\n', code);
    assert.match(r.stderr, new RegExp(`^${rows.length} ${code} of 600 rows\\.`));
  }
  const dup = cli('rows', file, '--finding', 'duplicate-rows', '--format', 'jsonl');
  assert.equal(dup.status, 0, dup.stderr);
  assert.deepEqual(dup.stdout.trim().split('\n').map(l => JSON.parse(l)), e.duplicate.map((row, i) => ({ row, repeats: e.repeats[i] })));
  const dupCsv = cli('rows', file, '--finding', 'duplicate-rows');
  assert.equal(dupCsv.stdout, ['row,repeats', ...e.duplicate.map((d, i) => `${d},${e.repeats[i]}`)].join('\n') + '\n');
  const out = cli('rows', file, '--finding', 'outlier-rows', '--outlier-z', '1');
  assert.equal(out.stdout, ['row', ...e.outliers['1'].rows].join('\n') + '\n');
  const sampled = cli('rows', file, '--finding', 'nan-rows', '--max-rows', '300', '--seed', '3');
  const sample = new Set(sampleRowIndices(600, 300, 3));
  assert.equal(sampled.stdout, ['row', ...e.nan.filter(x => sample.has(x))].join('\n') + '\n');
  assert.match(sampled.stderr, /among the 300 rows read \(a sample of 600, seed 3\)/);
  const bad = cli('rows', file, '--finding', 'dead-dims', '--json');
  assert.equal(bad.status, 2);
  assert.equal(JSON.parse(bad.stdout).error.code, 'bad-argument');
  assert.match(JSON.parse(bad.stdout).error.message, /--finding must be one of nan-rows, inf-rows/);
});

test('a finding keeps its first 100 rows and counts them all; embdiag rows streams every one', async () => {
  const e = EXPECTED['many_zero.npy'];
  assert.ok(e.zero.length > 100);
  const r = await analyzeFile(path.join(DIR, 'many_zero.npy'), { maxRows: 100_000, seed: 0 });
  const f = finding(r, 'zero-rows');
  assert.deepEqual(f.rows, e.zero.slice(0, 100));
  assert.equal(f.rowCount, e.zero.length);
  const d = finding(r, 'duplicate-rows');
  assert.deepEqual(d.rows, e.duplicate.slice(0, 100));
  assert.deepEqual(d.repeats, e.repeats.slice(0, 100));
  assert.equal(d.rowCount, e.duplicate.length);
  assert.deepEqual(e.outliers['6'].rows, []);
  assert.ok(!r.findings.some(x => x.code === 'outlier-rows'), 'more than half the rows at norm 0: no scale, no outlier finding');
  const all = cli('rows', path.join(DIR, 'many_zero.npy'), '--finding', 'zero-rows', '--format', 'jsonl');
  assert.equal(all.status, 0, all.stderr);
  assert.deepEqual(all.stdout.trim().split('\n').map(l => JSON.parse(l).row), e.zero);
});

test('webview: a finding lists its first rows (with the row each duplicate repeats) and says how many there are', async () => {
  const { findingRows } = await import('../../webview/format');
  const r = await analyzeFile(path.join(DIR, 'many_zero.npy'), { maxRows: 100_000, seed: 0 });
  const e = EXPECTED['many_zero.npy'];
  const zero = findingRows(finding(r, 'zero-rows'))!;
  assert.equal(zero.summary, `Rows (0-based): first 100 of ${e.zero.length}`);
  assert.deepEqual(zero.items, e.zero.slice(0, 100).map(String));
  const dup = findingRows(finding(r, 'duplicate-rows'))!;
  assert.equal(dup.items[0], `${e.duplicate[0]} repeats ${e.repeats[0]}`);
  assert.equal(findingRows({}), null, 'a finding without rows lists none');
});

test('Arrow null rows: the report and embdiag rows list them as apache-arrow reads them, and the NaN rows without them', async () => {
  const { referenceList } = await import('./arrowReference');
  const rel = 'arrow/null_rows/list_float32.arrow';
  const want = referenceList(rel, 'emb');
  const file = path.join(FIXTURES, 'formats', rel);
  for (const kernels of ['js', 'float32'] as const) {
    const r = await analyzeFile(file, { maxRows: 100_000, seed: 0, kernels, workers: 0 });
    assert.deepEqual(finding(r, 'null-rows').rows, want.nullRows, kernels);
    const nan = r.findings.find(x => x.code === 'nan-rows');
    for (const row of nan?.rows ?? []) assert.ok(!want.nullRows.includes(row), `${kernels}: NaN row ${row} is not a null row`);
    assert.equal(nan?.rowCount ?? 0, r.health.nanRows);
  }
  const rows = cli('rows', file, '--finding', 'null-rows');
  assert.equal(rows.status, 0, rows.stderr);
  assert.equal(rows.stdout, ['row', ...want.nullRows].join('\n') + '\n');
});
