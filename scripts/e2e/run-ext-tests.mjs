#!/usr/bin/env node
// Runs the extension's integration suite (mocha) INSIDE a real VS Code extension host,
// headless: what @vscode/test-electron's runTests() does with desktop VS Code, done
// here with a local code-server and headless chromium. The workbench URL's `payload`
// names the extension under development and the tests module; the server-side
// extension host loads both and awaits the module's run(). When run() settles the
// workbench calls window.codeAutomationExit(code), which becomes our exit code.
//
//   node scripts/e2e/run-ext-tests.mjs [--workspace=DIR] [--extensionDevelopmentPath=DIR]
//        [--extensionTestsPath=FILE] [--timeout=MS]
// Defaults: the repo root, out/test/integration/index.js, a temporary copy of
// examples/workspace, 600000 ms. VERBOSE=1 shows the workbench's own log lines;
// E2E_TRACE_WEBVIEW=1 adds each webview request and its duration to the full log.
// Exit code: the suite's (0 = all passed), 1 on failure, timeout or harness error.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import util from 'node:util';
import {
  REPO, LOGS, copyExampleWorkspace, freePort, launchBrowser, makeTempDir, screenshot, startCodeServer, workbenchUrl,
} from './codeServer.mjs';

const arg = (name, dflt) => {
  const hit = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : dflt;
};
const extensionDevelopmentPath = path.resolve(arg('extensionDevelopmentPath', REPO));
const extensionTestsPath = path.resolve(arg('extensionTestsPath', path.join(REPO, 'out', 'test', 'integration', 'index.js')));
const timeoutMs = Number(arg('timeout', process.env.E2E_SUITE_TIMEOUT_MS || '600000'));
const verbose = !!process.env.VERBOSE;

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const say = (msg) => console.log(`[ext-tests] ${msg}`);

if (!fs.existsSync(extensionTestsPath)) {
  say(`tests module ${extensionTestsPath} does not exist: compile the tests first (npx tsc -p .)`);
  process.exit(1);
}

const runDir = makeTempDir('ext-tests');
let workspace = arg('workspace');
if (!workspace) workspace = copyExampleWorkspace(path.join(runDir, 'workspace'));
workspace = path.resolve(workspace);

// everything relayed goes to the console (filtered) and to a full, unfiltered log
fs.mkdirSync(LOGS, { recursive: true });
const fullLog = fs.createWriteStream(path.join(LOGS, 'ext-tests-output.log'));

// The workbench's own log lines travel the same channel as the extension host's
// console output (mocha's reporter). Hide the workbench's chatter unless VERBOSE=1.
const WORKBENCH_NOISE = new RegExp('^(' + [
  'Resolving connection token', 'Resolved connection token', 'Creating a socket', 'Ignoring fetching additional',
  'Updating additional builtin', '\\[Service Worker\\]', 'ChatSessionStore', '\\[reconnection-grace-time\\]',
  '\\[AgentHost', '\\[AccountPolicyGate\\]', 'Started local extension host', 'Extension host .* started',
  'Started initializing', 'Loading development extension', '\\[Extension Host\\] \\(', 'Settings Sync',
  'Extension host \\(', 'IExtensionHostStarter',
].join('|') + ')');

let server;
let browser;
let code = 1;
let stopping = false;
async function cleanup() {
  if (stopping) return;
  stopping = true;
  if (browser) await browser.close();
  settledServer?.close();
  if (server) await server.stop();
  if (process.env.KEEP_RUN !== '1') fs.rmSync(runDir, { recursive: true, force: true });
  else say(`kept ${runDir}`);
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    say(`${sig}: stopping`);
    await cleanup();
    process.exit(130);
  });
}

/**
 * The tests (in the extension host) ask here, before closing panels, that the browser has no
 * webview resource in flight (codeServer.mjs whenWebviewResourcesSettled says why); the URL
 * reaches them as E2E_WEBVIEW_SETTLED_URL through code-server's environment.
 */
