#!/usr/bin/env node
// Part of `npm run bench`: the extension's activation time as VS Code itself measures it, in a
// real extension host (code-server, VS Code 1.100, the Node extension host), read from
// Developer: Show Running Extensions, whose figure is codeLoadingTime + activateCallTime (loading
// dist/extension.js, then running activate()).
//
//   node scripts/bench_vscode_activation.mjs EXTENSION_ROOT [RELOADS]
//
// EXTENSION_ROOT holds package.json and dist/ (the bench passes a production build). The example
// workspace (a copy) is opened; `workspaceContains:**/*.py` activates the extension at start-up.
// The window is reloaded RELOADS times (default 5), each a fresh extension host. Prints one JSON
// line: { runs: [ms, ...], reasons: [...] }. Needs code-server (scripts/e2e/install-code-server.sh)
// and chromium; run it holding /tmp/embdiag-e2e.lock.
import fs from 'node:fs';
import path from 'node:path';
import {
  copyExampleWorkspace, launchBrowser, makeTempDir, startCodeServer, workbenchUrl,
} from './e2e/codeServer.mjs';

const extensionRoot = path.resolve(process.argv[2] ?? '.');
const reloads = Number(process.argv[3] ?? 5);
const runDir = makeTempDir('activation');
let server;
let browser;

async function cleanup() {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  try { if (server) await server.stop(); } catch { /* already gone */ }
  fs.rmSync(runDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { void cleanup().then(() => process.exit(130)); });

async function activationTime(page) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.pressSequentially('Developer: Show Running Extensions', { delay: 10 });
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Show Running Extensions' }).first().waitFor();
  await page.keyboard.press('Enter');
  const row = page.locator('.runtime-extensions-editor .monaco-list-row').filter({ hasText: /embedding.diagnostics/i }).first();
  try {
    await row.waitFor({ timeout: 60_000 });
  } catch (e) {
    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
    throw e;
  }
  const time = row.locator('.activation-time, .activationTime').first();
  await time.waitFor({ timeout: 60_000 });
  // "Activating..." until activate() has returned, then "Startup Activation: 32ms"
  let text = '';
  let ms = NaN;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await page.waitForTimeout(250)) {
    text = (await time.innerText()).trim();
    ms = Number(/(\d+(?:\.\d+)?)\s*ms\b/.exec(text)?.[1]);
    if (Number.isFinite(ms)) break;
  }
  if (!Number.isFinite(ms)) throw new Error(`unexpected activation time text '${text}'`);
  const title = await row.locator('[title]').evaluateAll(els => els.map(e => e.getAttribute('title')).filter(Boolean).join(' | ')).catch(() => '');
  return { ms, title };
}

try {
  const workspace = copyExampleWorkspace(path.join(runDir, 'workspace'));
  server = await startCodeServer({ userDataDir: path.join(runDir, 'user-data'), extensionsDir: path.join(runDir, 'extensions'), name: 'activation-code-server' });
  browser = await launchBrowser({ profileDir: path.join(runDir, 'chromium') });
  const page = browser.page;
  const runs = [];
  const reasons = [];
  for (let i = 0; i <= reloads; i++) {
    if (i === 0) await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: extensionRoot }));
    else await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    const { ms, title } = await activationTime(page);
    // The first window pays for code-server's own first start (caches, compilation): reported apart.
    if (i > 0) runs.push(ms); else reasons.push(`first window ${ms} ms`);
    if (title) reasons.push(title);
  }
  process.stdout.write(JSON.stringify({ runs, reasons: [...new Set(reasons)] }) + '\n');
} finally {
  await cleanup();
}
