/**
 * The spectrum metrics as the page lists them: label, value, formula and a tooltip that
 * says what the figure means, where it comes from and how many rows it was estimated from.
 * Labels, formulas and references come from the core's METRIC_DEFINITIONS, so the page,
 * the CLI and the Markdown export state the same formulas. Pure: no DOM.
 */
import type { SpectrumMetrics } from '../src/core/report/analysisReport';
import { METRIC_DEFINITIONS, ZERO_EIGENVALUE_TOLERANCE, type MetricKey } from '../src/core/metrics/spectrumMetrics';
import { formatCount, formatNumber, formatPercent } from './format';

export interface MetricRow {
  id: string;
  label: string;
  value: string;
  /** Short formula shown in the table. */
  formula: string;
  /** Longer explanation for the tooltip, ending with the row count it was estimated from. */
  detail: string;
}

const MEANING: Record<Exclude<MetricKey, 'explainedVariance'>, string> = {
  effectiveRank: 'Exponential of the Shannon entropy of the normalised covariance eigenvalues; between 1 and d.',
  rankMe: 'Exponential of the entropy of the normalised singular values of the centred data (σᵢ = √λᵢ up to scale); between 1 and d.',
  participationRatio: 'How many directions share the variance, weighting large eigenvalues more than the effective rank does; between 1 and d.',
  stableRank: 'Total variance over the largest eigenvalue; at most the rank.',
  conditionNumber: `Largest over smallest eigenvalue, leaving out numerically zero ones (≤ ${ZERO_EIGENVALUE_TOLERANCE}·λmax), so a rank-deficient covariance still gets a finite value.`,
  totalVariance: 'Sum of the per-dimension variances (the trace of the covariance).',
};

const RANK_LIKE: ReadonlySet<MetricKey> = new Set(['effectiveRank', 'rankMe', 'participationRatio', 'stableRank']);

const ID: Record<MetricKey, string> = {
  effectiveRank: 'effective-rank', rankMe: 'rankme', participationRatio: 'participation-ratio', stableRank: 'stable-rank',
  conditionNumber: 'condition-number', totalVariance: 'total-variance', explainedVariance: 'explained',
};

/** λᵢ are the covariance eigenvalues, d the dimension, N the finite rows in the statistics. */
export function metricRows(m: SpectrumMetrics, rowsInStatistics: number, dim: number): MetricRow[] {
  const basis = `Estimate from the sample covariance (1/(N\u22121)) of N = ${formatCount(rowsInStatistics)} finite rows, d = ${formatCount(dim)}.`
    + (rowsInStatistics <= dim && rowsInStatistics >= 1
      ? ` With N \u2264 d the covariance has rank at most N\u22121 = ${formatCount(rowsInStatistics - 1)}, which bounds this figure.` : '');
  const scalar: Exclude<MetricKey, 'explainedVariance'>[] = ['effectiveRank', 'rankMe', 'participationRatio', 'stableRank', 'conditionNumber', 'totalVariance'];
  const rows: MetricRow[] = scalar.map(key => {
    const def = METRIC_DEFINITIONS[key];
    const v = m[key];
    const share = RANK_LIKE.has(key) && v !== null && dim > 0 ? ` Here ${formatNumber(v)} of d = ${formatCount(dim)} (${formatPercent(v / dim)}).` : '';
    const meaning = key === 'conditionNumber' && v === null ? 'Not defined: every eigenvalue is (numerically) zero.' : MEANING[key];
    return {
      id: ID[key], label: def.label,
      value: v === null ? 'not defined' : formatNumber(v),
      formula: def.formula,
      detail: `${meaning}${share} ${basis} Reference: ${def.reference}.`,
    };
  });
  const ev = METRIC_DEFINITIONS.explainedVariance;
  for (const e of m.explainedVariance) {
    const k = formatCount(e.k);
    rows.push({
      id: `${ID.explainedVariance}-${e.k}`, label: `${ev.label}, top ${k}`, value: formatPercent(e.fraction),
      formula: `\u03a3\u1d62\u2264${k} \u03bb\u1d62 / \u03a3\u03bb\u1d62`,
      detail: `Fraction of the total variance in the ${e.k === 1 ? 'largest eigenvalue (first principal component)' : `${k} largest eigenvalues (first ${k} principal components)`}. ${basis} Reference: ${ev.reference}.`,
    });
  }
  return rows;
}
