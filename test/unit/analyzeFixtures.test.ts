import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/findings';
import { FIXTURES, assertAllClose } from './support';

/**
 * Every fixture numpy wrote (test/fixtures/make_fixtures.py) through the whole
 * pipeline: reader -> streaming statistics -> eigenvalues -> report, against the
 * numbers numpy computed in the same script.
 */
interface ExpectedArray {
  name: string; dtype: string; shape: number[]; analysable: boolean; rows?: number; dim?: number;
  stats?: { rowsFinite: number; mean: number[]; eigenvalues: number[] | null;
    health: { nanRows: number; infRows: number; zeroRows: number; duplicateRows: number; deadDims: number } } | null;
}
interface Expected {
  file: string; format: string; array?: string; arrays?: ExpectedArray[]; error?: unknown;
  /** The chosen array's null rows (None lists), as the writer was given them; numpy's view makes them NaN rows. */
  nullRows?: number[];
}

function expectedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return expectedFiles(p);
    return name.endsWith('.expected.json') ? [p] : [];
  });
}

const cases = expectedFiles(path.join(FIXTURES, 'formats'))
  .map(p => ({ p, e: JSON.parse(readFileSync(p, 'utf8')) as Expected }))
  .flatMap(({ p, e }) => (e.arrays ?? [])
    .filter(a => a.analysable && a.stats && a.stats.eigenvalues)
    .map(a => ({ dump: p.replace(/\.expected\.json$/, ''), e, a })));

test('there are numpy-referenced fixtures to check', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} analysable fixture arrays found`);
});

for (const { dump, e, a } of cases) {
  test(`${e.file} [${a.name}] matches numpy`, async () => {
    const r = await analyzeFile(dump, { maxRows: 1_000_000, seed: 0, arrayName: a.name, thresholds: DEFAULT_THRESHOLDS });
    const s = a.stats!;
    assert.equal(r.format, e.format);
    assert.equal(r.array.name, a.name);
    assert.equal(r.array.dtype, a.dtype);
    assert.deepEqual(r.array.shape, a.shape);
    if (a.rows !== undefined) assert.equal(r.rowsTotal, a.rows);
    if (a.dim !== undefined) assert.equal(r.dim, a.dim);
    assert.equal(r.rowsInStatistics, s.rowsFinite);
    assertAllClose(r.mean, s.mean, 1e-6, 'mean');
    assertAllClose(r.eigenvalues, s.eigenvalues!, 1e-6, 'eigenvalues');
    const { nanRows, infRows, zeroRows, duplicateRows, deadDims, nullRows } = r.health;
    // a null row is missing, not NaN: it moves from numpy's NaN count to its own
    const nulls = a.name === e.array ? e.nullRows?.length ?? 0 : 0;
    assert.deepEqual({ nanRows, infRows, zeroRows, duplicateRows, deadDims, nullRows }, { ...s.health, nanRows: s.health.nanRows - nulls, nullRows: nulls });
  });
}
