import * as path from 'node:path';

/** Unit tests run from the repository root (npm scripts do that), compiled or bundled. */
export const REPO_ROOT = process.cwd();
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

/** Relative closeness used against numpy references: |a-b| <= rel * max(|b|, floor). */
export function assertClose(actual: number, expected: number, rel = 1e-6, floor = 1e-12, what = 'value'): void {
  const tol = rel * Math.max(Math.abs(expected), floor);
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what}: expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
  }
}

/**
 * Elementwise relative closeness. Entries near zero (below 1e-12 of the array's largest
 * magnitude) are compared absolutely against that floor: eigenvalues of a rank-deficient
 * covariance are rounding noise there, in numpy as in ours.
 */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-6, what = 'array'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  const absFloor = 1e-12 * scale;
  for (let i = 0; i < expected.length; i++) {
    const tol = Math.max(rel * Math.abs(expected[i]), absFloor);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`${what}[${i}]: expected ${expected[i]}, got ${actual[i]} (|diff| ${Math.abs(actual[i] - expected[i])} > ${tol})`);
    }
  }
}

/** A cancellation token as the analysis service reads it (the `vscode` one is not available in plain Node). */
export class FakeToken {
  isCancellationRequested = false;
  private readonly listeners: (() => void)[] = [];
  onCancellationRequested = (listener: () => void) => { this.listeners.push(listener); return { dispose() { /* not needed */ } }; };
  cancel(): void { this.isCancellationRequested = true; for (const l of this.listeners) l(); }
}
