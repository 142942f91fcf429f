import { EmbdiagError } from '../errors';
import type { DumpFormat, ReaderFinding } from '../formats/dumpFile';
import { NULL_ROW_INDICES_KEPT } from '../analysis/nullRowTally';
import { ROW_INDICES_KEPT } from '../stats/rowIndices';
import { mergeNormSketches, type NormSketch } from './normSketch';
import { mergeManyRowKeys, mergeRowKeys, ROW_KEYS_BOUND, type RowKeys } from './rowKeys';
import { mergeBalanced } from '../stats/mergeBalanced';
import { mergeManyRowSamples, mergeRowSamples, type RowSample } from './rowSample';
import { mergeMoments, type Moments } from './jointMoments';
import type { ArrayRole, ScalarKey } from '../information/manifest';
import { ROLE_SYMBOL } from '../information/inputSources';

/**
 * The mergeable statistics of a set of rows (one shard, or many merged): what a dataset report
 * needs, such that merging the partials of shards gives the partial of their concatenation.
 * Stored as a `.embstats` file (embstatsFile.ts, docs/embstats.md).
 */
export const PARTIAL_VERSION = 1;
/** Norms kept exactly (for an exact median) while the merged rows number at most this. */
export const NORMS_KEPT = 1 << 20;

export interface ShardEntry {
  file: string;
  /** Global index of the shard's first row. */
  firstRow: number;
  rows: number;
  format: DumpFormat;
  array: string;
  dtype: string;
  shape: number[];
  size: number;
  mtimeMs: number;
  findings: ReaderFinding[];
  notes: string[];
  /** The scalars of the information analysis its sidecar manifest gives (datasetScalars.ts); absent: none. */
  scalars?: Partial<Record<ScalarKey, number>>;
}

export type CompanionRole = Exclude<ArrayRole, 'embeddings'>;

/** The companion roles in the order of the joint rows [Z | Z̃ | Y | Ŷ | X | labels]. */
export const COMPANION_ORDER: readonly CompanionRole[] = ['perturbed', 'targets', 'predictions', 'inputs', 'labels'];

/** The start of the shard note saying why its companions are left out (assertMergeable quotes it). */
export const COMPANIONS_NOT_USED = 'Its companion arrays are not used (the information estimates see Z only):';

/** One companion array of every shard (container key or sidecar manifest): its role, width and storage dtype. */
export interface CompanionSpec { role: CompanionRole; dim: number; dtype: string }

/**
 * The companions of a dataset (Z̃, Y, Ŷ, X, labels, given per shard): the moments of the joint
 * rows [Z | companions in `roles` order] over the rows where every value is finite (the single
 * file's P1 rule), for the Gaussian information figures; their rows at the sample indices are
 * in the sample (RowSample.companions).
 */
export interface CompanionPartial {
  roles: CompanionSpec[];
  joint: Moments;
}

export interface DatasetPartial {
  version: number;
  dim: number;
  /** Seed of the row sample. */
  seed: number;
  /** The --array asked for, or null for the default choice rule. */
  arrayChoice: string | null;
  shards: ShardEntry[];
  /** Every row read; rows with a NaN (null rows included), with ±Inf and no NaN; null rows; finite; finite all-zero. */
  rowsSeen: number;
  nanRows: number;
  infRows: number;
  nullRows: number;
  count: number;
  zeroRows: number;
  /** The first null rows, global indices ascending. */
  nullRowFirst: number[];
  /** The first rows with a NaN (null rows not included), with ±Inf, and all-zero, global indices ascending (ROW_INDICES_KEPT each). */
  nanRowFirst: number[];
  infRowFirst: number[];
  zeroRowFirst: number[];
  /** Mean of the finite rows (zeros when count is 0) and their co-moment Σ (x − mean)(x − mean)ᵀ, full, row-major. */
  mean: Float64Array;
  comoment: Float64Array;
  /** Finite row norms: min, max, sum; all of them ascending while count ≤ NORMS_KEPT (else null); the sketch always. */
  normMin: number;
  normMax: number;
  normSum: number;
  norms: Float64Array | null;
  /** The global row of each of `norms` (ties in norm by row, ascending); null when norms is, or when a partial without them (an older .embstats) was merged in. */
  normRows: Float64Array | null;
  normSketch: NormSketch;
  keys: RowKeys;
  sample: RowSample;
  /** Null when the shards have no companion arrays. */
  companions: CompanionPartial | null;
}

