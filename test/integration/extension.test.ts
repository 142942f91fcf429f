/**
 * Integration tests that run inside a real VS Code extension host with the real
 * `vscode` API, on a temporary copy of examples/workspace opened as the first
 * workspace folder. Run with `npm run test:e2e` (headless code-server) or
 * `npm run test:desktop` (desktop VS Code through @vscode/test-cli).
 */
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { EmbeddingDiagnosticsApi } from '../../src/extension/api';
import { closeAllEditors } from './closeEditors';

const EXTENSION_ID = 'embedding-diagnostics.embedding-diagnostics';
const ANALYZE_COMMAND = 'embeddingDiagnostics.analyzeFile';
const DIAGNOSTIC_SOURCE = 'embeddings';
const EMB = 'runs/emb.npy';
const WITH_NAN = 'runs/with_nan.npy';
const MISSING = 'runs/missing.npy';
const TRAIN = 'train.py';
/** How the report writes the shape of emb.npy: U+00D7, no thousands separator. */
const EMB_SHAPE = '2000 \u00d7 64';

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the example workspace opened as a folder');
  return folder.uri;
}

function uriOf(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relativePath.split('/'));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than undefined; otherwise fails after
 * `timeoutMs` with `describe()` (the state last seen) in the message.
 */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  describe: () => string,
  timeoutMs = 20_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}; last seen: ${describe()}`);
    }
    await sleep(intervalMs);
  }
}

/** The range of the quoted string literal holding `path` in `doc`, quotes included and excluded. */
function quotedPathRanges(doc: vscode.TextDocument, path: string): { quoted: vscode.Range; inner: vscode.Range } {
  const text = doc.getText();
  for (const quote of ['"', "'"]) {
    const at = text.indexOf(`${quote}${path}${quote}`);
    if (at >= 0) {
      return {
        quoted: new vscode.Range(doc.positionAt(at), doc.positionAt(at + path.length + 2)),
        inner: new vscode.Range(doc.positionAt(at + 1), doc.positionAt(at + 1 + path.length)),
      };
    }
  }
  assert.fail(`${doc.uri.fsPath} contains no quoted "${path}"`);
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  if (d.code === undefined) return undefined;
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

function describeDiagnostics(uri: vscode.Uri): string {
  const all = vscode.languages.getDiagnostics(uri);
  if (all.length === 0) return 'no diagnostics';
  return all.map((d) => `[${d.source}/${codeOf(d)} ${vscode.DiagnosticSeverity[d.severity]} `
    + `${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1}] ${d.message}`).join('; ');
}

function ourDiagnostic(uri: vscode.Uri, code: string): vscode.Diagnostic | undefined {
  return vscode.languages.getDiagnostics(uri).find((d) => d.source === DIAGNOSTIC_SOURCE && codeOf(d) === code);
}

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? []).flatMap((h) => h.contents).map((c) => {
    if (typeof c === 'string') return c;
    return c.value;
  }).join('\n');
}

function rangeText(r: vscode.Range): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

suite('Embedding Diagnostics in a real extension host', () => {
  let api: EmbeddingDiagnosticsApi;

  suiteSetup(async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
  });

  suiteTeardown(async () => {
    await closeAllEditors();
  });

  test('the extension is present, activates and returns its API', async () => {
    const ext = vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    assert.strictEqual(ext.isActive, true, 'extension is active');
    assert.strictEqual(typeof ext.exports?.analyze, 'function', 'API has analyze()');
    assert.strictEqual(typeof ext.exports?.whenPanelRendered, 'function', 'API has whenPanelRendered()');
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(ANALYZE_COMMAND), `${ANALYZE_COMMAND} is registered`);
  });

  test('api.analyze() reads emb.npy: 2000 rows of dimension 64, float32', async () => {
    const report = await api.analyze(uriOf(EMB));
    assert.strictEqual(report.rowsTotal, 2000);
    assert.strictEqual(report.dim, 64);
    assert.strictEqual(report.array.dtype, 'float32');
    assert.deepStrictEqual(report.array.shape, [2000, 64]);
  });

  test('the analyze command opens the report panel, which renders the shape', async () => {
    const uri = uriOf(EMB);
    await vscode.commands.executeCommand(ANALYZE_COMMAND, uri);
    const text = await api.whenPanelRendered(uri, 45_000);
    assert.ok(text.includes(EMB_SHAPE), `panel text shows "${EMB_SHAPE}"; it was:\n${text.slice(0, 2000)}`);
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Embeddings: emb.npy');
    assert.ok(tab, `a tab "Embeddings: emb.npy" is open; tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')}`);
    assert.ok(tab.input instanceof vscode.TabInputWebview, 'the report tab is a webview');
  });

  test('hovering a dump path in Python shows the report summary', async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf(TRAIN));
    await vscode.window.showTextDocument(doc);
    assert.strictEqual(doc.languageId, 'python');
    const { inner } = quotedPathRanges(doc, EMB);
    const middle = inner.start.translate(0, Math.floor(EMB.length / 2));
    let last = '';
    const text = await waitFor('a hover with the report of emb.npy', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, middle);
      last = hoverText(hovers);
      return last.includes(EMB_SHAPE) ? last : undefined;
    }, () => (last ? JSON.stringify(last.slice(0, 1000)) : 'no hover'), 30_000, 500);
    assert.ok(text.includes('float32'), `hover names the dtype: ${text}`);
    assert.match(text, /effective rank/i, 'hover mentions the effective rank');
  });

  test('diagnostics: nan-rows (Error) on the with_nan path, file-missing (Error) on the missing path', async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf(TRAIN));
    await vscode.window.showTextDocument(doc);
    const nan = await waitFor('a nan-rows diagnostic on train.py',
      () => ourDiagnostic(doc.uri, 'nan-rows'), () => describeDiagnostics(doc.uri));
    const missing = await waitFor('a file-missing diagnostic on train.py',
      () => ourDiagnostic(doc.uri, 'file-missing'), () => describeDiagnostics(doc.uri));

    assert.strictEqual(nan.severity, vscode.DiagnosticSeverity.Error, 'nan-rows is an error');
    const nanPath = quotedPathRanges(doc, WITH_NAN);
    assert.ok(nan.range.contains(nanPath.inner) && nanPath.quoted.contains(nan.range),
      `nan-rows range ${rangeText(nan.range)} covers the string "${WITH_NAN}" at ${rangeText(nanPath.quoted)}`);

    assert.strictEqual(missing.severity, vscode.DiagnosticSeverity.Error, 'file-missing is an error');
    const missingPath = quotedPathRanges(doc, MISSING);
    assert.ok(missing.range.contains(missingPath.inner) && missingPath.quoted.contains(missing.range),
      `file-missing range ${rangeText(missing.range)} covers the string "${MISSING}" at ${rangeText(missingPath.quoted)}`);
  });

  test('editing train.py to drop the missing path clears its diagnostic (then reverted)', async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf(TRAIN));
    const editor = await vscode.window.showTextDocument(doc);
    await waitFor('a file-missing diagnostic before the edit',
      () => ourDiagnostic(doc.uri, 'file-missing'), () => describeDiagnostics(doc.uri));
    const { quoted } = quotedPathRanges(doc, MISSING);
    try {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, quoted, 'None');
      assert.ok(await vscode.workspace.applyEdit(edit), 'edit applied');
      await waitFor('the file-missing diagnostic to go away after the edit',
        () => (ourDiagnostic(doc.uri, 'file-missing') ? undefined : true), () => describeDiagnostics(doc.uri));
      assert.ok(ourDiagnostic(doc.uri, 'nan-rows'), `nan-rows stays after the edit: ${describeDiagnostics(doc.uri)}`);
    } finally {
      // back to the file on disk (the edit was never saved)
      await vscode.window.showTextDocument(editor.document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    assert.strictEqual(doc.isDirty, false, 'train.py reverted');
    assert.ok(doc.getText().includes(MISSING), 'train.py has the missing path again');
    await waitFor('the file-missing diagnostic to come back after the revert',
      () => ourDiagnostic(doc.uri, 'file-missing'), () => describeDiagnostics(doc.uri));
  });
});

