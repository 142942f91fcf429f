import { parentPort } from 'node:worker_threads';
import { analyzeFile } from '../core/analysis/analyzeDump';
import { loadFiniteRows } from '../core/analysis/loadRows';
import { analyzeRegime } from '../core/regime/regimeReport';
import { analyzeInformationFile } from '../core/information/analyzeInformation';
import { covarianceDistanceOfFiles } from '../core/analysis/covarianceDistance';
import { asEmbdiagError, EmbdiagError } from '../core/errors';
import { analyzeDataset } from '../core/dataset/analyzeDataset';
import { PartialCache } from '../core/dataset/partialCache';
import type { FromWorker, RegimeResult, ToWorker, WorkerTask } from './workerProtocol';
import type { AnalysisReport } from '../core/report/analysisReport';
import { openRowViewContext, rowViewOf, type RowViewContext } from '../core/rows/rowView';
import { readRowMetadata } from '../core/rows/readRowMetadata';
import { readDatasetRowMetadata } from '../core/rows/datasetRows';
import * as fs from 'node:fs/promises';
import { umapOfProjection } from '../core/analysis/umapLayout';
import { fileRowReader, shardRowReader } from '../core/rows/readRowsAt';

/**
 * Runs analyses off the extension host thread, one at a time. Cancellation is
 * done by the host terminating this thread, which also stops a running eigen-solve.
 */
const port = parentPort;
if (!port) throw new Error('analysisWorker must run as a worker thread');

const send = (m: FromWorker) => port.postMessage(m);

/**
 * The last dump opened for row views, with its neighbour sample and metadata columns: the next row
 * of the same file (unchanged on disk, same options) is answered without reading the sample again.
 */
let rowContext: { key: string; ctx: RowViewContext } | undefined;
/** The dump is closed after this long without a row view (an open file cannot be replaced on Windows). */
const ROW_CONTEXT_IDLE_MS = 60_000;
let rowContextTimer: NodeJS.Timeout | undefined;

async function closeRowContext(): Promise<void> {
  const previous = rowContext;
  rowContext = undefined;
  await previous?.ctx.close().catch(() => undefined);
}

async function rowViewContext(task: Extract<WorkerTask, { type: 'rowView' }>): Promise<RowViewContext> {
  clearTimeout(rowContextTimer);
  rowContextTimer = setTimeout(() => void closeRowContext(), ROW_CONTEXT_IDLE_MS);
  rowContextTimer.unref();
  const st = await fs.stat(task.path);
  const key = JSON.stringify([task.path, st.size, st.mtimeMs, task.options]);
  if (rowContext?.key === key) return rowContext.ctx;
  await closeRowContext();
  const ctx = await openRowViewContext(task.path, task.options);
  rowContext = { key, ctx };
  return ctx;
}

async function perform(task: WorkerTask, progress: (fraction: number, message: string) => void, partial: (r: AnalysisReport) => void) {
  switch (task.type) {
    case 'analyze':
      return analyzeFile(task.path, task.options, { onProgress: progress, onQuickReport: partial });
    case 'regime': {
      progress(0, 'Reading rows');
      const rows = await loadFiniteRows(task.path, task.load);
      if (rows.n < 4) throw new EmbdiagError('bad-shape', `${task.path}: only ${rows.n} finite rows; a regime needs at least 4.`);
      const regime = await analyzeRegime({ X: rows.X, n: rows.n, d: rows.d }, task.config, {
        onProgress: (p) => progress(0.1 + 0.9 * p.fraction, p.message),
      });
      const result: RegimeResult = {
        regime,
        source: { file: task.path, arrayName: rows.arrayName, rowsTotal: rows.rowsTotal, rowsRead: rows.rowsRead, droppedNonFinite: rows.droppedNonFinite, droppedNull: rows.droppedNull, sampled: rows.sampled, seed: rows.seed },
      };
      return result;
    }
    case 'information':
      return analyzeInformationFile(task.path, task.flags, task.options, {
        onProgress: (fraction: number, message: string) => progress(fraction, message),
      });
    case 'covarianceDistance':
      return covarianceDistanceOfFiles(task.path, task.otherPath, task.options, { onProgress: progress });
    case 'dataset':
      return analyzeDataset([task.path], {
        ...task.options, displayPath: task.path, cache: task.cacheDir === undefined ? undefined : new PartialCache(task.cacheDir),
      }, { onProgress: progress });
    case 'rowView': {
      const ctx = await rowViewContext(task);
      const { shard } = task;
      return rowViewOf(ctx, shard ? shard.localRow : task.row, {
        neighbours: task.options.neighbours,
        ...(shard ? { shard: { file: task.path, localRow: shard.localRow }, globalOffset: shard.firstRow } : {}),
      });
    }
    case 'rowMetadata':
      return (task.shards ? await readDatasetRowMetadata(task.shards, task.rows, task.options) : await readRowMetadata(task.path, task.rows, task.options)) ?? null;
    case 'umap':
      return umapOfProjection({ rows: task.rows }, task.shards ? shardRowReader(task.shards, task.options) : fileRowReader(task.path, task.options),
        task.parameters, { onProgress: progress });
  }
}

port.on('message', async (msg: ToWorker) => {
  const { id } = msg;
  let last = 0;
  try {
    const result = await perform(msg.task, (fraction, message) => {
      const now = Date.now();
      if (now - last > 100 || fraction >= 1) { last = now; send({ type: 'progress', id, fraction, message }); }
    }, (report) => send({ type: 'partial', id, report }));
    send({ type: 'result', id, result });
  } catch (e) {
    // the user sees our sentence; the JavaScript text and stack go to the output channel only
    const err = asEmbdiagError(e, `The ${msg.task.type === 'analyze' || msg.task.type === 'dataset' ? 'analysis' : `${msg.task.type} analysis`} of ${msg.task.path}`);
    send({ type: 'error', id, code: err.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) });
  }
});
