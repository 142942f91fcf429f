/**
 * In-memory row-major matrices for the information estimators, and the moments they need.
 * Covariances are centred two-pass (mean first, then centred cross-products), in float64.
 */

export interface RowMatrix {
  readonly rows: number;
  readonly cols: number;
  /** rows×cols, row-major. */
  readonly data: Float64Array;
}

export function rowMatrix(rows: number, cols: number, data?: ArrayLike<number>): RowMatrix {
  if (!(Number.isSafeInteger(rows) && rows >= 0 && Number.isSafeInteger(cols) && cols >= 0)) {
    throw new RangeError(`rowMatrix: bad shape ${rows}×${cols}`);
  }
  const d = data ? Float64Array.from(data) : new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new RangeError(`rowMatrix: ${d.length} values for a ${rows}×${cols} matrix`);
  return { rows, cols, data: d };
}

/** A matrix from nested arrays (tests, small literals). */
export function fromRows(rows: readonly (readonly number[])[]): RowMatrix {
  const cols = rows.length ? rows[0].length : 0;
  const out = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new RangeError(`fromRows: row ${i} has ${r.length} values, expected ${cols}`);
    out.set(r, i * cols);
  });
  return { rows: rows.length, cols, data: out };
}

export function columnMeans(m: RowMatrix): Float64Array {
  const mean = new Float64Array(m.cols);
  if (m.rows === 0) return mean;
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) mean[c] += m.data[o + c];
  }
  for (let c = 0; c < m.cols; c++) mean[c] /= m.rows;
  // One refinement pass: mean += mean of the residuals (removes most of the summation error).
  const corr = new Float64Array(m.cols);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) corr[c] += m.data[o + c] - mean[c];
  }
  for (let c = 0; c < m.cols; c++) mean[c] += corr[c] / m.rows;
  return mean;
}

export function centred(m: RowMatrix, mean = columnMeans(m)): RowMatrix {
  const out = new Float64Array(m.data.length);
  for (let r = 0; r < m.rows; r++) {
    const o = r * m.cols;
    for (let c = 0; c < m.cols; c++) out[o + c] = m.data[o + c] - mean[c];
  }
  return { rows: m.rows, cols: m.cols, data: out };
}

/**
 * Sample covariance Σ (x − x̄)(x − x̄)ᵀ / (N − ddof), cols×cols row-major (symmetric).
 * ddof = 1: the unbiased S; ddof = 0: the maximum-likelihood S_ML. NaN-filled when N − ddof ≤ 0.
 */
export function covariance(m: RowMatrix, ddof = 1): Float64Array {
  const c = centred(m);
  return crossProductOfCentred(c, c, ddof, true);
}

/** Sample cross-covariance Σ (x − x̄)(y − ȳ)ᵀ / (N − ddof), x.cols×y.cols row-major. */
export function crossCovariance(x: RowMatrix, y: RowMatrix, ddof = 1): Float64Array {
  if (x.rows !== y.rows) throw new RangeError(`crossCovariance: ${x.rows} and ${y.rows} rows`);
  return crossProductOfCentred(centred(x), centred(y), ddof, false);
}

/** Uncentred second moment (1/N) Σ x xᵀ. */
export function secondMoment(m: RowMatrix): Float64Array {
  return crossProductOfCentred(m, m, 0, true);
}

function crossProductOfCentred(x: RowMatrix, y: RowMatrix, ddof: number, symmetric: boolean): Float64Array {
  const p = x.cols;
  const q = y.cols;
  const n = x.rows;
  const out = new Float64Array(p * q);
  const denom = n - ddof;
  if (!(denom > 0)) return out.fill(NaN);
  // Columns as contiguous vectors, then dot products; i in tiles so that a tile of x-columns
  // stays in cache while every y-column streams past it once.
  const xt = columnsOf(x);
  const yt = symmetric && x === y ? xt : columnsOf(y);
  const TILE = 32;
  for (let i0 = 0; i0 < p; i0 += TILE) {
    const i1 = Math.min(p, i0 + TILE);
    for (let j = symmetric ? i0 : 0; j < q; j++) {
      const yo = j * n;
      for (let i = i0; i < (symmetric ? Math.min(i1, j + 1) : i1); i++) {
        const xo = i * n;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let r = 0;
        for (; r + 3 < n; r += 4) {
          s0 += xt[xo + r] * yt[yo + r];
          s1 += xt[xo + r + 1] * yt[yo + r + 1];
          s2 += xt[xo + r + 2] * yt[yo + r + 2];
          s3 += xt[xo + r + 3] * yt[yo + r + 3];
        }
        for (; r < n; r++) s0 += xt[xo + r] * yt[yo + r];
        const v = (s0 + s1 + (s2 + s3)) / denom;
        out[i * q + j] = v;
        if (symmetric) out[j * q + i] = v;
      }
    }
  }
  return out;
}

