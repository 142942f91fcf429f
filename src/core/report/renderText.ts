import type { Projection } from './projection';
import type { AnalysisReport, Finding } from './analysisReport';
import { formatBytes, formatNumber, formatPercent, formatShape } from './format';
import { METRIC_DEFINITIONS } from '../metrics/spectrumMetrics';

/**
 * Plain-text and Markdown renderings of a report, for the terminal, CI summaries,
 * "Copy as Markdown" and the hover. Every figure states its row count and formula.
 */

function rowsLine(r: AnalysisReport): string {
  const base = r.sampling.sampled
    ? `${r.rowsUsed} of ${r.rowsTotal} rows (uniform random sample, seed ${r.sampling.seed})`
    : `all ${r.rowsTotal} rows`;
  return r.rowsInStatistics !== r.rowsUsed ? `${base}; ${r.rowsInStatistics} finite rows in the statistics` : base;
}

type MetricKey = keyof typeof METRIC_DEFINITIONS;

function metricRows(r: AnalysisReport): [label: string, value: string, formula: string][] {
  const m = r.metrics;
  if (!m) return [];
  const def = (k: MetricKey) => METRIC_DEFINITIONS[k];
  const row = (k: MetricKey, v: number | null, suffix = ''): [string, string, string] => [def(k).label, formatNumber(v) + suffix, def(k).formula];
  const rows: [string, string, string][] = [
    row('effectiveRank', m.effectiveRank, ` of ${r.dim}`),
    row('rankMe', m.rankMe, ` of ${r.dim}`),
    row('participationRatio', m.participationRatio),
    row('stableRank', m.stableRank),
    row('conditionNumber', m.conditionNumber),
    row('totalVariance', m.totalVariance),
  ];
  for (const e of m.explainedVariance) rows.push([`Top-${e.k} explained variance`, formatPercent(e.fraction), `Σ top-${e.k} λ / Σ λ`]);
  return rows;
}

const severityMark: Record<Finding['severity'], string> = { error: 'error', warning: 'warning', information: 'info' };

/** "2000 of 2000 finite rows on PC1 (61.2%) and PC2 (20.3%); --json key projection" */
function projectionLine(p: Projection): string {
  const [i, j] = p.components;
  return `${p.rows.length} of ${p.rowsEligible} finite rows on PC${i} (${formatPercent(p.explained[0])} of the variance) and PC${j} (${formatPercent(p.explained[1])}); --json key projection`;
}

