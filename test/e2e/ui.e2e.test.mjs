// Browser end-to-end test through the real VS Code workbench: a local code-server
// (VS Code 1.100 server + web workbench + Node extension host) with this repo loaded
// as the extension under development, driven by headless chromium via playwright-core.
//
//   node --test --test-timeout=300000 test/e2e/ui.e2e.test.mjs
// (npm run test:e2e runs it after the extension-host suite.) Needs code-server
// (bash scripts/e2e/install-code-server.sh), a built dist/ (npm run build) and
// /usr/bin/chromium. Works on a temporary copy of examples/workspace, or on
// E2E_WORKSPACE when set (a copy made by the caller). Screenshots: test-artifacts/screenshots/.
// E2E_EXTENSION_PATH loads another extension folder instead of the repo (harness checks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO, LOGS, copyExampleWorkspace, launchBrowser, makeTempDir, screenshot, startCodeServer, workbenchUrl,
} from '../../scripts/e2e/codeServer.mjs';

const SHAPE = '2000 \u00d7 64';
const extensionPath = path.resolve(process.env.E2E_EXTENSION_PATH || REPO);
const runDir = makeTempDir('ui');
const userDataDir = path.join(runDir, 'user-data');
const workspace = process.env.E2E_WORKSPACE
  ? path.resolve(process.env.E2E_WORKSPACE)
  : copyExampleWorkspace(path.join(runDir, 'workspace'));
let server;
let browser;
let page;
let consoleLog;
/** Later steps need the workbench with train.py open; they are skipped when step 1 failed. */
let workbenchReady = false;
let panelReady = false;
const needsWorkbench = (t) => {
  if (!workbenchReady) { t.skip('the workbench did not open train.py (step 1 failed)'); return false; }
  return true;
};
const t0 = Date.now();
const lap = (what) => console.log(`# ${what} at ${((Date.now() - t0) / 1000).toFixed(1)}s`);

/** Runs a step; on failure saves a screenshot named after it before re-throwing. */
async function step(name, fn) {
  try {
    await fn();
  } catch (err) {
    if (page) {
      const file = await screenshot(page, `failed-${name}.png`);
      console.log(`# ${name} failed; screenshot ${path.relative(REPO, file)}`);
    }
    throw err;
  }
}

const editorLine = (text) => page.locator('.monaco-editor .view-line').filter({ hasText: text }).first();

/**
 * Hovers the mouse over `text` in the editor until a hover containing `expect` shows.
 * A hover computed before the extension registered its provider is not recomputed
 * while the mouse stays put, so move away and back between attempts.
 */
async function hoverOver(text, expect, attempts = 5) {
  const token = editorLine(text).getByText(text).first();
  await token.waitFor();
  const hover = page.locator('.monaco-hover:not(.hidden)').filter({ hasText: expect });
  for (let attempt = 1; ; attempt++) {
    const box = await token.boundingBox();
    assert.ok(box, `"${text}" is visible in the editor`);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    try {
      await hover.first().waitFor({ timeout: 6_000 });
      return hover.first();
    } catch (err) {
      if (attempt === attempts) throw err;
      console.log(`# hover attempt ${attempt} showed no "${expect}", retrying`);
      await page.mouse.move(5, 450, { steps: 3 });
      await page.waitForTimeout(300);
    }
  }
}

/**
 * Waits for `locator` to be visible, but fails at once with the workbench's own message
 * when an error dialog or error notification shows up first (a command that threw).
 */
