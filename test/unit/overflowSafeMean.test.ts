/**
 * Means of finite values that reach ±1e308, whose plain sums overflow (numpy's own mean gives
 * -inf here). References: math.fsum of the values scaled by 1e-308 (make_robustness_fixtures.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { FileByteSource } from '../../src/core/io/fileByteSource';
import { openDump } from '../../src/core/formats/openDump';
import { StreamingStatistics } from '../../src/core/stats/streamingStatistics';
import { WasmStatistics, wasmStatisticsAvailable } from '../../src/core/stats/wasmStatistics';
import { npyBytes } from './npyFiles';
import { FIXTURES, assertAllClose, assertClose } from './support';

const FILE = path.join(FIXTURES, 'robustness', 'huge_column.npy');
const expected = JSON.parse(fs.readFileSync(FILE.replace(/\.npy$/, '.expected.json'), 'utf8')) as
  { rows: number; mean: number[]; rowNormMean: number; rowNormMax: number; rowNormMin: number; numpyPlainMeanOverflows: boolean };

async function hugeRows(): Promise<Float64Array> {
  const source = await FileByteSource.open(FILE);
  try {
    const m = await (await openDump(source, { fileName: FILE })).open();
    return await m.readRows(0, m.rows);
  } finally {
    await source.close();
  }
}

const engines = [
  { kernels: 'js' as const, workers: 0 },
  ...(wasmStatisticsAvailable() ? [{ kernels: 'float64' as const, workers: 0 }, { kernels: 'float64' as const, workers: 2 }] : []),
];

for (const engine of engines) {
  test(`a finite column reaching -1e308: the mean and the mean row norm are finite and right (${engine.kernels}, ${engine.workers} workers)`, async () => {
    assert.ok(expected.numpyPlainMeanOverflows, 'the fixture is one whose plain sum overflows');
    const r = await analyzeFile(FILE, { maxRows: 1000, seed: 0, ...engine });
    assert.equal(r.rowsInStatistics, expected.rows);
    assertAllClose(r.mean, expected.mean, 1e-12, 'mean');
    assert.ok(r.health.rowNorms);
    assertClose(r.health.rowNorms.mean, expected.rowNormMean, 1e-12, 0, 'row norm mean');
    assertClose(r.health.rowNorms.max, expected.rowNormMax, 1e-15, 0, 'row norm max');
    assertClose(r.health.rowNorms.min, expected.rowNormMin, 1e-15, 0, 'row norm min');
    // the squares do overflow: no covariance, and a finding says so
    assert.ok(r.findings.some(f => f.code === 'numeric-overflow'));
  });
}

/** 600 rows of (1, 2, 3) before the 300 fixture rows: the scaled sum starts after chunks were merged. */
function smallThenHuge(huge: Float64Array): { data: Float64Array; rows: number; mean: number[] } {
  const small = 600;
  const rows = small + expected.rows;
  const data = new Float64Array(rows * 3);
  for (let r = 0; r < small; r++) data.set([1, 2, 3], r * 3);
  data.set(huge, small * 3);
  // closed form from the fsum reference: (600·c + 300·m) / 900, weights first so nothing overflows
  const mean = expected.mean.map((m, j) => (j + 1) * (small / rows) + m * (expected.rows / rows));
  return { data, rows, mean };
}

test('StreamingStatistics: large values after ordinary ones, in blocks of any size, give the scaled mean', async () => {
  const { data, rows, mean } = smallThenHuge(await hugeRows());
  for (const blockRows of [1, 7, 256, 1000]) {
    const st = new StreamingStatistics(3);
    for (let r = 0; r < rows; r += blockRows) {
      const n = Math.min(blockRows, rows - r);
      st.add(data.slice(r * 3, (r + n) * 3), n);
    }
    assertAllClose(st.finish().mean, mean, 1e-12, `mean, blocks of ${blockRows}`);
  }
});

test('WasmStatistics (float64): large values after ordinary ones give the scaled mean, on the calling thread and on workers', { skip: !wasmStatisticsAvailable() && 'no WebAssembly SIMD' }, async () => {
  const { data, rows, mean } = smallThenHuge(await hugeRows());
  for (const workers of [0, 2]) {
    const blockRows = 64;
    const st = new WasmStatistics(3, { element: 'float64', workers, maxBlockRows: blockRows });
    for (let r = 0; r < rows; r += blockRows) {
      const n = Math.min(blockRows, rows - r);
      await st.add(data.slice(r * 3, (r + n) * 3), n);
    }
    assertAllClose((await st.finish()).mean, mean, 1e-12, `mean, ${workers} workers`);
  }
});

test('the median of an even number of row norms near 1e308 does not overflow', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-median-'));
  try {
    const file = path.join(dir, 'two_large_norms.npy');
    // norms 1e308 and 1.5e308: median (1e308 + 1.5e308) / 2 = 1.25e308 (closed form)
    fs.writeFileSync(file, npyBytes([2, 2], Float64Array.from([1e308, 0, 0, -1.5e308])));
    const r = await analyzeFile(file, { maxRows: 100, seed: 0, kernels: 'js' });
    assertClose(r.health.rowNorms!.median, 1.25e308, 1e-15, 0, 'median');
    assertClose(r.health.rowNorms!.mean, 1.25e308, 1e-15, 0, 'mean');
    assertAllClose(r.mean, [5e307, -7.5e307], 1e-15, 'mean');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
