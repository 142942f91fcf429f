import { ROW_INDICES_KEPT } from '../stats/rowIndices';
import { EmbdiagError, asEmbdiagError } from '../errors';
import type { ByteSource } from '../io/byteSource';
import { FileByteSource } from '../io/fileByteSource';
import { openNpz } from '../formats/npz';
import { npyFloat64Bytes } from '../formats/npyWriter';
import { openZipEntry, readZipDirectory } from '../formats/zip';
import { writeStoredZip, type ZipWriteEntry, type ZipWriteOptions } from '../formats/zipWriter';
import { TOOL_VERSION } from '../version';
import type { DumpFormat } from '../formats/dumpFile';
import { NORM_SKETCH_ACCURACY, normSketchArrays, normSketchFromArrays } from './normSketch';
import { ROW_KEYS_BOUND, type DuplicateRow } from './rowKeys';
import { SCALAR_KEYS, scalarValueProblem, type ScalarKey } from '../information/manifest';
import { COMPANION_ORDER, companionWidth, PARTIAL_VERSION, type CompanionPartial, type CompanionSpec, type DatasetPartial, type ShardEntry } from './partial';

/**
 * The `.embstats` file: a partial (partial.ts) as an .npz of float64 arrays plus a JSON entry
 * `header.json`, so numpy (np.load) and any zip tool read it without our code. Layout and
 * meaning: docs/embstats.md. Versioned by header.version (PARTIAL_VERSION). Each shard's entry may
 * hold `scalars`, those its sidecar manifest gives (optional in version 1: older files hold none).
 */
export const EMBSTATS_EXTENSION = '.embstats';
/** header.json beyond this is not a plausible header (a shard list of 100,000 entries fits). */
const MAX_HEADER_BYTES = 64 << 20;

interface Header {
  format: 'embstats';
  version: number;
  tool: string;
  dim: number;
  seed: number;
  array: string | null;
  dtypes: Record<string, number>;
  shards: (Omit<ShardEntry, 'mtimeMs'> & { mtime: string; mtimeMs: number })[];
  counts: { rowsSeen: number; nanRows: number; infRows: number; nullRows: number; finiteRows: number; zeroRows: number };
  nullRowFirst: number[];
  /** Optional in version 1 (older files hold none): the first NaN, ±Inf and all-zero rows. */
  nanRowFirst?: number[];
  infRowFirst?: number[];
  zeroRowFirst?: number[];
  /**
   * Optional in version 1 (older files hold none): the global row of each value of the norms
   * array (same order), while norms.exact. In the header, not an array of the .npz, so that the
   * arrays of a version-1 file stay those older readers know.
   */
  normRows?: number[];
  norms: { min: number | null; max: number | null; sum: number; exact: boolean; sketch: { kind: 'DDSketch'; relativeAccuracy: number; zeros: number } };
  /**
   * firstRows, duplicates: optional in version 1 (older files hold none): the global row where each
   * of row_keys first occurs (same order), and the duplicate rows of lowest index as
   * [row, the first row it repeats, key]. In the header, not arrays of the .npz, so that the
   * arrays of a version-1 file stay those older readers know.
   */
  rowKeys: { hash: string; bound: number; kept: number; saturated: boolean; firstRows?: number[]; duplicates?: [number, number, number][] };
  sample: { capacity: number; rows: number; priority: string };
  /** Optional in version 1 (absent: no companion arrays): the companions in the order of the joint rows, and the rows behind their moments. */
  companions?: { roles: CompanionSpec[]; finiteRows: number };
  arrays: Record<string, string>;
}

const ARRAY_DOC: Record<string, string> = {
  mean: '(dim,) mean of the finite rows',
  comoment: '(dim, dim) co-moment sum over finite rows of (x - mean)(x - mean)^T; covariance = comoment / (finiteRows - 1)',
  norms: '(finiteRows,) Euclidean norms of the finite rows, ascending (only while norms.exact)',
  norm_sketch_index: '(m,) DDSketch bucket indices i: norms in (gamma^(i-1), gamma^i], gamma = (1 + a)/(1 - a)',
  norm_sketch_count: '(m,) norms in each bucket',
  row_keys: '(k,) smallest distinct 53-bit row hash keys, ascending',
  sample_index: '(s,) global row indices of the sample rows',
  sample_priority: '(s,) their priorities (hash of seed and global row index), ascending',
  sample_rows: '(s, dim) the sample rows',
  companion_mean: '(D,) mean of the joint rows [Z | companions in header.companions.roles order] where every value is finite; D = dim + sum of the companion dims',
  companion_comoment: '(D, D) co-moment of those joint rows; covariance = companion_comoment / (companions.finiteRows - 1)',
  sample_companion_rows: '(s, D - dim) the companions of the sample rows, in the same order (NaN where a companion is not finite)',
  norm_rows: '(finiteRows,) the global row of each value of norms (instead of header.normRows; cache entries only)',
  row_key_first_rows: '(k,) the global row where each of row_keys first occurs (instead of header.rowKeys.firstRows; cache entries only)',
};

