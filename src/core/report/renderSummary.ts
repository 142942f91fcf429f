import type { AnalysisReport, Finding } from './analysisReport';
import { formatBytes, formatNumber, formatShape } from './format';

const icon: Record<Finding['severity'], string> = { error: '$(error)', warning: '$(warning)', information: '$(info)' };
const rank: Record<Finding['severity'], number> = { error: 0, warning: 1, information: 2 };

/** Backslash-escapes Markdown punctuation so text from files cannot inject links or formatting. */
export function escapeMarkdownText(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~$]/g, '\\$&');
}

/**
 * The short report shown in a hover: what the array is, how many rows the figures
 * used, the headline metrics, and the most severe findings. Uses codicon syntax
 * ($(error)), so the caller's MarkdownString needs supportThemeIcons.
 */
export function renderSummaryMarkdown(r: AnalysisReport, displayPath: string, maxFindings = 4): string {
  const lines: string[] = [];
  lines.push(`**Embeddings** \`${displayPath.replace(/`/g, "'")}\` — ${r.format}, ${formatBytes(r.fileSize)}`);
  lines.push('');
  const rows = r.sampling.sampled
    ? `uniform sample of ${r.rowsUsed} of ${r.rowsTotal} rows (seed ${r.sampling.seed})`
    : `all ${r.rowsTotal} rows`;
  lines.push(`\`${r.array.name.replace(/`/g, "'")}\` ${r.array.dtype} · shape ${formatShape(r.array.shape)} · ${rows}`);
  lines.push('');
  if (r.metrics) {
    lines.push(`effective rank ${formatNumber(r.metrics.effectiveRank)} of ${r.dim} · participation ratio ${formatNumber(r.metrics.participationRatio)} · stable rank ${formatNumber(r.metrics.stableRank)}` +
      ` _(estimates from the covariance of ${r.rowsInStatistics} rows)_`);
  } else {
    lines.push('_No spectrum: fewer than 2 finite rows._');
  }
  const shown = r.findings.filter(f => f.code !== 'sampled').sort((a, b) => rank[a.severity] - rank[b.severity]);
  if (shown.length) {
    lines.push('');
    for (const f of shown.slice(0, maxFindings)) lines.push(`- ${icon[f.severity]} ${escapeMarkdownText(firstSentence(f.message))}`);
    if (shown.length > maxFindings) lines.push(`- … and ${shown.length - maxFindings} more`);
  } else {
    lines.push('', '$(pass) no findings');
  }
  return lines.join('\n');
}

function firstSentence(s: string): string {
  const m = /^(.*?[.!?])(\s|$)/.exec(s);
  return m ? m[1] : s;
}

/** A hover's summary of a dataset: its shards (and those that could not be read) above the single-dump summary. */
export function renderDatasetSummaryMarkdown(r: AnalysisReport, displayPath: string, maxFindings = 4): string {
  const shards = r.shards ?? [];
  const failed = shards.filter(s => s.error);
  const line = `dataset of ${shards.length} shard${shards.length === 1 ? '' : 's'} · ${r.rowsTotal} rows × ${r.dim} dims` +
    (failed.length ? ` · $(warning) ${failed.length} could not be read and ${failed.length === 1 ? 'is' : 'are'} left out (${escapeMarkdownText(failed.slice(0, 3).map(s => s.file.split(/[\\/]/).pop()).join(', '))}${failed.length > 3 ? ', …' : ''})` : '');
  const [head, ...rest] = renderSummaryMarkdown(r, displayPath, maxFindings).split('\n');
  return [head, '', line, ...rest].join('\n');
}