async function waitForOrWorkbenchError(locator, what, timeoutMs) {
  const dialog = page.locator('.monaco-dialog-box');
  const toast = page.locator('.notifications-toasts .notification-toast').filter({ has: page.locator('.codicon-error') });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await locator.isVisible().catch(() => false)) return;
    for (const err of [dialog, toast]) {
      if (await err.first().isVisible().catch(() => false)) {
        const text = (await err.first().innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
        throw new Error(`the workbench showed an error while waiting for ${what}: ${text}`);
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

/**
 * F1, type the command's palette title, wait for its row, Enter. On a loaded machine the palette
 * can open late and lose the first keystrokes: then it is closed and the title typed again. F1 itself
 * can be lost too (focus moving into a webview as it loads): then it is pressed again.
 */
async function runCommand(title, shotName) {
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    const input = page.locator('.quick-input-widget input');
    for (let press = 1; ; press++) {
      await page.keyboard.press('F1');
      try { await input.waitFor({ state: 'visible', timeout: 10_000 }); break; } catch (e) {
        if (press >= 3) throw e;
        console.log(`# palette: F1 did not open it, pressing it again`);
      }
    }
    await input.pressSequentially(title, { delay: 15 });
    try {
      await row.waitFor({ timeout: attempt < 3 ? 10_000 : 30_000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      console.log(`# palette: no row for "${title}" (typed: "${await input.inputValue().catch(() => '?')}"), typing it again`);
      await page.keyboard.press('Escape');
    }
  }
  if (shotName) await screenshot(page, shotName);
  await page.keyboard.press('Enter');
}

/** The content frame of the (single) webview panel: iframe.webview.ready > #active-frame. */
const webview = () => page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');

// Ctrl-C or a CI cancellation: end the server's process group and the browser we started.
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    try { if (browser) await browser.close(); } catch { /* already gone */ }
    try { if (server) await server.stop(); } catch { /* already gone */ }
    fs.rmSync(runDir, { recursive: true, force: true });
    process.exit(130);
  });
}

before(async () => {
  server = await startCodeServer({ userDataDir, extensionsDir: path.join(runDir, 'extensions'), name: 'ui-code-server' });
  lap(`code-server up at ${server.url}, workspace ${workspace}`);
  browser = await launchBrowser({ profileDir: path.join(runDir, 'chromium') });
  page = browser.page;
  fs.mkdirSync(LOGS, { recursive: true });
  consoleLog = fs.createWriteStream(path.join(LOGS, 'ui-browser-console.log'));
  page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => consoleLog.write(`[pageerror] ${e.stack || e.message}\n`));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (consoleLog) consoleLog.end();
  if (process.env.KEEP_RUN !== '1') fs.rmSync(runDir, { recursive: true, force: true });
  lap('teardown done');
});

test('1. workbench opens train.py and the extension puts a squiggle on it', { timeout: 120_000 }, () => step('open', async () => {
  await page.goto(workbenchUrl(server, { folder: workspace, extensionDevelopmentPath: extensionPath }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  const item = page.getByRole('treeitem', { name: 'train.py' });
  await item.waitFor({ timeout: 60_000 });
  await item.click();
  await editorLine('np.load').waitFor({ timeout: 30_000 });
  await page.locator('#status\\.editor\\.mode').getByText('Python').waitFor({ timeout: 30_000 });
  // The squiggle proves the extension activated and published diagnostics, and so
  // that its hover provider is registered (same ordered channel): the hover race fix.
  await page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning').first()
    .waitFor({ state: 'attached', timeout: 60_000 });
  lap('train.py open with a squiggle');
  await screenshot(page, 'editor.png');
  workbenchReady = true;
}));

test('2. hovering "runs/emb.npy" shows the report summary', { timeout: 90_000 }, (t) => needsWorkbench(t) && step('hover', async () => {
  const hover = await hoverOver('runs/emb.npy', SHAPE);
  const text = await hover.innerText();
  assert.match(text, /float32/);
  assert.match(text, /effective rank/i);
  lap('hover shows the report');
  await page.waitForTimeout(400); // let the fade-in finish
  await screenshot(page, 'hover.png');
  await page.mouse.move(5, 450);
  await page.keyboard.press('Escape');
}));

test('3. Problems panel (Ctrl+Shift+M) lists the NaN finding', { timeout: 60_000 }, (t) => needsWorkbench(t) && step('problems', async () => {
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row').filter({ hasText: /nan-rows|NaN/ });
  await row.first().waitFor({ timeout: 30_000 });
  lap(`problems panel: ${(await row.first().innerText()).replace(/\s+/g, ' ').slice(0, 160)}`);
  await screenshot(page, 'problems.png');
}));

test('4. palette "Embeddings: Analyze File" → quick pick → report panel shows the shape', { timeout: 120_000 }, (t) => needsWorkbench(t) && step('panel', async () => {
  await page.locator('.monaco-editor .view-lines').first().click();
  await runCommand('Embeddings: Analyze File', 'palette.png');

  await waitForOrWorkbenchError(
    page.locator('.quick-input-widget .quick-input-title').filter({ hasText: 'Analyze which embedding dump' }),
    'the quick pick "Analyze which embedding dump…"', 30_000);
  const choice = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'runs/emb.npy' }).first();
  await choice.waitFor({ timeout: 30_000 });
  await screenshot(page, 'quick-pick.png');
  await choice.click();

  const shape = webview().locator('#overview-shape');
  await waitForOrWorkbenchError(shape.filter({ hasText: SHAPE }), `#overview-shape "${SHAPE}" in the report panel`, 60_000);
  assert.equal((await shape.innerText()).trim(), SHAPE);
  assert.match(await webview().locator('#overview-dtype').innerText(), /float32/);
  await webview().locator('#health-table').waitFor();
  await webview().locator('#spectrum-plot').waitFor({ state: 'attached' });
  await page.locator('.tab').filter({ hasText: 'Embeddings: emb.npy' }).first().waitFor();
  lap('report panel rendered');
  await page.waitForTimeout(300);
  await screenshot(page, 'panel.png');
  // the view for the README: the panel alone, scrolled to the spectrum plot
  await runCommand('View: Toggle Panel Visibility');
  await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 10_000 });
  await webview().locator('#spectrum-plot').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await screenshot(page, 'panel-spectrum.png');
  panelReady = true;
}));

