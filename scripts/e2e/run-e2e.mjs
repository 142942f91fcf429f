#!/usr/bin/env node
// `npm run test:e2e`: the extension in a real VS Code (code-server + headless chromium).
//   1. installs code-server into .vscode-test/code-server when it is not there yet
//   2. compiles the tests (tsc -p .) and builds dist/ when they are missing or stale
//   3. runs the integration suite inside the extension host (scripts/e2e/run-ext-tests.mjs)
//   4. runs the browser UI test (node --test test/e2e/ui.e2e.test.mjs)
// each on its own temporary copy of examples/workspace; prints a summary and exits
// non-zero when either failed. Screenshots and logs: test-artifacts/.
//   options: --only=ext | --only=ui
//   env: VERBOSE=1 (workbench chatter), KEEP_RUN=1 (keep temp dirs), E2E_SUITE_TIMEOUT_MS,
//        E2E_EXAMPLE_WORKSPACE (another folder to copy instead of examples/workspace)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CS_PREFIX, LOGS, REPO, SCREENSHOTS, copyExampleWorkspace, isCodeServerInstalled, makeTempDir } from './codeServer.mjs';

const only = (process.argv.find((a) => a.startsWith('--only=')) || '').slice('--only='.length);
const t0 = Date.now();
const timings = [];
const time = (label, since) => timings.push(`${label}=${((Date.now() - since) / 1000).toFixed(1)}s`);
const say = (msg) => console.log(`[e2e] ${msg}`);
const rel = (p) => path.relative(REPO, p) || '.';

function newestMtime(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}
const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

function runSync(cmd, args, what) {
  say(`${what}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit' });
  return r.status === 0;
}

// Ctrl-C / CI cancellation: the running child gets the signal (and stops its own
// server and browser); no further stage starts.
let cancelled = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cancelled = true;
    say(`${sig}: stopping after the current stage`);
  });
}

/** Runs a command, echoing its stdout and keeping it for the summary. */
function runCaptured(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    // forward Ctrl-C / CI cancellation: the children clean up their own servers
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve({ code: code ?? (signal ? 1 : 0), out });
    });
  });
}

// fresh artifacts for this run
fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
fs.rmSync(LOGS, { recursive: true, force: true });
fs.mkdirSync(LOGS, { recursive: true });

// 1. code-server
let t = Date.now();
if (!isCodeServerInstalled()) {
  if (!runSync('bash', [path.join(REPO, 'scripts', 'e2e', 'install-code-server.sh'), CS_PREFIX], 'installing code-server')) {
    say('FAILED: code-server could not be installed');
    process.exit(1);
  }
}
time('install', t);

// 2. compiled tests and the bundled extension
t = Date.now();
const outIndex = path.join(REPO, 'out', 'test', 'integration', 'index.js');
const outTests = path.join(REPO, 'out', 'test', 'integration');
if (mtime(outIndex) === 0 || newestMtime(path.join(REPO, 'test', 'integration')) > newestMtime(outTests)) {
  if (!runSync('npx', ['tsc', '-p', '.'], 'compiling the tests')) {
    say('WARNING: tsc reported errors (above); going on with the JavaScript it emitted');
  }
}
if (!fs.existsSync(outIndex)) {
  say(`FAILED: ${rel(outIndex)} was not produced`);
  process.exit(1);
}
const distMain = path.join(REPO, 'dist', 'extension.js');
const sourcesNewest = Math.max(newestMtime(path.join(REPO, 'src')), newestMtime(path.join(REPO, 'webview')));
if (mtime(distMain) === 0 || sourcesNewest > mtime(distMain)) {
  if (!runSync('npm', ['run', 'build'], 'building the extension')) {
    say('WARNING: npm run build failed (above)');
  }
}
if (!fs.existsSync(distMain)) {
  say(`FAILED: ${rel(distMain)} does not exist (npm run build did not produce it), so there is no extension to test`);
  process.exit(1);
}
time('compile', t);

// 3 + 4. the two layers, each on its own copy of the example workspace
const runDir = makeTempDir('e2e');
const results = [];
let wsExt;
let wsUi;
try {
  wsExt = copyExampleWorkspace(path.join(runDir, 'workspace-ext'));
  wsUi = copyExampleWorkspace(path.join(runDir, 'workspace-ui'));
} catch (e) {
  fs.rmSync(runDir, { recursive: true, force: true });
  say(`FAILED: ${e.message}`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
try {
  if (only !== 'ui') {
    t = Date.now();
    const ws = wsExt;
    say(`extension-host suite on ${ws}`);
    const r = await runCaptured(process.execPath, [path.join(REPO, 'scripts', 'e2e', 'run-ext-tests.mjs'), `--workspace=${ws}`]);
    const m = /^integration: (\d+) passed, (\d+) failed/m.exec(r.out);
    const failing = [...r.out.matchAll(/^ {4,}\d+\) (.+)$/gm)].map((x) => x[1]);
    results.push({
      name: 'extension-host suite', code: r.code,
      passed: m ? Number(m[1]) : 0, failed: m ? Number(m[2]) : (r.code ? 1 : 0),
      note: !m ? 'the suite did not report (timeout or harness error, see above)'
        : r.code && Number(m[2]) === 0 ? 'the runner failed after the suite (see [ext-tests] above)' : '',
      failing: [...new Set(failing)],
    });
    time('ext-host-suite', t);
  }
  if (only !== 'ext' && !cancelled) {
    t = Date.now();
    const ws = wsUi;
    const tap = path.join(LOGS, 'ui.tap');
    say(`browser UI test on ${ws}`);
    const r = await runCaptured(process.execPath, ['--test', '--test-timeout=300000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      path.join(REPO, 'test', 'e2e', 'ui.e2e.test.mjs')], { E2E_WORKSPACE: ws });
    const tapText = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
    const count = (k) => Number((new RegExp(`^# ${k} (\\d+)$`, 'm').exec(tapText) || [])[1] || 0);
    const failing = [...tapText.matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((x) => x[1].replace(/\s*#.*$/, ''));
    results.push({
      name: 'browser UI test', code: r.code,
      passed: count('pass'), failed: count('fail') + count('cancelled') + (r.code && !count('fail') && !count('cancelled') ? 1 : 0),
      skipped: count('skipped'), note: '', failing: [...new Set(failing)],
    });
    time('ui-test', t);
  }
} finally {
  if (process.env.KEEP_RUN !== '1') fs.rmSync(runDir, { recursive: true, force: true });
}

console.log('');
say('summary');
for (const r of results) {
  const status = r.code === 0 ? 'PASS' : 'FAIL';
  say(`  ${status} ${r.name}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}${r.note ? ` (${r.note})` : ''}`);
  for (const f of r.failing) say(`       failed: ${f}`);
}
const shots = fs.existsSync(SCREENSHOTS) ? fs.readdirSync(SCREENSHOTS).sort() : [];
say(`  screenshots: ${shots.length ? `${rel(SCREENSHOTS)}/{${shots.join(',')}}` : 'none'}; logs: ${rel(LOGS)}/`);
time('total', t0);
say(`TIMING ${timings.join(' ')}`);
const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
const ok = results.length > 0 && results.every((r) => r.code === 0);
// plain closing line for log readers
console.log(`e2e: ${passed} passed, ${ok ? 0 : Math.max(failed, 1)} failed`);
process.exit(ok ? 0 : 1);
