// Helpers for the end-to-end tests: a local code-server (the VS Code server, web
// workbench and server-side Node extension host) bound to 127.0.0.1, and Debian's
// chromium driven headless and offline by playwright-core.
//
// Used by scripts/e2e/run-ext-tests.mjs and test/e2e/ui.e2e.test.mjs.
// env: CS_PREFIX   where install-code-server.sh installed it (default <repo>/.vscode-test/code-server)
//      CS_BIN      code-server executable (default $CS_PREFIX/node_modules/.bin/code-server)
//      CHROMIUM    browser executable (default /usr/bin/chromium)
//      VERBOSE=1   echo the server's own output
//      E2E_EXAMPLE_WORKSPACE  the folder tests copy instead of examples/workspace
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(REPO, 'test-artifacts');
export const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');
export const LOGS = path.join(ARTIFACTS, 'logs');
export const CS_PREFIX = process.env.CS_PREFIX || path.join(REPO, '.vscode-test', 'code-server');
export const CS_BIN = process.env.CS_BIN || path.join(CS_PREFIX, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
/** The workspace the tests copy (E2E_EXAMPLE_WORKSPACE overrides it, for harness checks). */
export const EXAMPLE_WORKSPACE = path.resolve(process.env.E2E_EXAMPLE_WORKSPACE || path.join(REPO, 'examples', 'workspace'));
export const EXTENSION_ID = 'embedding-diagnostics.embedding-diagnostics';

/** User settings that keep the workbench quiet, deterministic and offline. */
export const QUIET_SETTINGS = Object.freeze({
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.editor.enablePreview': false,
  'workbench.colorTheme': 'Default Light Modern',
  'workbench.preferredLightColorTheme': 'Default Light Modern',
  'workbench.preferredDarkColorTheme': 'Default Dark Modern',
  'window.autoDetectColorScheme': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'files.autoSave': 'off',
  'editor.minimap.enabled': false,
  'editor.hover.delay': 150,
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function isCodeServerInstalled() {
  if (process.env.CS_BIN) return fs.existsSync(CS_BIN);
  return fs.existsSync(CS_BIN) && fs.existsSync(path.join(CS_PREFIX, '.installed'));
}

/** A fresh directory under the OS temp dir; removed by the caller. */
export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `embdiag-${prefix}-`));
}

/** Copies examples/workspace into `dest` (tests never touch examples/ itself). */
export function copyExampleWorkspace(dest) {
  const missing = ['train.py', 'runs/emb.npy', 'runs/with_nan.npy']
    .filter((f) => !fs.existsSync(path.join(EXAMPLE_WORKSPACE, f)));
  if (missing.length) {
    throw new Error(`the example workspace ${path.relative(REPO, EXAMPLE_WORKSPACE)} is incomplete: no ${missing.join(', ')}`);
  }
  fs.cpSync(EXAMPLE_WORKSPACE, dest, { recursive: true });
  return dest;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Newer VS Code builds (1.13x) only honour the extension development/test entries of
 * the `payload` URL parameter when the server runs with enable-smoke-test-driver; the
 * code-server releases that need it have the --vscode-option passthrough. 1.100 needs nothing.
 */
function testModeArgs() {
  const r = spawnSync(CS_BIN, ['--config', '/dev/null', '--help'], { encoding: 'utf8' });
  return /--vscode-option/.test(r.stdout || '') ? ['--vscode-option', 'enable-smoke-test-driver'] : [];
}

/** The environment for code-server: ours, minus anything that would make it talk to a VS Code we run in. */
function serverEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') continue;
    env[k] = v;
  }
  // no marketplace: the extensions view and recommendations never call a gallery
  env.EXTENSIONS_GALLERY = '{}';
  return { ...env, ...extra };
}

export function writeUserSettings(userDataDir, settings) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  return file;
}

/**
 * Starts code-server on 127.0.0.1:<free port> without auth, in its own process group,
 * so that stop() ends exactly the server, its extension host and pty host.
 * @param {{ userDataDir: string, extensionsDir: string, folder?: string, settings?: object,
 *           name?: string, env?: object, port?: number }} opts
 */
