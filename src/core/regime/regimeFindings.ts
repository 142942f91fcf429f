import type { Finding } from '../report/analysisReport';
import type { RegimeReport } from './regimeReport';
import { formatNumber } from '../report/format';
import { stepDiverges } from './stability';

/**
 * Findings of a planned autoencoder for the Problems panel: a learning rate that makes
 * training diverge, and a nearest-face formula that is not valid for this data.
 */
export function regimeFindings(r: RegimeReport): Finding[] {
  const out: Finding[] = [];
  const a = r.autoencoder;
  if (stepDiverges(r.stepSize.verdict)) {
    out.push({ code: 'unstable-learning-rate', severity: 'warning', message:
      `Training the planned autoencoder (H = ${a.latentWidth}) with learning rate ${formatNumber(a.etaInput)} will diverge: ${r.stepSize.message} Use at most ${formatNumber(r.stepSize.largestSafeStepInput)} (${a.convention}).` });
  } else if (r.stepSize.verdict === 'oscillates') {
    out.push({ code: 'unstable-learning-rate', severity: 'information', message:
      `Training the planned autoencoder (H = ${a.latentWidth}) with learning rate ${formatNumber(a.etaInput)} will not converge (bounded oscillation, no divergence): ${r.stepSize.message} Use less than ${formatNumber(r.stepSize.largestSafeStepInput)} (${a.convention}).` });
  }
  const nearest = r.predictions.find(p => p.role === 'nearest');
  if (nearest && (nearest.trustedUntil === null || nearest.trustedUntil < a.tMax)) {
    out.push({ code: 'regime-formula-outside-validity', severity: 'information', message:
      `The ${nearest.faceName} loss formula is ${nearest.trustedUntil === null ? 'not valid for this data at any time' : `valid only up to t = ${formatNumber(nearest.trustedUntil)} of ${formatNumber(a.tMax)}`} (${nearest.diagnostic.name}: ${nearest.diagnostic.description}); rely on the simulation there.` });
  }
  return out;
}

/** The hover's regime line. */
export function regimeHoverLine(r: RegimeReport): string {
  return `autoencoder regime: ${r.placement.label}; learning rate ${r.stepSize.verdict}${stepDiverges(r.stepSize.verdict) ? ` (largest safe step ${formatNumber(r.stepSize.largestSafeStepInput)})` : ''}`;
}
