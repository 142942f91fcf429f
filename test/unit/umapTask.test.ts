/**
 * The non-linear view (UMAP) on the host side, in plain Node: which worker task the panel's
 * request becomes (a dump, a dataset's shards), and the real analysis worker answering it with
 * progress, or stopping when the caller cancels (our code 'cancelled').
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { AnalysisService, AnalysisError } from '../../src/extension/analysisService';
import { umapTask } from '../../src/extension/umapTask';
import { analyzeFile } from '../../src/core/analysis/analyzeDump';
import type { AnalysisReport } from '../../src/core/report/analysisReport';
import { isEmbdiagError } from '../../src/core/errors';
import { DEFAULT_UMAP_PARAMETERS } from '../../src/core/analysis/umapParameters';
import { FIXTURES, FakeToken } from './support';

const WORKER = path.join(__dirname, '..', '..', 'src', 'extension', 'analysisWorker.js');
const FILE = path.join(FIXTURES, 'projection', 'medium.npy');

test('the task: the projection\'s rows of the dump, seeded by the analysis seed; a dataset\'s from its readable shards; none without a projection', () => {
  const r = { file: '/d', projection: { rows: [1, 4, 60] }, shards: [{ file: '/d/bad.npy', error: { code: 'x', message: 'x' } }, { file: '/d/p1.npy', firstRow: 0, rows: 50 }, { file: '/d/p2.npy', firstRow: 50, rows: 30 }] } as unknown as AnalysisReport;
  assert.deepEqual(umapTask(r, '/d/a.npy', { seed: 3 }, 'emb'), { type: 'umap', path: '/d/a.npy', rows: [1, 4, 60], parameters: { ...DEFAULT_UMAP_PARAMETERS, seed: 3 }, options: { arrayName: 'emb' } });
  const t = umapTask(r, '/d', { seed: 0 }, undefined, true);
  assert.equal(t.path, '/d/p1.npy');
  assert.deepEqual(t.shards?.map(s => s.file), ['/d/p1.npy', '/d/p2.npy']);
  assert.throws(() => umapTask({ file: '/d' } as AnalysisReport, '/d/a.npy', { seed: 0 }), (e: unknown) => isEmbdiagError(e) && e.code === 'bad-argument');
});

test('the worker lays out the projection\'s rows with progress; a cancelled layout rejects with code cancelled and the service goes on', { timeout: 300_000 }, async () => {
  const report = await analyzeFile(FILE, { maxRows: 100_000, seed: 0 });
  const service = new AnalysisService(WORKER, () => undefined);
  try {
    const task = { ...umapTask(report, FILE, { seed: 0 }), parameters: { ...DEFAULT_UMAP_PARAMETERS, epochs: 60 } };
    const token = new FakeToken();
    const running = service.run(task, { token: token as never, onProgress: () => token.cancel() });
    await assert.rejects(running, (e: unknown) => e instanceof AnalysisError && e.code === 'cancelled');
    const messages: string[] = [];
    const layout = await service.run(task, { onProgress: (_, m) => messages.push(m) });
    assert.deepEqual(layout.rows, report.projection!.rows);
    assert.equal(layout.x.length, report.projection!.rows.length);
    assert.ok(messages.some(m => /^Epoch \d+ of 60$/.test(m)), messages.join(' | '));
  } finally {
    service.dispose();
  }
});
