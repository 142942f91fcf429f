/**
 * When the information estimates run without being asked for: a sidecar manifest describes the
 * dump, or its container (.npz, .safetensors, .pt, .h5, Parquet/Arrow columns) holds a recognised
 * companion next to the embeddings (embeddings_perturbed, targets, predictions, inputs, labels).
 * The CLI (unless --no-information), the panel, the diagnostics and so the hover use this rule.
 */
import * as nodePath from 'node:path';
import { isEmbdiagError } from '../errors';
import { openDump } from '../formats/openDump';
import { siblingOpener } from '../formats/openDumpFile';
import { containerCompanions, nodeInformationHost, type InformationHost } from './informationInputs';
import { isManifestPath, manifestCandidates, parseManifest, type ArrayRole, type Manifest } from './manifest';

export interface InformationByDefault {
  /** The sidecar manifest found, or null. */
  manifest: string | null;
  /** Companion keys found in the dump's own container. */
  container: Exclude<ArrayRole, 'embeddings'>[];
}

/**
 * Why the estimates should run for `dumpPath` without a flag, or null when nothing asks for them.
 * Reads the manifest's existence and the container's headers only; a dump that cannot be opened
 * is left to the main analysis to report (null here unless a manifest exists).
 */
export async function informationByDefault(dumpPath: string, host: InformationHost = nodeInformationHost): Promise<InformationByDefault | null> {
  const abs = nodePath.resolve(dumpPath);
  if (isManifestPath(abs)) return { manifest: abs, container: [] };
  let manifest: string | null = null;
  for (const c of manifestCandidates(abs)) {
    const text = await host.readText(c).catch(() => undefined);
    if (text !== undefined) {
      // a manifest that only gives a raw dump's dtype and dim asks for no estimates
      if (!onlyRawLayout(parseManifest(text).manifest)) manifest = c;
      break;
    }
  }
  let container: Exclude<ArrayRole, 'embeddings'>[] = [];
  try {
    const source = await host.openFile(abs);
    try {
      const dump = await openDump(source, { fileName: nodePath.basename(abs), openSibling: siblingOpener(abs) });
      // A lone array (an .npy named targets.npy) is not a container with companions.
      if (dump.arrays.length > 1) container = containerCompanions(dump);
    } finally {
      await source.close().catch(() => undefined);
    }
  } catch (e) {
    if (!isEmbdiagError(e)) throw e;
  }
  return manifest || container.length ? { manifest, container } : null;
}

function onlyRawLayout(m: Manifest): boolean {
  return m.raw !== undefined && !Object.keys(m.arrays).length && !Object.keys(m.scalars).length && !m.autoencoder;
}