/** "Z̃ (8 columns), Y (2 columns)" or "none". */
export function companionSetText(c: CompanionPartial | null): string {
  return c && c.roles.length ? c.roles.map(r => `${ROLE_SYMBOL[r.role]} (${r.dim} column${r.dim === 1 ? '' : 's'})`).join(', ') : 'none';
}

/** Columns of the joint rows after Z: the sum of the companions' widths. */
export function companionWidth(c: CompanionPartial | null): number {
  return c ? c.roles.reduce((s, r) => s + r.dim, 0) : 0;
}

/** Throws a refusal naming what differs when two partials cannot be merged. */
export function assertMergeable(a: DatasetPartial, b: DatasetPartial, nameA = 'the first', nameB = 'the second'): void {
  const differ = (what: string, x: unknown, y: unknown) => new EmbdiagError('bad-argument',
    `Cannot merge ${nameA} (${what} ${String(x)}) with ${nameB} (${what} ${String(y)}): partials merge only when their ${what} is the same.`);
  if (a.version !== b.version) throw differ('format version', a.version, b.version);
  if (a.dim !== b.dim) throw differ('dimension', a.dim, b.dim);
  if (a.seed !== b.seed) throw differ('sample seed', a.seed, b.seed);
  if (a.arrayChoice !== b.arrayChoice) throw differ('array choice', a.arrayChoice ?? '(default rule)', b.arrayChoice ?? '(default rule)');
  if (a.sample.capacity !== b.sample.capacity) throw differ('sample size', a.sample.capacity, b.sample.capacity);
  const ca = companionSetText(a.companions), cb = companionSetText(b.companions);
  if (ca !== cb) {
    const files = (p: DatasetPartial) => p.shards.length === 1 ? p.shards[0].file : `${p.shards[0].file} and ${p.shards.length - 1} more shard${p.shards.length === 2 ? '' : 's'}`;
    const why = [...a.shards, ...b.shards].flatMap(s => s.notes.filter(n => n.startsWith(COMPANIONS_NOT_USED)).map(n => ` ${s.file}: ${n}`)).slice(0, 3).join('');
    throw new EmbdiagError('bad-argument', `Cannot merge ${files(a)} (companion arrays: ${ca}) with ${files(b)} (companion arrays: ${cb}): every shard of a dataset must carry the same companion arrays, of the same widths.${why}`,
      'Give every shard the same container keys (embeddings_perturbed, targets, predictions, inputs, labels) or the same sidecar manifest entries, or none.');
  }
  for (const s of a.shards) {
    for (const t of b.shards) {
      if (s.firstRow < t.firstRow + t.rows && t.firstRow < s.firstRow + s.rows) {
        throw new EmbdiagError('bad-argument', `Cannot merge: rows ${s.firstRow}–${s.firstRow + s.rows - 1} (${s.file}) and rows ${t.firstRow}–${t.firstRow + t.rows - 1} (${t.file}) overlap, so rows would count twice: ` +
          'the same partial given twice, or parts written without their --first-row (give each "embdiag stats" of a part of the dataset the global index of its first row).');
      }
    }
  }
}

/**
 * The partial of the union of the rows of a and b: mean and co-moment (of Z, and of the joint
 * rows with the companions) by the pairwise update of jointMoments.ts, which (like the rest) does
 * not depend on the order of a and b.
 */
export function mergePartials(a: DatasetPartial, b: DatasetPartial, reuse: 'a' | 'b' | null = null): DatasetPartial {
  const merged = mergeAllButRowLists(a, b, reuse);
  const keep = a.norms && b.norms && merged.count <= NORMS_KEPT;
  const { norms, rows: normRows } = keep ? mergeSortedNorms(a.norms!, a.normRows, b.norms!, b.normRows) : { norms: null, rows: null };
  return { ...merged, norms, normRows, keys: mergeRowKeys(a.keys, b.keys), sample: mergeRowSamples(a.sample, b.sample, a.dim, companionWidth(a.companions)) };
}

/**
 * mergePartials but for the per-row lists (norms with their rows, row keys, the sample): left empty, for a
 * caller that merges those once at the end (PartialMerger).
 */