export function renderText(r: AnalysisReport): string {
  const lines: string[] = [];
  lines.push(`${r.file}  (${r.format}, ${formatBytes(r.fileSize)})`);
  lines.push(`  array      ${r.array.name}  ${r.array.dtype}  ${formatShape(r.array.shape)}`);
  if (r.arrays.length > 1) {
    lines.push(`  contains   ${r.arrays.map(a => `${a.name} (${a.dtype} ${formatShape(a.shape)})`).join(', ')}`);
  }
  lines.push(`  rows used  ${rowsLine(r)}; dim ${r.dim}`);
  for (const n of r.notes) lines.push(`  note       ${n}`);
  if (r.shards) {
    lines.push(`  shards     ${r.shards.length}${r.incomplete ? ' (INCOMPLETE: some could not be read)' : ''}`);
    for (const s of r.shards.slice(0, 50)) {
      lines.push(s.error ? `    ${s.file}  unreadable: ${s.error.message}` : `    ${s.file}  ${s.rows ? `rows ${s.firstRow}–${(s.firstRow ?? 0) + s.rows - 1} (${s.rows})` : 'no rows'}, ${s.dtype}`);
    }
    if (r.shards.length > 50) lines.push(`    … (${r.shards.length} in all; --json lists them)`);
  }
  lines.push('');
  lines.push('Health');
  const h = r.health;
  const frac = (n: number) => (r.rowsUsed ? ` (${formatPercent(n / r.rowsUsed)})` : '');
  if (h.nullRows) lines.push(`  null rows       ${h.nullRows}${frac(h.nullRows)} (missing rows, left out)`);
  lines.push(`  NaN rows        ${h.nanRows}${frac(h.nanRows)}`);
  lines.push(`  Inf rows        ${h.infRows}${frac(h.infRows)}`);
  lines.push(`  all-zero rows   ${h.zeroRows}${frac(h.zeroRows)}`);
  lines.push(`  duplicate rows  ${h.duplicateRows}${frac(h.duplicateRows)}${h.duplicateRowsStandardError !== undefined ? ` (estimate, ±${formatNumber(h.duplicateRowsStandardError)} standard error)` : ''}`);
  lines.push(`  dead dims       ${h.deadDims} of ${r.dim}${h.deadDims ? `: ${h.deadDimIndices.slice(0, 20).join(', ')}${h.deadDims > 20 ? ', …' : ''}` : ''}`);
  if (h.rowNorms) {
    lines.push(`  row norm        min ${formatNumber(h.rowNorms.min)}, median ${formatNumber(h.rowNorms.median)}${h.rowNorms.medianRelativeError !== undefined ? ` (approximate, ±${formatPercent(h.rowNorms.medianRelativeError)})` : ''}, mean ${formatNumber(h.rowNorms.mean)}, max ${formatNumber(h.rowNorms.max)}`);
  }
  lines.push('');
  if (r.metrics) {
    lines.push(`Spectrum (estimates from the sample covariance of ${r.rowsInStatistics} rows, 1/(N−1))`);
    const rows = metricRows(r);
    const w = Math.max(...rows.map(x => x[0].length));
    for (const [label, value, formula] of rows) lines.push(`  ${label.padEnd(w)}  ${value.padEnd(14)}  ${formula}`);
    const top = r.eigenvalues.slice(0, 8).map(v => formatNumber(v)).join(', ');
    lines.push(`  eigenvalues     ${top}${r.eigenvalues.length > 8 ? `, … (${r.eigenvalues.length} in all; --json lists them)` : ''}`);
    if (r.projection) lines.push(`  projection      ${projectionLine(r.projection)}`);
  } else {
    lines.push('Spectrum: not computed (fewer than 2 finite rows).');
  }
  lines.push('');
  if (r.findings.length === 0) lines.push('Findings: none');
  else {
    lines.push('Findings');
    for (const f of r.findings) lines.push(`  ${severityMark[f.severity].padEnd(7)} ${f.code}: ${f.message}`);
  }
  return lines.join('\n') + '\n';
}

/** Escapes only what changes Markdown structure inside table cells and list items. */
const mdEscape = (s: string) => s.replace(/([\\`*_[\]<>|])/g, '\\$1');
const severityIcon: Record<Finding['severity'], string> = { error: '⛔', warning: '⚠️', information: 'ℹ️' };

export function renderMarkdown(r: AnalysisReport): string {
  const out: string[] = [];
  out.push(`### Embeddings: \`${r.file.replace(/`/g, "'")}\``);
  out.push('');
  out.push(`| | |\n|---|---|`);
  out.push(`| format | ${r.format} (${formatBytes(r.fileSize)}) |`);
  out.push(`| array | \`${r.array.name.replace(/`/g, "'")}\` ${r.array.dtype} ${formatShape(r.array.shape)} |`);
  out.push(`| rows used | ${rowsLine(r)} |`);
  out.push(`| dim | ${r.dim} |`);
  const h = r.health;
  if (h.nullRows) out.push(`| null (missing) rows | ${h.nullRows} |`);
  out.push(`| NaN / Inf / all-zero / duplicate rows | ${h.nanRows} / ${h.infRows} / ${h.zeroRows} / ${h.duplicateRows} |`);
  out.push(`| dead dimensions | ${h.deadDims} of ${r.dim} |`);
  out.push('');
  if (r.metrics) {
    out.push(`**Spectrum** — estimates from the sample covariance of ${r.rowsInStatistics} rows`);
    out.push('');
    out.push('| metric | value | formula |\n|---|---|---|');
    for (const [label, value, formula] of metricRows(r)) out.push(`| ${label} | ${value} | ${mdEscape(formula)} |`);
    out.push('');
  }
  out.push(r.findings.length ? '**Findings**' : '**Findings:** none');
  for (const f of r.findings) out.push(`- ${severityIcon[f.severity]} \`${f.code}\` ${mdEscape(f.message)}`);
  for (const n of r.notes) out.push(`- note: ${mdEscape(n)}`);
  return out.join('\n') + '\n';
}
