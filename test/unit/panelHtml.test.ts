import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNonce, escapeHtml, PAGE_BOOTSTRAP, pageFailedHtml, pageReloadDelayMs, panelCsp, renderPanelHtml } from '../../src/extension/panelHtml';
import { isWebviewToHost } from '../../src/shared/protocol';

const opts = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'abcDEF0123456789abcDEF0123456789',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
  codiconUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/codicon.css',
  title: 'Embeddings: <script>alert("x")</script> & more',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'the page has a CSP meta tag');
  return m[1].replace(/&#39;/g, "'");
}

test('escapeHtml escapes the five HTML-significant characters', () => {
  assert.equal(escapeHtml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
  assert.equal(escapeHtml('plain'), 'plain');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;');
});

test('createNonce: 32 alphanumeric characters, unique', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const n = createNonce();
    assert.match(n, /^[A-Za-z0-9]{32}$/);
    seen.add(n);
  }
  assert.equal(seen.size, 2000);
  // Every character of the alphabet turns up (no modulo gap), none outside it.
  const chars = new Set([...Array.from({ length: 200 }, () => createNonce()).join('')]);
  assert.equal(chars.size, 62);
});

test('the CSP allows our script by nonce only, with no unsafe-eval or unsafe-inline', () => {
  const csp = cspOf(renderPanelHtml(opts));
  assert.equal(csp, panelCsp(opts.cspSource, opts.nonce));
  assert.match(csp, /^default-src 'none';/);
  assert.ok(csp.includes(`script-src 'nonce-${opts.nonce}'`));
  assert.ok(csp.includes(`style-src ${opts.cspSource} 'nonce-${opts.nonce}'`));
  assert.ok(csp.includes(`font-src ${opts.cspSource}`));
  assert.ok(csp.includes(`img-src ${opts.cspSource} data:`));
  assert.ok(!csp.includes('unsafe-eval'));
  assert.ok(!csp.includes('unsafe-inline'));
  assert.ok(!/script-src[^;]*\*/.test(csp), 'no wildcard script source');
});

test('the page links the codicon stylesheet by id, loads the script with the nonce and escapes the title', () => {
  const html = renderPanelHtml(opts);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes(`<link rel="stylesheet" id="vscode-codicon-stylesheet" href="${opts.codiconUri}" nonce="${opts.nonce}">`));
  assert.ok(html.includes(`<link rel="stylesheet" href="${opts.styleUri}"`));
  assert.ok(html.includes(`<script nonce="${opts.nonce}" src="${opts.scriptUri}"></script>`));
  assert.ok(html.includes('<title>Embeddings: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more</title>'));
  assert.ok(!html.includes('<script>alert'));
  // two script elements, both ours by nonce: the inline bootstrap first, before any file is fetched, then the bundle
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.deepEqual(scripts, [`<script nonce="${opts.nonce}">`, `<script nonce="${opts.nonce}" src="${opts.scriptUri}">`]);
  assert.ok(html.indexOf(`<script nonce="${opts.nonce}">`) < html.indexOf('<link rel="stylesheet"'), 'the bootstrap listens before the stylesheets load');
  assert.ok(html.includes('id="app"'));
});

test('URIs are escaped in attributes, and unsafe nonces or CSP sources are refused', () => {
  const html = renderPanelHtml({ ...opts, scriptUri: 'https://x/a.js?"><script>' });
  assert.ok(html.includes('src="https://x/a.js?&quot;&gt;&lt;script&gt;"'));
  assert.throws(() => renderPanelHtml({ ...opts, nonce: "x' 'unsafe-inline" }));
  assert.throws(() => renderPanelHtml({ ...opts, nonce: '' }));
  assert.throws(() => renderPanelHtml({ ...opts, cspSource: "https://x; script-src 'unsafe-eval'" }));
  // the web workbench's real value (code-server, vscode.dev) has source keywords in single quotes
  const web = renderPanelHtml({ ...opts, cspSource: "'self' https://*.vscode-cdn.net" });
  assert.ok(web.includes(`font-src &#39;self&#39; https://*.vscode-cdn.net`) || web.includes("font-src 'self' https://*.vscode-cdn.net"));
});

test('two renders with fresh nonces differ only by the nonce', () => {
  const a = createNonce(), b = createNonce();
  const ha = renderPanelHtml({ ...opts, nonce: a });
  const hb = renderPanelHtml({ ...opts, nonce: b });
  assert.equal(ha.split(a).join('N'), hb.split(b).join('N'));
});

test('the page bootstrap reports the first of its own files that fails to load, once, and hands the webview API on', () => {
  const posted: unknown[] = [];
  let acquired = 0;
  const listeners: { type: string; fn: (e: { target: unknown }) => void; capture: unknown }[] = [];
  const fakeWindow: Record<string, unknown> = { addEventListener: (type: string, fn: (e: { target: unknown }) => void, capture: unknown) => listeners.push({ type, fn, capture }) };
  const api = { postMessage: (m: unknown) => posted.push(m) };
  new Function('acquireVsCodeApi', 'window', PAGE_BOOTSTRAP)(() => { acquired++; return api; }, fakeWindow);
  assert.equal(acquired, 1);
  assert.equal(fakeWindow.__embdiagVsCodeApi, api, 'the bundle takes the API from here (a page may acquire it once)');
  assert.equal(listeners.length, 1);
  assert.equal(listeners[0].type, 'error');
  assert.equal(listeners[0].capture, true, 'resource errors do not bubble: captured');
  const fire = (target: unknown) => listeners[0].fn({ target });
  fire({ tagName: 'IMG', src: 'https://x/a.png' });
  fire(null);
  assert.deepEqual(posted, [], 'other elements and script errors (no target) are not ours to report');
  fire({ tagName: 'SCRIPT', src: opts.scriptUri });
  fire({ tagName: 'LINK', href: opts.styleUri });
  assert.deepEqual(posted, [{ type: 'resourceFailed', url: opts.scriptUri }], 'the first failure, once');
  assert.ok(isWebviewToHost(posted[0]));
  assert.ok(!isWebviewToHost({ type: 'resourceFailed' }) && !isWebviewToHost({ type: 'resourceFailed', url: 3 }));
  // a page without the webview API (a preview in a plain browser) runs on: the bundle acquires it itself
  const bare: Record<string, unknown> = { addEventListener: () => assert.fail('nothing to report to') };
  new Function('acquireVsCodeApi', 'window', PAGE_BOOTSTRAP)(undefined, bare);
  assert.equal(bare.__embdiagVsCodeApi, undefined);
});

test('a page whose files fail is loaded again a few times, then replaced by a sentence that names the file', () => {
  const delays = [1, 2, 3, 4].map(pageReloadDelayMs);
  assert.ok(delays.slice(0, 3).every(d => typeof d === 'number' && d > 0), `three tries: ${delays}`);
  assert.ok((delays[0] as number) < (delays[1] as number) && (delays[1] as number) < (delays[2] as number), 'spaced further each time');
  assert.equal(delays[3], undefined, 'then it stops');
  const failed = pageFailedHtml('https://x/<b>webview.js');
  assert.match(failed, /could not load its own file https:\/\/x\/&lt;b&gt;webview\.js/);
  assert.ok(!/<script/.test(failed));
});
