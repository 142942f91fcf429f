import type { AnalysisReport } from '../core/report/analysisReport';
import { DEFAULT_UMAP_PARAMETERS } from '../core/analysis/umapParameters';
import { EmbdiagError } from '../core/errors';
import type { Settings } from './settings';
import type { WorkerTask } from './workerProtocol';

/**
 * The worker task for the non-linear view (UMAP) of the report's projection: the projection's
 * rows read again from the dump (for a dataset, from its shards; keyed by the first shard, as
 * the row metadata is), seeded by the analysis seed. Refused (our sentence) without a projection.
 */
export function umapTask(report: AnalysisReport, fsPath: string, settings: Pick<Settings, 'seed'>, arrayName?: string, dataset = false): Extract<WorkerTask, { type: 'umap' }> {
  const rows = report.projection?.rows;
  if (!rows?.length) throw new EmbdiagError('bad-argument', `${report.file} has no projection sample to lay out.`);
  const parameters = { ...DEFAULT_UMAP_PARAMETERS, seed: settings.seed };
  const options = arrayName ? { arrayName } : {};
  if (dataset) {
    const shards = report.shards?.filter(s => !s.error) ?? [];
    if (!shards.length) throw new EmbdiagError('unreadable', `${report.file}: no readable shard to read the projection's rows from.`);
    return { type: 'umap', path: shards[0].file, rows, parameters, options, shards };
  }
  return { type: 'umap', path: fsPath, rows, parameters, options };
}
