/**
 * Resolves the inputs of the information analysis. Z (the embeddings) is required; the
 * row-matched companions Z̃, Y, Ŷ, X and labels, and the scalars n, b, σ, P, D, δ are optional.
 *
 * Where each comes from, first match wins:
 *   1. CLI flags (--perturbed FILE, --targets FILE, ..., --array NAME per file, --input-symbols n, ...);
 *   2. keys inside the embeddings' own container (.npz / .safetensors / ...):
 *      embeddings, embeddings_perturbed, targets, predictions, inputs, labels;
 *   3. the sidecar manifest next to the dump (emb.npy → emb.embeddings.json, see manifest.ts);
 *   4. derived values: n = the width of X, b from Z's dtype, δ = 1 for integer inputs.
 *
 * Every array is opened through openDump (headers only here); rows are read later by
 * analyzeInformation. Row counts are checked against Z; a mismatch is an error problem, located
 * on the manifest key when the array came from the manifest, and the array is left out.
 */
import { promises as fs } from 'node:fs';
import * as nodePath from 'node:path';
import type { ByteSource } from '../io/byteSource';
import { FileByteSource } from '../io/fileByteSource';
import { EmbdiagError, isEmbdiagError } from '../errors';
import { openDump, SUPPORTED_EXTENSIONS } from '../formats/openDump';
import type { RawShape } from '../formats/dumpFile';
import type { DumpFile, DumpFormat, EmbeddingMatrix } from '../formats/dumpFile';
import {
  ARRAY_ROLES, isManifestPath, locate, manifestCandidates, parseManifest, pointerOf,
  type ArrayRole, type JsonNode, type Manifest, type ManifestProblem, type ProblemSeverity, type ScalarKey,
} from './manifest';
import { bitsPerCoordinateForDtype } from './representationRate';

/** Container keys looked up inside the embeddings' own file, per role. */
export const CONTAINER_KEYS: Record<ArrayRole, string> = {
  embeddings: 'embeddings', perturbed: 'embeddings_perturbed', targets: 'targets', predictions: 'predictions', inputs: 'inputs', labels: 'labels',
};

/** What the CLI (or any caller) passes explicitly. Relative paths are resolved against `cwd`. */
export interface InformationFlags {
  perturbed?: string;
  targets?: string;
  predictions?: string;
  inputs?: string;
  labels?: string;
  /** --array NAME, per role (the array inside that role's file). */
  arrays?: Partial<Record<ArrayRole, string>>;
  inputSymbols?: number;
  bitsPerCoordinate?: number;
  noiseStd?: number;
  inputPower?: number;
  distortion?: number;
  inputStep?: number;
  /** An explicit manifest path; false: do not look for a sidecar. */
  manifest?: string | false;
  /** Base directory of relative flag paths (default process.cwd()). */
  cwd?: string;
  /** The analysed dump's dtype and dimension when it is a headerless raw array (--dtype, --dim). */
  raw?: RawShape;
  /** The row metadata column whose values are the class labels of NC1 when no `labels` companion is given (--label-column). */
  labelColumn?: string;
}

export type InputSource = 'flag' | 'container' | 'manifest' | 'default' | 'derived' | 'dtype';

/** JSON-safe description of one resolved array. */
export interface ArrayDescription {
  role: ArrayRole;
  source: InputSource;
  file: string;
  array: string;
  format: DumpFormat;
  dtype: string;
  shape: number[];
  rows: number;
  dim: number;
  /** A 1-D array of length N read as an N×1 column. */
  column: boolean;
  /** False when left out of the analysis (row-count mismatch, wrong width); `excludedReason` says why. */
  used: boolean;
  excludedReason?: string;
}

export interface ResolvedArray extends ArrayDescription {
  /** The opened matrix (not JSON); rows are read by analyzeInformation. */
  matrix: EmbeddingMatrix;
}

export interface ResolvedScalar {
  value: number;
  source: InputSource;
  /** A dataset's scalar from its shards' manifests: how many shards' manifests give it, of how many shards. */
  shards?: { given: number; total: number };
}

