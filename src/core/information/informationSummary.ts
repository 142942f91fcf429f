/**
 * A short summary of an InformationReport, for the CLI's text and Markdown output: where the
 * inputs came from, the headline figures (per model use first, per input symbol as reading (B)),
 * the target-injectivity check, h(E), the verdict with what it cannot certify, and collapse.
 */
import { formatNumber } from '../report/format';
import { unitLabel, valueIn, type Figure } from './figure';
import type { InformationReport } from './informationReport';
import { inputSourceLines } from './inputSources';

// ---- a short summary (hover, CLI text, panel header) --------------------------------------

const KIND_WORD: Record<Figure['kind'], string> = { estimate: '≈', 'upper-bound': '≤', 'lower-bound': '≥', exact: '=' };

/** "≥ 19.70 bits per model use (E7c …)" — the value with its relation to the quantity. */
export function describeFigure(f: Figure, digits = 4): string {
  if (f.value === null) return `n/a (${f.flags.join(', ') || 'not computable'})`;
  const perSymbol = f.unit !== 'bits per input symbol' ? valueIn(f, 'bits per input symbol') : null;
  return `${KIND_WORD[f.kind]} ${formatNumber(f.value, digits)} ${unitLabel(f.unit)}${perSymbol !== null ? ` (${formatNumber(perSymbol, digits)} ${unitLabel('bits per input symbol')})` : ''}`;
}

/** A few lines with the headline figures, for hovers and the CLI's text output. */
export function summarizeInformation(report: InformationReport): string[] {
  const lines: string[] = inputSourceLines(report.inputs).map(l => (l.startsWith('Scalars:') ? l : `Input ${l}`));
  const nr = report.representationRate.nominal;
  lines.push(`Representation rate (E1): ${formatNumber(nr.perModelUse.value)} bits per model use` +
    (nr.perInputSymbol.value !== null ? `, ${formatNumber(nr.perInputSymbol.value)} ${unitLabel('bits per input symbol')}` : ` (give n, the input symbols per model use, for ${unitLabel('bits per input symbol')})`));
  const ti = report.representationRate.targetInjectivity?.[0];
  lines.push(ti
    ? `Target injectivity (Theorem 6 precondition): ${ti.distinctTargets} distinct targets among ${ti.distinctInputs} distinct ${ti.collisionRate.flags.includes('inputs_assumed_distinct') ? 'rows (inputs assumed distinct)' : 'inputs'} at ${ti.label}; collision rate ${formatNumber(ti.collisionRate.value ?? NaN)}`
    : `Target injectivity (Theorem 6 precondition): n/a (${report.representationRate.targetInjectivityMissing ?? 'no targets'})`);
  const g = report.entropy.gaussian;
  const kl = report.entropy.kozachenkoLeonenko;
  lines.push(`Entropy h(Z): Gaussian ${describeFigure(g.plugin.value !== null ? g.plugin : g.subspace)}; k-NN ${kl.value !== null ? `${formatNumber(kl.value)} bits${report.entropy.projectionDim ? ` on a ${report.entropy.projectionDim}-d projection` : ''}` : 'n/a'}`);
  const v = report.verdict;
  if (v.capacity) lines.push(`Capacity: ${v.capacity.estimator} ${v.capacity.value !== null ? `${KIND_WORD[v.capacity.kind]} ${formatNumber(v.capacity.value)} bits per model use` : 'n/a'}`);
  else lines.push(`Capacity: n/a (${report.capacity.perturbedMissing ?? 'no perturbed embeddings or noise model'})`);
  const he = report.capacity.perturbed?.perturbationEntropy;
  if (he) lines.push(`Perturbation entropy h(E), E = Z̃ − Z ("measurement-noise bits", nearest computable): ${describeFigure(he)}`);
  const rd = report.rateDistortion;
  if (rd.rateGaussian.value !== null) lines.push(`R(D = ${formatNumber(rd.distortion.value)}) of ${rd.source === 'targets' ? 'Y' : 'Z'}: ${describeFigure(rd.rateGaussian)}`);
  lines.push(`Verdict (E9): ${v.status}${v.certified ? ' (certified)' : ''}${v.margin.value !== null ? `, margin ${KIND_WORD[v.margin.kind]} ${formatNumber(v.margin.value)} bits per model use` : ''}. ${v.reason} ${v.caveat}`);
  lines.push(`Collapse (E10): effective rank ${formatNumber(report.collapse.effectiveRank.value)} of ${report.preprocessing.dim}${report.collapse.nc1.value !== null ? `, NC1 ${formatNumber(report.collapse.nc1.value)}${report.collapse.nc1.details?.labels ? ` (labels: ${report.collapse.nc1.details.labels}${report.collapse.nc1.details.rowsWithoutLabel ? `; ${report.collapse.nc1.details.rowsWithoutLabel} rows without a label left out` : ''})` : ''}` : ''}`);
  return lines;
}
