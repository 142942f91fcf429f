import { hashRow } from './rowHash';
import { OVERFLOW_SAFE_MAGNITUDE, ScaledColumnSums } from './scaledMean';
import { RowIndexRecorder, type RowIndices } from './rowIndices';

/**
 * One-pass statistics over the rows of an embedding matrix, fed in row blocks.
 *
 * Mean and covariance are accumulated in float64 with a numerically stable scheme:
 * finite rows are gathered into fixed-size chunks; each chunk is centred on its own mean,
 * its centred cross-product is accumulated, and chunks are merged with the pairwise update
 * of Chan, Golub & LeVeque (1979):
 *   n = na + nb,  δ = mean_b − mean_a,  mean = mean_a + δ·nb/n,
 *   M2 = M2a + M2b + δδᵀ·na·nb/n.
 * All rows are first shifted by the first chunk's mean: δ is then computed from small
 * numbers, so a large common offset (say 10⁶ with spread 10⁻³) costs no precision in δδᵀ
 * (x − shift is exact when x and shift are within a factor of 2, by Sterbenz's lemma).
 * Chunk boundaries depend only on the sequence of finite rows, never on how the caller
 * splits its blocks, so results are bitwise independent of the block size.
 * Values near float64's limits (±1e308) overflow those sums: from the first row holding one, a
 * scaled compensated sum (scaledMean.ts) is kept as well, and gives the mean where the ordinary
 * one came out non-finite.
 */

export interface StreamingStatisticsOptions {
  /** Count rows identical to an earlier row (hashing costs one pass over each row). Default true. */
  hashDuplicates?: boolean;
  /**
   * Accumulate the full covariance (O(dim²) per row). Default true. When false only the
   * per-dimension variance is kept (O(dim) per row) and `covariance` is null: for callers that
   * get the spectrum another way (e.g. through the Gram matrix of a small sample).
   */
  covariance?: boolean;
  /** Records which rows are NaN, ±Inf, zero, duplicate and finite (default: a recorder of its own). */
  rowIndices?: RowIndexRecorder;
}

export interface StatisticsResult {
  dim: number;
  /** Every row passed to `add`. */
  rowsSeen: number;
  /** Rows with at least one NaN. */
  nanRows: number;
  /** Rows with at least one ±Inf and no NaN. */
  infRows: number;
  /** Finite rows: the only rows that enter everything below. */
  count: number;
  /** Finite rows whose entries are all exactly 0 (either sign). */
  zeroRows: number;
  /**
   * Finite rows identical to an earlier finite row (−0 and +0 compare equal). Found by a
   * 53-bit hash of the row's bits: a collision could in theory over-count, with probability
   * about count²/2⁵⁴ (≈ 5·10⁻⁷ at 100,000 rows). 0 when hashing was disabled.
   */
  duplicateRows: number;
  duplicatesHashed: boolean;
  /** Mean of the finite rows; zero-length when count is 0. */
  mean: Float64Array;
  /** Per-dimension variance, 1/(count−1); null when count < 2 (undefined, not zero). */
  variance: Float64Array | null;
  /** Full symmetric dim×dim covariance, row-major, 1/(count−1); null when count < 2. */
  covariance: Float64Array | null;
  /** Euclidean norms of the finite rows, in input order. */
  rowNorms: Float64Array;
  /** Which rows the counts above are about (0-based global row indices, see rowIndices.ts). */
  rows: RowIndices;
}

/** Finite rows per chunk: sized so a 1,024-dim chunk (2 MB) stays cache-resident in the kernel. */
const CHUNK_ROWS = 256;
/** Duplicate-hash shards: one JS Set holds at most 2²⁴ entries. */
const HASH_SHARDS = 16;

export class StreamingStatistics {
  private readonly dim: number;
  private readonly hashDuplicates: boolean;
  private readonly withCovariance: boolean;

  private rowsSeen = 0;
  private nanRows = 0;
  private infRows = 0;
  private zeroRows = 0;
  private duplicateRows = 0;
  private count = 0;

  /** Mean of the first chunk, subtracted from every row; null until the first chunk is flushed. */
  private shift: Float64Array | null = null;
  /** Running mean (of the shifted rows) and upper triangle of M2 = Σ (x − mean)(x − mean)ᵀ. */
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private merged = 0;