export interface InformationProblem {
  code: string;
  severity: ProblemSeverity;
  message: string;
  role?: ArrayRole | ScalarKey;
  /** Where to put a diagnostic, when the problem belongs to a manifest key. */
  location?: { file: string; path: (string | number)[]; pointer: string; offset: number; length: number };
}

export interface ResolvedInformationInputs {
  /** The embeddings dump (absolute path). */
  dumpPath: string;
  embeddings: ResolvedArray;
  companions: Partial<Record<Exclude<ArrayRole, 'embeddings'>, ResolvedArray>>;
  scalars: Partial<Record<ScalarKey, ResolvedScalar>>;
  manifest: { path: string; manifest: Manifest; problems: ManifestProblem[] } | null;
  /** Everything the user should know (manifest problems included, located). */
  problems: InformationProblem[];
  /** The opened file of the embeddings (its row metadata may give NC1's labels); closed by close(). */
  embeddingsDump?: DumpFile;
  /** The row metadata column asked for as the labels (InformationFlags.labelColumn). */
  labelColumn?: string;
  /** Closes every file opened here. */
  close(): Promise<void>;
  /** Rejects with `file-changed` when a file opened here changed since (a job still writing it). */
  assertUnchanged?(): Promise<void>;
}

/** How files are reached; the default uses node:fs. Tests and the extension may substitute. */
export interface InformationHost {
  openFile(path: string): Promise<ByteSource>;
  /** The text of a file, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
}

export const nodeInformationHost: InformationHost = {
  openFile: (p) => FileByteSource.open(p),
  readText: async (p) => {
    try {
      return await fs.readFile(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw new EmbdiagError('unreadable', `${p}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
    }
  },
};

const COMPANIONS = ARRAY_ROLES.filter((r): r is Exclude<ArrayRole, 'embeddings'> => r !== 'embeddings');
const FLAG_SCALARS: ScalarKey[] = ['inputSymbols', 'bitsPerCoordinate', 'noiseStd', 'inputPower', 'distortion', 'inputStep'];

interface OpenedFile {
  source: ByteSource;
  dump: DumpFile;
}

/**
 * Resolves every input of the information analysis for the dump at `dumpPath` (or, when
 * `dumpPath` is itself a sidecar manifest, for the embeddings it names). Throws EmbdiagError
 * only when the embeddings themselves cannot be opened; every other problem is returned.
 */
export async function resolveInformationInputs(dumpPath: string, flags: InformationFlags = {}, host: InformationHost = nodeInformationHost): Promise<ResolvedInformationInputs> {
  const cwd = flags.cwd ?? process.cwd();
  const problems: InformationProblem[] = [];
  const opened = new Map<string, OpenedFile>();
  const close = async () => {
    for (const f of opened.values()) await f.source.close().catch(() => undefined);
    opened.clear();
  };
  const openFile = async (path: string): Promise<OpenedFile> => {
    const hit = opened.get(path);
    if (hit) return hit;
    const source = await host.openFile(path);
    try {
      const dump = await openDump(source, {
        fileName: nodePath.basename(path),
        raw: nodePath.resolve(cwd, path) === nodePath.resolve(cwd, dumpPath) ? flags.raw : undefined,
        openSibling: async (name) => {
          try { return await host.openFile(nodePath.join(nodePath.dirname(path), name)); } catch { return undefined; }
        },
      });
      const f = { source, dump };
      opened.set(path, f);
      return f;
    } catch (e) {
      await source.close().catch(() => undefined);
      throw e;
    }
  };

  try {
    // --- the manifest ---
    let manifestPath: string | null = null;
    let manifestText: string | undefined;
    const absDump = nodePath.resolve(cwd, dumpPath);
    let embeddingsPath = absDump;
    if (isManifestPath(absDump)) {
      manifestPath = absDump;
      manifestText = await host.readText(absDump);
      if (manifestText === undefined) throw new EmbdiagError('file-missing', `${absDump}: no such file.`);
    } else if (flags.manifest !== false) {
      const candidates = typeof flags.manifest === 'string' ? [nodePath.resolve(cwd, flags.manifest)] : manifestCandidates(absDump);
      for (const c of candidates) {
        const t = await host.readText(c);
        if (t !== undefined) {
          manifestPath = c;
          manifestText = t;
          break;
        }
      }
      if (typeof flags.manifest === 'string' && manifestText === undefined) {
        problems.push({ code: 'manifest-missing', severity: 'error', message: `The manifest ${candidates[0]} does not exist.` });
      }
    }
    let manifest: ResolvedInformationInputs['manifest'] = null;
    let root: JsonNode | null = null;
    if (manifestPath && manifestText !== undefined) {
      const parsed = parseManifest(manifestText);
      root = parsed.root;
      manifest = { path: manifestPath, manifest: parsed.manifest, problems: parsed.problems };
      for (const p of parsed.problems) problems.push(fromManifestProblem(p, manifestPath));
    }
    const manifestDir = manifestPath ? nodePath.dirname(manifestPath) : nodePath.dirname(absDump);
    const at = (path: (string | number)[]) => manifestPath ? { file: manifestPath, path, pointer: pointerOf(path), ...locate(root, path) } : undefined;
    /** [role, part] when the manifest gives the role as an object holding `part`, else [role]. */
    const refPath = (role: ArrayRole, part: 'file' | 'array'): (string | number)[] => {
      const node = root?.type === 'object' ? [...root.properties].reverse().find(p => p.key === role)?.value : undefined;
      return node?.type === 'object' && node.properties.some(p => p.key === part) ? [role, part] : [role];
    };

    if (isManifestPath(absDump)) {
      const ref = manifest?.manifest.arrays.embeddings;
      if (!ref?.file) {
        throw new EmbdiagError('bad-argument', `${absDump}: a manifest analysed on its own must name its embeddings ("embeddings": "emb.npy").`);
      }
      embeddingsPath = nodePath.resolve(manifestDir, ref.file);
    } else {
      const ref = manifest?.manifest.arrays.embeddings;
      if (ref?.file && nodePath.resolve(manifestDir, ref.file) !== absDump) {
        problems.push({ code: 'manifest-other-dump', severity: 'warning', role: 'embeddings', location: at(['embeddings']),
          message: `The manifest names ${ref.file} as its embeddings, but ${nodePath.basename(absDump)} is being analysed; its companions are used anyway.` });
      }
    }

    // --- the embeddings ---
    const zFile = await openFile(embeddingsPath);
    let zArrayName: string | undefined;
    let zSource: InputSource = 'default';
    const manifestZ = manifest?.manifest.arrays.embeddings;
    if (flags.arrays?.embeddings) {
      zArrayName = flags.arrays.embeddings;
      zSource = 'flag';
    } else if (zFile.dump.arrays.some(a => a.name === CONTAINER_KEYS.embeddings && a.analysable)) {
      zArrayName = CONTAINER_KEYS.embeddings;
      zSource = 'container';
    } else if (manifestZ?.array && (!manifestZ.file || nodePath.resolve(manifestDir, manifestZ.file) === embeddingsPath)) {
      zArrayName = manifestZ.array;
      zSource = 'manifest';
    }
    const zMatrix = await zFile.dump.open(zArrayName);
    const embeddings = describeArray('embeddings', zSource, embeddingsPath, zFile.dump.format, zMatrix);
    const nRows = embeddings.rows;

    // --- companions ---
    const companions: ResolvedInformationInputs['companions'] = {};
    for (const role of COMPANIONS) {
      const flagPath = flags[role];
      const flagArray = flags.arrays?.[role];
      let file: string | null = null;
      let arrayName: string | undefined;
      let source: InputSource | null = null;
      if (flagPath || flagArray) {
        file = flagPath ? nodePath.resolve(cwd, flagPath) : embeddingsPath;
        arrayName = flagArray;
        source = 'flag';
      } else if (zFile.dump.arrays.some(a => a.name === CONTAINER_KEYS[role]) && zMatrix.name !== CONTAINER_KEYS[role]) {
        file = embeddingsPath;
        arrayName = CONTAINER_KEYS[role];
        source = 'container';
      } else if (manifest?.manifest.arrays[role]) {
        const ref = manifest.manifest.arrays[role]!;
        file = ref.file ? nodePath.resolve(manifestDir, ref.file) : embeddingsPath;
        arrayName = ref.array;
        source = 'manifest';
      }
      if (!file || !source) continue;
      const where = source === 'manifest' ? at([role]) : undefined;
      let matrix: EmbeddingMatrix;
      let format: DumpFormat;
      try {
        const f = await openFile(file);
        if (arrayName === undefined && file === embeddingsPath) {
          throw new EmbdiagError('array-not-found', `${nodePath.basename(file)} is the embeddings file itself: name the array of the ${role} ("array").`);
        }
        matrix = await openCompanion(f.dump, arrayName);
        format = f.dump.format;
      } catch (e) {
        if (!isEmbdiagError(e)) throw e;
        const missing = e.code === 'file-missing';
        problems.push({
          code: missing ? 'missing-file' : e.code === 'array-not-found' || e.code === 'no-array' ? 'missing-array' : 'unreadable-companion',
          severity: 'error', role, location: source === 'manifest' ? at(refPath(role, missing ? 'file' : 'array')) : where,
          message: `${role}: ${e.message}`,
        });
        continue;
      }
      const desc = describeArray(role, source, file, format, matrix);
      if (desc.rows !== nRows) {
        desc.used = false;
        desc.excludedReason = `${desc.rows} rows, but the embeddings have ${nRows}: rows must be matched one to one.`;
        problems.push({ code: 'row-count-mismatch', severity: 'error', role, location: where,
          message: `${role} (${nodePath.basename(file)}${desc.array ? `:${desc.array}` : ''}) has ${desc.rows} rows but the embeddings have ${nRows}; it is left out of the analysis (mismatched_rows).` });
      }
      if (role === 'labels' && desc.dim !== 1) {
        desc.used = false;
        desc.excludedReason = `labels must have one value per row (width ${desc.dim}).`;
        problems.push({ code: 'bad-labels', severity: 'error', role, location: where, message: `labels must hold one class per row; this array has width ${desc.dim}.` });
      }
      companions[role] = { ...desc, matrix };
    }
    const y = companions.targets;
    const yh = companions.predictions;
    if (y?.used && yh?.used && y.dim !== yh.dim) {
      yh.used = false;
      yh.excludedReason = `width ${yh.dim}, but the targets have width ${y.dim}.`;
      problems.push({ code: 'width-mismatch', severity: 'error', role: 'predictions', location: yh.source === 'manifest' ? at(['predictions']) : undefined,
        message: `predictions have ${yh.dim} columns but targets have ${y.dim}; the operating point needs matching widths.` });
    }
    if (yh?.used && !y?.used) {
      problems.push({ code: 'predictions-without-targets', severity: 'warning', role: 'predictions', location: yh.source === 'manifest' ? at(['predictions']) : undefined,
        message: 'predictions are given without targets: the model\'s operating point (E8) needs both.' });
    }

    // --- scalars ---
    const scalars: ResolvedInformationInputs['scalars'] = {};
    for (const key of FLAG_SCALARS) {
      const fv = flags[key];
      const mv = manifest?.manifest.scalars[key];
      if (fv !== undefined) scalars[key] = { value: fv, source: 'flag' };
      else if (mv !== undefined) scalars[key] = { value: mv, source: 'manifest' };
    }
    const x = companions.inputs;
    if (x?.used) {
      if (!scalars.inputSymbols) scalars.inputSymbols = { value: x.dim, source: 'derived' };
      else if (scalars.inputSymbols.value !== x.dim) {
        problems.push({ code: 'input-symbols-mismatch', severity: 'warning', role: 'inputSymbols', location: scalars.inputSymbols.source === 'manifest' ? at(['inputSymbols']) : undefined,
          message: `n = ${scalars.inputSymbols.value} input symbols per model use, but the inputs X have ${x.dim} columns; n = ${scalars.inputSymbols.value} is used for per-symbol figures.` });
      }
      if (!scalars.inputStep && /^u?int\d+$|^bool$/.test(x.dtype)) scalars.inputStep = { value: 1, source: 'dtype' };
    }
    if (!scalars.bitsPerCoordinate) {
      const b = bitsPerCoordinateForDtype(embeddings.dtype);
      if (b !== null) scalars.bitsPerCoordinate = { value: b, source: 'dtype' };
    }
    // Per-symbol figures asked for without n.
    if (!scalars.inputSymbols) {
      const askers = (['noiseStd', 'inputPower'] as const).filter(k => scalars[k]);
      for (const k of askers) {
        problems.push({ code: 'input-symbols-missing', severity: 'warning', role: k, location: scalars[k]!.source === 'manifest' ? at([k]) : undefined,
          message: `"${k}" asks for a per-input-symbol figure (E7a), which needs n, the input symbols per model use: add "inputSymbols" (e.g. 784 for 28×28 images) or the inputs X.` });
      }
      if (!askers.length && manifest) {
        problems.push({ code: 'input-symbols-missing', severity: 'information', location: { file: manifest.path, path: [], pointer: '', offset: 0, length: 1 },
          message: 'No "inputSymbols" (n): per-input-symbol figures (bits per input symbol, the paper\'s unit) will be empty.' });
      }
    }
    if (scalars.noiseStd && !scalars.inputPower && !x?.used) {
      problems.push({ code: 'input-power-missing', severity: 'warning', role: 'noiseStd', location: scalars.noiseStd.source === 'manifest' ? at(['noiseStd']) : undefined,
        message: 'The AWGN capacity (E7a) needs the input power P: add "inputPower" or the inputs X.' });
    }

    const assertUnchanged = async () => { for (const f of opened.values()) await f.source.assertUnchanged?.(); };
    return { dumpPath: embeddingsPath, embeddings: { ...embeddings, matrix: zMatrix }, companions, scalars, manifest, problems, close, assertUnchanged,
      embeddingsDump: zFile.dump, ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn } : {}) };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * A companion array: through open(), or, for a Parquet/Arrow column of one number per row
 * (targets, predictions, labels), through openColumn() as an N×1 matrix.
 */
async function openCompanion(dump: DumpFile, arrayName: string | undefined): Promise<EmbeddingMatrix> {
  const info = arrayName === undefined ? undefined : dump.arrays.find(a => a.name === arrayName);
  if (info && !info.analysable && info.shape.length === 1 && dump.openColumn) return dump.openColumn(info.name);
  return dump.open(arrayName);
}

/** The companion keys (embeddings_perturbed, targets, ...) a container holds next to its embeddings. */
export function containerCompanions(dump: Pick<DumpFile, 'arrays'>): Exclude<ArrayRole, 'embeddings'>[] {
  return COMPANIONS.filter(role => dump.arrays.some(a => a.name === CONTAINER_KEYS[role]));
}

function describeArray(role: ArrayRole, source: InputSource, file: string, format: DumpFormat, m: EmbeddingMatrix): ArrayDescription {
  const column = m.shape.length === 1;
  return {
    role, source, file, array: m.name, format, dtype: m.dtype, shape: [...m.shape],
    rows: column ? m.shape[0] : m.rows, dim: column ? 1 : m.dim, column, used: true,
  };
}

function fromManifestProblem(p: ManifestProblem, file: string): InformationProblem {
  return { code: p.code, severity: p.severity, message: p.message, location: { file, path: p.path, pointer: p.pointer, offset: p.offset, length: p.length } };
}

/**
 * Diagnostics for a manifest being edited (the extension calls this on change): syntax and
 * schema problems, missing files and arrays, row-count mismatches with the embeddings, and n
 * missing when a per-symbol figure is asked for. `text` is the editor's current content.
 * Only headers are read. Problems without a location in this manifest are dropped.
 */
export async function checkManifest(manifestPath: string, text: string, host: InformationHost = nodeInformationHost): Promise<ManifestProblem[]> {
  const parsed = parseManifest(text);
  if (!parsed.root || parsed.root.type !== 'object') return parsed.problems;
  const overlay: InformationHost = {
    openFile: host.openFile,
    readText: async (p) => (nodePath.resolve(p) === nodePath.resolve(manifestPath) ? text : host.readText(p)),
  };
  // The embeddings: named in the manifest, else the dump whose sidecar this is.
  let target = manifestPath;
  if (!parsed.manifest.arrays.embeddings?.file) {
    const stem = manifestPath.slice(0, -'.embeddings.json'.length);
    const dir = nodePath.dirname(manifestPath);
    const candidates = await findDumpsForStem(stem, dir, host);
    if (!candidates.length) {
      return [...parsed.problems, {
        code: 'missing-file', severity: 'warning', path: [], pointer: '', offset: 0, length: 1,
        message: `No embeddings dump found for this manifest (looked for ${nodePath.basename(stem)} with a dump extension: ${SUPPORTED_EXTENSIONS.join(', ')}); add "embeddings": "file".`,
      }];
    }
    target = candidates[0];
  }
  let resolved: ResolvedInformationInputs;
  try {
    resolved = await resolveInformationInputs(target, { manifest: manifestPath, cwd: nodePath.dirname(manifestPath) }, overlay);
  } catch (e) {
    if (!isEmbdiagError(e)) throw e;
    return [...parsed.problems, { code: 'missing-file', severity: 'error', path: ['embeddings'], pointer: '/embeddings', ...locate(parsed.root, ['embeddings']), message: `embeddings: ${e.message}` }];
  }
  try {
    return resolved.problems
      .filter(p => p.location && nodePath.resolve(p.location.file) === nodePath.resolve(manifestPath))
      .map(p => ({ code: p.code, severity: p.severity, message: p.message, path: p.location!.path, pointer: p.location!.pointer, offset: p.location!.offset, length: p.location!.length }));
  } finally {
    await resolved.close();
  }
}


async function findDumpsForStem(stem: string, _dir: string, host: InformationHost): Promise<string[]> {
  const out: string[] = [];
  // emb.embeddings.json → emb.npy (…) or emb (when the stem already carries the extension).
  const direct = SUPPORTED_EXTENSIONS.some(e => stem.toLowerCase().endsWith(e)) ? [stem] : SUPPORTED_EXTENSIONS.map(e => stem + e);
  for (const p of direct) {
    try {
      const s = await host.openFile(p);
      await s.close();
      out.push(p);
    } catch {
      /* not there */
    }
  }
  return out;
}

/** The JSON-safe part of the resolved inputs (for reports). */
export function describeInputs(inputs: ResolvedInformationInputs): {
  embeddings: ArrayDescription;
  companions: Partial<Record<Exclude<ArrayRole, 'embeddings'>, ArrayDescription>>;
  scalars: Partial<Record<ScalarKey, ResolvedScalar>>;
  manifest: string | null;
} {
  const strip = ({ matrix: _m, ...rest }: ResolvedArray): ArrayDescription => rest;
  const companions: Partial<Record<Exclude<ArrayRole, 'embeddings'>, ArrayDescription>> = {};
  for (const [k, v] of Object.entries(inputs.companions)) companions[k as Exclude<ArrayRole, 'embeddings'>] = strip(v!);
  return { embeddings: strip(inputs.embeddings), companions, scalars: { ...inputs.scalars }, manifest: inputs.manifest?.path ?? null };
}
