/**
 * Generalized eigenvalues of the symmetric-definite pencil A·v = λ·B·v (A symmetric, B symmetric
 * positive definite): with B = L·Lᵀ (Cholesky), they are the ordinary eigenvalues of the
 * symmetric matrix L⁻¹·A·L⁻ᵀ (Golub & Van Loan, Matrix Computations, §8.7.2).
 */
import { cholesky, congruenceByInverseFactor } from './cholesky';
import { symmetricEigenvalues } from './symmetricEigenvalues';

/**
 * The n generalized eigenvalues of A·v = λ·B·v, descending, or null when B is not numerically
 * positive definite (its Cholesky factorisation breaks down).
 */
export function generalizedSymmetricEigenvalues(a: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const l = cholesky(b, n);
  if (!l) return null;
  return symmetricEigenvalues(congruenceByInverseFactor(l, a, n), n);
}
