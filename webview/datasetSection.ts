/**
 * The dataset header of a report over shards: the shard count and rows, one table row per shard
 * with a bar of its rows (theme colours; the numbers beside it are its text alternative), the
 * findings with rows in it, and the error of a shard that could not be read. A shard's name opens
 * its own single-file report.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { AnalysisReport } from '../src/core/report/analysisReport';
import { formatCount } from './format';
import { section } from './layout';
import { shardListModel, type ShardRowModel } from './shardListModel';

/** Width of a full bar (the largest shard), in CSS pixels. */
const BAR_WIDTH = 120;

export interface DatasetActions { openShard(file: string): void }

function shardBar(r: ShardRowModel): TemplateResult {
  // an SVG attribute, not an inline style: the page's CSP stays as it is
  return html`<svg class="shard-bar" width=${BAR_WIDTH} height="10" aria-hidden="true" focusable="false">
    <rect class="shard-bar-track" x="0" y="0" width=${BAR_WIDTH} height="10"></rect>
    <rect class="shard-bar-fill" x="0" y="0" width=${Math.max(r.rows ? 1 : 0, Math.round(r.barFraction * BAR_WIDTH))} height="10"></rect>
  </svg>`;
}

function shardRow(r: ShardRowModel, actions: DatasetActions): TemplateResult {
  const name = r.error
    ? html`<span class="mono" title=${r.file}>${r.name}</span>`
    : html`<a href="#" class="mono shard-link" title=${`Open the report of ${r.file}`}
        @click=${(e: Event) => { e.preventDefault(); actions.openShard(r.file); }}>${r.name}</a>`;
  return html`<tr class=${r.error ? 'shard-failed' : nothing} aria-label=${r.text}>
    <td>${name}</td>
    ${r.error
      ? html`<td colspan="3"><vscode-icon name="error" class="sev-error"></vscode-icon> could not be read (<span class="mono">${r.error.code}</span>): ${r.error.message}</td>`
      : html`<td class="num">${formatCount(r.rows ?? 0)}</td>
        <td>${shardBar(r)}</td>
        <td>${r.findingCodes.length ? r.findingCodes.map(c => html`<vscode-badge class="shard-finding">${c}</vscode-badge> `) : html`<span class="muted">none</span>`}</td>`}
  </tr>`;
}

/** The dataset section; nothing for a report of a single dump. */
export function datasetSection(report: Pick<AnalysisReport, 'shards' | 'findings'>, actions: DatasetActions): TemplateResult | typeof nothing {
  const model = shardListModel(report);
  if (!model) return nothing;
  const body = html`<p id="dataset-summary">Dataset: ${model.summary}. Rows are numbered across shards in this order.</p>
    <table class="data-table compact" id="dataset-shards">
      <caption>Rows per shard (bar: share of the largest shard) and the findings with rows in each</caption>
      <thead><tr><th scope="col">Shard</th><th scope="col" class="num">Rows</th><th scope="col"><span class="sr-only">Rows, as a bar</span></th><th scope="col">Findings</th></tr></thead>
      <tbody>${model.shards.map(r => shardRow(r, actions))}</tbody>
    </table>`;
  return section('dataset', `Dataset (${formatCount(model.shards.length)} shard${model.shards.length === 1 ? '' : 's'})`, body);
}
