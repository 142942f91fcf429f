import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { spectrumRoute } from '../../src/core/analysis/spectrumRoute';
import { FIXTURES, REPO_ROOT, assertAllClose, assertClose } from './support';

/**
 * Fewer rows than dimensions (problem 9 of the bug reports): the exact analysis takes the N × N
 * Gram route, and gives numpy's eigvalsh(np.cov(X, rowvar=False)) and the metrics of that full
 * spectrum (test/fixtures/fewrows/make_fewrows_fixtures.py), without a d × d matrix.
 */
const DIR = path.join(FIXTURES, 'fewrows');
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')).files as Record<string, {
  dtype: string; rows: number; dim: number; finiteRows: number; mean: number[];
  eigenvalueCount?: number; eigenvalues: number[] | null; metrics: Record<string, unknown> | null;
}>;

test('the route: the Gram matrix with fewer rows than dimensions, unless the WebAssembly covariance is faster (N > d/2)', () => {
  for (const wasm of [false, true]) {
    assert.equal(spectrumRoute(2, 8000, wasm), 'gram');
    assert.equal(spectrumRoute(1, 8000, wasm), 'gram');
    assert.equal(spectrumRoute(4000, 8000, wasm), 'gram');
    assert.equal(spectrumRoute(300, 300, wasm), 'covariance');
    assert.equal(spectrumRoute(1000, 16, wasm), 'covariance');
  }
  assert.equal(spectrumRoute(299, 300), 'gram');
  assert.equal(spectrumRoute(299, 300, true), 'covariance');
  assert.equal(spectrumRoute(3000, 4000, true), 'covariance');
});

for (const [file, e] of Object.entries(expected)) {
  test(`${file}: numpy's mean, spectrum and metrics`, async () => {
    for (const kernels of ['auto', 'js', 'float32'] as const) {
      const r = await analyzeFile(path.join(DIR, file), { maxRows: 100_000, seed: 0, kernels });
      assert.equal(r.array.dtype, e.dtype);
      assert.equal(r.rowsUsed, e.rows);
      assert.equal(r.dim, e.dim);
      assert.equal(r.rowsInStatistics, e.finiteRows);
      assertAllClose(r.mean.slice(0, e.mean.length), e.mean, 1e-9, `${file} mean`);
      if (e.eigenvalues === null) {
        assert.deepEqual(r.eigenvalues, [], `${file}: no spectrum from ${e.finiteRows} finite row(s)`);
        assert.equal(r.metrics, null);
        continue;
      }
      assert.equal(r.eigenvalues.length, e.eigenvalueCount);
      // numpy's zero eigenvalues are rounding noise of size ε·λmax: compared absolutely (1e-12·λmax)
      assertAllClose(r.eigenvalues.slice(0, e.eigenvalues.length), e.eigenvalues, 1e-9, `${file} eigenvalues`);
      for (let i = 1; i < r.eigenvalues.length; i++) assert.ok(r.eigenvalues[i] <= r.eigenvalues[i - 1], `${file}: not descending at ${i}`);
      const m = r.metrics!;
      const em = e.metrics!;
      for (const key of ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'conditionNumber', 'totalVariance'] as const) {
        assertClose(m[key] as number, em[key] as number, 1e-9, 1e-12, `${file} ${key}`);
      }
      assertAllClose(m.explainedVariance.map(x => x.fraction),
        (em.explainedVariance as { fraction: number }[]).map(x => x.fraction), 1e-9, `${file} explained variance`);
    }
  });
}

test('a quick first pass on few rows: the Gram route there too, the same spectrum as numpy', async () => {
  const file = 'rows40_dim200.npy';
  const e = expected[file];
  let quick: Awaited<ReturnType<typeof analyzeFile>> | undefined;
  const r = await analyzeFile(path.join(DIR, file), { maxRows: 100_000, seed: 0, quickFirstPass: { rows: 10 } },
    { onQuickReport: q => { quick = q; } });
  assert.ok(quick, 'a quick report on 10 of the 40 rows');
  assert.equal(quick.rowsUsed, 10);
  assert.equal(quick.eigenvalues.length, 200);
  // rank ≤ 9 from 10 centred rows: the 10th is rounding noise, the other 190 exactly 0
  assert.ok(Math.abs(quick.eigenvalues[9]) <= 1e-12 * quick.eigenvalues[0], `λ10 = ${quick.eigenvalues[9]}`);
  assert.ok(quick.eigenvalues.slice(10).every(x => x === 0), 'exact zeros beyond the sample size');
  assertAllClose(r.eigenvalues.slice(0, e.eigenvalues!.length), e.eigenvalues!, 1e-9, 'exact report');
});

/**
 * Resources of one analysis in a fresh process: its peak resident memory and CPU time. A d × d
 * float64 covariance of 8,000 dimensions is 512 MB (the old route peaked at 1.4 GB for 2 × 8000
 * and 430 MB for 1 × 8192), so a bound of 300 MB fails whenever one is built.
 */
function analysisResources(file: string): { maxRssMb: number; cpuSeconds: number; report: { rowsUsed: number; eigenvalues: number[] } } {
  const analyze = path.join(REPO_ROOT, 'out', 'src', 'core', 'analysis', 'analyzeDump.js');
  const script = `
    const { analyzeFile } = require(${JSON.stringify(analyze)});
    analyzeFile(${JSON.stringify(file)}, { maxRows: 100000, seed: 0 }).then(r => {
      const cpu = process.cpuUsage();
      process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6,
        report: { rowsUsed: r.rowsUsed, eigenvalues: r.eigenvalues.slice(0, 3) } }));
    });`;
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

test('2 × 8000 float32: no 8000 × 8000 matrix (peak memory far below its 512 MB) and little CPU', () => {
  const file = 'rows2_dim8000.npy';
  const r = analysisResources(path.join(DIR, file));
  assert.equal(r.report.rowsUsed, 2);
  assertClose(r.report.eigenvalues[0], expected[file].eigenvalues![0], 1e-9);
  assert.ok(r.maxRssMb < 300, `peak resident memory ${r.maxRssMb.toFixed(0)} MB`);
  // generous: the d × d route spent over a minute of CPU here; the Gram route well under a second
  assert.ok(r.cpuSeconds < 20, `${r.cpuSeconds} s of CPU`);
});

test('1 × 8000: no spectrum and nothing of size d × d allocated', () => {
  const r = analysisResources(path.join(DIR, 'rows1_dim8000.npy'));
  assert.equal(r.report.rowsUsed, 1);
  assert.deepEqual(r.report.eigenvalues, []);
  assert.ok(r.maxRssMb < 300, `peak resident memory ${r.maxRssMb.toFixed(0)} MB`);
});