export async function startCodeServer({ userDataDir, extensionsDir, folder, settings = {}, name = 'code-server', env = {}, port: fixedPort }) {
  if (!fs.existsSync(CS_BIN)) {
    throw new Error(`code-server is not installed at ${CS_BIN}: run bash scripts/e2e/install-code-server.sh`);
  }
  writeUserSettings(userDataDir, settings);
  fs.mkdirSync(extensionsDir, { recursive: true });
  const port = fixedPort ?? await freePort();
  const args = ['--config', '/dev/null', '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--disable-proxy', '--ignore-last-opened',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, ...testModeArgs()];
  if (folder) args.push(folder);

  fs.mkdirSync(LOGS, { recursive: true });
  const logFile = path.join(LOGS, `${name}.log`);
  const logStream = fs.createWriteStream(logFile);
  let output = '';
  const child = spawn(CS_BIN, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv(env) });
  const onData = (d) => {
    output += d;
    logStream.write(d);
    if (process.env.VERBOSE) process.stderr.write(`[code-server] ${d}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  // if this process dies without calling stop(), do not leave the server behind
  const killGroup = (sig) => { try { process.kill(-child.pid, sig); } catch { /* already gone */ } };
  const onExit = () => { if (child.exitCode === null && child.signalCode === null) killGroup('SIGKILL'); };
  process.on('exit', onExit);

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited early (code ${child.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${url}healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { killGroup('SIGKILL'); throw new Error(`code-server did not come up within 60 s:\n${output}`); }
    await sleep(150);
  }

  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      killGroup('SIGTERM');
      const t = Date.now();
      while (child.exitCode === null && child.signalCode === null && Date.now() - t < 5000) await sleep(100);
      if (child.exitCode === null && child.signalCode === null) killGroup('SIGKILL');
    }
    // VS Code's own logs (extension host, server, remote agent) are the best clue after a failure
    const vsLogs = path.join(userDataDir, 'logs');
    if (fs.existsSync(vsLogs)) {
      try { fs.cpSync(vsLogs, path.join(LOGS, `${name}-vscode-logs`), { recursive: true }); } catch { /* best effort */ }
    }
    logStream.end();
  };
  return { port, url, host: `127.0.0.1:${port}`, child, logFile, output: () => output, stop };
}

/**
 * The workbench URL for `folder`, optionally loading the extension under development
 * and a tests module the extension host require()s and whose run() it awaits
 * (the same `payload` parameter VS Code's own web integration tests use).
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://${server.host}${path.resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  payload.push(['skipWelcome', 'true']);
  let url = server.url;
  const params = [];
  if (folder) params.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  params.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  url += `?${params.join('&')}`;
  return url;
}

/**
 * Launches chromium headless with a fresh profile and every host name but 127.0.0.1
 * failing to resolve. `offHost` lists every http(s)/ws(s) request to another host that
 * was not answered by a service worker inside the browser.
 */
export async function launchBrowser({ profileDir, viewport = { width: 1400, height: 900 } } = {}) {
  const profile = profileDir || makeTempDir('chromium');
  fs.mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    // the runners handle signals themselves (browser, server, temp dirs, in that order)
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-domain-reliability', '--metrics-recording-only',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
  });
  // Requests to a host other than 127.0.0.1. Webview resources have https URLs on
  // *.vscode-resource.vscode-cdn.net, but the webview's service worker answers them
  // from the workbench (over the loopback connection): those count as local.
  const offHost = [];
  const servedByServiceWorker = [];
  // Webview resources of this very server (the authority 127.0.0.1:PORT is encoded in the first
  // label: vscode-remote+127-002e0-002e0-002e1-003aPORT) that a page sent past the service worker:
  // in code-server, two webviews created in the same instant can leave one page under the other's
  // worker, which passes its requests on to the network. The resolver rule above fails them inside
  // the browser (nothing leaves the machine); the page reports the failure and the extension loads
  // it again (src/extension/panelHtml.ts). Listed and printed, not counted as off-host.
  const escapedServiceWorker = [];
  const isThisServersWebviewResource = (u) => {
    try {
      const url = new URL(u);
      const authority = url.hostname.split('.')[0];
      return url.hostname.endsWith('.vscode-resource.vscode-cdn.net') && /^vscode-remote\+127-002e0-002e0-002e1-003a\d+$/.test(authority) &&
        decodeURIComponent(url.pathname).startsWith(`${REPO}/dist/`); // the extension's own page files
    } catch { return false; }
  };
  const pending = new Map();
  const isWebviewResource = (u) => {
    try { return new URL(u).hostname.endsWith('.vscode-resource.vscode-cdn.net'); } catch { return false; }
  };
  const isOffHost = (u) => {
    try {
      const url = new URL(u);
      return /^(https?|wss?):$/.test(url.protocol) && url.hostname !== '127.0.0.1';
    } catch { return false; }
  };
  context.on('request', (r) => { if (isOffHost(r.url())) pending.set(r, r.url()); });
  context.on('response', (resp) => {
    const r = resp.request();
    if (!pending.has(r)) return;
    (resp.fromServiceWorker() ? servedByServiceWorker : offHost).push(pending.get(r));
    pending.delete(r);
  });
  context.on('requestfailed', (r) => {
    if (!pending.has(r)) return;
    const url = pending.get(r);
    const error = r.failure()?.errorText || '';
    pending.delete(r);
    // a webview resource cancelled before its answer (a panel closed while loading):
    // the service worker would have answered it
    if (error === 'net::ERR_ABORTED' && isWebviewResource(url)) {
      servedByServiceWorker.push(`${url} (cancelled)`);
    } else if (error === 'net::ERR_NAME_NOT_RESOLVED' && isThisServersWebviewResource(url)) {
      escapedServiceWorker.push(url);
    } else {
      offHost.push(`${url} (failed: ${error})`);
    }
  });
  // Webview resources in flight (see whenWebviewResourcesSettled).
  const webviewResources = new Set();
  context.on('request', (r) => { if (isWebviewResource(r.url())) webviewResources.add(r); });
  context.on('requestfinished', (r) => webviewResources.delete(r));
  context.on('requestfailed', (r) => webviewResources.delete(r));
  const watchPage = (p) => p.on('websocket', (ws) => { if (isOffHost(ws.url())) offHost.push(ws.url()); });
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  const page = context.pages()[0] || await context.newPage();
  const close = async () => {
    try { await context.close(); } catch { /* already closed */ }
    if (!profileDir) fs.rmSync(profile, { recursive: true, force: true });
  };
  /**
   * Resolves once no webview resource has been in flight for `quietMs` (or after `maxMs`), with
   * what it saw. code-server serves every webview from one origin through one service worker,
   * which each new webview updates; a fetch of a webview torn down before its answer stays open
   * until the worker's 30 s timeout, and until then the updated worker cannot take over, so the
   * next webview stays blank. Tests that close panels wait for this first.
   */
  const whenWebviewResourcesSettled = async ({ quietMs = 300, maxMs = 10_000 } = {}) => {
    const start = Date.now();
    let quietSince = webviewResources.size ? Infinity : start;
    while (Date.now() - start < maxMs) {
      if (webviewResources.size) quietSince = Infinity;
      else if (quietSince === Infinity) quietSince = Date.now();
      if (Date.now() - quietSince >= quietMs) return { settled: true, waitedMs: Date.now() - start };
      await sleep(50);
    }
    return { settled: false, waitedMs: Date.now() - start, pending: [...webviewResources].map((r) => r.url()) };
  };
  return {
    context, page, close, servedByServiceWorker, escapedServiceWorker, whenWebviewResourcesSettled,
    /** Requests that left (or tried to leave) 127.0.0.1, including any still unanswered. */
    get offHost() { return [...offHost, ...[...pending.values()].map((u) => `${u} (no response yet)`)]; },
  };
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, name);
  try { await page.screenshot({ path: file }); } catch (e) { console.error(`[e2e] screenshot ${name} failed: ${e.message}`); }
  return file;
}
