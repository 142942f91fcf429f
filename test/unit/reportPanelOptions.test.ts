import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DUMP_EDITOR_OPTIONS, REPORT_PANEL_OPTIONS } from '../../src/extension/reportPanelOptions';

// A report covered by another tab while it loads must not lose its page: in code-server that
// cancelled load would keep the next webview blank for the service worker's 30 s timeout.
test('a report panel runs its script and keeps its page while hidden', () => {
  assert.equal(REPORT_PANEL_OPTIONS.enableScripts, true);
  assert.equal(REPORT_PANEL_OPTIONS.retainContextWhenHidden, true);
});

test('the custom editor of a dump keeps its page while hidden, and a dump may be open in several', () => {
  assert.equal(DUMP_EDITOR_OPTIONS.webviewOptions.retainContextWhenHidden, true);
  assert.equal(DUMP_EDITOR_OPTIONS.supportsMultipleEditorsPerDocument, true);
});
