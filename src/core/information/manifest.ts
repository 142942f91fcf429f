import { rawDTypeSpelling, RAW_DTYPE_HELP } from '../text/rawDTypeSpelling';

/**
 * The sidecar manifest: a small JSON file next to an embedding dump (emb.npy → emb.embeddings.json)
 * that names the row-matched companion arrays (perturbed embeddings, targets, predictions,
 * inputs, labels) and the scalars of the information analysis. Its JSON Schema is
 * schemas/embeddings-manifest.schema.json; this module parses and validates it itself, keeping
 * the character offset of every key so that diagnostics land on the offending key.
 */

export const MANIFEST_VERSION = 1;
/** Sidecar suffix: emb.npy → emb.embeddings.json. */
export const MANIFEST_SUFFIX = '.embeddings.json';

/** Roles of row-matched arrays. */
export type ArrayRole = 'embeddings' | 'perturbed' | 'targets' | 'predictions' | 'inputs' | 'labels';
export const ARRAY_ROLES: readonly ArrayRole[] = ['embeddings', 'perturbed', 'targets', 'predictions', 'inputs', 'labels'];

export type ScalarKey = 'inputSymbols' | 'bitsPerCoordinate' | 'noiseStd' | 'inputPower' | 'distortion' | 'inputStep';
export const SCALAR_KEYS: readonly ScalarKey[] = ['inputSymbols', 'bitsPerCoordinate', 'noiseStd', 'inputPower', 'distortion', 'inputStep'];

/** A reference to an array: a file (relative to the manifest), an array inside a container, or both. */
export interface ManifestArrayRef {
  /** Path relative to the manifest's directory; absent: the embeddings dump itself. */
  file?: string;
  /** Array name inside an .npz/.safetensors; absent: the reader's default choice. */
  array?: string;
}

export interface Manifest {
  version?: number;
  description?: string;
  /**
   * The planned weight-tied autoencoder (regime analysis), as written: checked for its shape
   * here, validated fully by the regime core when it runs.
   */
  autoencoder?: ManifestAutoencoder;
  arrays: Partial<Record<ArrayRole, ManifestArrayRef>>;
  /**
   * Row metadata (labels, texts, ids) for the row view and the projection's colours: a file of one
   * line or record per row (a projector-style .tsv with a header, JSON Lines, Parquet, Arrow, npz),
   * or one array/column of it. Not an input of the information analysis.
   */
  metadata?: ManifestArrayRef;
  scalars: Partial<Record<ScalarKey, number>>;
  /** Headerless raw dumps (emb.f32): the dtype and dimension the file itself cannot say. */
  raw?: { dtype?: string; dim?: number };
}

/** Keys of the raw layout (see formats/raw.ts). */
export const RAW_KEYS = ['dtype', 'dim'] as const;

export type ProblemSeverity = 'error' | 'warning' | 'information';

export interface ManifestAutoencoder {
  latentWidth: number;
  init: { sigma: number } | { sigma2: number } | { scheme: string };
  learningRate: number;
  learningRateConvention?: 'gradient-flow' | 'torch-mse-mean';
  steps: number;
  seeds?: number;
}

/** A problem located in the manifest text. */
export interface ManifestProblem {
  code: string;
  severity: ProblemSeverity;
  message: string;
  /** JSON path of the offending key, e.g. ['targets', 'file']; [] for the whole document. */
  path: (string | number)[];
  /** RFC 6901 pointer of the same path, e.g. '/targets/file'. */
  pointer: string;
  /** Character range (UTF-16 offsets, as VS Code's positionAt takes) of the key — or of the value when there is no key. */
  offset: number;
  length: number;
}

// ---- a JSON parser that keeps positions ---------------------------------------------------

export type JsonNode =
  | { type: 'object'; offset: number; length: number; properties: JsonProperty[] }
  | { type: 'array'; offset: number; length: number; items: JsonNode[] }
  | { type: 'string'; offset: number; length: number; value: string }
  | { type: 'number'; offset: number; length: number; value: number }
  | { type: 'boolean'; offset: number; length: number; value: boolean }
  | { type: 'null'; offset: number; length: number };