test('4b. the spectrum plot reads out its points with the keyboard alone', { timeout: 60_000 }, (t) => {
  if (!panelReady) return t.skip('the report panel did not render (step 4 failed)');
  return step('plot-keys', async () => {
    const plot = webview().locator('#spectrum-plot');
    const live = webview().locator('#spectrum-plot-live');
    const readout = webview().locator('#spectrum-plot .hover .hover-text');
    // The expected points come from what the page shows in words: the plot's accessible name
    // (count, largest and smallest eigenvalue), its text alternative (the first values) and the
    // metrics table (top-1 and top-10 explained variance, i.e. the cumulative share at k = 1, 10).
    const name = await plot.getAttribute('aria-label');
    const count = Number(/: (\d+) eigenvalues/.exec(name)?.[1]);
    const largest = /largest ([^,]+),/.exec(name)?.[1];
    const smallest = /smallest positive ([^,]+),/.exec(name)?.[1];
    assert.equal(count, 64, `every eigenvalue of the 64-dimensional dump is plotted: ${name}`);
    assert.ok(largest && smallest, name);
    const desc = await webview().locator('#spectrum-plot-desc').textContent();
    const third = /\u03bb3 = ([^,]+),/.exec(desc)?.[1];
    assert.ok(third, desc);
    const explained = async (k) => (await webview().locator(`#metric-explained-${k} td.num`).innerText()).trim();
    const top1 = await explained(1);
    const top10 = await explained(10);

    // A click on the plot's title gives the webview the keyboard, as a user's would; Tab then
    // goes through the plot's export buttons onto the plot, which shows the theme's focus ring.
    await webview().locator('#spectrum-figure .plot-title').click();
    const path = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      const at = await plot.evaluate((el) => {
        const a = el.ownerDocument.activeElement;
        return { onPlot: a === el, at: a ? `${a.localName}#${a.id}` : 'none' };
      });
      path.push(at.at);
      if (at.onPlot) break;
    }
    assert.equal(path[path.length - 1], 'svg#spectrum-plot', `Tab reaches the spectrum plot (focus went ${path.join(' > ')})`);
    assert.notEqual(await plot.evaluate((el) => getComputedStyle(el).outlineStyle), 'none', 'the focused plot has a focus ring');
    assert.equal(await live.textContent(), '', 'nothing is announced before a key');
    assert.equal(await readout.count(), 0);

    /** After `what`, the live region says `text` (a string it contains, or a pattern) and the read-out box matches `box`. */
    const expectPoint = async (what, text, box) => {
      await live.filter({ hasText: text }).waitFor({ timeout: 5_000 }).catch(async () => {
        assert.fail(`${what}: the live region says "${await live.textContent()}", expected ${text}`);
      });
      const shown = (await readout.textContent()).trim();
      if (box instanceof RegExp) assert.match(shown, box, `${what}: the read-out box`);
      else assert.equal(shown, box, `${what}: the read-out box`);
    };
    const literal = (v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await expectPoint('three ArrowRight', `Eigenvalue 3 of 64: ${third},`, new RegExp(`^\u03bb3 = ${literal(third)}( \\(fit [^)]+\\))?$`));
    await page.keyboard.press('Home');
    // (a power-law fit covering k adds its value to both: "; power-law fit …", " (fit …)")
    await expectPoint('Home', `Eigenvalue 1 of 64: ${largest}, ${top1} cumulative`, new RegExp(`^\u03bb1 = ${literal(largest)}( \\(fit [^)]+\\))?$`));
    await page.keyboard.press('PageDown');
    await page.keyboard.press('ArrowLeft');
    await expectPoint('PageDown then ArrowLeft', new RegExp(`^Eigenvalue 10 of 64: [^,]+, ${literal(top10)} cumulative(; power-law fit .+)?$`), /^\u03bb10 = /);
    await page.keyboard.press('End');
    await expectPoint('End', `Eigenvalue 64 of 64: ${smallest}, 100% cumulative`, `\u03bb64 = ${smallest}`);
    lap(`spectrum plot with the keyboard: ${await live.textContent()}`);
    await page.waitForTimeout(200);
    await screenshot(page, 'panel-plot-keyboard.png');

    await page.keyboard.press('Escape');
    await readout.waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal(await live.textContent(), '', 'Escape clears the announcement');
  });
});

