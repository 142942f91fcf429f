/**
 * The matrices that test/fixtures/eigen/make_two_thread_fixtures.py (and make_two_stage_fixtures.py)
 * describe by recipe, rebuilt here bit for bit, with numpy's eigenvalues; and the comparison the
 * reduction tests make against them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from './support';
import type { ReductionExports } from '../../src/core/linalg/wasmKernels';

const EPS = 2 ** -52;

function lcgSymmetric(n: number, seed: number): Float64Array {
  const a = new Float64Array(n * n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      x = (Math.imul(1103515245, x) + 12345) >>> 0;
      a[i * n + j] = a[j * n + i] = x / 2 ** 32 - 0.5;
    }
  }
  return a;
}

function graded(n: number, seed: number): Float64Array {
  const a = lcgSymmetric(n, seed);
  const d = Array.from({ length: n }, (_, i) => 2 ** -Math.floor((60 * i) / n));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = a[i * n + j] * d[i] * d[j];
  return a;
}

function clustered(n: number, big = 256): Float64Array {
  let h: number[][] = [[1]];
  while (h.length < big) h = [...h.map(r => [...r, ...r]), ...h.map(r => [...r, ...r.map(x => -x)])];
  const lam = Array.from({ length: big }, (_, k) => (k % 11 === 0 ? 0 : (1 + (k % 7) * 2 ** -30) * 2 ** -(10 * (Math.floor(k / 7) % 3))));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < big; k++) s += (h[i][k] * h[j][k]) * lam[k];
      a[i * n + j] = a[j * n + i] = s / big;
    }
  }
  return a;
}

/** The cases of test/fixtures/eigen/<file>: name, n, the matrix and numpy's eigenvalues (descending). */
export function recipeCases(file: string): { name: string; n: number; matrix: Float64Array; expected: number[] }[] {
  const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'eigen', file), 'utf8'));
  return (fixture.cases as { recipe: string; n: number; seed: number; eigenvaluesF64LE: string }[]).map(c => {
  const bytes = Buffer.from(c.eigenvaluesF64LE, 'base64');
  const expected = Array.from({ length: c.n }, (_, i) => bytes.readDoubleLE(8 * i));
  const matrix = c.recipe === 'random' ? lcgSymmetric(c.n, c.seed) : c.recipe === 'graded' ? graded(c.n, c.seed) : clustered(c.n);
  return { name: `${c.recipe} n = ${c.n}`, n: c.n, matrix, expected };
  });
}

/** Each eigenvalue within 1e-6 of numpy's relatively, or within LAPACK's absolute bound 2·n·ε·‖A‖ (eigenvalues near 0). */
export function assertNumpyClose(got: ArrayLike<number>, ref: number[], what: string): void {
  assert.equal(got.length, ref.length, `${what}: count`);
  const norm = Math.max(...ref.map(Math.abs));
  for (let i = 0; i < ref.length; i++) {
    const diff = Math.abs(got[i] - ref[i]);
    assert.ok(diff <= 1e-6 * Math.abs(ref[i]) || diff <= 2 * ref.length * EPS * norm, `${what}: λ[${i}] = ${got[i]}, numpy ${ref[i]}`);
  }
}


/**
 * Runs a reduction `run(w, d, e, scratch)` on a copy of the n×n `matrix` in the instance `k`
 * (scratch: `scratchDoubles` doubles); its tridiagonal [d, e].
 */
export function reduceInInstance(k: ReductionExports, matrix: Float64Array, n: number, scratchDoubles: number,
                                 run: (w: number, d: number, e: number, s: number) => void): Float64Array[] {
  const w = k.alloc(n * n * 8) >>> 0, d = k.alloc(n * 8) >>> 0, e = k.alloc(n * 8) >>> 0, s = k.alloc(scratchDoubles * 8) >>> 0;
  new Float64Array(k.memory.buffer, w, n * n).set(matrix);
  run(w, d, e, s);
  return [new Float64Array(k.memory.buffer, d, n).slice(), new Float64Array(k.memory.buffer, e, n).slice()];
}
