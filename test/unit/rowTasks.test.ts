/**
 * The panel's row requests on the host side, in plain Node: which worker task a row of a report
 * (or of a dataset) becomes, which rows get their metadata sent, and the real analysis worker
 * answering them (a repeated request comes from the service's cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AnalysisService } from '../../src/extension/analysisService';
import { forPanel, rowMetadataTask, rowViewTask, shownRows } from '../../src/extension/rowTasks';
import type { Settings } from '../../src/extension/settings';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import { isEmbdiagError } from '../../src/core/errors';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/findings';
import { FIXTURES } from './support';

const WORKER = path.join(__dirname, '..', '..', 'src', 'extension', 'analysisWorker.js');
const DIR = path.join(FIXTURES, 'rows', 'metadata');
const EXPECTED = JSON.parse(fs.readFileSync(path.join(DIR, 'metadata.expected.json'), 'utf8'));

const settings: Settings = {
  maxRows: 100_000, seed: 0, projectionRows: 20_000, enableHovers: true, enableDiagnostics: true, informationByDefault: false,
  thresholds: { ...DEFAULT_THRESHOLDS, collisionError: 0.01 }, suppressedFindings: {},
};

function report(extra: Partial<AnalysisReport>): AnalysisReport {
  return { file: 'x', rowsTotal: 80, findings: [], ...extra } as unknown as AnalysisReport;
}

test('a row of a single dump asks the dump; a row of a dataset its shard, with the local row; a row beyond the report is refused', () => {
  assert.deepEqual(rowViewTask(report({}), '/d/a.npz', 5, settings), { type: 'rowView', path: '/d/a.npz', row: 5, options: { seed: 0, sampleRows: 10_000 } });
  const shards = [{ file: '/d/p1.npz', firstRow: 0, rows: 50 }, { file: '/d/p2.npz', firstRow: 50, rows: 30 }];
  const t = rowViewTask(report({ shards }), '/d', 63, settings, undefined, true);
  assert.equal(t.path, '/d/p2.npz');
  assert.deepEqual(t.shard, { localRow: 13, firstRow: 50 });
  assert.throws(() => rowViewTask(report({}), '/d/a.npz', 80, settings), (e: unknown) => isEmbdiagError(e) && e.code === 'invalid-range');
});

test('the rows whose metadata is sent: the projection sample and the findings\' rows, once each, ascending', () => {
  const r = report({
    findings: [{ code: 'zero-rows', severity: 'warning', message: '', rows: [33, 20] }, { code: 'nan-rows', severity: 'error', message: '', rows: [5, 20] }],
    ...({ projection: { rows: [1, 5, 70, 200] } } as object),
  });
  assert.deepEqual(shownRows(r), [1, 5, 20, 33, 70]);
  assert.equal(rowMetadataTask(report({}), '/d/a.npz'), undefined, 'no rows shown: nothing to read');
});

test('the worker answers a row view and the metadata of the rows shown; the same request again comes from the cache', async () => {
  const service = new AnalysisService(WORKER, () => undefined);
  try {
    const file = path.join(DIR, 'meta.npz');
    const task = rowViewTask(report({ rowsTotal: 40 }), file, 13, settings);
    const view = await service.run(task);
    assert.equal(view.row, 13);
    assert.deepEqual(view.neighbours[0].items.map(i => i.row), EXPECTED.neighbours['13'].cosine.rows);
    assert.equal(await service.cachedTask(task), view);
    const other = await service.run(rowViewTask(report({ rowsTotal: 40 }), file, 0, settings));
    assert.deepEqual(other.neighbours[1].items.map(i => i.row), EXPECTED.neighbours['0'].euclidean.rows);
    const metaTask = rowMetadataTask(report({ rowsTotal: 40, findings: [{ code: 'zero-rows', severity: 'warning', message: '', rows: [20, 33] }] }), file)!;
    const meta = await service.run(metaTask);
    assert.deepEqual(meta!.rows, [20, 33]);
    assert.deepEqual(meta!.columns.find(c => c.name === 'labels')!.values, EXPECTED['meta.npz'].zeroRowLabels);
  } finally {
    service.dispose();
  }
});

test('texts sent with the rows shown are cut to a few hundred characters; numbers and short texts unchanged', () => {
  const meta = { source: 's', rows: [1, 2], columns: [{ name: 't', role: 'text' as const, values: ['x'.repeat(1000), 'short'] }, { name: 'y', role: 'label' as const, values: [3, null] }] };
  const sent = forPanel(meta);
  assert.equal(sent.columns[0].values[0], `${'x'.repeat(300)}…`);
  assert.equal(sent.columns[0].values[1], 'short');
  assert.deepEqual(sent.columns[1].values, [3, null]);
  assert.equal(meta.columns[0].values[0], 'x'.repeat(1000), 'the metadata read is not changed');
});

test('a dump without row metadata: the worker answers nothing (null) and the service logs it and stays usable', { timeout: 120_000 }, async () => {
  const logged: string[] = [];
  const service = new AnalysisService(WORKER, m => logged.push(m));
  try {
    const file = path.join(FIXTURES, 'rows', 'findings_f32.npy');
    const metaTask = rowMetadataTask(report({ rowsTotal: 200, findings: [{ code: 'zero-rows', severity: 'warning', message: '', rows: [1, 2] }] }), file)!;
    assert.equal(await service.run(metaTask), null, 'an .npy has no metadata beside it');
    assert.ok(logged.some(l => l.startsWith(`rowMetadata ${file} in `)), logged.join('\n'));
    const view = await service.run(rowViewTask(report({ rowsTotal: 200 }), file, 3, settings));
    assert.equal(view.row, 3);
  } finally {
    service.dispose();
  }
});