test('5. dark theme screenshots of the panel and the hover', { timeout: 90_000 }, (t) => {
  if (!panelReady) return t.skip('the report panel did not render (step 4 failed)');
  return step('dark', async () => {
    // The workbench does not notice a settings.json rewritten behind its back, so switch
    // the way a user does; this sets "workbench.colorTheme" to the preferred dark theme,
    // "Default Dark Modern" (see QUIET_SETTINGS).
    await runCommand('Preferences: Toggle between Light/Dark Themes');
    await page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 30_000 });
    await webview().locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 30_000 });
    await page.waitForTimeout(300);
    await screenshot(page, 'panel-dark.png');
    await webview().locator('#findings').scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'panel-dark-findings.png');
    await page.locator('.tab').filter({ hasText: 'train.py' }).first().click();
    await editorLine('runs/emb.npy').waitFor();
    await hoverOver('runs/emb.npy', SHAPE);
    await page.waitForTimeout(400);
    await screenshot(page, 'hover-dark.png');
    await page.mouse.move(5, 450);
  });
});

test('6. the report panel is restored after the window reloads', { timeout: 120_000 }, (t) => {
  if (!panelReady) return t.skip('the report panel did not render (step 4 failed)');
  return step('restore', async () => {
    await page.locator('.tab').filter({ hasText: 'Embeddings: emb.npy' }).first().click();
    await page.waitForTimeout(500); // let the page save its state
    await page.reload();
    await page.locator('.tab').filter({ hasText: 'Embeddings: emb.npy' }).first().waitFor({ timeout: 60_000 });
    await page.locator('.tab').filter({ hasText: 'Embeddings: emb.npy' }).first().click();
    const shape = webview().locator('#overview-shape');
    await waitForOrWorkbenchError(shape.filter({ hasText: SHAPE }), `#overview-shape "${SHAPE}" in the restored panel`, 60_000);
    await screenshot(page, 'panel-restored.png');
  });
});

/** Switches the colour theme the way a user does and waits for the workbench and the webview to follow. */
async function switchTheme(to) {
  const dark = () => page.locator('.monaco-workbench.vs-dark').count().then(n => n > 0);
  if ((await dark()) === (to === 'dark')) return;
  await runCommand('Preferences: Toggle between Light/Dark Themes');
  await page.locator(to === 'dark' ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs').waitFor({ timeout: 30_000 });
}

/** Closes every editor, so that the next webview opened is the only one (webview() takes the first). */
async function closeAllEditors() {
  // A menu or quick pick left open by an earlier step would swallow F1.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await runCommand('View: Close All Editors');
  await page.locator('.tab').first().waitFor({ state: 'detached', timeout: 15_000 });
}

test('6b. Open With… "Embedding Report" shows an .npz in the custom editor, with its array picker', { timeout: 120_000 }, (t) => needsWorkbench(t) && step('custom-editor', async () => {
  await switchTheme('light');
  await closeAllEditors();
  const runs = page.getByRole('treeitem', { name: 'runs' });
  await runs.waitFor({ timeout: 30_000 });
  const npz = page.getByRole('treeitem', { name: 'checkpoints.npz' });
  if (!(await npz.isVisible().catch(() => false))) await runs.click();
  await npz.waitFor({ timeout: 30_000 });
  await npz.click({ button: 'right' });
  const openWith = page.locator('.context-view .monaco-menu .action-label').filter({ hasText: /^Open With/ }).first();
  await openWith.waitFor({ timeout: 10_000 });
  await openWith.hover();
  await openWith.click();
  const report = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Embedding Report' }).first();
  // On a loaded machine the menu can take the click as a hover only; the item then has the focus: Enter runs it.
  if (!(await report.waitFor({ timeout: 5_000 }).then(() => true, () => false)) && (await openWith.isVisible().catch(() => false))) {
    await page.keyboard.press('Enter');
  }
  await report.waitFor({ timeout: 30_000 });
  await report.click();

  // the file is shown as its report: the embeddings array (the choice rule), 1000 × 48
  const shape = webview().locator('#overview-shape');
  await waitForOrWorkbenchError(shape.filter({ hasText: '1000 \u00d7 48' }), '#overview-shape "1000 × 48" in the custom editor', 60_000);
  await page.locator('.tab.active').filter({ hasText: 'checkpoints.npz' }).waitFor({ timeout: 10_000 }); // the editor tab is the file itself
  const picker = webview().locator('#array-picker');
  await picker.waitFor();
  assert.match(await webview().locator('.array-picker-note').innerText(), /2 of 2 arrays can be analysed/);
  await picker.click();
  const options = webview().locator('#array-picker vscode-option');
  assert.deepEqual(await options.evaluateAll(els => els.map(e => e.getAttribute('value'))), ['embeddings', 'labels']);
  await page.waitForTimeout(400);
  lap('custom editor with its array picker open');
  await screenshot(page, 'custom-editor.png');
  await page.keyboard.press('Escape');
}));

test('6c. "Embeddings: Compare Two Dumps" shows both dumps, then the covariance distance', { timeout: 180_000 }, (t) => needsWorkbench(t) && step('compare', async () => {
  await switchTheme('light');
  await closeAllEditors();
  await page.getByRole('treeitem', { name: 'train.py' }).click();
  await editorLine('np.load').waitFor({ timeout: 30_000 });
  await runCommand('Embeddings: Compare Two Dumps');
  for (const [title, file] of [['Compare: choose the first dump', 'runs/emb.npy'], ['Compare emb.npy with', 'runs/collapsed.npy']]) {
    await waitForOrWorkbenchError(page.locator('.quick-input-widget .quick-input-title').filter({ hasText: title }), `the quick pick "${title}"`, 30_000);
    const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: file }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
  }
  await page.locator('.tab').filter({ hasText: 'Compare: emb.npy' }).first().waitFor({ timeout: 60_000 });
  await waitForOrWorkbenchError(webview().locator('#compare-title').filter({ hasText: 'emb.npy \u2194 collapsed.npy' }), 'the compare view title', 60_000);
  // numpy: 2‖C_R − C_L‖_F / (‖C_L‖_F + ‖C_R‖_F) of runs/emb.npy and runs/collapsed.npy = 1.5530256
  const card = webview().locator('#compare-covariance-distance');
  await card.locator('.distance-value').filter({ hasText: /^\s*1\.55\s*$/ }).waitFor({ timeout: 90_000 });
  assert.match(await card.innerText(), /Estimate .* from L: all 2000 rows; R: all 1000 rows/);
  assert.match(await webview().locator('#compare-spectrum-distance .distance-value').innerText(), /^\s*\d/);
  await page.waitForTimeout(300);
  lap('compare view with the covariance distance');
  await screenshot(page, 'compare.png');
  await webview().locator('#compare-distances').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await screenshot(page, 'compare-distances.png');
  await switchTheme('dark');
  await webview().locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForTimeout(300);
  await screenshot(page, 'compare-distances-dark.png');
}));

