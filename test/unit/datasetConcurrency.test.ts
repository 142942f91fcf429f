import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { assertAllClose, assertClose } from './support';
import { analyzeDataset, partialOfDataset } from '../../src/core/dataset/analyzeDataset';
import { shardConcurrency } from '../../src/core/dataset/shardConcurrency';
import { createRng } from '../../src/core/stats/rowSampler';
import { EmbdiagError } from '../../src/core/errors';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import { npyBytes } from './npyFiles';

/** Issue #14: shards read several at once give the report of shards read one after another. */

/** A float32 .npy of rows × dim (the tests' own writer, so the test needs no numpy). */
function writeNpy(file: string, rows: number, dim: number, fill: (r: number, c: number) => number): void {
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let c = 0; c < dim; c++) data[r * dim + c] = fill(r, c);
  writeFileSync(file, npyBytes([rows, dim], data));
}

/** `count` shards of rows × dim with anisotropic values, a NaN row, a zero row and rows repeated within and across shards. */
function writeShards(count: number, rows: number, dim: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'embdiag-concurrency-'));
  for (let s = 0; s < count; s++) {
    const rng = createRng(100 + s);
    writeNpy(path.join(dir, `part-${s}.npy`), rows, dim, (r, c) => {
      if (r === 5 && c === 1 && s === 1) return NaN;
      if (r === 9) return 0;
      if (r % 97 === 13) return Math.sin(r % 5 + c); // the same few rows again and again
      return (rng() - 0.5) * (1 + c) + 0.25 * c;
    });
  }
  return dir;
}

function assertSameReport(a: AnalysisReport, b: AnalysisReport, what: string): void {
  assert.equal(a.rowsTotal, b.rowsTotal, what);
  assert.deepEqual(a.shards!.map(s => [s.file, s.firstRow, s.rows]), b.shards!.map(s => [s.file, s.firstRow, s.rows]), what);
  assert.deepEqual({ ...a.health, rowNorms: null }, { ...b.health, rowNorms: null }, what);
  for (const k of ['min', 'median', 'max', 'mean'] as const) assertClose(a.health.rowNorms![k], b.health.rowNorms![k], 1e-12, 1e-300, `${what}: norm ${k}`);
  assertAllClose(a.eigenvalues, b.eigenvalues, 1e-12, `${what}: eigenvalues`);
  assertAllClose(a.mean, b.mean, 1e-12, `${what}: mean`);
  assertAllClose(a.variance, b.variance, 1e-12, `${what}: variance`);
  assert.deepEqual(a.findings, b.findings, what);
}

test('concurrency 1, 2 and 3 give the same report (1e-12) and identical health and findings, JS and WebAssembly paths', async () => {
  const dir = writeShards(5, 3000, 24);
  try {
    for (const kernels of ['js', 'float32'] as const) {
      const one = await analyzeDataset([dir], { seed: 3, kernels, concurrency: 1, displayPath: 'd' });
      assert.equal(one.rowsTotal, 15000);
      assert.equal(one.health.nanRows, 1);
      assert.ok(one.health.duplicateRows > 0 && one.health.zeroRows === 5);
      for (const concurrency of [2, 3]) {
        assertSameReport(await analyzeDataset([dir], { seed: 3, kernels, concurrency, displayPath: 'd' }), one, `${kernels}, concurrency ${concurrency}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the row keys and sample of float32 rows read for the kernels (widened in one reused buffer) are those of the float64 rows', async () => {
  const dir = writeShards(3, 3000, 24);
  try {
    const js = (await partialOfDataset([dir], { seed: 5, kernels: 'js', sampleRows: 500 })).partial!;
    const wasm = (await partialOfDataset([dir], { seed: 5, kernels: 'float32', sampleRows: 500 })).partial!;
    assert.equal(js.sample.indices.length, 500);
    assert.deepEqual(wasm.keys, js.keys);
    assert.deepEqual(wasm.sample, js.sample);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one cancel stops every shard in flight and starts no other; progress is monotone and counts shards, rows and bytes', async () => {
  // 20,000 rows × 64 float64 values are two blocks of the JS path: each shard polls the cancel between them
  const dir = writeShards(4, 20000, 64);
  try {
    const fractions: number[] = [];
    const messages: string[] = [];
    await analyzeDataset([dir], { seed: 0, kernels: 'js', concurrency: 2 }, { onProgress: (f, m) => { fractions.push(f); messages.push(m); } });
    for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] >= fractions[i - 1], `progress went back: ${fractions[i - 1]} then ${fractions[i]}`);
    assert.equal(fractions[fractions.length - 1], 1);
    assert.match(messages[messages.length - 1], /^4 of 4 shards done, 80,000 of 80,000 rows, 20\.5 MB of 20\.5 MB/);

    let cancelled = false, pollsAfterEnd = 0, ended = false;
    const seen: string[] = [];
    const run = analyzeDataset([dir], { seed: 0, kernels: 'js', concurrency: 2 }, {
      onProgress: (f, m) => { seen.push(m); if (f > 0) cancelled = true; }, // after the first block read
      isCancelled: () => { if (ended) pollsAfterEnd++; return cancelled; },
    });
    await assert.rejects(run, (e: unknown) => e instanceof EmbdiagError && e.code === 'cancelled');
    ended = true;
    // no shard finished (each needed a second block), none keeps reading after the rejection
    assert.ok(seen.every(m => !/^[1-9] of 4 shards done/.test(m)), seen.join('\n'));
    await new Promise(resolve => setTimeout(resolve, 300));
    assert.equal(pollsAfterEnd, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('shards in flight: all cores, kernel threads shared among them, fewer when their d × d arrays would not fit', () => {
  assert.deepEqual(shardConcurrency(16, 768, { cores: 2 }), { inFlight: 2, kernelWorkers: 1 });
  assert.deepEqual(shardConcurrency(1, 768, { cores: 2 }), { inFlight: 1, kernelWorkers: 2 });
  assert.deepEqual(shardConcurrency(16, 768, { cores: 1 }), { inFlight: 1, kernelWorkers: 0 });
  assert.deepEqual(shardConcurrency(16, 768, { cores: 8 }), { inFlight: 8, kernelWorkers: 1 });
  // d = 8,192: 3 arrays of 512 MiB per shard exceed the 1 GiB budget for two shards
  assert.deepEqual(shardConcurrency(16, 8192, { cores: 2 }), { inFlight: 1, kernelWorkers: 2 });
  assert.deepEqual(shardConcurrency(16, 768, { cores: 2, requested: 3 }), { inFlight: 3, kernelWorkers: 1 });
});