/**
 * How the per-row lists (the norms' rows, the row keys' first rows) are stored: in the header
 * (every .embstats a user gets: the arrays stay those older readers know), or as arrays (a
 * PartialCache entry, read only by the embdiag that wrote it: a million numbers of JSON cost
 * more to parse than the rest of the file); and the zip's options (ZIP64 records).
 */
export interface EmbstatsWriteOptions extends ZipWriteOptions { rowListsAsArrays?: boolean }

/** The partial's arrays and header as .embstats bytes, written to `filePath` (a ZIP64 zip past 4 GiB or 65,535 entries). */
export async function writeEmbstats(filePath: string, p: DatasetPartial, options: EmbstatsWriteOptions = {}): Promise<void> {
  const sketch = normSketchArrays(p.normSketch);
  const s = p.sample.indices.length;
  const arrays: [string, number[], Float64Array][] = [
    ['mean', [p.dim], p.mean],
    ['comoment', [p.dim, p.dim], p.comoment],
    ['norms', [p.norms?.length ?? 0], p.norms ?? new Float64Array(0)],
    ['norm_sketch_index', [sketch.index.length], sketch.index],
    ['norm_sketch_count', [sketch.count.length], sketch.count],
    ['row_keys', [p.keys.keys.length], p.keys.keys],
    ['sample_index', [s], p.sample.indices],
    ['sample_priority', [s], p.sample.priorities],
    ['sample_rows', [s, p.dim], p.sample.rows],
  ];
  const lists = options.rowListsAsArrays === true;
  const normRows = p.norms && p.normRows ? p.normRows : null;
  const keyRows = p.keys.firstRows && p.keys.duplicates ? { firstRows: p.keys.firstRows, duplicates: p.keys.duplicates } : null;
  const firstRows = keyRows?.firstRows ?? null;
  if (lists && normRows) arrays.push(['norm_rows', [normRows.length], normRows]);
  if (lists && firstRows) arrays.push(['row_key_first_rows', [firstRows.length], firstRows]);
  const c = p.companions;
  if (c) {
    const total = p.dim + companionWidth(c);
    arrays.push(['companion_mean', [total], c.joint.mean], ['companion_comoment', [total, total], c.joint.comoment],
      ['sample_companion_rows', [s, total - p.dim], p.sample.companions ?? new Float64Array(0)]);
  }
  const dtypes: Record<string, number> = {};
  for (const sh of p.shards) dtypes[sh.dtype] = (dtypes[sh.dtype] ?? 0) + sh.rows;
  const header: Header = {
    format: 'embstats', version: p.version, tool: `embdiag ${TOOL_VERSION}`, dim: p.dim, seed: p.seed, array: p.arrayChoice, dtypes,
    shards: p.shards.map(sh => ({ ...sh, mtime: new Date(sh.mtimeMs).toISOString() })),
    counts: { rowsSeen: p.rowsSeen, nanRows: p.nanRows, infRows: p.infRows, nullRows: p.nullRows, finiteRows: p.count, zeroRows: p.zeroRows },
    nullRowFirst: p.nullRowFirst,
    nanRowFirst: p.nanRowFirst, infRowFirst: p.infRowFirst, zeroRowFirst: p.zeroRowFirst,
    ...(normRows && !lists ? { normRows: Array.from(normRows) } : {}),
    norms: { min: p.count ? p.normMin : null, max: p.count ? p.normMax : null, sum: p.normSum, exact: p.norms !== null,
      sketch: { kind: 'DDSketch', relativeAccuracy: NORM_SKETCH_ACCURACY, zeros: p.normSketch.zeros } },
    rowKeys: { hash: 'embdiag hashRow: murmur3/xxhash32 rounds over the float64 little-endian bits, -0 as +0, 53-bit', bound: ROW_KEYS_BOUND, kept: p.keys.keys.length, saturated: p.keys.saturated,
      ...(keyRows ? { ...(lists ? {} : { firstRows: Array.from(keyRows.firstRows) }), duplicates: keyRows.duplicates.map(d => [d.row, d.repeats, d.key] as [number, number, number]) } : {}) },
    sample: { capacity: p.sample.capacity, rows: s, priority: 'samplePriority(seed, global row index), 53-bit; the sample is the rows of smallest priority' },
    ...(c ? { companions: { roles: c.roles, finiteRows: c.joint.count } } : {}),
    arrays: Object.fromEntries(arrays.filter(a => a[2].length > 0).map(a => [a[0], ARRAY_DOC[a[0]]])),
  };
  const entries: ZipWriteEntry[] = [{ name: 'header.json', data: new TextEncoder().encode(JSON.stringify(header, null, 1)) }];
  // empty arrays are left out: the header's counts say they are empty
  for (const [name, shape, data] of arrays) if (data.length > 0) entries.push({ name: `${name}.npy`, data: npyFloat64Bytes(shape, data) });
  await writeStoredZip(filePath, entries, options);
}

