import { EmbdiagError } from '../errors';
import type { InformationProblem, ResolvedScalar } from '../information/informationInputs';
import type { ScalarInputs } from '../information/informationReport';
import { SCALAR_KEYS, type ScalarKey } from '../information/manifest';
import type { DatasetPartial, ShardEntry } from './partial';

/**
 * The scalars of the information analysis (n, b, σ, P, D, δ) of a dataset, from its shards'
 * sidecar manifests (each shard's are kept in its entry of the partial, ShardEntry.scalars).
 * The rule: a flag wins; else a value given by the manifests of some or all shards is used when
 * none of them gives another (a shard whose manifest does not give it does not disagree: its
 * manifest may describe only its companions); two shards giving different values are a
 * disagreement, named with both shards and values, and the value is not used: never a pick.
 */

/** The flag that gives each scalar on the command line (δ has none). */
const SCALAR_FLAGS: Record<ScalarKey, string | null> = {
  inputSymbols: '--input-symbols', bitsPerCoordinate: '--bits', noiseStd: '--noise-std', inputPower: '--input-power', distortion: '--distortion', inputStep: null,
};

/** Two shards whose manifests give `key` different values (the first shard giving it, and the first giving another value). */
export interface ScalarDisagreement {
  key: ScalarKey;
  first: { file: string; value: number };
  second: { file: string; value: number };
}

/** The disagreements among `shards` (one per scalar), leaving out the scalars in `ignore` (given by a flag). */
export function scalarDisagreements(shards: readonly Pick<ShardEntry, 'file' | 'scalars'>[], ignore: ReadonlySet<ScalarKey> = new Set()): ScalarDisagreement[] {
  const out: ScalarDisagreement[] = [];
  for (const key of SCALAR_KEYS) {
    if (ignore.has(key)) continue;
    const giving = shards.filter(s => s.scalars?.[key] !== undefined);
    const other = giving.find(s => s.scalars![key] !== giving[0].scalars![key]);
    if (other) out.push({ key, first: { file: giving[0].file, value: giving[0].scalars![key]! }, second: { file: other.file, value: other.scalars![key]! } });
  }
  return out;
}

/** "inputSymbols: 784 in the manifest of a.npy, 1024 in that of b.npy". */
export function disagreementText(d: ScalarDisagreement): string {
  return `"${d.key}" is ${d.first.value} in the manifest of ${d.first.file} but ${d.second.value} in that of ${d.second.file}`;
}

const agreeHint = (keys: readonly ScalarKey[]) => {
  const flags = keys.map(k => SCALAR_FLAGS[k]).filter((f): f is string => f !== null);
  return `Make the shards' manifests give the same value${flags.length ? `, or give it with ${flags.join(', ')} when analysing` : ''}.`;
};

/**
 * Refuses (bad-argument) when the manifests of `shards` disagree on a scalar, naming two shards
 * and their values: a partial (embdiag stats, embdiag merge) does not hold a dataset whose
 * scalars contradict each other.
 */
export function assertScalarsAgree(shards: readonly Pick<ShardEntry, 'file' | 'scalars'>[], what: string): void {
  const found = scalarDisagreements(shards);
  if (found.length === 0) return;
  throw new EmbdiagError('bad-argument', `${what}: the shards' sidecar manifests disagree: ${found.map(disagreementText).join('; ')}.`, agreeHint(found.map(d => d.key)));
}

/** The scalars an information analysis of the dataset uses, where each came from, and what is wrong with them. */
export interface DatasetScalars {
  scalars: ScalarInputs;
  sources: Partial<Record<ScalarKey, ResolvedScalar>>;
  problems: InformationProblem[];
  notes: string[];
}

/** The dataset's scalars from the flags given and its shards' manifests (the rule above). */
export function datasetScalars(p: Pick<DatasetPartial, 'shards'>, flags: ScalarInputs = {}): DatasetScalars {
  const out: DatasetScalars = { scalars: {}, sources: {}, problems: [], notes: [] };
  const total = p.shards.length;
  const given = new Set(SCALAR_KEYS.filter(k => flags[k] !== undefined));
  for (const key of given) {
    out.scalars[key] = flags[key];
    out.sources[key] = { value: flags[key]!, source: 'flag' };
  }
  const disagreements = scalarDisagreements(p.shards, given);
  for (const d of disagreements) {
    out.problems.push({ code: 'scalar-disagreement', severity: 'error', role: d.key,
      message: `The shards' sidecar manifests disagree: ${disagreementText(d)}; it is not used. ${agreeHint([d.key])}` });
  }
  for (const key of SCALAR_KEYS) {
    if (given.has(key) || disagreements.some(d => d.key === key)) continue;
    const giving = p.shards.filter(s => s.scalars?.[key] !== undefined);
    if (giving.length === 0) continue;
    const value = giving[0].scalars![key]!;
    out.scalars[key] = value;
    out.sources[key] = { value, source: 'manifest', shards: { given: giving.length, total } };
    if (giving.length < total) {
      out.notes.push(`"${key}" = ${value} is given by the manifests of ${giving.length} of the ${total} shards (the others give none; none gives another value): it is used for the whole dataset.`);
    }
  }
  return out;
}

/** True when some shard's manifest gives a scalar (the information estimates then run by default, as for one file with a manifest). */
export function hasManifestScalars(p: Pick<DatasetPartial, 'shards'>): boolean {
  return p.shards.some(s => s.scalars && Object.keys(s.scalars).length > 0);
}