/** Hides the bottom panel (Problems, ...) so the webview gets the window's height. */
async function hideBottomPanel() {
  if (await page.locator('.part.panel').isVisible().catch(() => false)) {
    await runCommand('View: Toggle Panel Visibility');
    await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 10_000 });
  }
}

/**
 * Checks that a report section finished and shows what it is for, found by structure rather than
 * wording (other work rewrites these texts): the section element, its level-2 heading, no error
 * box (role alert), not busy, every plot in it (svg with aria-roledescription "plot") drawn at a
 * readable size with a shape in it, and a curve of 10 or more points among them. Returns the section's text.
 */
async function assertSectionShown(section, what, minPlots) {
  await section.waitFor({ timeout: 60_000 });
  const heading = section.getByRole('heading', { level: 2 }).first();
  await heading.waitFor({ state: 'visible' });
  assert.ok((await heading.innerText()).trim().length > 0, `${what}: the heading has text`);
  assert.equal(await section.getAttribute('aria-busy'), 'false', `${what}: the section has finished`);
  const alerts = section.getByRole('alert');
  const alertCount = await alerts.count();
  // the box's text only when there is one (reading an absent element would wait for it)
  assert.equal(alertCount, 0, `${what}: no error box (${alertCount ? await alerts.first().innerText().catch(() => '') : ''})`);
  const plots = section.locator('svg[aria-roledescription="plot"]');
  const count = await plots.count();
  assert.ok(count >= minPlots, `${what}: at least ${minPlots} plot(s), found ${count}`);
  let longest = 0;
  for (let i = 0; i < count; i++) {
    const plot = plots.nth(i);
    await plot.scrollIntoViewIfNeeded();
    assert.ok(await plot.isVisible(), `${what}: plot ${i + 1} is visible`);
    const box = await plot.boundingBox();
    assert.ok(box && box.width >= 200 && box.height >= 120, `${what}: plot ${i + 1} is drawn at a readable size (${JSON.stringify(box)})`);
    // the most coordinates in one path or polygon (a curve, a face), beyond the axes' lines
    const points = await plot.evaluate((svg) => Math.max(0, ...[...svg.querySelectorAll('path, polygon, polyline')]
      .map((el) => ((el.getAttribute('d') ?? el.getAttribute('points') ?? '').match(/-?\d*\.?\d+(?:e-?\d+)?/gi) ?? []).length / 2)));
    assert.ok(points >= 3, `${what}: plot ${i + 1} draws something (its largest shape has ${points} points)`);
    longest = Math.max(longest, points);
  }
  assert.ok(longest >= 10, `${what}: a curve is drawn (the longest shape has ${longest} points)`);
  return (await section.innerText()).replace(/\s+/g, ' ');
}