function mergeAllButRowLists(a: DatasetPartial, b: DatasetPartial, reuse: 'a' | 'b' | null): DatasetPartial {
  assertMergeable(a, b);
  const dim = a.dim;
  // `reuse`: that partial is the caller's own intermediate (PartialMerger's), its d × d arrays overwritten
  const owned = reuse === 'a' ? a : reuse === 'b' ? b : null;
  const { count: n, mean, comoment } = mergeMoments(a, b, dim, owned?.comoment);
  return {
    version: a.version, dim, seed: a.seed, arrayChoice: a.arrayChoice,
    shards: [...a.shards, ...b.shards].sort((s, t) => s.firstRow - t.firstRow),
    rowsSeen: a.rowsSeen + b.rowsSeen, nanRows: a.nanRows + b.nanRows, infRows: a.infRows + b.infRows,
    nullRows: a.nullRows + b.nullRows, count: n, zeroRows: a.zeroRows + b.zeroRows,
    nullRowFirst: firstRowsOf(a.nullRowFirst, b.nullRowFirst, NULL_ROW_INDICES_KEPT),
    nanRowFirst: firstRowsOf(a.nanRowFirst, b.nanRowFirst, ROW_INDICES_KEPT),
    infRowFirst: firstRowsOf(a.infRowFirst, b.infRowFirst, ROW_INDICES_KEPT),
    zeroRowFirst: firstRowsOf(a.zeroRowFirst, b.zeroRowFirst, ROW_INDICES_KEPT),
    mean, comoment,
    normMin: Math.min(a.normMin, b.normMin), normMax: Math.max(a.normMax, b.normMax), normSum: a.normSum + b.normSum,
    norms: null, normRows: null, normSketch: mergeNormSketches(a.normSketch, b.normSketch),
    keys: NO_KEYS,
    sample: { ...NO_SAMPLE, capacity: a.sample.capacity }, // the capacity kept: assertMergeable compares it
    companions: a.companions && b.companions
      ? { roles: a.companions.roles, joint: mergeMoments(a.companions.joint, b.companions.joint, dim + companionWidth(a.companions), owned?.companions?.joint.comoment) } : null,
  };
}

const NO_KEYS: RowKeys = { keys: new Float64Array(0), saturated: false };
const NO_SAMPLE: Omit<RowSample, 'capacity'> = { priorities: new Float64Array(0), indices: new Float64Array(0), rows: new Float64Array(0) };
/**
 * Samples held by PartialMerger before it merges them into one: memory of at most this many
 * samples (1,024 rows each by default) whatever the shards, small beside the O(log n) d × d
 * co-moments it holds.
 */
const SAMPLES_HELD = 8;

/**
 * Merges partials as they come, holding O(log n) of them: a binary counter of merged runs of
 * 1, 2, 4, … partials (a balanced tree of merges, in row order), so that memory does not grow
 * with the number of shards. The per-row lists (norms with their rows, row keys, the sample's rows) are merged only
 * in result(), in a balanced tree of their own: norms that the bound would drop in the end (more
 * than NORMS_KEPT finite rows in all) are never merged at all; until then they are held as given: the norms while they number at most NORMS_KEPT (past it none are kept),
 * the keys merged into one set whenever they number twice ROW_KEYS_BOUND.
 */
export class PartialMerger {
  /** `owned`: a merge's result, made here, whose arrays a later merge may overwrite (never a partial given to add). */
  private readonly stack: { size: number; partial: DatasetPartial; owned: boolean }[] = [];
  private added = 0;
  /** The norm lists of the partials added, while all have theirs and they number at most NORMS_KEPT; else null. */
  private norms: { norms: Float64Array; rows: Float64Array | null }[] | null = [];
  private normCount = 0;
  private keys: RowKeys[] = [];
  private samples: RowSample[] = [];
  private keyCount = 0;

  add(p: DatasetPartial): void {
    this.added++;
    this.holdRowLists(p);
    let item = { size: 1, partial: p, owned: false };
    while (this.stack.length && this.stack[this.stack.length - 1].size === item.size) {
      const left = this.stack.pop()!;
      item = { size: left.size + item.size, partial: mergeAllButRowLists(left.partial, item.partial, reuseOf(left, item)), owned: true };
    }
    this.stack.push(item);
  }

  get count(): number { return this.added; }

