/**
 * Dumps without rows, and null rows (Arrow/Parquet null lists: missing rows, not NaN rows).
 * Fixtures and numpy references: test/fixtures/robustness/make_robustness_fixtures.py.
 * Null rows come from a fake EmbeddingMatrix implementing nullRowsIn over a numpy-written .npy
 * whose null rows are NaN-filled, as the Arrow and Parquet readers return them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeFile, analyzeOpenedDump, type AnalyzeOptions } from '../../src/core/analysis/analyzeDump';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import type { DumpFile, EmbeddingMatrix } from '../../src/core/formats/dumpFile';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import { renderMarkdown, renderText } from '../../src/core/report/renderText';
import { sampleRowIndices } from '../../src/core/stats/rowSampler';
import { EmbdiagError } from '../../src/core/errors';
import { FIXTURES, REPO_ROOT, assertAllClose } from './support';

const DIR = path.join(FIXTURES, 'robustness');
const CLI = path.join(REPO_ROOT, 'out', 'src', 'cli', 'embdiag.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

// ---- no rows -------------------------------------------------------------------------------

test('a (0, 4) dump is an error finding no-rows, not a clean pass: exit 1 in the CLI', () => {
  const r = cli('analyze', path.join(DIR, 'empty_0x4.npy'), '--json');
  assert.equal(r.status, 1, `exit code (stderr: ${r.stderr})`);
  const j = JSON.parse(r.stdout) as AnalysisReport;
  assert.equal(j.rowsTotal, 0);
  const f = j.findings.find(x => x.code === 'no-rows');
  assert.ok(f, `a no-rows finding: ${JSON.stringify(j.findings)}`);
  assert.equal(f.severity, 'error');
  assert.match(f.message, /no rows \(shape 0 × 4\)/);
  assert.ok(!j.findings.some(x => x.code === 'too-few-rows'), 'no second finding saying the same');
  const text = cli('analyze', path.join(DIR, 'empty_0x4.npy'));
  assert.equal(text.status, 1);
  assert.match(text.stdout, /error\s+no-rows: The array has no rows/);
});

test('shapes with no dimension ((0,), (5, 0), (0, 0)) are refused as bad-shape: no vector to analyse', async () => {
  for (const name of ['empty_0.npy', 'empty_5x0.npy', 'empty_0x0.npy']) {
    await assert.rejects(analyzeFile(path.join(DIR, name), { maxRows: 100, seed: 0 }),
      (e: unknown) => e instanceof EmbdiagError && e.code === 'bad-shape' && e.message.includes(name) && /length 0/.test(e.message), name);
    const r = cli('analyze', path.join(DIR, name), '--json');
    assert.equal(r.status, 2, name);
    assert.equal(JSON.parse(r.stdout).error.code, 'bad-shape', name);
  }
});

// ---- null rows -----------------------------------------------------------------------------

interface NullExpected { rows: number; dim: number; nullRows: number[]; nanRows: number; rowsInStatistics: number; mean: number[]; variance: number[]; eigenvalues: number[] }
const nullExpected = JSON.parse(fs.readFileSync(path.join(DIR, 'null_rows.expected.json'), 'utf8')) as NullExpected;

/**
 * The .npy matrix with `nullRows` null, as the EmbeddingMatrix contract has an Arrow/Parquet
 * reader return them: NaN-filled by readRows, listed by nullRowsIn.
 */
function withNullRows(inner: EmbeddingMatrix, nullRows: readonly number[], calls: [number, number][] = []): EmbeddingMatrix {
  return {
    name: 'emb', dtype: inner.dtype, shape: inner.shape, rows: inner.rows, dim: inner.dim, notes: [],
    readRows: async (start, count) => {
      const values = await inner.readRows(start, count);
      for (const r of nullRows) if (r >= start && r < start + count) values.fill(NaN, (r - start) * inner.dim, (r - start + 1) * inner.dim);
      return values;
    },
    nullRowsIn: async (start, count) => { calls.push([start, count]); return nullRows.filter(r => r >= start && r < start + count); },
  };
}

async function analyzeWithNulls(file: string, nullRows: readonly number[] | ((m: EmbeddingMatrix) => EmbeddingMatrix), options: AnalyzeOptions,
  onQuickReport?: (r: AnalysisReport) => void): Promise<AnalysisReport> {
  const source = await FileByteSource.open(file);
  try {
    const inner = await (await openDump(source, { fileName: file })).open();
    const matrix = typeof nullRows === 'function' ? nullRows(inner) : withNullRows(inner, nullRows);
    const dump: DumpFile = { format: 'arrow', arrays: [{ name: 'emb', dtype: matrix.dtype, shape: [...matrix.shape], analysable: true }], notes: [], findings: [], open: async () => matrix };
    return await analyzeOpenedDump(source, dump, options, { onQuickReport });
  } finally {
    await source.close();
  }
}

/** withNullRows with readRowsFloat32 too (as the Arrow and Parquet matrices have): the float32 kernels read through it. */
let float32Reads = 0;
function withFloat32NullRows(inner: EmbeddingMatrix, nullRows: readonly number[], calls: [number, number][]): EmbeddingMatrix {
  const m = withNullRows(inner, nullRows, calls);
  return Object.assign(m, {
    dtype: 'float32',
    readRowsFloat32: async (start: number, count: number) => { float32Reads++; return Float32Array.from(await m.readRows(start, count)); },
  });
}