/** Scrolls the webview so that `section` starts at the top, for a screenshot of it. */
async function scrollToTop(section) {
  await section.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(400);
}

test('6d. the Information and regime sections of runs/encoder.npy (sidecar manifest, Predict Autoencoder Regime...)', { timeout: 240_000 }, (t) => needsWorkbench(t) && step('information-regime', async () => {
  await switchTheme('light');
  await closeAllEditors();
  await page.getByRole('treeitem', { name: 'train.py' }).click();
  await editorLine('np.load').waitFor({ timeout: 30_000 });
  await runCommand('Embeddings: Predict Autoencoder Regime...');
  const quickInput = page.locator('.quick-input-widget');
  const titled = (text) => quickInput.locator('.quick-input-title').filter({ hasText: text });
  await waitForOrWorkbenchError(titled('of which dump'), 'the quick pick of the dump', 30_000);
  const dump = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'runs/encoder.npy' }).first();
  await dump.waitFor({ timeout: 30_000 });
  await dump.click();
  // the planned autoencoder of the example's manifest: H = 8, nn.Linear's default init, η = 0.05 in gradient-flow units, 400 steps
  const answer = async (stepOf5, value) => {
    await waitForOrWorkbenchError(titled(`(${stepOf5}/5)`), `question ${stepOf5} of 5`, 30_000);
    const input = quickInput.locator('input');
    await input.fill(value);
    if (stepOf5 === 2 || stepOf5 === 3) { // quick picks: the typed text filters, the first match is chosen
      await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    }
    await page.keyboard.press('Enter');
    // accepted: the question goes away (the widget hides, or shows the next question's title)
    await titled(`(${stepOf5}/5)`).waitFor({ state: 'hidden', timeout: 30_000 });
  };
  await answer(1, '8');
  await answer(2, 'nn.Linear default');
  await answer(3, 'Gradient-flow');
  await answer(4, '0.05');
  await answer(5, '400');

  await page.locator('.tab').filter({ hasText: 'encoder.npy' }).first().waitFor({ timeout: 60_000 });
  await hideBottomPanel();
  const information = webview().locator('section#information');
  const regime = webview().locator('section#regime');
  await waitForOrWorkbenchError(information.locator('svg[aria-roledescription="plot"]').first(), 'the Information section with its plot', 150_000);
  await waitForOrWorkbenchError(regime.locator('svg[aria-roledescription="plot"]').nth(1), 'the regime section with the prism and the loss plot', 150_000);
  await webview().locator('section#information[aria-busy="false"]').waitFor({ timeout: 150_000 });
  await webview().locator('section#regime[aria-busy="false"]').waitFor({ timeout: 150_000 });

  const infoText = await assertSectionShown(information, 'information', 1);
  // E1, exact: d·b = 32 coordinates × 32 bits (float32) = 1,024 bits per model use
  assert.match(infoText, /\b1,?024\b/, `the nominal rate d·b = 1024 bits is shown; text: ${infoText.slice(0, 600)}`);
  const regimeText = await assertSectionShown(regime, 'regime', 2);
  // the placement's closed forms: y = H/d = 8/32, z = d·σ² = 32 · 1/(3·32) for nn.Linear's default init
  assert.match(regimeText, /\b0\.25\b/, `y = H/d = 0.25 is shown; text: ${regimeText.slice(0, 600)}`);
  assert.match(regimeText, /\b0\.333/, `z = d·σ² = 1/3 is shown; text: ${regimeText.slice(0, 600)}`);
  lap('information and regime sections rendered');

  for (const theme of ['light', 'dark']) {
    await switchTheme(theme);
    if (theme === 'dark') await webview().locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 30_000 });
    const suffix = theme === 'dark' ? '-dark' : '';
    await scrollToTop(information);
    await screenshot(page, `information${suffix}.png`);
    await scrollToTop(regime);
    await screenshot(page, `regime${suffix}.png`);
  }
}));

// examples/make_examples.py: runs/shards holds 3 shards of 400, 400 and 300 rows (numpy's shapes)
const SHARDS = [['emb-00000-of-00003.npy', 400], ['emb-00001-of-00003.npy', 400], ['emb-00002-of-00003.npy', 300]];

