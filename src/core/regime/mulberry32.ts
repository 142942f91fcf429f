/**
 * The seeded generator of the spec's worked example (§6): mulberry32 uniforms and Box–Muller
 * normals. The fixture data X and the initial weights W0 of every GD run come from here, so a
 * numpy script can regenerate them bit for bit.
 */

/** mulberry32(seed): uniforms in [0, 1) with 32 random bits. `seed` is taken modulo 2³². */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The first `count` standard normals of mulberry32(seed) by Box–Muller as §6 defines it:
 * u1 = 1 − r1, u2 = r2, then √(−2 ln u1)·cos(2πu2) and √(−2 ln u1)·sin(2πu2).
 */
export function mulberry32Normals(seed: number, count: number): Float64Array {
  if (!(Number.isSafeInteger(count) && count >= 0)) throw new RangeError(`count must be a non-negative integer (got ${count})`);
  const next = mulberry32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u1 = 1 - next();
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** W0 = σ·(the first H·p normals of mulberry32(seed)), H×p row-major (latent × input). */
export function gaussianInitialWeights(latentWidth: number, inputDim: number, sigma: number, seed: number): Float64Array {
  const w = mulberry32Normals(seed, latentWidth * inputDim);
  for (let i = 0; i < w.length; i++) w[i] *= sigma;
  return w;
}
