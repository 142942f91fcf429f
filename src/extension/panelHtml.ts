/**
 * The report panel's HTML shell. Pure (no 'vscode' import) so it is unit-tested under
 * Node: the panel passes in the webview's cspSource and the webview URIs of the assets.
 */

export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview serves extension resources from. */
  cspSource: string;
  /** A fresh createNonce() per page load. */
  nonce: string;
  /** Webview URI of dist/webview.js. */
  scriptUri: string;
  /** Webview URI of dist/webview.css. */
  styleUri: string;
  /** Webview URI of dist/codicon.css (its codicon.ttf is found next to it). */
  codiconUri: string;
  title: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, c => HTML_ESCAPES[c]);
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 characters from [A-Za-z0-9], drawn without modulo bias from the OS's CSPRNG. */
export function createNonce(length = 32): string {
  let out = '';
  while (out.length < length) {
    // Web Crypto's CSPRNG (global in Node): node:crypto is not loaded at activation for it
    for (const b of globalThis.crypto.getRandomValues(new Uint8Array(length * 2))) {
      // 248 = 4 * 62: bytes at or above it would make the first characters more likely.
      if (b < 248) out += NONCE_ALPHABET[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * The Content-Security-Policy of the page: nothing by default, our script only by nonce,
 * styles and fonts only from the extension. Lit's component styles are constructed
 * stylesheets (adoptedStyleSheets), which style-src does not govern, so neither
 * inline styles nor eval is needed (the policy allows neither).
 */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ') + ';';
}

/**
 * An inline script (by nonce) that runs before the page's files load. In code-server every webview
 * fetches its files through one shared service worker, and a page created while that worker changes
 * hands can have its requests sent to the network instead, where they fail: the page would stay on
 * "Loading" for good (and, kept while hidden, even when shown again). This script tells the host,
 * which loads the page again. It also acquires the webview API, which a page may do only once, and
 * leaves it for the bundle (webview/vscodeApi.ts).
 */
export const PAGE_BOOTSTRAP = `(function () {
  if (typeof acquireVsCodeApi !== 'function') return;
  var api = acquireVsCodeApi();
  window.__embdiagVsCodeApi = api;
  var reported = false;
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (reported || !t || (t.tagName !== 'SCRIPT' && t.tagName !== 'LINK')) return;
    reported = true;
    api.postMessage({ type: 'resourceFailed', url: String(t.src || t.href || '').slice(0, 300) });
  }, true);
})();`;

/**
 * How long to wait before loading a page again after its `attempt`-th failed load (1-based), or
 * undefined to stop: a few tries, spaced so that a service worker changing hands has settled.
 */
export function pageReloadDelayMs(attempt: number): number | undefined {
  return [500, 2000, 5000][attempt - 1];
}

/** The page shown when its files would not load after every try. */
export function pageFailedHtml(url: string): string {
  return `<!DOCTYPE html><html><body><p>This report's page could not load its own file ${escapeHtml(url)}. ` +
    'Close the tab and run the analysis again; if it keeps failing, reload the window.</p></body></html>';
}

export function renderPanelHtml(opts: PanelHtmlOptions): string {
  if (!/^[A-Za-z0-9+/_=-]+$/.test(opts.nonce)) throw new Error('renderPanelHtml: the nonce must be base64 or alphanumeric');
  // VS Code for the Web gives "'self' https://*.vscode-cdn.net": single quotes are legitimate source
  // keywords; a semicolon or newline would start a new directive, so those are refused.
  if (/[;"\r\n]/.test(opts.cspSource)) throw new Error('renderPanelHtml: cspSource must not contain semicolons, double quotes or newlines');
  const nonce = opts.nonce;
  const csp = panelCsp(opts.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <script nonce="${nonce}">${PAGE_BOOTSTRAP}</script>
  <link rel="stylesheet" id="vscode-codicon-stylesheet" href="${escapeHtml(opts.codiconUri)}" nonce="${nonce}">
  <link rel="stylesheet" href="${escapeHtml(opts.styleUri)}" nonce="${nonce}">
  <title>${escapeHtml(opts.title)}</title>
</head>
<body>
  <div id="app"><p class="boot">Loading the report\u2026</p></div>
  <noscript>This report needs JavaScript, which VS Code enables for this panel.</noscript>
  <script nonce="${nonce}" src="${escapeHtml(opts.scriptUri)}"></script>
</body>
</html>
`;
}