export interface JsonProperty {
  key: string;
  keyOffset: number;
  keyLength: number;
  value: JsonNode;
}

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** Parses strict JSON (RFC 8259), keeping the offset and length of every value and key. */
export function parseJsonWithPositions(text: string): JsonNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (msg: string, at = i): never => {
    throw new JsonSyntaxError(msg, Math.min(at, text.length));
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const ch = text[i];
    if (ch === '{') {
      i++;
      const properties: JsonProperty[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { type: 'object', offset: start, length: i - start, properties };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === undefined ? 'Unexpected end of text: expected a property name.' : `Expected a property name in double quotes, found '${text[i]}'.`);
        const keyOffset = i;
        const key = str();
        const keyLength = i - keyOffset;
        ws();
        if (text[i] !== ':') fail(`Expected ':' after the property name "${key}".`);
        i++;
        const v = value();
        properties.push({ key, keyOffset, keyLength, value: v });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { type: 'object', offset: start, length: i - start, properties };
        }
        fail(text[i] === undefined ? 'Unexpected end of text: expected \',\' or \'}\'.' : `Expected ',' or '}', found '${text[i]}'.`);
      }
    }
    if (ch === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { type: 'array', offset: start, length: i - start, items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { type: 'array', offset: start, length: i - start, items };
        }
        fail(text[i] === undefined ? 'Unexpected end of text: expected \',\' or \']\'.' : `Expected ',' or ']', found '${text[i]}'.`);
      }
    }
    if (ch === '"') {
      const v = str();
      return { type: 'string', offset: start, length: i - start, value: v };
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail('Invalid number.');
      i += m![0].length;
      return { type: 'number', offset: start, length: i - start, value: Number(m![0]) };
    }
    for (const [word, node] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return node === null ? { type: 'null', offset: start, length: word.length } : { type: 'boolean', offset: start, length: word.length, value: node };
      }
    }
    return fail(ch === undefined ? 'Unexpected end of text: expected a value.' : `Unexpected character '${ch}'.`);
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail('Unterminated string.', start);
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          fail('Invalid escape sequence in a string.');
        }
        continue;
      }
      if (ch < ' ') fail('Control character in a string (escape it).');
      out += ch;
      i++;
    }
  };
  const root = value();
  ws();
  if (i < text.length) fail(`Unexpected text after the JSON value: '${text[i]}'.`);
  return root;
}

// ---- validation ---------------------------------------------------------------------------

const ROLE_HELP: Record<ArrayRole, string> = {
  embeddings: 'the embeddings Z (default: the dump this manifest sits next to)',
  perturbed: 'embeddings Z̃ of perturbed inputs, row-matched to Z',
  targets: 'regression targets Y, row-matched to Z',
  predictions: 'model predictions Ŷ, row-matched to Z and of the same width as Y',
  inputs: 'model inputs X, row-matched to Z',
  labels: 'class labels (one integer per row), for NC1',
};

/** Other spellings people use, mapped to our key (accepted with a warning). */
const ALIASES: Record<string, ArrayRole | ScalarKey> = {
  embeddings_perturbed: 'perturbed', perturbed_embeddings: 'perturbed', y: 'targets', y_hat: 'predictions', yhat: 'predictions',
  x: 'inputs', n: 'inputSymbols', input_symbols: 'inputSymbols', sigma: 'noiseStd', noise_std: 'noiseStd', bits: 'bitsPerCoordinate',
  bits_per_coordinate: 'bitsPerCoordinate', input_power: 'inputPower', D: 'distortion', input_step: 'inputStep',
};

const SCALAR_RULES: Record<ScalarKey, { integer?: boolean; min: number; exclusive: boolean; what: string }> = {
  inputSymbols: { integer: true, min: 1, exclusive: false, what: 'a whole number of input symbols per model use, at least 1' },
  bitsPerCoordinate: { min: 0, exclusive: true, what: 'a positive number of storage bits per coordinate' },
  noiseStd: { min: 0, exclusive: true, what: 'a positive noise standard deviation' },
  inputPower: { min: 0, exclusive: false, what: 'a non-negative input power (mean square per symbol)' },
  distortion: { min: 0, exclusive: true, what: 'a positive total distortion (MSE summed over output coordinates)' },
  inputStep: { min: 0, exclusive: true, what: 'a positive quantization step of the inputs' },
};

