// Null list rows from a real Arrow file (written by apache-arrow) through the whole analysis: the
// reader's nullRowsIn, the analysis's null-row tally, and the row loader of the regime and
// information analyses. apache-arrow reading the same file is the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import { loadFiniteRows } from '../../src/core/analysis/loadRows';
import { FORMAT_FIXTURES } from './formats.helpers';
import { completeRowMean, referenceList } from './arrowReference';
import { assertAllClose } from './support';

const CASES = [['arrow/null_rows/list_float32.arrow', 'emb'], ['arrow/null_rows/fixed_float32.arrow', 'emb']] as const;

for (const [rel, column] of CASES) {
  test(`${rel}: null rows are a null-rows finding with their indices, not NaN rows, and stay out of the mean`, async () => {
    const ref = referenceList(rel, column);
    assert.ok(ref.nullRows.length > 0, 'the fixture has null rows');
    const report = await analyzeFile(path.join(FORMAT_FIXTURES, rel), { maxRows: 100_000, seed: 0, arrayName: column });
    assert.equal(report.health.nullRows, ref.nullRows.length);
    const nanElsewhere = Array.from({ length: ref.rows }, (_, r) => r)
      .filter(r => !ref.nullRows.includes(r) && !ref.values.slice(r * ref.dim, (r + 1) * ref.dim).every(Number.isFinite)).length;
    assert.equal(report.health.nanRows, nanElsewhere, 'NaN rows count only rows with NaN elements');
    const finding = report.findings.find(f => f.code === 'null-rows');
    assert.ok(finding, 'a null-rows finding');
    assert.deepEqual((finding as { rows?: number[] }).rows, ref.nullRows.slice(0, 100));
    assert.equal((finding as { rowCount?: number }).rowCount, ref.nullRows.length);
    assertAllClose(report.mean, completeRowMean(ref), 1e-6);
  });

  test(`${rel}: the row loader of the regime/information analyses counts null rows apart from NaN rows`, async () => {
    const ref = referenceList(rel, column);
    const rows = await loadFiniteRows(path.join(FORMAT_FIXTURES, rel), { arrayName: column, maxRows: 100_000, seed: 0 });
    const finite = Array.from({ length: ref.rows }, (_, r) => r).filter(r => ref.values.slice(r * ref.dim, (r + 1) * ref.dim).every(Number.isFinite));
    assert.equal(rows.droppedNull, ref.nullRows.length);
    assert.equal(rows.droppedNonFinite, ref.rows - finite.length - ref.nullRows.length);
    assert.equal(rows.n, finite.length);
    assertAllClose(Array.from(rows.X), finite.flatMap(r => ref.values.slice(r * ref.dim, (r + 1) * ref.dim)), 1e-7);
  });
}
