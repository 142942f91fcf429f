/**
 * E9 unified verdict, reading the paper's "unified setting" as source–channel separation:
 * a perturbed input plus a compressed output at distortion D is achievable when R(D) < C, not
 * achievable when R(D) > C (equal symbol counts per model use); the lossless version compares
 * H(X) with C.
 *
 * Certification: achievability is certified only when a LOWER bound on C exceeds an UPPER bound
 * on R(D) (or on H). A "not achievable" verdict is never certified: no sample-based lower bound
 * on R(D) or H exists; it is reported when even the most generous capacity figure falls short of
 * the Shannon-lower-bound estimate of R(D).
 */
import { CONCEPT, figure, proposed, unavailable, valueIn, withNormalizations, type Figure } from './figure';

/** Said once, plainly, wherever the verdict is shown (CLI text, panel, hover). */
export const VERDICT_CAVEAT = 'These single-letter, finite-sample estimates do not certify the paper\'s asymptotic, block-coding statements.';

export type VerdictStatus = 'achievable' | 'not achievable' | 'inconclusive';

export interface VerdictTerm {
  estimator: string;
  quantity: string;
  value: number | null;
  kind: Figure['kind'];
  flags: string[];
}

export interface Verdict {
  /** lossy: C vs R(D); lossless: C vs H(X); none: not enough inputs. */
  mode: 'lossy' | 'lossless' | 'none';
  status: VerdictStatus;
  certified: boolean;
  /** C − R(D) (or C − H) in bits per model use, from the terms below; a lower bound when certified. */
  margin: Figure;
  capacity: VerdictTerm | null;
  requirement: VerdictTerm | null;
  /** The reason, in words. */
  reason: string;
  /** Assumptions the verdict rests on. */
  assumptions: string[];
  /** VERDICT_CAVEAT: what no verdict here can certify. */
  caveat: string;
}

const UNIT = 'bits per model use' as const;

function term(f: Figure): VerdictTerm {
  return { estimator: f.estimator, quantity: f.quantity, value: valueIn(f, UNIT), kind: f.kind, flags: [...f.flags] };
}

function fmt(v: number): string {
  return Number(v.toPrecision(6)).toString();
}

/**
 * The verdict from a capacity figure (should be a lower bound or exact), a requirement figure
 * (an upper bound on R(D), or on H(X) per model use), the most generous capacity figure of the
 * report, and a lower-bound-style estimate of the requirement (R_SLB), all in bits per model use.
 */
export function unifiedVerdict(args: {
  mode: 'lossy' | 'lossless' | 'none';
  capacity: Figure | null;
  requirement: Figure | null;
  generousCapacity?: Figure | null;
  requirementLower?: Figure | null;
  inputSymbols: number | null;
  rows: number;
  /** Why there is no capacity / requirement (missing inputs), when that is the case. */
  missing?: string;
}): Verdict {
  const provenance = proposed(CONCEPT.unified, 'Margin C − R(D) (or C − H) under the reconstructed source–channel separation theorem (Shannon 1959; Cover & Thomas 2006, §7.13 and Ch. 10).');
  const what = args.mode === 'lossless' ? 'H(X)' : 'R(D)';
  const formula = args.mode === 'lossless' ? 'C_lower − H_upper(X)' : 'C_lower − R_upper(D)';
  const base = { unit: UNIT, quantity: `C − ${what}`, estimator: 'E9 unified margin', formula, rows: args.rows, provenance };
  const c = args.capacity;
  const r = args.requirement;
  const cv = valueIn(c, UNIT);
  const rv = valueIn(r, UNIT);
  const assumptions = [
    'Reconstructed separation theorem (the paper\'s unified statement could not be read).',
    'Equal symbol counts per model use for the channel and the source.',
  ];
  if (c?.flags.includes('gaussian_bound') || r?.flags.includes('gaussian_bound')) assumptions.push('Gaussian forms: the capacity figure is a lower bound when Z is Gaussian; R_G(D) upper-bounds R(D) for any source with that covariance.');
  if (c?.flags.includes('row_order_unverified')) assumptions.push('Rows of Z and Z̃ are in the same order.');
  if (args.mode === 'none' || cv === null || rv === null) {
    const reason = args.missing ?? (cv === null
      ? `No capacity figure: ${c?.explanation ?? 'give perturbed embeddings Z̃ (--perturbed) or an input-noise model (--noise-std with inputs or inputPower).'}`
      : `No ${what} figure: ${r?.explanation ?? 'give a target distortion D, predictions, or inputs.'}`);
    return {
      mode: args.mode, status: 'inconclusive', certified: false,
      margin: withNormalizations(unavailable({ ...base, kind: 'lower-bound', flags: [cv === null ? (c?.flags.includes('mismatched_rows') ? 'mismatched_rows' : 'needs_perturbed') : 'needs_distortion'], explanation: reason }), { inputSymbols: args.inputSymbols, perSymbol: true }),
      capacity: c ? term(c) : null, requirement: r ? term(r) : null, reason, assumptions, caveat: VERDICT_CAVEAT,
    };
  }
  const margin = cv - rv;
  const cIsLower = c!.kind === 'lower-bound' || c!.kind === 'exact';
  const rIsUpper = r!.kind === 'upper-bound' || r!.kind === 'exact';
  const certifiable = cIsLower && rIsUpper;
  let status: VerdictStatus;
  let certified = false;
  let reason: string;
  const cText = `${c!.estimator} = ${fmt(cv)}`;
  const rText = `${r!.estimator} = ${fmt(rv)}`;
  if (margin > 0 && certifiable) {
    status = 'achievable';
    certified = true;
    reason = `A lower bound on the capacity (${cText}) exceeds an upper bound on ${what} (${rText}) by ${fmt(margin)} bits per model use, so ${args.mode === 'lossless' ? 'lossless representation of the source' : 'representation at this distortion'} is achievable under the reconstructed separation theorem.`;
  } else {
    const gen = args.generousCapacity ?? c;
    const gv = valueIn(gen, UNIT) ?? cv;
    const lower = args.requirementLower ?? null;
    const lv = valueIn(lower, UNIT);
    if (lv !== null && gv < lv) {
      status = 'not achievable';
      reason = `Even the largest capacity figure (${gen!.estimator} = ${fmt(gv)}) is below the lower-bound estimate of ${what} (${lower!.estimator} = ${fmt(lv)}): the estimates say ${what} > C, so it is not achievable. This is not certified: no sample-based lower bound on ${what} exists.`;
    } else if (margin > 0) {
      status = 'inconclusive';
      reason = `The margin is positive (${fmt(margin)} bits per model use) but ${!cIsLower ? `the capacity figure (${c!.estimator}) is not a lower bound` : `the ${what} figure (${r!.estimator}) is not an upper bound`}, so achievability is not certified.`;
    } else {
      status = 'inconclusive';
      reason = `The lower bound on the capacity (${cText}) does not exceed the upper bound on ${what} (${rText}); the true C − ${what} may still be positive (the bounds are not tight), so nothing is certified.`;
    }
  }
  const mf = figure({
    ...base, value: margin, kind: certifiable ? 'lower-bound' : 'estimate',
    flags: certified ? [] : ['not_certified'],
    explanation: reason,
    details: { capacity: cv, requirement: rv },
  });
  withNormalizations(mf, { inputSymbols: args.inputSymbols, perSymbol: true });
  return { mode: args.mode, status, certified, margin: mf, capacity: term(c!), requirement: term(r!), reason, assumptions, caveat: VERDICT_CAVEAT };
}
