import { existsSync } from 'node:fs';
import { manifestCandidates } from '../core/information/manifest';
import type { InformationFlags } from '../core/information/informationInputs';
import type { InformationByDefault } from '../core/information/informationDefault';
import type { Settings } from './settings';
import type { WorkerTask } from './workerProtocol';

/** A manifest beside the dump asks for the information analysis without any command. */
export function hasSidecarManifest(fsPath: string): boolean {
  return manifestCandidates(fsPath).some(p => existsSync(p));
}

/**
 * Why the information estimates run for a dump without a command (a companion array in its
 * container, or a sidecar manifest), or null: also null when the user turned this off.
 */
export async function informationWanted(fsPath: string, settings: Settings): Promise<InformationByDefault | null> {
  if (!settings.informationByDefault) return null;
  const { informationByDefault } = await import('./onDemand');
  return informationByDefault(fsPath).catch(() => null);
}

/**
 * The information task for a dump. Panel, hover and diagnostics build it the same way,
 * so they share one cached result.
 */
export function informationTask(fsPath: string, settings: Settings, flags: InformationFlags = {}, arrayName?: string): Extract<WorkerTask, { type: 'information' }> {
  return {
    type: 'information', path: fsPath,
    flags: { ...flags, arrays: { embeddings: arrayName, ...flags.arrays } },
    options: { maxRows: Math.min(settings.maxRows, 10_000), seed: settings.seed },
  };
}
