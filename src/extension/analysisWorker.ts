import { parentPort } from 'node:worker_threads';
import { analyzeFile } from '../core/analysis/analyzeDump';
import { isEmbdiagError } from '../core/errors';
import type { FromWorker, ToWorker } from './workerProtocol';

/**
 * Runs analyses off the extension host thread, one at a time. Cancellation is
 * done by the host terminating this thread, which also stops a running eigen-solve.
 */
const port = parentPort;
if (!port) throw new Error('analysisWorker must run as a worker thread');

const send = (m: FromWorker) => port.postMessage(m);

port.on('message', async (msg: ToWorker) => {
  if (msg.type !== 'analyze') return;
  const { id } = msg;
  let last = 0;
  try {
    const report = await analyzeFile(msg.path, msg.options, {
      onProgress: (fraction, message) => {
        const now = Date.now();
        if (now - last > 100 || fraction >= 1) { last = now; send({ type: 'progress', id, fraction, message }); }
      },
    });
    send({ type: 'result', id, report });
  } catch (e) {
    if (isEmbdiagError(e)) send({ type: 'error', id, code: e.code, message: e.message });
    else send({ type: 'error', id, code: 'internal', message: `Internal error: ${(e as Error)?.stack ?? String(e)}` });
  }
});
