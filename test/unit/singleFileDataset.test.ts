import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURES } from './support';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { analyzeDataset } from '../../src/core/dataset/analyzeDataset';
import { EmbdiagError } from '../../src/core/errors';
import type { AnalysisReport } from '../../src/core/report/analysisReport';

/**
 * Issue #14, "a single file is a dataset of one shard": for every format fixture, the single-file
 * analysis (analyzeFile: passOfShard → partial → reportFromPartial → reportFromStatistics) and the
 * analysis of the file as a dataset of one shard (partialOfShard: passOfShard → partial →
 * reportOfPartial → reportFromPartial → reportFromStatistics) give the same report figures and
 * the same findings with the same rows: one statistics-to-report path.
 */

function fixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { if (e.name !== 'refusals') walk(p); } else if (fs.existsSync(`${p}.expected.json`)) out.push(p);
    }
  };
  walk(path.join(FIXTURES, 'formats'));
  return out.sort();
}

async function outcome(run: () => Promise<AnalysisReport>): Promise<AnalysisReport | EmbdiagError> {
  try { return await run(); } catch (e) { if (e instanceof EmbdiagError) return e; throw e; }
}

// numpy is Debian's, for the system interpreter (a pyenv or venv python3 may come first on PATH)
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const within = (a: number, b: number, scale: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), scale) || (Number.isNaN(a) && Number.isNaN(b));

test('every format fixture: the single-file report and the one-shard dataset report agree', async () => {
  const files = fixtures();
  assert.ok(files.length > 40, `${files.length} fixtures`);
  let compared = 0;
  for (const file of files) {
    const rel = path.relative(FIXTURES, file);
    const single = await outcome(() => analyzeFile(file, { maxRows: 1e6, seed: 0 }));
    const dataset = await outcome(() => analyzeDataset([file], { seed: 0 }));
    if (single instanceof EmbdiagError) {
      assert.ok(dataset instanceof EmbdiagError, `${rel}: the single file is refused (${single.code}) but the dataset read`);
      assert.equal(dataset.code, single.code, `${rel}: ${dataset.message}`);
      continue;
    }
    assert.ok(!(dataset instanceof EmbdiagError), `${rel}: the dataset is refused: ${(dataset as EmbdiagError).message}`);
    compared++;
    for (const k of ['rowsTotal', 'rowsUsed', 'rowsInStatistics', 'dim', 'format'] as const) assert.equal(dataset[k], single[k], `${rel}: ${k}`);
    assert.deepEqual(dataset.array.shape, single.array.shape, `${rel}: shape`);
    const { rowNorms: n1, ...h1 } = single.health, { rowNorms: n2, ...h2 } = dataset.health;
    assert.deepEqual(h2, h1, `${rel}: health`);
    assert.equal(n2 === null, n1 === null, `${rel}: row norms`);
    if (n1 && n2) for (const k of ['min', 'median', 'max', 'mean'] as const) assert.ok(within(n2[k], n1[k], 0), `${rel}: norm ${k} ${n2[k]} vs ${n1[k]}`);
    const top = Math.max(0, ...single.eigenvalues.map(Math.abs));
    assert.equal(dataset.eigenvalues.length, single.eigenvalues.length, `${rel}: eigenvalue count`);
    dataset.eigenvalues.forEach((v, i) => assert.ok(within(v, single.eigenvalues[i], top), `${rel}: eigenvalue ${i}: ${v} vs ${single.eigenvalues[i]}`));
    single.mean.forEach((v, i) => assert.ok(within(dataset.mean[i], v, 0), `${rel}: mean ${i}`));
    single.variance.forEach((v, i) => assert.ok(within(dataset.variance[i], v, top), `${rel}: variance ${i}`));
    const codes = (r: AnalysisReport) => r.findings.map(f => f.code).sort();
    assert.deepEqual(codes(dataset).filter(c => c !== 'incomplete-dataset'), codes(single), `${rel}: findings`);
    for (const f of single.findings.filter(f => f.rows?.length)) {
      const g: AnalysisReport['findings'][number] | undefined = dataset.findings.find(x => x.code === f.code);
      assert.deepEqual(g?.rows, f.rows, `${rel}: rows of ${f.code}`);
      assert.deepEqual(g?.repeats, f.repeats, `${rel}: rows repeated (${f.code})`);
      assert.equal(g?.rowCount, f.rowCount, `${rel}: row count of ${f.code}`);
    }
  }
  assert.ok(compared > 30, `${compared} fixtures compared`);
});

/**
 * What a single file keeps beyond a dataset's partial: past 2²⁰ finite rows and 2²⁰ distinct rows a
 * dataset keeps a norm sketch and a k-minimum-values sketch of the row keys (approximate median,
 * estimated duplicates, no outlier rows); a single file's pass holds every norm and every key
 * anyway, so its partial keeps them all: exact median, exact duplicates with their rows, outlier
 * rows. File and expected figures by numpy (written and computed at test time: ~10 MB).
 */
test('a single file past the dataset bounds (2²⁰ rows, 2²⁰ distinct rows): exact median, duplicates and outlier rows, as numpy finds them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-single-bounds-'));
  try {
    const file = path.join(dir, 'big.npy');
    const script = `
import json, sys, numpy as np
n = 1_200_000
rng = np.random.default_rng(7)
x = rng.integers(1, 5000, size=(n, 2)).astype(np.float32)
planted = [7, 300_000, 1_048_580, n - 1]
x[planted] = 1e6
np.save(sys.argv[1], x)
norms = np.sqrt((x.astype(np.float64) ** 2).sum(axis=1))
_, first, inverse = np.unique(x, axis=0, return_index=True, return_inverse=True)
inverse = inverse.reshape(-1)
dup = np.nonzero(first[inverse] != np.arange(n))[0]
print(json.dumps({"rows": n, "distinct": int(len(first)), "median": float(np.median(norms)), "planted": planted,
  "duplicates": int(len(dup)), "firstDuplicates": dup[:100].tolist(), "repeats": first[inverse[dup[:100]]].tolist()}))
`;
    const py = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
    assert.equal(py.status, 0, py.stderr);
    const ref = JSON.parse(py.stdout) as { rows: number; distinct: number; median: number; planted: number[]; duplicates: number; firstDuplicates: number[]; repeats: number[] };
    assert.ok(ref.rows > 2 ** 20 && ref.distinct > 2 ** 20, `past both bounds: ${ref.rows} rows, ${ref.distinct} distinct`);
    const r = await analyzeFile(file, { maxRows: 2_000_000, seed: 0, projectionRows: 0 });
    assert.equal(r.rowsUsed, ref.rows);
    assert.equal(r.health.duplicateRows, ref.duplicates);
    assert.equal(r.health.duplicateRowsStandardError, undefined, 'duplicates exact, not an estimate');
    const dup = r.findings.find(f => f.code === 'duplicate-rows');
    assert.deepEqual(dup?.rows, ref.firstDuplicates);
    assert.deepEqual(dup?.repeats, ref.repeats);
    assert.equal(r.health.rowNorms!.medianRelativeError, undefined, 'exact median, not the sketch\'s');
    assert.ok(within(r.health.rowNorms!.median, ref.median, 0), `median ${r.health.rowNorms!.median} vs numpy ${ref.median}`);
    assert.deepEqual(r.findings.find(f => f.code === 'outlier-rows')?.rows, ref.planted);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
