import type { Finding } from '../report/analysisReport';
import type { InformationReport } from './informationReport';
import { formatNumber } from '../report/format';
import { companionSourcesShort } from './inputSources';

/**
 * Findings from the information analysis, for the Problems panel and the hover:
 * an unreachable verdict, a rank-deficient entropy, codes that collide at storage precision.
 */
export function informationFindings(r: InformationReport, collisionErrorThreshold: number): Finding[] {
  const out: Finding[] = [];
  if (r.verdict.status === 'not achievable') {
    out.push({ code: 'information-not-achievable', severity: 'warning', message:
      `Rate–capacity verdict: not achievable (estimate, not certified). ${r.verdict.reason}` });
  }
  const plugin = r.entropy.gaussian.plugin;
  if (plugin.flags.includes('rank_deficient') || plugin.flags.includes('n_le_d')) {
    out.push({ code: 'entropy-rank-deficient', severity: 'information', message:
      `The Gaussian entropy of the embeddings is not defined: their covariance is rank-deficient (rank ${r.entropy.gaussian.rank} of ${r.entropy.gaussian.dim}). ${plugin.explanation ?? ''}`.trim() });
  }
  const atStorage = r.representationRate.collision[0];
  const pe = atStorage?.errorProbability.value;
  if (pe !== null && pe !== undefined && pe > collisionErrorThreshold) {
    out.push({ code: 'collision-error', severity: 'warning', message:
      `${formatNumber(100 * pe)}% of distinct inputs share their stored code with another input (collision error at ${atStorage.label}, over ${atStorage.errorProbability.rows} rows): the representation cannot tell them apart. Store more precision or check for collapse.` });
  }
  const injective = r.representationRate.targetInjectivity?.[0];
  const rate = injective?.collisionRate.value;
  if (injective && rate !== null && rate !== undefined && rate > 0) {
    out.push({ code: 'target-not-injective', severity: 'information', message:
      `${injective.distinctInputs - injective.distinctTargets} of ${injective.distinctInputs} distinct ${injective.collisionRate.flags.includes('inputs_assumed_distinct') ? 'rows' : 'inputs'} share their target with another at ${injective.label} (collision rate ${formatNumber(rate)}): the input→output map is not injective on this sample, so the bijective-map precondition of the representation rate theorem (Theorem 6) does not hold here.` });
  }
  return out;
}

/** One line each for the hover: where the inputs came from, rate, capacity lower bound, verdict and what it cannot certify. */
export function informationHoverLines(r: InformationReport): string[] {
  const lines: string[] = [];
  const sources = companionSourcesShort(r.inputs);
  if (sources) lines.push(sources);
  const rate = r.representationRate.nominal.perModelUse.value;
  if (rate !== null) lines.push(`rate ${formatNumber(rate)} bits per model use (nominal, E1)`);
  const cap = r.verdict.capacity;
  if (cap && cap.value !== null) lines.push(`capacity ${cap.kind === "lower-bound" ? "≥" : "≈"} ${formatNumber(cap.value)} bits per model use (${cap.estimator})`);
  lines.push(`verdict: ${r.verdict.status}${r.verdict.certified ? ' (certified)' : ''}. ${r.verdict.caveat}`);
  return lines;
}
