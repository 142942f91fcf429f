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
import { RowViewCache } from '../core/rows/rowViewCache';
import { RowMetadataCache } from '../core/rows/rowMetadataCache';
import { rowMetadataTask } from './rowTasks';
import { umapOfProjection } from '../core/analysis/umapLayout';
import { fileRowReader, shardRowReader } from '../core/rows/readRowsAt';

/**
 * Runs analyses off the extension host thread, one at a time. Cancellation is
 * done by the host terminating this thread, which also stops a running eigen-solve.
 */
const port = parentPort;
if (!port) throw new Error('analysisWorker must run as a worker thread');

const send = (m: FromWorker) => port.postMessage(m);

/** Dumps are closed after this long without a request (an open file cannot be replaced on Windows). */
const ROW_IDLE_MS = 60_000;

/**
 * The row metadata of the dumps last reported, kept open: the panel asks for the metadata of the
 * rows it shows right after a report, and the same rows' metadata is read here as soon as the
 * report is done (warmUpRowMetadata), so the panel's request is answered from this cache. The row
 * views read their rows' metadata through it too.
 */
const rowMetadata = new RowMetadataCache({ maxFiles: 2, idleMs: ROW_IDLE_MS });

/** The last dump opened for row views: the next row of the same file is answered without reading its sample again. */
const rowViews = new RowViewCache(rowMetadata, { idleMs: ROW_IDLE_MS });

function readRowMetadataTask(task: Extract<WorkerTask, { type: 'rowMetadata' }>) {
  return task.shards ? rowMetadata.readDataset(task.shards, task.rows, task.options) : rowMetadata.read(task.path, task.rows, task.options);
}

/**
 * Reads, in the background, the metadata the panel will ask for next (a failure is the panel's
 * request's to report). Only for a panel's analysis (it asks for a quick first report): hovers and
 * diagnostics analyse many dumps and show no rows.
 */
function warmUpRowMetadata(task: WorkerTask, report: AnalysisReport): void {
  const next = task.type === 'analyze' ? (task.options.quickFirstPass ? rowMetadataTask(report, task.path, task.options.arrayName) : undefined)
    : task.type === 'dataset' ? rowMetadataTask(report, task.path, undefined, true) : undefined;
  if (next) void readRowMetadataTask(next).catch(() => undefined);
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
      const { shard } = task;
      return rowViews.view(task.path, shard ? shard.localRow : task.row, task.options,
        shard ? { shard: { file: task.path, localRow: shard.localRow }, globalOffset: shard.firstRow } : {});
    }
    case 'rowMetadata':
      return (await readRowMetadataTask(task)) ?? null;
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
    if (msg.task.type === 'analyze' || msg.task.type === 'dataset') warmUpRowMetadata(msg.task, result as AnalysisReport);
  } catch (e) {
    // the user sees our sentence; the JavaScript text and stack go to the output channel only
    const err = asEmbdiagError(e, `The ${msg.task.type === 'analyze' || msg.task.type === 'dataset' ? 'analysis' : `${msg.task.type} analysis`} of ${msg.task.path}`);
    send({ type: 'error', id, code: err.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}) });
  }
});