  /** Pending chunk, dimension-major: chunk[i * CHUNK_ROWS + r] is dimension i of row r. */
  private readonly chunk: Float64Array;
  private chunkRows = 0;
  private readonly chunkMean: Float64Array;

  /** Started by the first finite row with a value beyond OVERFLOW_SAFE_MAGNITUDE. */
  private scaledSums: ScaledColumnSums | null = null;

  private norms = new Float64Array(1024);
  /** Duplicate-hash shards: row hash → the first row (global index) with it. */
  private readonly seen: Map<number, number>[] = [];
  private readonly recorder: RowIndexRecorder;
  private finished = false;

  constructor(dim: number, options: StreamingStatisticsOptions = {}) {
    if (!(Number.isSafeInteger(dim) && dim >= 1)) throw new RangeError(`dim must be a positive integer (got ${dim})`);
    this.dim = dim;
    this.hashDuplicates = options.hashDuplicates ?? true;
    this.withCovariance = options.covariance ?? true;
    this.mean = new Float64Array(dim);
    // Without the covariance, m2 holds the diagonal only, at m2[i] (see flushChunk and finish).
    this.m2 = new Float64Array(this.withCovariance ? dim * dim : dim);
    this.chunk = new Float64Array(dim * CHUNK_ROWS);
    this.chunkMean = new Float64Array(dim);
    for (let s = 0; s < HASH_SHARDS; s++) this.seen.push(new Map<number, number>());
    this.recorder = options.rowIndices ?? new RowIndexRecorder();
  }

  /**
   * Adds `rows` rows from `block` (row-major, at least rows × dim values), which are the global
   * rows firstRow, firstRow + 1, … (default: numbered in the order added). The block is not modified or kept.
   */
  add(block: Float64Array, rows: number, firstRow: number = this.rowsSeen): void {
    if (this.finished) throw new Error('StreamingStatistics: add() after finish()');
    const dim = this.dim;
    if (!(Number.isSafeInteger(rows) && rows >= 0 && rows * dim <= block.length)) {
      throw new RangeError(`block holds ${block.length} values, fewer than ${rows} rows × ${dim}`);
    }
    // 32-bit view of the same bytes for hashing; Float64Array offsets are 8-aligned.
    const words = this.hashDuplicates ? new Uint32Array(block.buffer, block.byteOffset, rows * dim * 2) : null;
    for (let r = 0; r < rows; r++) {
      const base = r * dim;
      let hasNaN = false;
      let hasInf = false;
      let allZero = true;
      let sumSq = 0;
      let maxAbs = 0;
      for (let i = 0; i < dim; i++) {
        const v = block[base + i];
        if (v !== v) { hasNaN = true; break; }
        const a = Math.abs(v);
        if (a === Infinity) hasInf = true;
        if (a !== 0) allZero = false;
        if (a > maxAbs) maxAbs = a;
        sumSq += v * v;
      }
      this.rowsSeen++;
      const row = firstRow + r;
      if (hasNaN) { this.nanRows++; this.recorder.nan(row); continue; }
      if (hasInf) { this.infRows++; this.recorder.inf(row); continue; }

      this.recorder.finite(row);
      if (allZero) { this.zeroRows++; this.recorder.zero(row); }
      const earlier = words ? this.earlierCopy(block, words, base, row) : -1;
      if (earlier >= 0) { this.duplicateRows++; this.recorder.duplicate(row, earlier); }
      this.pushNorm(rowNorm(block, base, dim, sumSq, maxAbs));
      if (maxAbs >= OVERFLOW_SAFE_MAGNITUDE && !this.scaledSums) this.startScaledSums();
      this.scaledSums?.addRow(block, base);

      const { chunk, shift } = this;
      const slot = this.chunkRows;
      if (shift) for (let i = 0, p = slot; i < dim; i++, p += CHUNK_ROWS) chunk[p] = block[base + i] - shift[i];
      else for (let i = 0, p = slot; i < dim; i++, p += CHUNK_ROWS) chunk[p] = block[base + i];
      this.count++;
      if (++this.chunkRows === CHUNK_ROWS) this.flushChunk();
    }
  }