suite('Editor surfaces: custom editor, code actions, compare, notebooks, watch mode', () => {
  let api: EmbeddingDiagnosticsApi;

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID)!.activate();
  });

  // each test starts from no open views, so whenPanelRendered cannot answer from an earlier one
  setup(async () => { await closeAllEditors(); });
  suiteTeardown(async () => { await closeAllEditors(); });

  test('the custom editor opens a dump and shows its shape', async () => {
    const uri = uriOf(EMB);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'embeddingDiagnostics.dumpEditor');
    const text = await api.whenPanelRendered(uri, 45_000);
    assert.ok(text.includes(EMB_SHAPE), `custom editor shows "${EMB_SHAPE}"; it was:\n${text.slice(0, 1500)}`);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, `the active tab is a custom editor (${tab?.label})`);
    assert.strictEqual((tab.input as vscode.TabInputCustom).viewType, 'embeddingDiagnostics.dumpEditor');
  });

  test('code actions on a finding: open the report, and suppress the finding for that file', async () => {
    const doc = await vscode.workspace.openTextDocument(uriOf(TRAIN));
    await vscode.window.showTextDocument(doc);
    const dup = await waitFor('a duplicate-rows diagnostic', () => ourDiagnostic(doc.uri, 'duplicate-rows'), () => describeDiagnostics(doc.uri));
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, dup.range);
    const titles = actions.map((a) => a.title);
    const open = actions.find((a) => a.title === 'Open embedding report for with_nan.npy');
    assert.ok(open?.command, `an "Open embedding report" action is offered; got ${titles.join(' | ')}`);
    await vscode.commands.executeCommand(open.command.command, ...(open.command.arguments ?? []));
    const text = await api.whenPanelRendered(uriOf(WITH_NAN), 45_000);
    assert.ok(text.includes('500 \u00d7 32'), `the report of with_nan.npy opened; it was:\n${text.slice(0, 1000)}`);

    const suppress = actions.find((a) => a.title === "Suppress 'duplicate-rows' for with_nan.npy");
    assert.ok(suppress?.command, `a suppress action is offered; got ${titles.join(' | ')}`);
    // a WorkspaceConfiguration is a snapshot: read it again after each change
    const config = () => vscode.workspace.getConfiguration('embeddingDiagnostics');
    try {
      await vscode.commands.executeCommand(suppress.command.command, ...(suppress.command.arguments ?? []));
      assert.deepStrictEqual(config().get('suppressedFindings'), { [WITH_NAN]: ['duplicate-rows'] });
      await waitFor('duplicate-rows to disappear once suppressed',
        () => (ourDiagnostic(doc.uri, 'duplicate-rows') ? undefined : true), () => describeDiagnostics(doc.uri));
      assert.ok(ourDiagnostic(doc.uri, 'nan-rows'), `other findings stay: ${describeDiagnostics(doc.uri)}`);
    } finally {
      await config().update('suppressedFindings', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('duplicate-rows to come back when the suppression is removed',
      () => ourDiagnostic(doc.uri, 'duplicate-rows'), () => describeDiagnostics(doc.uri));
  });

  test('a report covered by another while it loads shows its report at once when brought back', async function () {
    // Without retainContextWhenHidden the covered page is discarded mid-load, and in code-server
    // (one service worker for every webview) bringing it back took ~30 s. The bound is generous:
    // a report comes back in about a second here.
    this.timeout(150_000);
    const first = uriOf('runs/collapsed.npy');
    const second = uriOf(WITH_NAN);
    for (const coverAfterMs of [0, 300, 1000]) {
      await closeAllEditors();
      void vscode.commands.executeCommand(ANALYZE_COMMAND, first);
      await sleep(coverAfterMs);
      await vscode.commands.executeCommand(ANALYZE_COMMAND, second);
      await api.whenPanelRendered(second, 45_000);
      const shown = Date.now();
      await vscode.commands.executeCommand(ANALYZE_COMMAND, first);
      const text = await api.whenPanelRendered(first, 45_000);
      const tookMs = Date.now() - shown;
      assert.ok(text.includes('1000 \u00d7 64'), `collapsed.npy's report is shown; it was:\n${text.slice(0, 1000)}`);
      assert.ok(tookMs < 15_000, `covered ${coverAfterMs} ms after opening, collapsed.npy's report came back after ${tookMs} ms`);
    }
  });

  test('the compare view shows both dumps', async () => {
    const left = uriOf(EMB);
    const right = uriOf('runs/collapsed.npy');
    await vscode.commands.executeCommand('embeddingDiagnostics.compareDumps', left, right);
    const text = await api.whenPanelRendered(left, 45_000);
    for (const s of ['emb.npy', 'collapsed.npy', EMB_SHAPE, '1000 \u00d7 64']) {
      assert.ok(text.includes(s), `compare view shows "${s}"; it was:\n${text.slice(0, 1500)}`);
    }
    // the covariance distance follows in the same view, computed by the worker from both dumps.
    // numpy: 2‖C_R − C_L‖_F / (‖C_L‖_F + ‖C_R‖_F) with C = np.cov(X, rowvar=False) of
    // runs/emb.npy and runs/collapsed.npy is 1.5530256 (3 significant digits on the card)
    const withDistance = await api.whenPanelRendered(left, 60_000, 'L: all 2000 rows');
    const card = withDistance.slice(withDistance.indexOf('Covariance distance'));
    assert.match(card, /^Covariance distance\s+1\.55\s/, `the card shows numpy's value; it was:\n${card.slice(0, 600)}`);
    assert.ok(card.includes('Estimate (plug-in, sample covariances 1/(N\u22121)) from L: all 2000 rows; R: all 1000 rows'), card.slice(0, 600));
    assert.ok(card.includes('2\u2016\u03a3_R \u2212 \u03a3_L\u2016_F / (\u2016\u03a3_L\u2016_F + \u2016\u03a3_R\u2016_F)'), 'with its formula');
    assert.ok(card.includes('rotations included'), 'and what it means');
    // the mean shift and the spectrum distance were there before it
    assert.match(text, /Spectrum distance\s+\d/, `the first rendering already had the spectrum distance:\n${text.slice(0, 1500)}`);
  });

  test('a large dump: a labelled quick report from a sample first, then the exact report', async function () {
    this.timeout(120_000);
    // 30000 x 256 float32 written by hand: an .npy v1 header, then little-endian floats
    const rows = 30000, dim = 256;
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
    header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
    const head = new Uint8Array(10 + header.length);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    head.set(new TextEncoder().encode(header), 10);
    const data = new Float32Array(rows * dim);
    let x = 12345;
    for (let i = 0; i < data.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; data[i] = (x / 2 ** 32 - 0.5) / (1 + (i % dim)); }
    const big = uriOf('runs/big.npy');
    const bytes = new Uint8Array(head.length + data.byteLength);
    bytes.set(head); bytes.set(new Uint8Array(data.buffer), head.length);
    await vscode.workspace.fs.writeFile(big, bytes);
    try {
      await vscode.commands.executeCommand(ANALYZE_COMMAND, big);
      const quick = await api.whenPanelRendered(big, 60_000, 'Quick first pass');
      assert.match(quick, /uniform random sample of \d+ of the 30000 rows/, 'the quick report says it is a sample and of how many rows');
      // the exact report follows: every row used, and no quick-pass note
      const exact = await api.whenPanelRendered(big, 60_000, '30000 / 30000');
      assert.ok(!exact.includes('Quick first pass'), 'the exact report replaces the quick one');
      assert.ok(exact.includes('30000 \u00d7 256'));
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(big);
    }
  });

  test('closing the panel mid-analysis stops the analysis: no worker thread is left behind', async function () {
    this.timeout(120_000);
    if (process.platform !== 'linux') this.skip(); // counts threads through /proc (the CI harness is Linux)
    // Threads of the extension host process (Linux): the analysis worker and its kernel threads show here.
    const threads = () => require('node:fs').readdirSync('/proc/self/task').length as number;
    const quietThreads = async () => {
      let count = threads();
      let stableSince = Date.now();
      while (Date.now() - stableSince < 300) {
        await sleep(20);
        if (threads() !== count) { count = threads(); stableSince = Date.now(); }
      }
      return count;
    };
    const rows = 100000, dim = 768; // about 300 MB: the exact pass takes seconds, so the panel closes while it runs
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
    header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
    const bytes = new Uint8Array(10 + header.length + rows * dim * 4);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
    bytes.set(new TextEncoder().encode(header), 10);
    const data = new Float32Array(bytes.buffer, 10 + header.length, rows * dim);
    let x = 777;
    for (let i = 0; i < data.length; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; data[i] = x / 2 ** 32 - 0.5; }
    const big = uriOf('runs/closed-early.npy');
    await vscode.workspace.fs.writeFile(big, bytes);
    try {
      const baseline = await quietThreads();
      void vscode.commands.executeCommand(ANALYZE_COMMAND, big);
      // The analysis runs on the worker and its kernel threads. Kernel threads are pooled inside the
      // worker, so an idle worker from an earlier test may bring them into the baseline: the thread
      // count need not grow. The quick report says the analysis is under way; the exact pass over
      // 300 MB follows it for seconds, and the panel closes then.
      // (the panel opens a moment after the command starts: until then there is no view to wait on)
      await waitFor('the quick report of the analysis under way', () => api.whenPanelRendered(big, 60_000, 'Quick first pass'),
        () => 'no report view for the dump yet', 60_000, 50);
      const during = threads();
      await closeAllEditors();
      const closed = Date.now();
      await waitFor('the worker threads to exit after the panel closed', () => (threads() < during && threads() <= baseline ? true : undefined),
        () => `${threads()} threads, ${during} during the analysis, ${baseline} before it`, 5_000, 10);
      const ms = Date.now() - closed;
      await sleep(500);
      assert.ok(threads() <= baseline, `no thread came back: ${threads()} threads, ${baseline} before the analysis`);
      console.log(`  [panel closed mid-analysis: worker threads gone after ${ms} ms]`);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(big);
    }
  });

  test('hover on a dump path inside a Jupyter notebook cell', async () => {
    const nbUri = uriOf('notebook.ipynb');
    const notebook = await vscode.workspace.openNotebookDocument(nbUri);
    const cell = notebook.getCells().find((c) => c.document.getText().includes(EMB));
    assert.ok(cell, 'the example notebook has a cell that loads runs/emb.npy');
    assert.strictEqual(cell.document.languageId, 'python');
    const { inner } = quotedPathRanges(cell.document, EMB);
    let last = '';
    await waitFor('a hover in the notebook cell', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', cell.document.uri, inner.start.translate(0, 3));
      last = hoverText(hovers);
      return last.includes(EMB_SHAPE) ? true : undefined;
    }, () => (last ? JSON.stringify(last.slice(0, 600)) : 'no hover'), 30_000, 500);
  });

  test('Predict Autoencoder Regime with given inputs shows the regime label and both curves', async function () {
    this.timeout(120_000);
    const uri = uriOf(EMB);
    await vscode.commands.executeCommand('embeddingDiagnostics.predictRegime', uri, {
      latentWidth: 8, init: { scheme: 'torch-linear-default' }, learningRate: 0.05,
      learningRateConvention: 'gradient-flow', steps: 100, seeds: 2,
    });
    // y = H/p = 8/64 and z = p·σ² = 1/3 for the PyTorch default init: closed forms of the placement
    const text = await api.whenPanelRendered(uri, 100_000, 'y = 0.125');
    assert.match(text, /large-data \(y = 0\.125, z = 0\.333\)/, `the regime label is shown; text:\n${text.slice(-2500)}`);
    assert.ok(text.includes('Predicted ('), 'a predicted curve is in the legend');
    assert.ok(text.includes('Simulated (GD, 2 seeds)'), 'the simulated curve is in the legend');
  });

  test('watch mode: an open report follows the metadata file its manifest names, and its manifest', async function () {
    this.timeout(240_000);
    // a copy of targets.npy (2000 × 4: a quick Information section) whose manifest names its row metadata
    const dump = uriOf('runs/follow.npy');
    const manifest = uriOf('runs/follow.embeddings.json');
    const meta = uriOf('runs/follow_meta.tsv');
    const other = uriOf('runs/follow_other.tsv');
    // a projector metadata file: a header line (it has two columns), then one line per row. NC1
    // without a value shows why in the panel: one class ("same" on every row), then 2000 (a label per row).
    const labels = (label: (i: number) => string) => 'label\tid\n' + Array.from({ length: 2000 }, (_, i) => `${label(i)}\t${i}\n`).join('');
    await vscode.workspace.fs.writeFile(dump, await vscode.workspace.fs.readFile(uriOf('runs/targets.npy')));
    await vscode.workspace.fs.writeFile(meta, new TextEncoder().encode(labels(() => 'same')));
    await vscode.workspace.fs.writeFile(manifest, new TextEncoder().encode(JSON.stringify({ version: 1, metadata: 'follow_meta.tsv' })));
    try {
      // the events of these new files come and settle before the report opens (else the dump's own
      // event would re-analyse the report after the rewrite below, and the test prove nothing)
      await sleep(4000);
      await vscode.commands.executeCommand('vscode.openWith', dump, 'embeddingDiagnostics.dumpEditor');
      const before = await api.whenPanelRendered(dump, 120_000, 'NC1 needs at least 2 classes (found 1)');
      assert.ok(before.includes("'label' of follow_meta.tsv (manifest follow.embeddings.json) (string, 1 class)"),
        `NC1 names the metadata file as its labels' source; text:\n${before.slice(-2000)}`);
      // the labels are rewritten, the dump and its manifest untouched: the open report is analysed again
      await vscode.workspace.fs.writeFile(meta, new TextEncoder().encode(labels(i => `row${i}`)));
      const after = await api.whenPanelRendered(dump, 120_000, 'NC1 is not computed for 2000 classes');
      assert.ok(after.includes('(string, 2000 classes)'), `the new labels are counted; text:\n${after.slice(-2000)}`);
      assert.ok(!after.includes('(found 1)'), `the old labels are no longer shown; text:\n${after.slice(-2000)}`);
      // the manifest now names another metadata file (of one class): followed too
      await vscode.workspace.fs.writeFile(other, new TextEncoder().encode(labels(() => 'other')));
      await vscode.workspace.fs.writeFile(manifest, new TextEncoder().encode(JSON.stringify({ version: 1, metadata: 'follow_other.tsv' })));
      const renamed = await api.whenPanelRendered(dump, 120_000, "'label' of follow_other.tsv (manifest follow.embeddings.json) (string, 1 class)");
      assert.ok(!renamed.includes('2000 classes'), `the labels of the old metadata file are no longer shown; text:\n${renamed.slice(-2000)}`);
    } finally {
      await closeAllEditors();
      for (const f of [manifest, meta, other, dump]) await vscode.workspace.fs.delete(f);
    }
  });

  test('watch mode: a dump rewritten on disk is re-analysed and its diagnostics update', async () => {
    const watched = uriOf('runs/watched.npy');
    const script = uriOf('watch_check.py');
    await vscode.workspace.fs.writeFile(watched, await vscode.workspace.fs.readFile(uriOf(WITH_NAN)));
    await vscode.workspace.fs.writeFile(script, new TextEncoder().encode('import numpy as np\nx = np.load("runs/watched.npy")\n'));
    try {
      const doc = await vscode.workspace.openTextDocument(script);
      await vscode.window.showTextDocument(doc);
      await waitFor('nan-rows on the watched dump', () => ourDiagnostic(doc.uri, 'nan-rows'), () => describeDiagnostics(doc.uri), 30_000);
      // a training job overwrites the dump with healthy embeddings
      await vscode.workspace.fs.writeFile(watched, await vscode.workspace.fs.readFile(uriOf(EMB)));
      await waitFor('nan-rows to disappear after the rewrite', () => (ourDiagnostic(doc.uri, 'nan-rows') ? undefined : true),
        () => describeDiagnostics(doc.uri), 30_000);
      const report = await api.analyze(watched);
      assert.deepStrictEqual(report.array.shape, [2000, 64], 'the cache was dropped: the new content is analysed');
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(script);
      await vscode.workspace.fs.delete(watched);
    }
  });
});

