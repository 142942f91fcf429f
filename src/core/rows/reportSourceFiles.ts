import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ARRAY_ROLES, manifestCandidates, parseManifest } from '../information/manifest';

/**
 * The files besides a dump that its report reads, found or not (one that appears changes the
 * report as much as one edited): its sidecar manifests (manifestCandidates), the files the
 * manifest in use names (its "metadata" file and every array's file: labels, companions of the
 * Information section), and the projector metadata.tsv beside a projector .tsv, as
 * findMetadataColumns looks for them. Watch mode re-analyses an open report when one changes.
 */
export async function reportSourceFiles(dumpPath: string): Promise<string[]> {
  const files = manifestCandidates(dumpPath);
  for (const candidate of files) {
    const text = await fs.readFile(candidate, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const { manifest } = parseManifest(text);
    const dir = path.dirname(candidate);
    const refs = [manifest.metadata, ...ARRAY_ROLES.map(role => manifest.arrays[role])];
    for (const ref of refs) if (ref?.file) files.push(path.resolve(dir, ref.file));
    break; // the first manifest found is the one read (later candidates are still watched: one may appear)
  }
  const base = path.basename(dumpPath).toLowerCase();
  if (base.endsWith('.tsv') && base !== 'metadata.tsv') files.push(path.join(path.dirname(dumpPath), 'metadata.tsv'));
  return [...new Set(files.filter(f => f !== dumpPath))];
}

/** The dumps a changed file feeds, given each dump's source files (reportSourceFiles). */
export function dumpsFedBy(changed: string, sourcesByDump: ReadonlyMap<string, readonly string[]>): string[] {
  const fed: string[] = [];
  for (const [dump, sources] of sourcesByDump) if (sources.includes(changed)) fed.push(dump);
  return fed;
}