  /** Completes the statistics. The instance cannot be fed afterwards. */
  finish(): StatisticsResult {
    if (!this.finished) {
      this.flushChunk();
      this.finished = true;
    }
    const { dim, count } = this;
    const mean = this.shift ? this.mean.map((m, i) => this.shift![i] + m) : new Float64Array(0);
    this.scaledSums?.repair(mean);
    let variance: Float64Array | null = null;
    let covariance: Float64Array | null = null;
    if (count >= 2 && !this.withCovariance) {
      variance = new Float64Array(dim);
      for (let i = 0; i < dim; i++) variance[i] = this.m2[i] / (count - 1);
    } else if (count >= 2) {
      covariance = new Float64Array(dim * dim);
      variance = new Float64Array(dim);
      const scale = 1 / (count - 1);
      const m2 = this.m2;
      for (let i = 0; i < dim; i++) {
        const row = i * dim;
        for (let j = i; j < dim; j++) {
          const c = m2[row + j] * scale;
          covariance[row + j] = c;
          covariance[j * dim + i] = c;
        }
        variance[i] = covariance[row + i];
      }
    }
    return {
      dim,
      rowsSeen: this.rowsSeen,
      nanRows: this.nanRows,
      infRows: this.infRows,
      count,
      zeroRows: this.zeroRows,
      duplicateRows: this.duplicateRows,
      duplicatesHashed: this.hashDuplicates,
      mean,
      variance,
      covariance,
      rowNorms: this.norms.slice(0, count),
      rows: this.recorder.result(),
    };
  }

  /** The scaled sums of the rows so far (all below OVERFLOW_SAFE_MAGNITUDE, so their sums are finite). */
  private startScaledSums(): void {
    const { dim, shift, mean, chunk, merged, chunkRows } = this;
    const sums = new ScaledColumnSums(dim);
    for (let i = 0; i < dim; i++) {
      const base = shift ? shift[i] : 0;
      if (merged > 0) sums.addTo(i, (base + mean[i]) * merged);
      for (let r = 0; r < chunkRows; r++) sums.addTo(i, base + chunk[i * CHUNK_ROWS + r]);
    }
    sums.count = merged + chunkRows;
    this.scaledSums = sums;
  }

  private pushNorm(norm: number): void {
    const i = this.count;
    if (i === this.norms.length) {
      const grown = new Float64Array(this.norms.length * 2);
      grown.set(this.norms);
      this.norms = grown;
    }
    this.norms[i] = norm;
  }

  /** Records the row's hash; the first row seen with it, or −1 when it is new. */
  private earlierCopy(block: Float64Array, words: Uint32Array, base: number, row: number): number {
    const key = hashRow(block, words, base, this.dim);
    const shard = this.seen[key % HASH_SHARDS];
    const earlier = shard.get(key);
    if (earlier !== undefined) return earlier;
    shard.set(key, row);
    return -1;
  }

  /** Centres the pending chunk on its mean, accumulates its cross-product and merges it (Chan et al.). */
  private flushChunk(): void {
    const nb = this.chunkRows;
    if (nb === 0) return;
    const { dim, chunk, chunkMean, mean, m2 } = this;
    if (!this.shift) {
      // First chunk (still raw): its mean becomes the shift. Summing residuals from the
      // first value keeps that mean accurate when |mean| ≫ spread.
      const shift = new Float64Array(dim);
      for (let i = 0; i < dim; i++) {
        const off = i * CHUNK_ROWS;
        const ref = chunk[off];
        let s = 0;
        for (let r = 0; r < nb; r++) s += chunk[off + r] - ref;
        shift[i] = ref + s / nb;
        for (let r = 0; r < nb; r++) chunk[off + r] -= shift[i];
      }
      this.shift = shift;
    }
    for (let i = 0; i < dim; i++) {
      const off = i * CHUNK_ROWS;
      let s = 0;
      for (let r = 0; r < nb; r++) s += chunk[off + r];
      const m = s / nb;
      chunkMean[i] = m;
      for (let r = 0; r < nb; r++) chunk[off + r] -= m;
    }

    const na = this.merged;
    const n = na + nb;
    if (!this.withCovariance) {
      accumulateDiagonal(chunk, CHUNK_ROWS, nb, dim, chunkMean, mean, m2, na);
      this.merged = n;
      this.chunkRows = 0;
      return;
    }
    if (na > 0) {
      // Reuse chunkMean as δ = mean_b − mean_a after updating the running mean.
      const w = (na * nb) / n;
      for (let i = 0; i < dim; i++) {
        const delta = chunkMean[i] - mean[i];
        mean[i] += (delta * nb) / n;
        chunkMean[i] = delta;
      }
      for (let i = 0; i < dim; i++) {
        const di = chunkMean[i] * w;
        const row = i * dim;
        for (let j = i; j < dim; j++) m2[row + j] += di * chunkMean[j];
      }
    } else {
      mean.set(chunkMean);
    }
    accumulateUpperCrossProduct(chunk, CHUNK_ROWS, nb, dim, m2);
    this.merged = n;
    this.chunkRows = 0;
  }
}

