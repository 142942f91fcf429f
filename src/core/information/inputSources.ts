/**
 * Where each input of the information analysis came from, in words: which array or column of
 * which file, found as a container key, named by the sidecar manifest, or given by a flag; and
 * where the scalars (n, b, D, ...) came from. The CLI, the hover and the panel all say it the
 * same way. Pure (no node:path): the webview uses it too.
 */
import type { ArrayDescription, InputSource, ResolvedScalar } from './informationInputs';
import type { ArrayRole, ScalarKey } from './manifest';

/** The symbol of each role, as the spec writes it. */
export const ROLE_SYMBOL: Record<ArrayRole, string> = {
  embeddings: 'Z', perturbed: 'Z̃', targets: 'Y', predictions: 'Ŷ', inputs: 'X', labels: 'labels',
};

const ROLE_WORDS: Record<ArrayRole, string> = {
  embeddings: 'embeddings', perturbed: 'perturbed-input embeddings', targets: 'targets', predictions: 'predictions', inputs: 'inputs', labels: 'class labels',
};

const SCALAR_WORDS: Record<ScalarKey, string> = {
  inputSymbols: 'n (input symbols per model use)', bitsPerCoordinate: 'b (bits per coordinate)', noiseStd: 'σ (input noise)',
  inputPower: 'P (input power)', distortion: 'D (target distortion)', inputStep: 'δ (input quantization step)',
};

/** The inputs part of an InformationReport (or of describeInputs). */
export interface InputsDescription {
  embeddings: ArrayDescription | null;
  companions: Partial<Record<Exclude<ArrayRole, 'embeddings'>, ArrayDescription>>;
  scalars: Partial<Record<ScalarKey, ResolvedScalar>>;
  manifest: string | null;
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

const TABLE_FORMATS = new Set(['parquet', 'arrow']);

/** "array 'targets' of run.npz (container key)", "column 'targets' of run.parquet (container column)". */
export function arraySourceText(a: ArrayDescription, manifest: string | null): string {
  const table = TABLE_FORMATS.has(a.format);
  const what = `${table ? 'column' : 'array'} '${a.array}' of ${baseName(a.file)}`;
  const how: Record<InputSource, string> = {
    container: table ? 'container column' : 'container key',
    manifest: `manifest ${manifest ? baseName(manifest) : ''}`.trim(),
    flag: 'flag',
    default: 'default array',
    derived: 'derived',
    dtype: 'from the dtype',
  };
  return `${what} (${how[a.source]})${a.used ? '' : `, left out: ${a.excludedReason ?? 'not used'}`}`;
}

function scalarSourceText(key: ScalarKey, s: ResolvedScalar, inputs: InputsDescription): string {
  const how: Record<InputSource, string> = {
    flag: 'flag',
    manifest: s.shards ? `manifest of ${s.shards.given}${s.shards.given < s.shards.total ? ` of ${s.shards.total}` : ''} shard${s.shards.total === 1 ? '' : 's'}`
      : `manifest ${inputs.manifest ? baseName(inputs.manifest) : ''}`.trim(),
    container: 'container',
    default: 'default',
    derived: key === 'inputSymbols' ? 'the width of X' : 'derived',
    dtype: key === 'bitsPerCoordinate' ? `the dtype ${inputs.embeddings?.dtype ?? ''}`.trim() : key === 'inputStep' ? 'the integer dtype of X' : 'the dtype',
  };
  return `${SCALAR_WORDS[key]} = ${s.value} (${how[s.source]})`;
}

/** One line per array (Z first) and one for the scalars: where each input came from. */
export function inputSourceLines(inputs: InputsDescription): string[] {
  const lines: string[] = [];
  if (inputs.embeddings) lines.push(`${ROLE_SYMBOL.embeddings} (${ROLE_WORDS.embeddings}): ${arraySourceText(inputs.embeddings, inputs.manifest)}`);
  for (const role of ['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const) {
    const a = inputs.companions[role];
    if (a) lines.push(`${ROLE_SYMBOL[role]} (${ROLE_WORDS[role]}): ${arraySourceText(a, inputs.manifest)}`);
  }
  const scalars = (Object.entries(inputs.scalars) as [ScalarKey, ResolvedScalar | undefined][])
    .filter((e): e is [ScalarKey, ResolvedScalar] => !!e[1])
    .map(([k, s]) => scalarSourceText(k, s, inputs));
  if (scalars.length) lines.push(`Scalars: ${scalars.join('; ')}`);
  return lines;
}

/** The companions in one short line (the hover): "Z̃, Y, Ŷ from run.npz (container keys)". */
export function companionSourcesShort(inputs: InputsDescription): string | null {
  const parts: string[] = [];
  for (const role of ['perturbed', 'targets', 'predictions', 'inputs', 'labels'] as const) {
    const a = inputs.companions[role];
    if (a?.used) parts.push(`${ROLE_SYMBOL[role]} = ${arraySourceText(a, inputs.manifest)}`);
  }
  return parts.length ? `inputs: ${parts.join('; ')}` : null;
}