/** Why `value` cannot be the scalar `key` (the manifest's rule, e.g. "a positive noise standard deviation"), or null. */
export function scalarValueProblem(key: ScalarKey, value: unknown): string | null {
  const rule = SCALAR_RULES[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) return `"${key}" must be ${rule.what}, not ${String(value)}`;
  const bad = (rule.integer && !Number.isInteger(value)) || (rule.exclusive ? !(value > rule.min) : !(value >= rule.min));
  return bad ? `"${key}" must be ${rule.what} (got ${value})` : null;
}

export interface ParsedManifest {
  manifest: Manifest;
  problems: ManifestProblem[];
  /** The parse tree (null when the text is not JSON). */
  root: JsonNode | null;
}

export function pointerOf(path: (string | number)[]): string {
  return path.map(p => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Finds the key range (or value range for array items / the root) of a JSON path. */
export function locate(root: JsonNode | null, path: (string | number)[]): { offset: number; length: number } {
  if (!root) return { offset: 0, length: 0 };
  let node: JsonNode = root;
  let range = { offset: root.offset, length: root.length };
  for (const seg of path) {
    if (node.type === 'object') {
      const prop = [...node.properties].reverse().find(p => p.key === seg);
      if (!prop) return range;
      range = { offset: prop.keyOffset, length: prop.keyLength };
      node = prop.value;
    } else if (node.type === 'array' && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      range = { offset: node.offset, length: node.length };
    } else {
      return range;
    }
  }
  return range;
}

/** Parses and validates a manifest. Never throws: syntax errors come back as problems. */
export function parseManifest(text: string): ParsedManifest {
  const manifest: Manifest = { arrays: {}, scalars: {} };
  const problems: ManifestProblem[] = [];
  let root: JsonNode;
  try {
    root = parseJsonWithPositions(text);
  } catch (e) {
    const off = e instanceof JsonSyntaxError ? e.offset : 0;
    problems.push({ code: 'manifest-syntax', severity: 'error', message: `Not valid JSON: ${(e as Error).message}`, path: [], pointer: '', offset: off, length: off < text.length ? 1 : 0 });
    return { manifest, problems, root: null };
  }
  const add = (code: string, severity: ProblemSeverity, message: string, path: (string | number)[], range = locate(root, path)) =>
    problems.push({ code, severity, message, path, pointer: pointerOf(path), ...range });
  if (root.type !== 'object') {
    add('manifest-type', 'error', 'The manifest must be a JSON object, e.g. {"targets": "y.npy", "inputSymbols": 784}.', []);
    return { manifest, problems, root };
  }
  const seen = new Set<string>();
  for (const prop of root.properties) {
    const keyRange = { offset: prop.keyOffset, length: prop.keyLength };
    if (seen.has(prop.key)) add('manifest-duplicate-key', 'warning', `"${prop.key}" appears more than once; the last one is used.`, [prop.key], keyRange);
    seen.add(prop.key);
    let key = prop.key;
    if (!(ARRAY_ROLES as readonly string[]).includes(key) && !(SCALAR_KEYS as readonly string[]).includes(key) && !['$schema', 'version', 'description', 'autoencoder', 'metadata', ...RAW_KEYS].includes(key)) {
      const alias = ALIASES[key] ?? ALIASES[key.toLowerCase()];
      if (alias) {
        add('manifest-alias', 'warning', `"${key}" is read as "${alias}"; write "${alias}" to silence this warning.`, [prop.key], keyRange);
        key = alias;
      } else {
        add('manifest-unknown-key', 'warning', `Unknown key "${key}" is ignored. Known keys: ${[...ARRAY_ROLES, ...SCALAR_KEYS, 'metadata', 'autoencoder', ...RAW_KEYS, 'version', 'description'].join(', ')}.`, [prop.key], keyRange);
        continue;
      }
    }
    const v = prop.value;
    if (key === '$schema' || key === 'description') {
      if (v.type !== 'string') add('manifest-type', 'error', `"${prop.key}" must be a string.`, [prop.key], keyRange);
      else if (key === 'description') manifest.description = v.value;
      continue;
    }
    if (key === 'autoencoder') {
      const ae = readAutoencoder(v, (code, message, sub) => add(code, 'error', message, ['autoencoder', ...sub], locate(root, ['autoencoder', ...sub])));
      if (ae) manifest.autoencoder = ae;
      continue;
    }
    if (key === 'dtype') {
      if (v.type !== 'string' || !rawDTypeSpelling(v.value)) add('manifest-value', 'error', `"dtype" must name the dtype of a headerless dump: ${RAW_DTYPE_HELP}.`, [prop.key], keyRange);
      else manifest.raw = { ...manifest.raw, dtype: v.value };
      continue;
    }
    if (key === 'dim') {
      if (v.type !== 'number' || !Number.isSafeInteger(v.value) || v.value < 1) add('manifest-range', 'error', '"dim" must be the dimension of a headerless dump: a whole number of at least 1.', [prop.key], keyRange);
      else manifest.raw = { ...manifest.raw, dim: v.value };
      continue;
    }
    if (key === 'metadata') {
      const ref = arrayRef(v, [prop.key], add, root);
      if (ref) manifest.metadata = ref;
      continue;
    }
    if (key === 'version') {
      if (v.type !== 'number' || v.value !== MANIFEST_VERSION) add('manifest-version', 'error', `"version" must be ${MANIFEST_VERSION} (the only manifest version).`, [prop.key], keyRange);
      else manifest.version = v.value;
      continue;
    }
    if ((ARRAY_ROLES as readonly string[]).includes(key)) {
      const role = key as ArrayRole;
      const ref = arrayRef(v, [prop.key], add, root);
      if (ref) manifest.arrays[role] = ref;
      continue;
    }
    const sk = key as ScalarKey;
    const rule = SCALAR_RULES[sk];
    if (v.type !== 'number') {
      add('manifest-type', 'error', `"${prop.key}" must be ${rule.what} (a JSON number), not ${describe(v)}.`, [prop.key], keyRange);
      continue;
    }
    if (scalarValueProblem(sk, v.value)) {
      add('manifest-range', 'error', `"${prop.key}" must be ${rule.what} (got ${v.value}).`, [prop.key], keyRange);
      continue;
    }
    manifest.scalars[sk] = v.value;
  }
  return { manifest, problems, root };
}

function arrayRef(v: JsonNode, path: string[], add: (code: string, sev: ProblemSeverity, msg: string, path: (string | number)[], range?: { offset: number; length: number }) => void, root: JsonNode): ManifestArrayRef | null {
  const role = path[path.length - 1];
  if (v.type === 'string') {
    if (v.value.trim() === '') {
      add('manifest-range', 'error', `"${role}" must name a file (relative to this manifest); it is empty.`, path);
      return null;
    }
    return { file: v.value };
  }
  if (v.type !== 'object') {
    add('manifest-type', 'error', `"${role}" must be a file path (string) or {"file": ..., "array": ...}, not ${describe(v)}.`, path);
    return null;
  }
  const ref: ManifestArrayRef = {};
  for (const p of v.properties) {
    const range = { offset: p.keyOffset, length: p.keyLength };
    if (p.key !== 'file' && p.key !== 'array') {
      add('manifest-unknown-key', 'warning', `Unknown key "${p.key}" in "${role}" is ignored (known: file, array).`, [...path, p.key], range);
      continue;
    }
    if (p.value.type !== 'string' || p.value.value.trim() === '') {
      add('manifest-type', 'error', `"${role}.${p.key}" must be a non-empty string.`, [...path, p.key], range);
      continue;
    }
    ref[p.key] = p.value.value;
  }
  if (!ref.file && !ref.array) {
    add('manifest-range', 'error', `"${role}" needs "file", "array" or both.`, path, locate(root, path));
    return null;
  }
  return ref;
}

function describe(v: JsonNode): string {
  switch (v.type) {
    case 'string': return `the string "${v.value}"`;
    case 'number': return `the number ${v.value}`;
    case 'boolean': return `${v.value}`;
    case 'null': return 'null';
    case 'array': return 'an array';
    case 'object': return 'an object';
  }
}

/** Which per-role description the schema and hovers show. */
export function roleDescription(role: ArrayRole): string {
  return ROLE_HELP[role];
}

/** Sidecar manifest names for a dump path, in lookup order: emb.embeddings.json, emb.npy.embeddings.json. */
export function manifestCandidates(dumpPath: string): string[] {
  const slash = Math.max(dumpPath.lastIndexOf('/'), dumpPath.lastIndexOf('\\'));
  const dir = dumpPath.slice(0, slash + 1);
  const base = dumpPath.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return [...new Set([dir + stem + MANIFEST_SUFFIX, dir + base + MANIFEST_SUFFIX])];
}

/** True when a path looks like a sidecar manifest. */
export function isManifestPath(path: string): boolean {
  return path.toLowerCase().endsWith(MANIFEST_SUFFIX);
}

const INIT_SCHEME_NAMES = ['torch-linear-default', 'xavier-normal', 'xavier-uniform', 'kaiming-normal'];

/** The `autoencoder` object: field types and ranges, each problem on its own key. */
function readAutoencoder(node: JsonNode, problem: (code: string, message: string, path: string[]) => void): ManifestAutoencoder | undefined {
  if (node.type !== 'object') { problem('manifest-type', '"autoencoder" must be an object with latentWidth, init, learningRate and steps.', []); return undefined; }
  const get = (k: string) => node.properties.find(p => p.key === k)?.value;
  let ok = true;
  const posNumber = (k: string, integer: boolean): number | undefined => {
    const v = get(k);
    if (v === undefined) { problem('manifest-missing-key', `"autoencoder" needs "${k}".`, []); ok = false; return undefined; }
    if (v.type !== 'number' || !(v.value > 0) || (integer && !Number.isInteger(v.value))) {
      problem('manifest-type', `"${k}" must be a positive ${integer ? 'whole number' : 'number'}.`, [k]); ok = false; return undefined;
    }
    return v.value;
  };
  const latentWidth = posNumber('latentWidth', true);
  const learningRate = posNumber('learningRate', false);
  const steps = posNumber('steps', true);
  let init: ManifestAutoencoder['init'] = { scheme: 'torch-linear-default' };
  const initNode = get('init');
  if (initNode?.type === 'string') {
    if (INIT_SCHEME_NAMES.includes(initNode.value)) init = { scheme: initNode.value };
    else { problem('manifest-value', `"init" must be one of ${INIT_SCHEME_NAMES.join(', ')}, or an object {"sigma": …} / {"sigma2": …}.`, ['init']); ok = false; }
  } else if (initNode?.type === 'object') {
    const sigma = initNode.properties.find(p => p.key === 'sigma')?.value;
    const sigma2 = initNode.properties.find(p => p.key === 'sigma2')?.value;
    if (sigma?.type === 'number' && sigma.value > 0) init = { sigma: sigma.value };
    else if (sigma2?.type === 'number' && sigma2.value > 0) init = { sigma2: sigma2.value };
    else { problem('manifest-value', '"init" needs a positive "sigma" or "sigma2".', ['init']); ok = false; }
  } else if (initNode !== undefined) { problem('manifest-type', '"init" must be a scheme name or an object.', ['init']); ok = false; }
  const conv = get('learningRateConvention');
  let learningRateConvention: ManifestAutoencoder['learningRateConvention'];
  if (conv !== undefined) {
    if (conv.type === 'string' && (conv.value === 'gradient-flow' || conv.value === 'torch-mse-mean')) learningRateConvention = conv.value;
    else { problem('manifest-value', '"learningRateConvention" must be "gradient-flow" or "torch-mse-mean".', ['learningRateConvention']); ok = false; }
  }
  const seedsNode = get('seeds');
  const seeds = seedsNode?.type === 'number' && Number.isInteger(seedsNode.value) && seedsNode.value > 0 ? seedsNode.value : undefined;
  if (!ok || latentWidth === undefined || learningRate === undefined || steps === undefined) return undefined;
  return { latentWidth, init, learningRate, learningRateConvention, steps, seeds };
}