/**
 * The diagonal-only merge: out[i] += Σ_r x[i*stride + r]² + δᵢ²·na·nb/n for the centred chunk x,
 * and the running mean updated from the chunk mean (chunkMean on entry).
 */
function accumulateDiagonal(x: Float64Array, stride: number, rows: number, dim: number, chunkMean: Float64Array,
  mean: Float64Array, out: Float64Array, na: number): void {
  const n = na + rows;
  const w = (na * rows) / n;
  for (let i = 0; i < dim; i++) {
    const a = i * stride;
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[a + r] * x[a + r];
    if (na > 0) {
      const delta = chunkMean[i] - mean[i];
      out[i] += s + delta * delta * w;
      mean[i] += (delta * rows) / n;
    } else {
      out[i] += s;
      mean[i] = chunkMean[i];
    }
  }
}

/**
 * out[i*dim + j] += Σ_r x[i*stride + r]·x[j*stride + r] for j ≥ i (x dimension-major: each
 * dimension's values over the rows are contiguous). The hot path, O(rows·dim²/2): 2×4
 * register tiles of dot products, eight accumulators and six loads per step, no allocation.
 */
function accumulateUpperCrossProduct(x: Float64Array, stride: number, rows: number, dim: number, out: Float64Array): void {
  let i = 0;
  for (; i + 1 < dim; i += 2) {
    const a0 = i * stride;
    const a1 = a0 + stride;
    const o0 = i * dim;
    const o1 = o0 + dim;
    // Diagonal 2×2 block (i, i), (i, i+1), (i+1, i+1).
    {
      let s00 = 0, s01 = 0, s11 = 0;
      for (let r = 0; r < rows; r++) {
        const u = x[a0 + r], v = x[a1 + r];
        s00 += u * u; s01 += u * v; s11 += v * v;
      }
      out[o0 + i] += s00; out[o0 + i + 1] += s01; out[o1 + i + 1] += s11;
    }
    let j = i + 2;
    for (; j + 3 < dim; j += 4) {
      const b0 = j * stride, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let r = 0; r < rows; r++) {
        const u = x[a0 + r], v = x[a1 + r];
        const p = x[b0 + r], q = x[b1 + r], s = x[b2 + r], t = x[b3 + r];
        s00 += u * p; s01 += u * q; s02 += u * s; s03 += u * t;
        s10 += v * p; s11 += v * q; s12 += v * s; s13 += v * t;
      }
      out[o0 + j] += s00; out[o0 + j + 1] += s01; out[o0 + j + 2] += s02; out[o0 + j + 3] += s03;
      out[o1 + j] += s10; out[o1 + j + 1] += s11; out[o1 + j + 2] += s12; out[o1 + j + 3] += s13;
    }
    for (; j < dim; j++) {
      const b = j * stride;
      let s0 = 0, s1 = 0;
      for (let r = 0; r < rows; r++) {
        const p = x[b + r];
        s0 += x[a0 + r] * p; s1 += x[a1 + r] * p;
      }
      out[o0 + j] += s0; out[o1 + j] += s1;
    }
  }
  if (i < dim) {
    // Odd dim: the last diagonal entry.
    const a = i * stride;
    let s = 0;
    for (let r = 0; r < rows; r++) s += x[a + r] * x[a + r];
    out[i * dim + i] += s;
  }
}

/** Euclidean norm; rescales only when the plain sum of squares may have overflowed or underflowed. */
function rowNorm(block: Float64Array, base: number, dim: number, sumSq: number, maxAbs: number): number {
  if (maxAbs === 0) return 0;
  if (maxAbs < 1e150 && maxAbs > 1e-150) return Math.sqrt(sumSq);
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const v = block[base + i] / maxAbs;
    s += v * v;
  }
  return maxAbs * Math.sqrt(s);
}