for (const kernels of ['js', 'float64', 'float32'] as const) {
  test(`null rows (${kernels} statistics): counted apart from NaN rows, a null-rows warning, figures of the other rows as numpy gives them`, async () => {
    const calls: [number, number][] = [];
    const report = await analyzeWithNulls(path.join(DIR, 'null_rows.npy'),
      m => (kernels === 'float32' ? withFloat32NullRows : withNullRows)(m, nullExpected.nullRows, calls),
      { maxRows: 1000, seed: 0, kernels, workers: 0 });
    assert.ok(calls.length > 0, 'nullRowsIn was asked');
    if (kernels === 'float32') assert.ok(float32Reads > 0, 'the float32 kernels read through readRowsFloat32');
    // float32 kernels: float32 arithmetic on float64 data, so the figures agree to float32 rounding
    const rel = kernels === 'float32' ? 1e-6 : 0;
    assert.equal(report.health.nullRows, nullExpected.nullRows.length);
    assert.equal(report.health.nanRows, nullExpected.nanRows, 'the null rows are not NaN rows');
    assert.equal(report.rowsInStatistics, nullExpected.rowsInStatistics);
    assertAllClose(report.mean, nullExpected.mean, Math.max(1e-12, rel), 'mean');
    assertAllClose(report.variance, nullExpected.variance, Math.max(1e-10, rel), 'variance');
    assertAllClose(report.eigenvalues, nullExpected.eigenvalues, Math.max(1e-9, rel), 'eigenvalues');
    const f = report.findings.find(x => x.code === 'null-rows');
    assert.ok(f, 'a null-rows finding');
    assert.equal(f.severity, 'warning');
    assert.deepEqual(f.rows, nullExpected.nullRows);
    assert.equal(f.rowCount, nullExpected.nullRows.length);
    assert.match(f.message, /^5 of 40 rows \(12\.5%\) are null: missing rows/);
    assert.match(f.message, /left out of every statistic/);
    assert.match(f.message, /First null rows \(0-based\): 0, 3, 4, 17, 39\./);
    const nan = report.findings.find(x => x.code === 'nan-rows');
    assert.ok(nan && nan.message.startsWith('1 of 40 rows'), `the NaN finding counts the one real NaN row: ${nan?.message}`);
    assert.deepEqual(nan.rows, [10], 'the NaN finding names the real NaN row, not the null ones');
    assert.equal(nan.rowCount, 1);
    assert.match(renderText(report), /null rows\s+5 \(12\.5%\)/);
    assert.match(renderMarkdown(report), /\| null \(missing\) rows \| 5 \|/);
  });
}

test('null rows: the finding keeps the first 100 indices and counts them all; a file without nullRowsIn reports 0', async () => {
  // 300 rows, every other one null: 150 null rows; the report keeps 0, 2, ..., 198
  const nulls = Array.from({ length: 150 }, (_, i) => 2 * i);
  const report = await analyzeWithNulls(path.join(FIXTURES, 'robustness', 'huge_column.npy'), nulls, { maxRows: 1000, seed: 0, kernels: 'js' });
  const f = report.findings.find(x => x.code === 'null-rows')!;
  assert.equal(f.rowCount, 150);
  assert.deepEqual(f.rows, nulls.slice(0, 100));
  assert.match(f.message, /First null rows \(0-based\): 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, …\./);
  const plain = await analyzeFile(path.join(DIR, 'null_rows.npy'), { maxRows: 1000, seed: 0 });
  assert.equal(plain.health.nullRows, 0);
  assert.equal(plain.health.nanRows, nullExpected.nullRows.length + 1, 'without nullRowsIn the NaN-filled rows are NaN rows');
  assert.ok(!plain.findings.some(x => x.code === 'null-rows'));
});

test('null rows with sampling: counted among the rows read, and the message says so; the quick pass counts its own', async () => {
  const maxRows = 20, seed = 3;
  const read = new Set(Array.from(sampleRowIndices(nullExpected.rows, maxRows, seed)));
  const nullRead = nullExpected.nullRows.filter(r => read.has(r));
  assert.ok(nullRead.length > 0 && nullRead.length < nullExpected.nullRows.length, 'the seed samples some null rows, not all');
  const report = await analyzeWithNulls(path.join(DIR, 'null_rows.npy'), nullExpected.nullRows, { maxRows, seed, kernels: 'js' });
  assert.equal(report.health.nullRows, nullRead.length);
  const f = report.findings.find(x => x.code === 'null-rows')!;
  assert.deepEqual(f.rows, nullRead);
  assert.ok(f.message.startsWith(`${nullRead.length} among the ${maxRows} rows read (a sample of ${nullExpected.rows})`), f.message);

  let quick: AnalysisReport | undefined;
  const q = 10;
  const exact = await analyzeWithNulls(path.join(DIR, 'null_rows.npy'), nullExpected.nullRows,
    { maxRows: 1000, seed, kernels: 'js', quickFirstPass: { rows: q } }, r => { quick = r; });
  assert.ok(quick, 'a quick report');
  const quickRead = new Set(Array.from(sampleRowIndices(nullExpected.rows, q, seed)));
  assert.equal(quick.health.nullRows, nullExpected.nullRows.filter(r => quickRead.has(r)).length);
  assert.equal(exact.health.nullRows, nullExpected.nullRows.length, 'the exact pass does not add the quick pass\'s count');
});

test('every row null: an error finding no-rows', async () => {
  const all = Array.from({ length: nullExpected.rows }, (_, i) => i);
  const source = path.join(DIR, 'null_rows.npy');
  const report = await analyzeWithNulls(source, all, { maxRows: 1000, seed: 0, kernels: 'js' });
  const f = report.findings.find(x => x.code === 'no-rows');
  assert.ok(f && f.severity === 'error', JSON.stringify(report.findings));
  assert.match(f.message, /Every one of the 40 rows of the array is null/);
});
