/**
 * Preprocessing P1–P4 of the spec (§4.0), shared by every estimator:
 *   P1 drop every row index with a NaN/±Inf in any array used (or refuse, in strict mode);
 *   P2 dead columns: var_j ≤ 1e-12 · max_j var_j are removed for entropy / MI estimators;
 *   P3 exact duplicate rows (of Z, or of the pairs (Z, Z̃)) are counted and can be removed;
 *   P4 numerical rank r = #{λᵢ > 1e-10 · λ_max}.
 */
import type { RowMatrix } from './dense';

/** Relative variance below which a column is dead (P2). */
export const DEAD_COLUMN_RELATIVE_VARIANCE = 1e-12;
/** Relative eigenvalue above which a direction counts towards the rank (P4). */
export const RANK_RELATIVE_TOLERANCE = 1e-10;

/** Indices of rows that are finite in every given matrix (all matrices have the same rows). */
export function finiteRowIndices(matrices: readonly RowMatrix[]): { kept: Uint32Array; dropped: number } {
  const rows = matrices.length ? matrices[0].rows : 0;
  const ok = new Uint8Array(rows).fill(1);
  for (const m of matrices) {
    if (m.rows !== rows) throw new RangeError(`finiteRowIndices: ${m.rows} rows, expected ${rows}`);
    for (let r = 0; r < rows; r++) {
      if (!ok[r]) continue;
      const o = r * m.cols;
      for (let c = 0; c < m.cols; c++) {
        if (!Number.isFinite(m.data[o + c])) {
          ok[r] = 0;
          break;
        }
      }
    }
  }
  let n = 0;
  for (let r = 0; r < rows; r++) n += ok[r];
  const kept = new Uint32Array(n);
  for (let r = 0, i = 0; r < rows; r++) if (ok[r]) kept[i++] = r;
  return { kept, dropped: rows - n };
}

/** Dead columns by the P2 rule, given per-column variances. */
export function deadColumns(variances: ArrayLike<number>): number[] {
  let max = 0;
  for (let j = 0; j < variances.length; j++) max = Math.max(max, variances[j]);
  const dead: number[] = [];
  for (let j = 0; j < variances.length; j++) if (!(variances[j] > DEAD_COLUMN_RELATIVE_VARIANCE * max)) dead.push(j);
  return dead;
}

/** Numerical rank of a spectrum (any order) by the P4 rule. */
export function numericalRank(eigenvalues: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < eigenvalues.length; i++) max = Math.max(max, eigenvalues[i]);
  if (!(max > 0)) return 0;
  let r = 0;
  for (let i = 0; i < eigenvalues.length; i++) if (eigenvalues[i] > RANK_RELATIVE_TOLERANCE * max) r++;
  return r;
}

/**
 * For each row, the index of the first row with exactly the same values across all given
 * matrices (itself when it is the first). +0 and −0 are equal; NaN never occurs here (P1 first).
 * Rows are hashed, then compared value by value, so there are no false positives.
 */
export function firstOccurrence(matrices: readonly RowMatrix[]): Int32Array {
  const rows = matrices.length ? matrices[0].rows : 0;
  const first = new Int32Array(rows);
  const buckets = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const h = hashRow(matrices, r);
    const bucket = buckets.get(h);
    let found = -1;
    if (bucket) {
      for (const s of bucket) {
        if (rowsEqual(matrices, r, s)) {
          found = s;
          break;
        }
      }
      if (found < 0) bucket.push(r);
    } else {
      buckets.set(h, [r]);
    }
    first[r] = found < 0 ? r : found;
  }
  return first;
}

/** Row indices that are first occurrences (duplicates removed), and how many were removed. */
export function uniqueRowIndices(matrices: readonly RowMatrix[]): { kept: Uint32Array; duplicates: number } {
  const first = firstOccurrence(matrices);
  let n = 0;
  for (let r = 0; r < first.length; r++) if (first[r] === r) n++;
  const kept = new Uint32Array(n);
  for (let r = 0, i = 0; r < first.length; r++) if (first[r] === r) kept[i++] = r;
  return { kept, duplicates: first.length - n };
}

/** Number of rows identical to an earlier row. */
export function countDuplicateRows(matrices: readonly RowMatrix[]): number {
  return uniqueRowIndices(matrices).duplicates;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

function hashRow(matrices: readonly RowMatrix[], r: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x1b873593;
  for (const m of matrices) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[o + c];
      F64[0] = v === 0 ? 0 : v;
      h1 = Math.imul(h1 ^ U32[0], 0x01000193);
      h1 = Math.imul(h1 ^ U32[1], 0x01000193);
      h2 = Math.imul(h2 ^ U32[1], 0x5bd1e995) ^ (h2 >>> 15);
      h2 = Math.imul(h2 ^ U32[0], 0x5bd1e995) ^ (h2 >>> 13);
    }
  }
  return (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) & 0x1fffff);
}

function rowsEqual(matrices: readonly RowMatrix[], a: number, b: number): boolean {
  for (const m of matrices) {
    const oa = a * m.cols;
    const ob = b * m.cols;
    for (let c = 0; c < m.cols; c++) if (m.data[oa + c] !== m.data[ob + c]) return false;
  }
  return true;
}
