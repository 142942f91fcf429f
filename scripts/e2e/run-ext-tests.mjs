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
// examples/workspace, 600000 ms. VERBOSE=1 shows the workbench's own log lines.
// Exit code: the suite's (0 = all passed), 1 on failure, timeout or harness error.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import {
  REPO, LOGS, copyExampleWorkspace, launchBrowser, makeTempDir, screenshot, startCodeServer, workbenchUrl,
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

try {
  server = await startCodeServer({
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    name: 'ext-tests-code-server',
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
    fullLog.write(`[browser ${m.type()}] ${text}\n`);
    if (verbose) console.log(`[browser ${m.type()}] ${text}`);
  });
  page.on('pageerror', (e) => {
    fullLog.write(`[pageerror] ${e.stack || e.message}\n`);
    console.log(`[pageerror] ${e.message}`);
  });

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