export async function readEmbstats(filePath: string): Promise<DatasetPartial> {
  const source = await FileByteSource.open(filePath);
  try {
    return await readEmbstatsSource(source);
  } finally {
    await source.close();
  }
}

/** Reads and checks a .embstats; anything inconsistent is refused as `bad-header`, never trusted. */
export async function readEmbstatsSource(source: ByteSource): Promise<DatasetPartial> {
  const bad = (problem: string) => new EmbdiagError('bad-header', `${source.name}: not a usable .embstats file: ${problem}.`,
    'Write it again with "embdiag stats" or "embdiag merge".');
  try {
    const entries = await readZipDirectory(source);
    const headerEntry = entries.find(e => e.name === 'header.json');
    if (!headerEntry) throw bad('it has no header.json entry');
    if (headerEntry.uncompressedSize > MAX_HEADER_BYTES) throw bad(`its header.json is ${headerEntry.uncompressedSize} bytes`);
    const headerSource = await openZipEntry(source, headerEntry);
    let h: Header;
    try {
      h = JSON.parse(headerText(await headerSource.read(0, headerSource.size)));
    } catch (e) {
      if (e instanceof EmbdiagError) throw e;
      throw bad('its header.json is not valid JSON');
    } finally {
      await headerSource.close();
    }
    const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
    // a JavaScript Date holds ±8.64e15 ms
    const isTime = (x: unknown): x is number => typeof x === 'number' && Math.abs(x) <= 8.64e15;
    if (typeof h !== 'object' || h === null || h.format !== 'embstats') throw bad('header.json does not say format "embstats"');
    if (h.version !== PARTIAL_VERSION) {
      throw new EmbdiagError('bad-header', `${source.name}: .embstats format version ${String(h.version)}; this embdiag reads version ${PARTIAL_VERSION}.`,
        'Use the embdiag that wrote it, or write it again with this one.');
    }
    if (!isCount(h.dim) || h.dim < 1 || h.dim > 16_384) throw bad(`dim ${String(h.dim)} is not a dimension from 1 to 16384`);
    if (!Number.isSafeInteger(h.seed)) throw bad('the sample seed is not an integer');
    if (!(h.array === null || typeof h.array === 'string')) throw bad('the array choice is neither null nor a name');
    const c = h.counts;
    if (!c || ![c.rowsSeen, c.nanRows, c.infRows, c.nullRows, c.finiteRows, c.zeroRows].every(isCount)
      || c.nanRows + c.infRows + c.finiteRows !== c.rowsSeen || c.nullRows > c.nanRows || c.zeroRows > c.finiteRows) throw bad('its row counts do not add up');
    if (!Array.isArray(h.shards) || h.shards.length === 0) throw bad('it lists no shard');
    let rows = 0;
    // optional in version 1 (older files hold none): the scalars each shard's sidecar manifest gives
    const shardScalars = (x: unknown, i: number): ShardEntry['scalars'] => {
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad(`shard ${i}'s manifest scalars are not an object`);
      const out: NonNullable<ShardEntry['scalars']> = {};
      for (const [k, v] of Object.entries(x)) {
        if (!(SCALAR_KEYS as readonly string[]).includes(k)) throw bad(`shard ${i}'s manifest scalars hold the unknown key ${JSON.stringify(k).slice(0, 40)}`);
        const problem = scalarValueProblem(k as ScalarKey, v);
        if (problem) throw bad(`shard ${i}'s manifest scalar ${problem}`);
        out[k as ScalarKey] = v as number;
      }
      return out;
    };
    const shards: ShardEntry[] = h.shards.map((s, i) => {
      if (!s || typeof s.file !== 'string' || !isCount(s.firstRow) || !isCount(s.rows) || typeof s.dtype !== 'string' || typeof s.format !== 'string'
        || typeof s.array !== 'string' || !isCount(s.size) || !isTime(s.mtimeMs)) throw bad(`shard ${i} is not described completely`);
      rows += s.rows;
      return { file: s.file, firstRow: s.firstRow, rows: s.rows, format: s.format as DumpFormat, array: s.array, dtype: s.dtype,
        shape: Array.isArray(s.shape) ? s.shape.filter(isCount) : [s.rows, h.dim], size: s.size, mtimeMs: s.mtimeMs,
        findings: Array.isArray(s.findings) ? s.findings.filter(f => f && typeof f.message === 'string' && typeof f.code === 'string')
          .map(f => ({ code: f.code, severity: f.severity === 'error' || f.severity === 'warning' ? f.severity : 'information', message: f.message })) : [],
        notes: Array.isArray(s.notes) ? s.notes.filter((n): n is string => typeof n === 'string') : [],
        ...(s.scalars !== undefined ? { scalars: shardScalars(s.scalars, i) } : {}) };
    });
    if (rows !== c.rowsSeen) throw bad(`its shards hold ${rows} rows but its counts say ${c.rowsSeen}`);
    const n = h.norms, k = h.rowKeys, sm = h.sample;
    if (!n || typeof n.sum !== 'number' || typeof n.exact !== 'boolean' || !n.sketch || !isCount(n.sketch.zeros)) throw bad('its norm summary is incomplete');
    if (n.sketch.relativeAccuracy !== NORM_SKETCH_ACCURACY) throw bad(`its norm sketch has accuracy ${String(n.sketch.relativeAccuracy)}, not ${NORM_SKETCH_ACCURACY}`);
    if (!k || typeof k.saturated !== 'boolean' || !isCount(k.kept) || k.kept > ROW_KEYS_BOUND) throw bad('its row-key summary is incomplete');
    if (!sm || !isCount(sm.capacity) || !isCount(sm.rows) || sm.rows > sm.capacity || sm.rows > c.finiteRows) throw bad('its sample summary is incomplete');

    const npz = await openNpz(source);
    const names = new Set(npz.arrays.map(a => a.name));
    const read = async (name: string, expectedLength: number): Promise<Float64Array> => {
      if (expectedLength === 0) return new Float64Array(0);
      if (!names.has(name)) throw bad(`array ${name} is missing`);
      const info = npz.arrays.find(a => a.name === name)!;
      const length = info.shape.reduce((a, b) => a * b, 1);
      if (length !== expectedLength) throw bad(`array ${name} holds ${length} values, not ${expectedLength}`);
      const m = await npz.open(name);
      const values = await m.readRows(0, m.rows);
      if (values.length !== expectedLength) throw bad(`array ${name} holds ${values.length} values, not ${expectedLength}`);
      return values;
    };
    const d = h.dim;
    const mean = await read('mean', d);
    const comoment = await read('comoment', d * d);
    const norms = n.exact ? await read('norms', c.finiteRows) : null;
    // optional in version 1: files written before rows were kept beside the norms have none
    let normRows: Float64Array | null = null;
    if (norms && h.normRows !== undefined) {
      if (!Array.isArray(h.normRows) || h.normRows.length !== c.finiteRows) throw bad(`its normRows list does not hold one row per finite row`);
      normRows = numbersOf(h.normRows);
    } else if (norms && names.has('norm_rows')) normRows = await read('norm_rows', c.finiteRows);
    const sketchLength = names.has('norm_sketch_index') ? npz.arrays.find(a => a.name === 'norm_sketch_index')!.shape.reduce((a, b) => a * b, 1) : 0;
    const sketchIndex = await read('norm_sketch_index', sketchLength);
    const sketchCount = await read('norm_sketch_count', sketchLength);
    const keys = await read('row_keys', k.kept);
    const sampleIndex = await read('sample_index', sm.rows);
    const samplePriority = await read('sample_priority', sm.rows);
    const sampleRows = await read('sample_rows', sm.rows * d);
    if (!sketchIndex.every(Number.isSafeInteger) || !sketchCount.every(isCount)
      || sketchCount.reduce((a, b) => a + b, 0) + n.sketch.zeros !== c.finiteRows) throw bad('its norm sketch does not count the finite rows');
    for (let i = 1; i < keys.length; i++) if (!(keys[i] > keys[i - 1])) throw bad('its row keys are not ascending');
    if (norms) for (let i = 1; i < norms.length; i++) if (!(norms[i] >= norms[i - 1])) throw bad('its norms are not ascending');
    if (normRows && !distinctRowsOfShards(normRows, shards)) throw bad('its norm rows are not distinct row indices of its shards');
    let firstRows: Float64Array | null = null;
    let duplicates: DuplicateRow[] | null = null;
    if (k.firstRows !== undefined || k.duplicates !== undefined) {
      if (k.firstRows === undefined && names.has('row_key_first_rows')) firstRows = await read('row_key_first_rows', keys.length);
      else if (!Array.isArray(k.firstRows) || k.firstRows.length !== keys.length) throw bad('its row keys\' first rows do not hold one row per key');
      else firstRows = numbersOf(k.firstRows);
      if (!distinctRowsOfShards(firstRows, shards)) throw bad('its row keys\' first rows are not distinct row indices of its shards');
      const isRow = (r: unknown): r is number => isCount(r) && shards.some(s => r >= s.firstRow && r < s.firstRow + s.rows);
      if (!Array.isArray(k.duplicates) || k.duplicates.length > ROW_INDICES_KEPT
        || !k.duplicates.every(d => Array.isArray(d) && isRow(d[0]) && isRow(d[1]) && d[1] < d[0] && typeof d[2] === 'number')) throw bad('its duplicate rows are not pairs of row indices of its shards, the later repeating the earlier');
      duplicates = k.duplicates.map(([row, repeats, key]) => ({ row, repeats, key })).sort((a, b) => a.row - b.row);
    }
    if (!sampleIndex.every(i => isCount(i) && shards.some(s => i >= s.firstRow && i < s.firstRow + s.rows))) throw bad('its sample indices are not row indices of its shards');
    // the sample holds finite rows only, and a co-moment is a sum of outer products: symmetric, no negative sum of squares
    if (!allFinite(sampleRows)) throw bad('its sample rows are not finite');
    const comomentProblem = coMomentProblem(comoment, d);
    if (comomentProblem) throw bad(`its co-moment is not one: ${comomentProblem}`);
    let companions: CompanionPartial | null = null;
    let sampleCompanions: Float64Array | undefined;
    if (h.companions !== undefined) {
      const hc = h.companions;
      const roles: CompanionSpec[] = Array.isArray(hc?.roles) ? hc.roles : [];
      if (!roles.length || !isCount(hc.finiteRows) || hc.finiteRows > c.finiteRows
        || !roles.every((r, i) => r && COMPANION_ORDER.includes(r.role) && roles.findIndex(q => q.role === r.role) === i && isCount(r.dim) && r.dim >= 1 && typeof r.dtype === 'string')) throw bad('its companion summary is incomplete');
      const w = roles.reduce((a, r) => a + r.dim, 0);
      if (d + w > 16_384) throw bad(`its companions have ${w} columns`);
      const total = d + w;
      const joint = { count: hc.finiteRows, mean: await read('companion_mean', total), comoment: await read('companion_comoment', total * total) };
      const problem = coMomentProblem(joint.comoment, total);
      if (problem) throw bad(`its companion co-moment is not one: ${problem}`);
      companions = { roles: roles.map(r => ({ role: r.role, dim: r.dim, dtype: r.dtype })), joint };
      sampleCompanions = await read('sample_companion_rows', sm.rows * w);
    }
    return {
      version: h.version, dim: d, seed: h.seed, arrayChoice: h.array, shards,
      rowsSeen: c.rowsSeen, nanRows: c.nanRows, infRows: c.infRows, nullRows: c.nullRows, count: c.finiteRows, zeroRows: c.zeroRows,
      nullRowFirst: rowList(h.nullRowFirst), nanRowFirst: rowList(h.nanRowFirst), infRowFirst: rowList(h.infRowFirst), zeroRowFirst: rowList(h.zeroRowFirst),
      mean, comoment,
      normMin: n.min ?? Infinity, normMax: n.max ?? -Infinity, normSum: n.sum,
      norms, normRows, normSketch: normSketchFromArrays(n.sketch.zeros, sketchIndex, sketchCount),
      keys: { keys, saturated: k.saturated, firstRows, duplicates },
      sample: { capacity: sm.capacity, priorities: samplePriority, indices: sampleIndex, rows: sampleRows, ...(sampleCompanions ? { companions: sampleCompanions } : {}) },
      companions,
    };
  } catch (e) {
    if (e instanceof EmbdiagError && e.code !== 'bad-archive' && e.code !== 'truncated') throw e;
    if (e instanceof EmbdiagError) {
      // the zip reader's advice is about .npz (re-save with np.savez): say what to do with a partial
      const what = e.message.startsWith(`${source.name}: `) ? e.message.slice(source.name.length + 2) : e.message;
      throw new EmbdiagError(e.code, `${source.name}: not a usable .embstats file: its zip structure is damaged (${what.split('. ')[0].replace(/\.$/, '')}).`,
        'Write it again with "embdiag stats" or "embdiag merge", or copy it again.', { detail: e.detail });
    }
    // a header of the right shape with values of the wrong kind: refused like any inconsistency
    throw new EmbdiagError('bad-header', `${source.name}: not a usable .embstats file: its header does not describe it the way version ${PARTIAL_VERSION} does.`,
      'Write it again with "embdiag stats" or "embdiag merge".', { detail: asEmbdiagError(e).detail });
  }
}

