/**
 * Exact long-time limits of gradient flow for H < p and a generic init (spec §5c [DER]):
 * W converges to an orthonormal basis of the top-H eigenvectors of Σ̂, so
 *   L_train(∞) = ½(tr Σ̂ − Σ_{k≤H} λ_k),   L_pop(∞) = ½ tr((P_H − I)²Σ) = ½(tr Σ − Σ_{k≤H} v_kᵀΣv_k).
 */

export interface LongTimeLimits {
  /** Whether the limits apply (H < p). */
  applies: boolean;
  train: number | null;
  /** Null when no population covariance was given or the top-H eigenspace is not unique. */
  pop: number | null;
  note: string;
  provenance: string;
}

/**
 * @param lambda eigenvalues of Σ̂ (descending), @param sPop v_kᵀΣv_k in the same order (or null),
 * @param traceS tr Σ̂, @param tracePop tr Σ (or null).
 */
export function longTimeLimits(lambda: ArrayLike<number>, sPop: ArrayLike<number> | null, traceS: number, tracePop: number | null,
  latentWidth: number): LongTimeLimits {
  const p = lambda.length, H = latentWidth;
  const provenance = 'spec §5c [DER]';
  if (H >= p) {
    return { applies: false, train: null, pop: null, note: `H = ${H} ≥ p = ${p}: the formula is for H < p.`, provenance };
  }
  let top = 0;
  for (let k = 0; k < H; k++) top += lambda[k];
  const train = Math.max(0, 0.5 * (traceS - top));
  const scale = Math.max(Math.abs(lambda[0]), Number.MIN_VALUE);
  const unique = lambda[H - 1] > 1e-12 * scale && lambda[H - 1] - lambda[H] > 1e-10 * scale;
  let pop: number | null = null;
  let note = 'Generic init: W converges to the top-H eigenvectors of the train covariance.';
  if (sPop && tracePop !== null) {
    if (unique) {
      let topPop = 0;
      for (let k = 0; k < H; k++) topPop += sPop[k];
      pop = 0.5 * (tracePop - topPop);
    } else {
      note += ' The top-H eigenspace is not unique (rank < H or a tie at λ_H), so the population limit depends on the init.';
    }
  }
  return { applies: true, train, pop, note, provenance };
}
