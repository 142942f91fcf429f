import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tridiagonalEigenvalues } from '../../src/core/linalg/tridiagonalEigenvalues';
import { FIXTURES } from './support';

/**
 * The tridiagonal step alone (root-free QL, its QR end choice, the bisection fallback) against
 * SciPy's eigvalsh_tridiagonal on hard tridiagonals (test/fixtures/eigen/make_tridiagonal_fixtures.py):
 * |λ − λ_ref| ≤ min(2·n·ε, 1e-12)·max|λ_ref|, the tighter of LAPACK's bound (as eigenHardMatrices)
 * and issue #17's.
 */
interface Case {
  name: string; n: number; d?: number[]; e?: number[]; recipe?: 'minstd'; seed?: number;
  eigenvalues?: number[]; eigenvaluesBase64?: string;
}
const cases: Case[] = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'eigen', 'tridiagonal.json'), 'utf8')).cases;
const EPS = 2 ** -52;

/** The generator's minstd draws: x ← 48271·x mod (2³¹ − 1), u = x/(2³¹ − 1) − 0.5 (exact in float64). */
function minstd(seed: number, count: number): Float64Array {
  const m = 2 ** 31 - 1;
  const out = new Float64Array(count);
  let x = seed;
  for (let i = 0; i < count; i++) {
    x = (48271 * x) % m;
    out[i] = x / m - 0.5;
  }
  return out;
}

function matrixOf(c: Case): { d: Float64Array; e: Float64Array } {
  if (c.recipe === 'minstd') {
    const u = minstd(c.seed!, 2 * c.n - 1);
    return { d: u.slice(0, c.n), e: u.slice(c.n) };
  }
  return { d: Float64Array.from(c.d!), e: Float64Array.from(c.e!) };
}

function expectedOf(c: Case): Float64Array {
  if (c.eigenvalues) return Float64Array.from(c.eigenvalues);
  const bytes = Buffer.from(c.eigenvaluesBase64!, 'base64');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function assertMatches(got: Float64Array, ref: Float64Array, what: string): void {
  assert.equal(got.length, ref.length, `${what}: count`);
  let norm = 0;
  for (const x of ref) norm = Math.max(norm, Math.abs(x));
  const tol = Math.min(2 * ref.length * EPS, 1e-12) * norm;
  const sorted = got.slice().sort();
  for (let i = 0; i < ref.length; i++) {
    assert.ok(Math.abs(sorted[i] - ref[i]) <= tol, `${what}: λ[${i}] = ${sorted[i]}, SciPy ${ref[i]} (|diff| ${Math.abs(sorted[i] - ref[i])} > ${tol})`);
  }
}

test('the tridiagonal fixtures hold every hard case the solver promises to handle', () => {
  const names = cases.map(c => c.name);
  for (const name of ['graded', 'graded_reversed', 'glued_wilkinson', 'clustered', 'offdiagonal_zeros', 'n1', 'n2', 'n3', 'random_4096']) {
    assert.ok(names.includes(name), name);
  }
  const graded = cases.find(c => c.name === 'graded')!;
  assert.ok(Math.min(...graded.d!) <= 1e-150 && Math.max(...graded.d!) >= 1e150);
});

for (const c of cases) {
  test(`tridiagonalEigenvalues matches SciPy, as given and reversed (the other end first): ${c.name} (n = ${c.n})`, () => {
    const ref = expectedOf(c);
    const { d, e } = matrixOf(c);
    const forward = d.slice();
    tridiagonalEigenvalues(forward, e.slice());
    assertMatches(forward, ref, `${c.name}`);
    // The same matrix in reverse order (a permutation similarity): the block's ends swap roles.
    const reversed = d.slice().reverse();
    tridiagonalEigenvalues(reversed, e.slice().reverse());
    assertMatches(reversed, ref, `${c.name}, reversed`);
  });

  if (c.n <= 500) {
    test(`tridiagonalEigenvalues by bisection alone (sweep budget 0) and after a budget that runs out matches SciPy: ${c.name}`, () => {
      const ref = expectedOf(c);
      for (const sweepBudget of [0, Math.ceil(c.n / 3)]) {
        const { d, e } = matrixOf(c);
        tridiagonalEigenvalues(d, e, { sweepBudget });
        assertMatches(d, ref, `${c.name}, budget ${sweepBudget}`);
      }
    });
  }
}