/**
 * Why `m` (d×d) cannot be a co-moment Σ (x − mean)(x − mean)ᵀ, or null. Overflowed (±Inf, NaN)
 * entries pass: the report says numeric-overflow. The merge rounds (δᵢw)δⱼ and (δⱼw)δᵢ apart, so
 * symmetry is checked to rounding.
 */
function coMomentProblem(m: Float64Array, d: number): string | null {
  for (let i = 0; i < d; i++) if (m[i * d + i] < 0) return `a negative sum of squares on its diagonal (dimension ${i})`;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const a = m[i * d + j], b = m[j * d + i];
      const gap = Math.abs(a - b);
      // within rounding of the entries themselves: no need for the diagonal's scale (a square root per pair)
      if (gap <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + Number.MIN_VALUE) continue;
      const scale = Math.sqrt(Math.abs(m[i * d + i] * m[j * d + j]));
      if (gap > 1e-9 * Math.max(scale, Math.abs(a), Math.abs(b)) + Number.MIN_VALUE) return `entries (${i}, ${j}) and (${j}, ${i}) differ: it is not symmetric`;
    }
  }
  return null;
}

/** A header's list of row indices: the valid ones (ascending), at most ROW_INDICES_KEPT; absent: none. */
function rowList(x: unknown): number[] {
  const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  return Array.isArray(x) ? x.filter(isIndex).sort((a, b) => a - b).slice(0, ROW_INDICES_KEPT) : [];
}