suite('Security: text from files is shown as text in the webview', () => {
  let api: EmbeddingDiagnosticsApi;
  suiteSetup(async function () {
    this.timeout(60_000);
    api = await vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID)!.activate();
  });
  setup(async () => { await closeAllEditors(); });

  test('a dump named <img src=x onerror=alert(1)>.npy: the name appears literally, nothing is injected', async () => {
    const hostile = uriOf('runs/<img src=x onerror=alert(1)>.npy');
    await vscode.workspace.fs.copy(uriOf(EMB), hostile, { overwrite: true });
    try {
      await vscode.commands.executeCommand(ANALYZE_COMMAND, hostile);
      const text = await api.whenPanelRendered(hostile, 45_000);
      // innerText only contains the tag's characters if the page inserted it as text
      assert.ok(text.includes('<img src=x onerror=alert(1)>.npy'), `file name shown literally; text was:\n${text.slice(0, 800)}`);
      assert.ok(text.includes(EMB_SHAPE));
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(hostile);
    }
  });

  test('an npz whose array keys are HTML: the keys appear literally', async () => {
    // out/test/integration -> repository root -> the committed fixture
    const fixture = vscode.Uri.file(require('path').resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'security', 'html_key.npz'));
    const target = uriOf('runs/html_key.npz');
    await vscode.workspace.fs.copy(fixture, target, { overwrite: true });
    try {
      await vscode.commands.executeCommand(ANALYZE_COMMAND, target);
      const text = await api.whenPanelRendered(target, 45_000);
      assert.ok(text.includes('<img src=x onerror=alert(1)>'), `array key shown literally; text was:\n${text.slice(0, 800)}`);
      // the analysed array (largest 2-D float) is the <img> one; the <script> key sits in the collapsed
      // arrays list, which innerText does not include
      assert.ok(text.includes('40 \u00d7 6'));
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(target);
    }
  });
});

