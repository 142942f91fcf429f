import { fmix32 } from '../stats/rowSampler';

/**
 * A uniform sample of the dataset's finite rows that does not depend on how the rows are split
 * into shards: each row gets the priority hash(seed, global row index), and the sample is the k
 * rows of smallest priority (ties, improbable, broken by the index). The priorities are i.i.d.
 * uniform for distinct indices, so the k smallest are a uniform sample without replacement;
 * merging keeps the k smallest of the union: exact, associative and commutative.
 */
export const DEFAULT_SAMPLE_ROWS = 1024;

export interface RowSample {
  /** Rows kept at most. */
  capacity: number;
  /** Ascending by (priority, index). */
  priorities: Float64Array;
  indices: Float64Array;
  /** The rows, row-major, indices.length × dim. */
  rows: Float64Array;
  /** The companion arrays' values of the same rows (the joint row without Z, NaN kept), row-major, indices.length × companion width; absent without companions. */
  companions?: Float64Array;
}

/** A 53-bit priority of (seed, global row index); both safe integers. */
export function samplePriority(seed: number, index: number): number {
  const seedLo = seed >>> 0, seedHi = Math.floor(seed / 2 ** 32) >>> 0;
  const lo = index >>> 0, hi = Math.floor(index / 2 ** 32) >>> 0;
  const s = fmix32((seedLo ^ fmix32(seedHi ^ 0x27d4eb2f)) >>> 0);
  const h1 = fmix32((lo ^ fmix32((hi ^ s) >>> 0)) >>> 0) >>> 0;
  const h2 = fmix32((h1 ^ fmix32((lo + 0x632be5ab ^ s) >>> 0) ^ hi) >>> 0) >>> 0;
  return h1 * 2 ** 21 + (h2 >>> 11);
}

const before = (pa: number, ia: number, pb: number, ib: number) => pa < pb || (pa === pb && ia < ib);

/** Gathers one shard's candidates, pruning to the capacity as it goes. */
export class RowSampleCollector {
  private priorities: number[] = [];
  private indices: number[] = [];
  private rows: Float64Array[] = [];
  private threshold = Infinity;
  constructor(private readonly dim: number, private readonly capacity: number, private readonly seed: number) {}

  /** Offers row `base/dim` of `block` with its global index; a row with a NaN or ±Inf is not taken. */
  offer(block: Float32Array | Float64Array, base: number, globalIndex: number): void {
    if (this.capacity === 0) return;
    const p = samplePriority(this.seed, globalIndex);
    if (p > this.threshold) return;
    // only a candidate is checked: x·0 is 0 for a finite x and NaN for ±Inf or NaN
    let zero = 0;
    for (let i = 0; i < this.dim; i++) zero += block[base + i] * 0;
    if (zero !== 0) return;
    this.priorities.push(p);
    this.indices.push(globalIndex);
    this.rows.push(new Float64Array(block.subarray(base, base + this.dim)));
    if (this.priorities.length >= 2 * this.capacity) this.prune();
  }

  private prune(): void {
    const order = this.priorities.map((_, i) => i).sort((a, b) =>
      before(this.priorities[a], this.indices[a], this.priorities[b], this.indices[b]) ? -1 : 1).slice(0, this.capacity);
    this.priorities = order.map(i => this.priorities[i]);
    this.indices = order.map(i => this.indices[i]);
    this.rows = order.map(i => this.rows[i]);
    if (this.priorities.length === this.capacity) this.threshold = this.priorities[this.capacity - 1];
  }

  finish(): RowSample {
    this.prune();
    const rows = new Float64Array(this.rows.length * this.dim);
    this.rows.forEach((r, i) => rows.set(r, i * this.dim));
    return { capacity: this.capacity, priorities: Float64Array.from(this.priorities), indices: Float64Array.from(this.indices), rows };
  }
}

export function mergeRowSamples(a: RowSample, b: RowSample, dim: number, companionWidth = 0): RowSample {
  const capacity = a.capacity;
  const n = Math.min(capacity, a.indices.length + b.indices.length);
  const out: RowSample = { capacity, priorities: new Float64Array(n), indices: new Float64Array(n), rows: new Float64Array(n * dim) };
  const w = companionWidth;
  if (w > 0) out.companions = new Float64Array(n * w);
  let i = 0, j = 0;
  for (let k = 0; k < n; k++) {
    const takeA = j >= b.indices.length || (i < a.indices.length && before(a.priorities[i], a.indices[i], b.priorities[j], b.indices[j]));
    const [s, t] = takeA ? [a, i++] : [b, j++];
    out.priorities[k] = s.priorities[t];
    out.indices[k] = s.indices[t];
    out.rows.set(s.rows.subarray(t * dim, (t + 1) * dim), k * dim);
    if (out.companions) out.companions.set(s.companions!.subarray(t * w, (t + 1) * w), k * w);
  }
  return out;
}

/**
 * Many samples merged at once, as mergeRowSamples would pairwise: the `capacity` candidates of
 * smallest (priority, index) among all, and only their rows copied (a pairwise tree copies the
 * kept rows at every level).
 */
export function mergeManyRowSamples(samples: readonly RowSample[], dim: number, companionWidth = 0): RowSample {
  if (samples.length === 1) return samples[0];
  const picks: { priority: number; index: number; from: RowSample; at: number }[] = [];
  for (const from of samples) for (let at = 0; at < from.indices.length; at++) picks.push({ priority: from.priorities[at], index: from.indices[at], from, at });
  picks.sort((a, b) => before(a.priority, a.index, b.priority, b.index) ? -1 : 1);
  const capacity = samples[0].capacity, n = Math.min(capacity, picks.length), w = companionWidth;
  const out: RowSample = { capacity, priorities: new Float64Array(n), indices: new Float64Array(n), rows: new Float64Array(n * dim) };
  if (w > 0) out.companions = new Float64Array(n * w);
  for (let k = 0; k < n; k++) {
    const { priority, index, from, at } = picks[k];
    out.priorities[k] = priority;
    out.indices[k] = index;
    out.rows.set(from.rows.subarray(at * dim, (at + 1) * dim), k * dim);
    if (out.companions) out.companions.set(from.companions!.subarray(at * w, (at + 1) * w), k * w);
  }
  return out;
}

/**
 * The sample of `capacity` rows out of a larger one: its first rows (smallest priorities), which
 * are exactly the rows a collector of that capacity would have kept.
 */
export function smallerSample(s: RowSample, capacity: number, dim: number): RowSample {
  if (capacity >= s.capacity) return s;
  const n = Math.min(capacity, s.indices.length);
  const w = s.companions && s.indices.length ? s.companions.length / s.indices.length : 0;
  return { capacity, priorities: s.priorities.slice(0, n), indices: s.indices.slice(0, n), rows: s.rows.slice(0, n * dim),
    ...(s.companions ? { companions: s.companions.slice(0, n * w) } : {}) };
}
