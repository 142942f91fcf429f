/**
 * The panel's row view and finding rows with hostile metadata: every file-derived text reaches the
 * page only as a lit binding (set as text or attribute value, never parsed as HTML), shortened to a
 * line; neighbours and finding rows are buttons asking for their row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TemplateResult } from 'lit';
import { rowViewSection, rowButton } from '../../webview/rowViewSection';
import { findingsSection } from '../../webview/findingsSection';
import { isHostToWebview } from '../../webview/messages';
import type { RowView } from '../../src/core/rows/rowMetadata';

const SCRIPT = '<script>alert(1)</script>';
const LONG = `<img src=x onerror=alert(1)>${'x'.repeat(500)}`;

/** The static HTML of a template and of every template inside it, and every bound value. */
function walk(t: unknown, strings: string[], values: unknown[]): void {
  if (Array.isArray(t)) { for (const x of t) walk(x, strings, values); return; }
  if (t && typeof t === 'object' && 'strings' in t && 'values' in t) {
    strings.push(...(t as TemplateResult).strings);
    for (const v of (t as TemplateResult).values) walk(v, strings, values);
    return;
  }
  values.push(t);
}

const view: RowView = {
  row: 13, norm: 2, firstValues: [1, 2], dim: 2, sampled: true, rowsTotal: 100,
  neighbours: [
    { metric: 'cosine', sampleSize: 50, items: [{ row: 4, distance: 0.1 }] },
    { metric: 'euclidean', sampleSize: 50, items: [{ row: 5, distance: 1.5 }] },
  ],
  metadata: [{ name: SCRIPT, role: 'label', value: 'esc\x1b[31m' + SCRIPT }, { name: 'text', role: 'text', value: LONG }],
  neighbourMetadata: { labelColumn: SCRIPT, textColumn: 'text', rows: { 4: { label: SCRIPT, text: LONG }, 5: { label: null, text: null } } },
};

test('hostile names and values are bound, never static HTML; long texts are cut to a line', () => {
  const strings: string[] = [];
  const values: unknown[] = [];
  walk(rowViewSection({ kind: 'result', view }, { openRow: () => undefined, closeRow: () => undefined }), strings, values);
  const html = strings.join('');
  assert.ok(!html.includes('<script>alert') && !html.includes('onerror'), 'no metadata in the static HTML');
  assert.ok(values.includes(SCRIPT), 'the name is a bound value');
  assert.ok(values.includes('esc\x1b[31m' + SCRIPT), 'the value is bound as is (text bindings escape it)');
  // no directive (unsafeHTML and the like) among the bindings
  assert.ok(!values.some(v => v && typeof v === 'object' && '_$litDirective$' in (v as object)));
  const cut = values.filter((v): v is string => typeof v === 'string' && v.startsWith('<img'));
  assert.ok(cut.length > 0 && cut.every(v => v.length <= 301 || v === LONG), 'shown cut, the full text only as the title');
});

test('neighbours and finding rows are buttons that ask for their row, with the label and text beside them', () => {
  const asked: number[] = [];
  const actions = { openRow: (r: number) => asked.push(r), closeRow: () => undefined };
  const strings: string[] = [];
  const values: unknown[] = [];
  walk(rowButton(4, new Map([[4, { label: SCRIPT, text: 'hello' }]]), actions), strings, values);
  assert.match(strings.join(''), /<button type="button" class="row-link"/);
  const click = values.find((v): v is () => void => typeof v === 'function')!;
  click();
  assert.deepEqual(asked, [4]);
  assert.ok(values.includes(SCRIPT) && values.includes('hello'));
  const f = { code: 'zero-rows', severity: 'warning' as const, message: 'zero', rows: [7, 9], rowCount: 2 };
  const s2: string[] = [];
  const v2: unknown[] = [];
  walk(findingsSection([f], { labels: new Map([[9, { label: 'cat', text: null }]]), actions }), s2, v2);
  assert.equal(s2.filter(x => x.includes('class="row-link"')).length, 2, 'a button per row');
  assert.ok(v2.includes('cat'));
});

test('the page accepts rowView, rowViewError and rowMetadata only when well-formed', () => {
  assert.ok(isHostToWebview({ type: 'rowView', view }));
  assert.ok(!isHostToWebview({ type: 'rowView', view: { ...view, neighbours: [{ metric: 'manhattan', sampleSize: 1, items: [] }] } }));
  assert.ok(isHostToWebview({ type: 'rowViewError', row: 3, code: 'invalid-range', message: 'no' }));
  assert.ok(isHostToWebview({ type: 'rowMetadata', metadata: { source: 'a', rows: [1], columns: [{ name: 'l', role: 'label', values: ['x'] }], labelColumn: 'l' } }));
  assert.ok(!isHostToWebview({ type: 'rowMetadata', metadata: { source: 'a', rows: [1], columns: [{ name: 'l', role: 'label', values: [{}] }] } }));
});