let settledServer;
async function startSettledServer() {
  const port = await freePort();
  settledServer = http.createServer(async (req, res) => {
    const answer = browser ? await browser.whenWebviewResourcesSettled() : { settled: true, waitedMs: 0 };
    if (!answer.settled) say(`webview resources still in flight after ${answer.waitedMs} ms: ${answer.pending.join(', ')}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  await new Promise((resolve) => settledServer.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${port}/webview-resources-settled`;
}

try {
  server = await startCodeServer({
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    name: 'ext-tests-code-server',
    env: { E2E_WEBVIEW_SETTLED_URL: await startSettledServer() },
  });
  say(`code-server up at ${server.url} after ${secs()}s; workspace ${workspace}`);
  browser = await launchBrowser({ profileDir: path.join(runDir, 'chromium') });
  const { page } = browser;

  let resolveExit;
  const exited = new Promise((resolve) => { resolveExit = resolve; });
  // both must exist before the workbench loads
  await page.exposeFunction('codeAutomationExit', (c) => resolveExit(c));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const line = util.format(...(Array.isArray(args) ? args : [args]));
    fullLog.write(`${type}: ${line}\n`);
    if (verbose || !WORKBENCH_NOISE.test(line)) console.log(type === 'error' ? `[error] ${line}` : line);
  });
  page.on('console', (m) => {
    const text = m.text();
    fullLog.write(`${new Date().toISOString()} [browser ${m.type()}] ${text}\n`);
    if (verbose) console.log(`[browser ${m.type()}] ${text}`);
  });
  page.on('pageerror', (e) => {
    fullLog.write(`[pageerror] ${e.stack || e.message}\n`);
    console.log(`[pageerror] ${e.message}`);
  });

  // E2E_TRACE_WEBVIEW=1: each webview page and resource request, with how long it took
  if (process.env.E2E_TRACE_WEBVIEW) {
    const started = new Map();
    const isWebview = (u) => /\.vscode-resource\.vscode-cdn\.net\/|\/webview\/browser\/pre\//.test(u);
    browser.context.on('request', (r) => { if (isWebview(r.url())) started.set(r, Date.now()); });
    const done = (r, what) => {
      if (!started.has(r)) return;
      fullLog.write(`${new Date().toISOString()} [request ${what} after ${Date.now() - started.get(r)} ms] ${r.url().slice(0, 200)}\n`);
      started.delete(r);
    };
    browser.context.on('requestfinished', (r) => done(r, 'done'));
    browser.context.on('requestfailed', (r) => done(r, `failed (${r.failure()?.errorText})`));
  }

  await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath, extensionTestsPath }));
  let timer;
  const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    const shot = await screenshot(page, 'ext-tests-timeout.png');
    say(`TIMEOUT: the suite did not finish within ${timeoutMs} ms (screenshot ${path.relative(REPO, shot)})`);
    code = 1;
  } else {
    code = Number(result) === 0 ? 0 : 1;
    await screenshot(page, 'ext-tests-final.png');
    say(`extension host finished with code ${result} after ${secs()}s`);
  }
  if (browser.escapedServiceWorker.length) {
    say(`note: ${browser.escapedServiceWorker.length} webview resource request(s) of this server escaped code-server's service worker and failed inside the browser (the page was loaded again): ${browser.escapedServiceWorker.join(', ')}`);
  }
  if (browser.offHost.length) {
    say(`the browser sent requests off 127.0.0.1: ${browser.offHost.join(', ')}`);
    code = 1;
  }
} catch (e) {
  say(`harness error: ${e && e.stack ? e.stack : e}`);
  if (server) say(`code-server output:\n${server.output()}`);
  code = 1;
} finally {
  await cleanup();
  fullLog.end();
}
say(`logs in ${path.relative(REPO, LOGS)}/ (ext-tests-output.log, ext-tests-code-server*)`);
process.exit(code);
