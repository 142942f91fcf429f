import { promises as fs } from 'node:fs';
import { manifestCandidates, parseManifest, type ManifestAutoencoder } from '../core/information/manifest';
import type { RegimeConfig, InitScheme } from '../core/regime/autoencoderConfig';
import type { WorkerTask } from './workerProtocol';
import type { Settings } from './settings';
import { REGIME_MAX_ROWS } from './regimeCommand';

/** The planned autoencoder of a dump's sidecar manifest, if it names one. */
export async function manifestAutoencoder(dumpPath: string): Promise<{ manifestPath: string; config: RegimeConfig } | undefined> {
  for (const manifestPath of manifestCandidates(dumpPath)) {
    let text: string;
    try { text = await fs.readFile(manifestPath, 'utf8'); } catch { continue; }
    const ae = parseManifest(text).manifest.autoencoder;
    return ae ? { manifestPath, config: toRegimeConfig(ae) } : undefined;
  }
  return undefined;
}

export function toRegimeConfig(ae: ManifestAutoencoder): RegimeConfig {
  const init = 'scheme' in ae.init ? { scheme: ae.init.scheme as InitScheme } : ae.init;
  return {
    latentWidth: ae.latentWidth, init, learningRate: ae.learningRate,
    learningRateConvention: ae.learningRateConvention ?? 'gradient-flow', steps: ae.steps, seeds: ae.seeds ?? 10,
  };
}

/**
 * The cheap regime check behind diagnostics and hovers: placement, step size and face
 * formulas, no simulation (the panel's command runs that).
 */
export function regimeCheckTask(dumpPath: string, config: RegimeConfig, settings: Settings): Extract<WorkerTask, { type: 'regime' }> {
  return { type: 'regime', path: dumpPath, config: { ...config, simulate: false, splitSeed: settings.seed }, load: { maxRows: REGIME_MAX_ROWS, seed: settings.seed } };
}