/** The columns of m, each contiguous (cols×rows, row-major). */
function columnsOf(m: RowMatrix): Float64Array {
  const t = new Float64Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++) t[c * m.rows + r] = m.data[r * m.cols + c];
  return t;
}

/** Columns `cols` of m, in that order. */
export function selectColumns(m: RowMatrix, cols: readonly number[]): RowMatrix {
  const k = cols.length;
  const out = new Float64Array(m.rows * k);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < k; c++) out[r * k + c] = m.data[r * m.cols + cols[c]];
  return { rows: m.rows, cols: k, data: out };
}

/** Rows `rows` of m, in that order. */
export function selectRows(m: RowMatrix, rows: ArrayLike<number>): RowMatrix {
  const out = new Float64Array(rows.length * m.cols);
  for (let i = 0; i < rows.length; i++) out.set(m.data.subarray(rows[i] * m.cols, (rows[i] + 1) * m.cols), i * m.cols);
  return { rows: rows.length, cols: m.cols, data: out };
}

/** The sub-block [r0, r0+nr) × [c0, c0+nc) of a square n×n matrix. */
export function block(a: Float64Array, n: number, r0: number, nr: number, c0: number, nc: number): Float64Array {
  const out = new Float64Array(nr * nc);
  for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) out[i * nc + j] = a[(r0 + i) * n + c0 + j];
  return out;
}

/** The rows and columns `idx` of a square n×n matrix (a principal submatrix). */
export function principalSubmatrix(a: Float64Array, n: number, idx: readonly number[]): Float64Array {
  const k = idx.length;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i * k + j] = a[idx[i] * n + idx[j]];
  return out;
}

/** Side-by-side concatenation [x, y] (same rows). */
export function hstack(x: RowMatrix, y: RowMatrix): RowMatrix {
  if (x.rows !== y.rows) throw new RangeError(`hstack: ${x.rows} and ${y.rows} rows`);
  const c = x.cols + y.cols;
  const out = new Float64Array(x.rows * c);
  for (let r = 0; r < x.rows; r++) {
    out.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), r * c);
    out.set(y.data.subarray(r * y.cols, (r + 1) * y.cols), r * c + x.cols);
  }
  return { rows: x.rows, cols: c, data: out };
}

/** x − y (same shape). */
export function subtract(x: RowMatrix, y: RowMatrix): RowMatrix {
  if (x.rows !== y.rows || x.cols !== y.cols) throw new RangeError(`subtract: ${x.rows}×${x.cols} and ${y.rows}×${y.cols}`);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] - y.data[i];
  return { rows: x.rows, cols: x.cols, data: out };
}

/** (m − mean)·basis for an m.cols×k basis (row-major). */
export function project(m: RowMatrix, mean: Float64Array, basis: Float64Array, k: number): RowMatrix {
  const d = m.cols;
  const out = new Float64Array(m.rows * k);
  for (let r = 0; r < m.rows; r++) {
    for (let i = 0; i < d; i++) {
      const v = m.data[r * d + i] - mean[i];
      if (v === 0) continue;
      for (let c = 0; c < k; c++) out[r * k + c] += v * basis[i * k + c];
    }
  }
  return { rows: m.rows, cols: k, data: out };
}

export function trace(a: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i * n + i];
  return s;
}

/** Per-column variances (diagonal of a covariance). */
export function diagonal(a: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = a[i * n + i];
  return out;
}
