/**
 * The row view: one row's index (and shard), norm, first values, metadata, and its nearest
 * neighbours by cosine and Euclidean distance among a sample, each neighbour a button opening its
 * own view. Every file-derived text goes through lit's text bindings (set as text, never as HTML)
 * and is cut to one line; the full text is in the title.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { RowView } from '../src/core/rows/rowMetadata';
import { formatNumber } from './format';
import { section } from './layout';
import { shortText, type RowLabels } from './rowViewModel';

export type RowViewState =
  | { kind: 'loading'; row: number }
  | { kind: 'result'; view: RowView }
  | { kind: 'error'; row: number; code: string; message: string };

export interface RowViewActions {
  openRow(row: number): void;
  closeRow(): void;
}

/** A row as a button (opens its row view), with its label and text when the dump has them. */
export function rowButton(row: number, labels: RowLabels, actions: RowViewActions, extra?: string): TemplateResult {
  const meta = labels.get(row);
  const title = meta ? [meta.label, meta.text].filter(v => v !== null).map(String).join(' — ') : '';
  return html`<button type="button" class="row-link" data-row=${row} title=${title || `Show row ${row}`} @click=${() => actions.openRow(row)}>
    <code>${extra ?? row}</code>${meta && meta.label !== null ? html` <span class="row-label">${shortText(meta.label, 40)}</span>` : nothing}${meta && meta.text !== null ? html` <span class="row-text muted">${shortText(meta.text, 60)}</span>` : nothing}
  </button>`;
}

function neighbourTable(view: RowView, actions: RowViewActions): TemplateResult[] {
  const labels: RowLabels = new Map(Object.entries(view.neighbourMetadata?.rows ?? {}).map(([k, v]) => [Number(k), v]));
  return view.neighbours.map(n => {
    const among = view.sampled ? `among a uniform sample of ${n.sampleSize} rows of ${view.rowsTotal ?? '?'}` : `among all ${n.sampleSize} finite rows`;
    return html`<table class="data-table compact row-neighbours" id=${`row-neighbours-${n.metric}`}>
      <caption>Nearest by ${n.metric === 'cosine' ? 'cosine distance (1 − cos)' : 'Euclidean distance'}, ${among}, the row itself left out</caption>
      <thead><tr><th scope="col">Row</th><th scope="col" class="num">Distance</th></tr></thead>
      <tbody>
        ${n.note ? html`<tr><td colspan="2" class="muted">${n.note}</td></tr>` : nothing}
        ${n.items.map(i => html`<tr><td>${rowButton(i.row, labels, actions)}</td><td class="num">${formatNumber(i.distance)}</td></tr>`)}
      </tbody>
    </table>`;
  });
}

export function rowViewSection(state: RowViewState | null, actions: RowViewActions): TemplateResult | typeof nothing {
  if (!state) return nothing;
  const close = html`<vscode-button secondary icon="close" id="row-view-close" @click=${() => actions.closeRow()}>Close</vscode-button>`;
  if (state.kind === 'loading') return section('row-view', `Row ${state.row}`, html`<p class="muted" role="status">Reading row ${state.row}…</p>`, close);
  if (state.kind === 'error') return section('row-view', `Row ${state.row}`, html`<p class="sev-error" role="alert">${state.message}</p>`, close);
  const v = state.view;
  const body = html`<div id="row-view">
    <table class="data-table compact" id="row-view-summary"><tbody>
      <tr><th scope="row">Row</th><td class="mono">${v.row}${v.shard ? html` <span class="muted">(row ${v.shard.localRow} of shard <span class="mono">${v.shard.file}</span>)</span>` : nothing}</td></tr>
      <tr><th scope="row">Norm ‖x‖₂</th><td class="num">${v.norm === null || !Number.isFinite(v.norm) ? 'not finite (the row holds NaN or Inf values)' : formatNumber(v.norm)}</td></tr>
      <tr><th scope="row">${v.firstValues.length < v.dim ? `First ${v.firstValues.length} of ${v.dim} values` : `All ${v.dim} values`}</th>
        <td class="mono row-values">${v.firstValues.map(x => formatNumber(x)).join('  ')}</td></tr>
      ${(v.metadata ?? []).map(m => html`<tr class=${`row-meta row-meta-${m.role}`}><th scope="row">${m.name} <span class="muted">(${m.role})</span></th>
        <td title=${m.value === null ? '' : String(m.value)}>${m.value === null ? html`<span class="muted">—</span>` : shortText(m.value, 300)}</td></tr>`)}
    </tbody></table>
    <div class="row-neighbour-tables">${neighbourTable(v, actions)}</div>
  </div>`;
  return section('row-view', `Row ${v.row}`, body, close);
}