/** header.json as text: ASCII (what we write) decoded byte for byte, anything else as strict UTF-8. */
function headerText(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A header's list of numbers as float64 (anything else NaN), without a call per value (a list holds a value per row). */
function numbersOf(list: unknown[]): Float64Array {
  const out = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) { const v = list[i]; out[i] = typeof v === 'number' ? v : NaN; }
  return out;
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] - values[i] !== 0) return false;
  return true;
}

/**
 * True when every value is a row index of some shard and no two are the same: marked in a bitmap
 * of the shards' row span when it is not much larger than the list (a cached partial: one shard),
 * else sorted once; linear in rows and shards either way.
 */
function distinctRowsOfShards(rows: Float64Array, shards: readonly ShardEntry[]): boolean {
  for (let i = 0; i < rows.length; i++) { const r = rows[i]; if (!(Number.isSafeInteger(r) && r >= 0)) return false; }
  if (rows.length === 0) return true;
  let start = Infinity, end = -Infinity;
  for (const s of shards) { start = Math.min(start, s.firstRow); end = Math.max(end, s.firstRow + s.rows); }
  if (end - start <= 8 * rows.length + 65_536) {
    const inShard = new Uint8Array(end - start);
    for (const s of shards) inShard.fill(1, s.firstRow - start, s.firstRow - start + s.rows);
    for (let i = 0; i < rows.length; i++) {
      const at = rows[i] - start;
      if (!(at >= 0 && at < inShard.length) || inShard[at] !== 1) return false; // outside the shards, or seen
      inShard[at] = 2;
    }
    return true;
  }
  const sorted = rows.slice().sort();
  const byStart = [...shards].sort((a, b) => a.firstRow - b.firstRow);
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) return false;
    while (k < byStart.length && sorted[i] >= byStart[k].firstRow + byStart[k].rows) k++;
    if (k === byStart.length || sorted[i] < byStart[k].firstRow) return false;
  }
  return true;
}
