/**
 * Quadrature of the Marchenko–Pastur law μ_r (mean 1) — spec §3 "MP law" [DER].
 * Density √((x₊−x)(x−x₋))/(2πrx) on [x₋, x₊], x± = (1±√r)², plus an atom 1 − 1/r at 0 if r > 1.
 * Nodes x_k = (x₋+x₊)/2 + (x₊−x₋)/2·cos θ_k, θ_k = (k+½)π/m; weights density·dx (the
 * substitution x(θ) makes the integrand smooth, so the rule converges spectrally).
 */

export interface Quadrature {
  /** Nodes. */
  x: Float64Array;
  /** Weights, summing to 1. */
  w: Float64Array;
}

/** MP law of ratio r with m Chebyshev nodes (m = 4000 reproduces spec §3.8). */
export function marchenkoPasturQuadrature(ratio: number, m = 4000): Quadrature {
  if (!(ratio > 0 && Number.isFinite(ratio))) throw new RangeError(`MP ratio must be positive (got ${ratio})`);
  const sq = Math.sqrt(ratio);
  const lo = (1 - sq) ** 2, hi = (1 + sq) ** 2;
  const mid = (lo + hi) / 2, half = (hi - lo) / 2;
  const atom = ratio > 1 ? 1 - 1 / ratio : 0;
  const x = new Float64Array(m + (atom > 0 ? 1 : 0));
  const w = new Float64Array(x.length);
  let total = 0;
  for (let k = 0; k < m; k++) {
    const th = ((k + 0.5) * Math.PI) / m;
    const xk = mid + half * Math.cos(th);
    const dens = Math.sqrt(Math.max((hi - xk) * (xk - lo), 0)) / (2 * Math.PI * ratio * xk);
    x[k] = xk;
    w[k] = dens * half * Math.sin(th) * (Math.PI / m);
    total += w[k];
  }
  // The continuous part carries mass min(1, 1/r); normalise the rule to exactly that.
  const continuous = 1 - atom;
  for (let k = 0; k < m; k++) w[k] *= continuous / total;
  if (atom > 0) {
    x[m] = 0;
    w[m] = atom;
  }
  return { x, w };
}

/**
 * `count` quantile points of the continuous part of μ_r: the values at cumulative masses
 * (i+½)/count of that part, by linear interpolation of the quadrature's cumulative weights.
 */
export function marchenkoPasturQuantiles(ratio: number, count: number, m = 20000): Float64Array {
  const { x, w } = marchenkoPasturQuadrature(ratio, m);
  // Chebyshev nodes come out descending; take the continuous nodes ascending.
  const xs = new Float64Array(m);
  const cdf = new Float64Array(m);
  let acc = 0;
  for (let k = 0; k < m; k++) {
    xs[k] = x[m - 1 - k];
    acc += w[m - 1 - k];
    cdf[k] = acc;
  }
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < count; i++) {
    const q = ((i + 0.5) / count) * acc;
    if (q <= cdf[0]) { out[i] = xs[0]; continue; }
    while (j + 1 < m && cdf[j + 1] < q) j++;
    if (j + 1 >= m) { out[i] = xs[m - 1]; continue; }
    const f = (q - cdf[j]) / (cdf[j + 1] - cdf[j]);
    out[i] = xs[j] + f * (xs[j + 1] - xs[j]);
  }
  return out;
}