test('6e. explorer "Analyze Folder as Dataset" on runs/shards shows the Dataset section, its shards in natural order', { timeout: 240_000 }, (t) => needsWorkbench(t) && step('dataset', async () => {
  await switchTheme('light');
  await closeAllEditors();
  await hideBottomPanel(); // before the webview takes the focus (F1 there does not reach the workbench)
  const runs = page.getByRole('treeitem', { name: 'runs', exact: true });
  await runs.waitFor({ timeout: 30_000 });
  const folder = page.getByRole('treeitem', { name: 'shards', exact: true });
  if (!(await folder.isVisible().catch(() => false))) await runs.click();
  await folder.waitFor({ timeout: 30_000 });
  await folder.click({ button: 'right' });
  const analyze = page.locator('.context-view .monaco-menu .action-label').filter({ hasText: 'Analyze Folder as Dataset' }).first();
  await analyze.waitFor({ timeout: 10_000 });
  await analyze.hover();
  await analyze.click();
  // On a loaded machine the menu can take the click as a hover only; the item then has the focus: Enter runs it.
  if (!(await analyze.waitFor({ state: 'hidden', timeout: 5_000 }).then(() => true, () => false))) await page.keyboard.press('Enter');

  const dataset = webview().locator('section#dataset-section');
  const table = dataset.locator('table#dataset-shards');
  await waitForOrWorkbenchError(table.locator('tbody tr').nth(SHARDS.length - 1), 'the Dataset section with its shard table', 180_000);
  const heading = dataset.getByRole('heading', { level: 2 });
  assert.match(await heading.innerText(), new RegExp(`\\b${SHARDS.length}\\b`), 'the heading counts the shards');
  assert.equal(await dataset.getByRole('alert').count(), 0, 'no error box in the Dataset section');
  const total = SHARDS.reduce((sum, [, rows]) => sum + rows, 0);
  const summary = (await dataset.locator('#dataset-summary').innerText()).replace(/\s+/g, ' ');
  assert.match(summary, new RegExp(`\\b${SHARDS.length}\\b.*\\b${total.toLocaleString('en-US').replace(',', ',?')}\\b`), `the summary gives the shards and ${total} rows; text: ${summary}`);
  // one row per shard, in natural order: its name and its rows. (Not yet its findings column: a dataset's
  // nan-rows / duplicate-rows findings carry no row indices, so every shard shows "none" there.)
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), SHARDS.length);
  for (const [i, [name, count]] of SHARDS.entries()) {
    const cells = rows.nth(i).getByRole('cell');
    assert.equal((await cells.nth(0).innerText()).trim(), name, `shard ${i + 1} is ${name}`);
    assert.equal((await cells.nth(1).innerText()).trim().replace(/,/g, ''), String(count), `${name} has ${count} rows`);
    assert.equal(await cells.count(), 4, `${name}: name, rows, bar and findings cells`);
  }
  lap('dataset section rendered');

  for (const theme of ['light', 'dark']) {
    await switchTheme(theme);
    if (theme === 'dark') await webview().locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 30_000 });
    await scrollToTop(dataset);
    await screenshot(page, `dataset${theme === 'dark' ? '-dark' : ''}.png`);
  }
}));

const CLASSES = ['airplane', 'bird', 'car', 'cat', 'ship', 'truck'];

