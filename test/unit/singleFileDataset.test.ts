import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
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