  /** The merge of everything added; null when nothing was. */
  result(): DatasetPartial | null {
    if (this.added === 1) return this.stack[0].partial; // as given: nothing merged
    // the stack keeps its items (more may be added, result() asked again): only the merges made here are overwritten
    let acc: { partial: DatasetPartial; owned: boolean } | null = null;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const left = this.stack[i].partial;
      acc = acc ? { partial: mergeAllButRowLists(left, acc.partial, acc.owned ? 'b' : null), owned: true } : { partial: left, owned: false };
    }
    // a stack item handed out as the result is the caller's now: never overwritten by a later add
    for (const item of this.stack) item.owned = false;
    if (!acc) return null;
    // the lists merged once, and held merged (a later result() or add starts from them)
    const norms = this.norms && this.normCount <= NORMS_KEPT ? mergeBalanced(this.norms, (x, y) => mergeSortedNorms(x.norms, x.rows, y.norms, y.rows)) : null;
    if (norms) this.norms = [norms];
    const keys = mergeManyRowKeys(this.keys);
    this.keys = [keys];
    const sample = this.mergedSamples(acc.partial);
    return { ...acc.partial, norms: norms?.norms ?? null, normRows: norms?.rows ?? null, keys, sample };
  }

  /** The held samples merged into one, held instead of them. */
  private mergedSamples(p: DatasetPartial): RowSample {
    this.samples = [mergeManyRowSamples(this.samples, p.dim, companionWidth(p.companions))];
    return this.samples[0];
  }

  private holdRowLists(p: DatasetPartial): void {
    this.normCount += p.count;
    if (this.norms && p.norms && this.normCount <= NORMS_KEPT) this.norms.push({ norms: p.norms, rows: p.normRows });
    else this.norms = null; // as a pairwise merge past the bound, or with a partial without its norms: none kept
    this.samples.push(p.sample);
    if (this.samples.length > SAMPLES_HELD) this.mergedSamples(p);
    this.keys.push(p.keys);
    this.keyCount += p.keys.keys.length;
    if (this.keyCount > 2 * ROW_KEYS_BOUND) {
      this.keys = [mergeManyRowKeys(this.keys)];
      this.keyCount = this.keys[0].keys.length;
    }
  }
}

/** Which of two merged items' arrays may be overwritten: one the merger made itself. */
function reuseOf(a: { owned: boolean }, b: { owned: boolean }): 'a' | 'b' | null {
  return a.owned ? 'a' : b.owned ? 'b' : null;
}

/** Merges any number of partials (at least one), as PartialMerger does. */
export function mergeAll(partials: DatasetPartial[]): DatasetPartial {
  if (partials.length === 0) throw new EmbdiagError('bad-argument', 'Nothing to merge: no partial statistics were given.');
  const merger = new PartialMerger();
  for (const p of partials) merger.add(p);
  return merger.result()!;
}

/** Two ascending norm lists merged, with their rows when both have them (ties in norm by row). */
function mergeSortedNorms(x: Float64Array, xr: Float64Array | null, y: Float64Array, yr: Float64Array | null): { norms: Float64Array; rows: Float64Array | null } {
  const withRows = xr !== null && yr !== null;
  const nx = x.length, ny = y.length;
  const out = new Float64Array(nx + ny);
  const rows = withRows ? new Float64Array(out.length) : null;
  const ra = withRows ? xr : x, rb = withRows ? yr : y, r = rows ?? new Float64Array(0);
  let i = 0, j = 0, k = 0;
  while (i < nx && j < ny) {
    const u = x[i], v = y[j];
    if (u < v || (u === v && (!withRows || ra[i] < rb[j]))) { if (withRows) r[k] = ra[i]; i++; out[k++] = u; }
    else { if (withRows) r[k] = rb[j]; j++; out[k++] = v; }
  }
  for (; i < nx; i++) { if (withRows) r[k] = ra[i]; out[k++] = x[i]; }
  for (; j < ny; j++) { if (withRows) r[k] = rb[j]; out[k++] = y[j]; }
  return { norms: out, rows };
}

/** The first `kept` rows of two row lists (each ascending, disjoint: they come from different rows). */
function firstRowsOf(a: readonly number[], b: readonly number[], kept: number): number[] {
  return [...a, ...b].sort((x, y) => x - y).slice(0, kept);
}