suite('Rate and capacity: manifest diagnostics and the Information section', () => {
  let api: EmbeddingDiagnosticsApi;
  const fixture = (name: string) => vscode.Uri.file(require('path').resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'information', name));
  suiteSetup(async function () {
    this.timeout(60_000);
    api = await vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID)!.activate();
  });
  setup(async () => { await closeAllEditors(); });

  test('a manifest whose targets have another row count shows the error on the "targets" key', async () => {
    const manifest = uriOf('runs/emb.embeddings.json');
    const text = '{\n  "version": 1,\n  "targets": "with_nan.npy",\n  "distortion": 1\n}\n';
    await vscode.workspace.fs.writeFile(manifest, new TextEncoder().encode(text));
    try {
      const doc = await vscode.workspace.openTextDocument(manifest);
      await vscode.window.showTextDocument(doc);
      const d = await waitFor('a row-count-mismatch diagnostic on the manifest',
        () => vscode.languages.getDiagnostics(doc.uri).find((x) => codeOf(x) === 'row-count-mismatch'), () => describeDiagnostics(doc.uri), 30_000);
      assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
      assert.strictEqual(doc.getText(d.range), '"targets"', `the diagnostic sits on the key; it covers ${JSON.stringify(doc.getText(d.range))}`);
      assert.match(d.message, /500 rows but the embeddings have 2000/);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(manifest);
    }
  });

  test('a planned autoencoder with a diverging learning rate: a warning on the manifest key and on the dump path', async function () {
    this.timeout(90_000);
    const manifest = uriOf('runs/emb.embeddings.json');
    const text = '{\n  "version": 1,\n  "autoencoder": { "latentWidth": 8, "learningRate": 50, "steps": 10 }\n}\n';
    await vscode.workspace.fs.writeFile(manifest, new TextEncoder().encode(text));
    try {
      const doc = await vscode.workspace.openTextDocument(manifest);
      await vscode.window.showTextDocument(doc);
      const onKey = await waitFor('unstable-learning-rate on the manifest',
        () => vscode.languages.getDiagnostics(doc.uri).find((x) => codeOf(x) === 'unstable-learning-rate'), () => describeDiagnostics(doc.uri), 60_000);
      assert.strictEqual(doc.getText(onKey.range), '"learningRate"');
      assert.match(onKey.message, /will diverge/);
      const train = await vscode.workspace.openTextDocument(uriOf(TRAIN));
      await vscode.window.showTextDocument(train);
      const onPath = await waitFor('unstable-learning-rate on the runs/emb.npy path in train.py',
        () => ourDiagnostic(train.uri, 'unstable-learning-rate'), () => describeDiagnostics(train.uri), 60_000);
      assert.ok(onPath.range.contains(quotedPathRanges(train, EMB).inner));
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(manifest);
    }
  });

  test('an .npz holding embeddings_perturbed, targets and predictions shows the Information section without the command', async function () {
    this.timeout(120_000);
    const npz = uriOf('runs/spec_sample.npz');
    const source = vscode.Uri.file(require('path').resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'information', 'containers', 'spec_sample.npz'));
    await vscode.workspace.fs.copy(source, npz, { overwrite: true });
    try {
      await vscode.commands.executeCommand('vscode.openWith', npz, 'embeddingDiagnostics.dumpEditor');
      const text = await api.whenPanelRendered(npz, 110_000, 'do not certify');
      assert.ok(text.includes("array 'embeddings_perturbed' of spec_sample.npz (container key)"), `the panel says where Z̃ came from; text:\n${text.slice(-2000)}`);
      assert.ok(/reading \(?B\)?/.test(text), `per input symbol is labelled reading (B); text:\n${text.slice(-2000)}`);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(npz);
    }
  });

  test('Analyze Rate and Capacity with given inputs shows the verdict in the panel', async function () {
    this.timeout(150_000);
    const z = uriOf('runs/pair_z.npy');
    const copies = ['pair_z.npy', 'pair_z_perturbed.npy', 'pair_targets.npy'];
    for (const name of copies) await vscode.workspace.fs.copy(fixture(name), uriOf(`runs/${name}`), { overwrite: true });
    try {
      await vscode.commands.executeCommand('embeddingDiagnostics.analyzeRateCapacity', z, {
        perturbed: uriOf('runs/pair_z_perturbed.npy').fsPath, targets: uriOf('runs/pair_targets.npy').fsPath, distortion: 2, manifest: false,
      });
      const text = await api.whenPanelRendered(z, 140_000, 'Verdict');
      assert.match(text, /achievable/i, `the verdict is shown; text:\n${text.slice(-2000)}`);
      assert.ok(text.includes('R(D)'), 'the R(D) curve is labelled');
    } finally {
      await closeAllEditors();
      for (const name of copies) await vscode.workspace.fs.delete(uriOf(`runs/${name}`));
    }
  });
});