test('6f. runs/labelled.npz: the projection coloured by label, a hover read-out, a box selection, a row view and the UMAP view', { timeout: 360_000 }, (t) => needsWorkbench(t) && step('projection', async () => {
  await switchTheme('light');
  await closeAllEditors();
  await hideBottomPanel();
  await page.getByRole('treeitem', { name: 'train.py' }).click();
  await runCommand('Embeddings: Analyze File');
  await waitForOrWorkbenchError(
    page.locator('.quick-input-widget .quick-input-title').filter({ hasText: 'Analyze which' }), 'the quick pick of dumps', 30_000);
  const input = page.locator('.quick-input-widget input');
  await input.pressSequentially('labelled', { delay: 15 });
  const choice = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'runs/labelled.npz' }).first();
  await choice.waitFor({ timeout: 30_000 });
  await choice.click();

  // the labels arrive after the report: the colour select offers them once they have
  const colour = webview().locator('select#projection-colour');
  await waitForOrWorkbenchError(colour, 'the projection section', 120_000);
  await colour.locator('option[value="label"]').waitFor({ state: 'attached', timeout: 60_000 });
  await colour.selectOption('label');
  const legend = webview().locator('#projection-legend');
  const entries = legend.locator('.projection-legend-entry');
  await entries.nth(CLASSES.length - 1).waitFor({ timeout: 30_000 });
  const shown = await entries.allInnerTexts();
  assert.equal(shown.length, CLASSES.length, `one legend entry per class: ${shown.join(' | ')}`);
  for (const c of CLASSES) assert.ok(shown.some(e => e.includes(c)), `the legend names ${c}: ${shown.join(' | ')}`);
  const counted = shown.reduce((sum, e) => sum + Number(/(\d[\d,]*)\s*$/.exec(e)?.[1].replace(/,/g, '') ?? NaN), 0);
  assert.equal(counted, 1200, `the classes' counts add up to the 1,200 rows, all in the sample: ${shown.join(' | ')}`);
  assert.match(await webview().locator('#projection-sample').innerText(), /\ball 1,?200 finite rows\b/, 'every row is in the sample');
  const stage = webview().locator('#projection-stage');
  await scrollToTop(webview().locator('section#projection-section'));
  await screenshot(page, 'projection.png');

  // hover: the read-out names the row under the pointer, its label and its caption
  const box = await stage.boundingBox();
  const readout = webview().locator('#projection-readout');
  let found = false;
  for (let i = 1; i < 12 && !found; i++) {
    for (let j = 1; j < 8 && !found; j++) {
      await page.mouse.move(box.x + (box.width * i) / 12, box.y + (box.height * j) / 8);
      found = await readout.waitFor({ timeout: 400 }).then(() => true, () => false);
    }
  }
  assert.ok(found, 'a point under the pointer shows its read-out');
  const facts = await readout.innerText();
  assert.match(facts, /row [\d,]+/i, facts);
  const hoveredRow = Number(/row ([\d,]+)/i.exec(facts)[1].replace(/,/g, ''));
  assert.ok(CLASSES.some(c => facts.includes(c)), `the read-out names the row's label: ${facts}`);
  assert.ok(facts.includes(`image ${String(hoveredRow).padStart(4, '0')}`), `the read-out shows row ${hoveredRow}'s caption: ${facts}`);
  await screenshot(page, 'projection-hover.png');

  // box selection over the whole plot area: every point is selected, the first rows listed
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width - 2, box.y + box.height - 2, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const count = webview().locator('#projection-selection-count');
  await count.waitFor({ timeout: 10_000 });
  const selected = Number(/([\d,]+) rows? selected/.exec(await count.innerText())?.[1].replace(/,/g, ''));
  assert.ok(selected > 0 && selected <= 1200, `the box selects some of the 1,200 points: ${await count.innerText()}`);

  // a listed row opens the row view: its label and caption, and its neighbours
  const first = webview().locator('#projection-selection ol.projection-rows a').first();
  const firstRow = Number(/row ([\d,]+)/.exec(await first.innerText())[1].replace(/,/g, ''));
  await first.click();
  const summary = webview().locator('#row-view-summary');
  await waitForOrWorkbenchError(summary, 'the row view', 60_000);
  const rowText = await summary.innerText();
  assert.match(rowText, new RegExp(`^Row\\s+${firstRow}\\b`, 'm'), rowText);
  assert.ok(rowText.includes(`image ${String(firstRow).padStart(4, '0')}`), `the row view shows row ${firstRow}'s caption: ${rowText}`);
  assert.ok(CLASSES.some(c => rowText.includes(c)), `the row view shows the row's label: ${rowText}`);
  const neighbours = webview().locator('#row-neighbours-cosine .row-link');
  await neighbours.first().waitFor({ timeout: 30_000 });
  assert.equal(await neighbours.count(), 10, 'ten nearest neighbours by cosine');
  await scrollToTop(webview().locator('section#row-view-section'));
  await screenshot(page, 'row-view.png');

  // the non-linear view, off until asked for: UMAP of the same sample, with the note that it is not metric, and back to the PCs
  await scrollToTop(webview().locator('section#projection-section'));
  await webview().locator('#projection-umap-start').click();
  const note = webview().locator('#projection-umap-note');
  await waitForOrWorkbenchError(note, 'the UMAP view', 180_000);
  assert.match(await note.innerText(), /^A visual aid: distances and axes are not metric — UMAP, seed 0, n_neighbors 15, min_dist 0\.1, 1,?200 rows\.$/);
  assert.equal((await webview().locator('select#projection-x option').allInnerTexts()).join(' | '), 'UMAP-1 (not metric) | UMAP-2 (not metric)');
  await screenshot(page, 'projection-umap.png');
  await webview().locator('#projection-show-pc').click();
  await note.waitFor({ state: 'detached', timeout: 10_000 });
  assert.match(await webview().locator('select#projection-x option').first().innerText(), /^PC1 \(/);

  await switchTheme('dark');
  await webview().locator('body.vscode-dark').waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForTimeout(400);
  await screenshot(page, 'row-view-dark.png');
  await scrollToTop(webview().locator('section#projection-section'));
  await screenshot(page, 'projection-dark.png');
  await switchTheme('light');
}));

test('7. the browser sent no request off 127.0.0.1', () => {
  assert.deepEqual(browser.offHost, []);
});
