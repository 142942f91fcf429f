import type { Settings } from './settings';
import type { WorkerTask } from './workerProtocol';

/**
 * The worker task analysing the dataset at `datasetPath` (a folder or an absolute glob) with the
 * user's settings. Every row of every shard is read (no sampling: maxRows does not apply), so the
 * per-shard partials in `cacheDir` stay valid whatever the setting.
 */
export function datasetTask(datasetPath: string, settings: Settings, cacheDir: string | undefined): Extract<WorkerTask, { type: 'dataset' }> {
  return { type: 'dataset', path: datasetPath, options: { seed: settings.seed, thresholds: settings.thresholds, projectionRows: settings.projectionRows }, ...(cacheDir ? { cacheDir } : {}) };
}
