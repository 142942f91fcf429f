// Synthetic float32 .npy dumps of the bench (scripts/bench.mjs, scripts/bench_dataset.mjs): written in
// chunks (never the whole array in memory) with a power-law spectrum λ_k ∝ k^-1, mixed by random
// plane rotations so that no axis is special, plus a mean offset.
import * as fs from 'node:fs';

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function npyHeader(rows, dim) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(total, 0x20);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header, 0);
  header.writeUInt16LE(total - 10, 8);
  header.write(dict, 10, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

/**
 * Writes rows × dim float32 rows x = μ + Q·diag(√λ)·z with z uniform of unit variance,
 * λ_k = k⁻¹ and Q a product of ⌈log₂ dim⌉ + 2 layers of random plane rotations on random pairs.
 */
export function generateDump(file, rows, dim, seed = 1) {
  const rand = rng(seed * 7919 + dim);
  const layers = Math.ceil(Math.log2(dim)) + 2;
  const pairs = [];
  for (let l = 0; l < layers; l++) {
    const perm = Array.from({ length: dim }, (_, i) => i);
    for (let i = dim - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]]; }
    const p = new Int32Array(dim & ~1);
    for (let i = 0; i < p.length; i++) p[i] = perm[i];
    const c = new Float64Array(p.length / 2), s = new Float64Array(p.length / 2);
    for (let k = 0; k < c.length; k++) { const t = 2 * Math.PI * rand(); c[k] = Math.cos(t); s[k] = Math.sin(t); }
    pairs.push({ p, c, s });
  }
  const scale = new Float64Array(dim);
  for (let k = 0; k < dim; k++) scale[k] = Math.sqrt(3 / (k + 1)) * 0.5; // uniform on [-√3, √3] has unit variance
  const mu = new Float64Array(dim);
  for (let k = 0; k < dim; k++) mu[k] = 0.05 * Math.sin(k + 1);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, npyHeader(rows, dim));
    const chunkRows = Math.max(1, Math.floor((4 << 20) / (4 * dim)));
    const out = new Float32Array(chunkRows * dim);
    const z = new Float64Array(dim);
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const n = Math.min(chunkRows, rows - r0);
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < dim; k++) z[k] = (2 * rand() - 1) * scale[k];
        for (const { p, c, s } of pairs) {
          for (let k = 0; k < c.length; k++) {
            const i = p[2 * k], j = p[2 * k + 1];
            const a = z[i], b = z[j];
            z[i] = c[k] * a - s[k] * b;
            z[j] = s[k] * a + c[k] * b;
          }
        }
        const o = r * dim;
        for (let k = 0; k < dim; k++) out[o + k] = z[k] + mu[k];
      }
      fs.writeSync(fd, new Uint8Array(out.buffer, 0, n * dim * 4));
    }
  } finally {
    fs.closeSync(fd);
  }
}
