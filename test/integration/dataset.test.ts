/**
 * Datasets in a real extension host: a folder of shards (test/fixtures/dataset/shards, written by
 * numpy; expected figures from numpy in expected.json) analysed by the Analyze Folder as Dataset
 * command, its panel's dataset section, the per-shard cache when a shard is added, and the hover
 * on a glob of those shards in Python.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { EmbeddingDiagnosticsApi } from '../../src/extension/api';
import { closeAllEditors } from './closeEditors';

const EXTENSION_ID = 'embedding-diagnostics.embedding-diagnostics';
// out/test/integration -> repository root -> the committed fixtures
const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'dataset');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as { rowsTotal: number; dim: number; shardRows: number[] };
/** The shards in natural order, as the generator names them. */
const SHARDS = ['part-1.npy', 'part-2.npy', 'part-10.npy'];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function workspaceUri(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the example workspace opened as a folder');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

suite('Datasets: a folder of shards in the editor', () => {
  let api: EmbeddingDiagnosticsApi;
  const folder = () => workspaceUri('datasets', 'shards');

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID)!.activate();
    await vscode.workspace.fs.copy(vscode.Uri.file(path.join(FIXTURES, 'shards')), folder(), { overwrite: true });
  });
  setup(async () => { await closeAllEditors(); });
  suiteTeardown(async () => {
    await closeAllEditors();
    await vscode.workspace.fs.delete(workspaceUri('datasets'), { recursive: true });
  });

  test('Analyze Folder as Dataset opens the panel with the shard count and the rows of each shard', async function () {
    this.timeout(120_000);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('embeddingDiagnostics.analyzeFolder'), 'the command is registered');
    await vscode.commands.executeCommand('embeddingDiagnostics.analyzeFolder', folder());
    const text = await api.whenPanelRendered(folder(), 110_000, `Dataset (${SHARDS.length} shards)`);
    assert.ok(text.includes(`${SHARDS.length} shards, ${expected.rowsTotal} rows`), `the summary gives shards and rows; text:\n${text.slice(0, 2500)}`);
    // each shard's name followed by its rows (the table's text), in natural order
    let at = 0;
    for (const [i, name] of SHARDS.entries()) {
      const row = new RegExp(`${name.replace('.', '\\.')}\\s+${expected.shardRows[i]}\\b`);
      const m = row.exec(text.slice(at));
      assert.ok(m, `the row of ${name} shows ${expected.shardRows[i]} rows after the previous shard; text:\n${text.slice(0, 2500)}`);
      at += m.index + m[0].length;
    }
    const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Dataset: shards');
    assert.ok(tab, `a tab "Dataset: shards" is open; tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label).join(', ')}`);
  });

  test('the API reports the dataset (rows per shard, dim) and, after a shard is added, reads only that shard', async function () {
    this.timeout(120_000);
    const report = await api.analyzeDataset(folder());
    assert.deepStrictEqual(report.shards?.map((s) => path.basename(s.file)), SHARDS);
    assert.deepStrictEqual(report.shards?.map((s) => s.rows), expected.shardRows);
    assert.strictEqual(report.rowsTotal, expected.rowsTotal);
    assert.strictEqual(report.dim, expected.dim);
    const added = vscode.Uri.joinPath(folder(), 'part-11.npy');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(folder(), 'part-10.npy'), added, { overwrite: true });
    try {
      const again = await api.analyzeDataset(folder());
      assert.strictEqual(again.shards?.length, SHARDS.length + 1);
      assert.strictEqual(again.rowsTotal, expected.rowsTotal + expected.shardRows[2]);
      assert.ok(again.notes.some((n) => n.startsWith(`${SHARDS.length} of ${SHARDS.length + 1} shards unchanged since their cached partial`)),
        `the three known shards came from the cache; notes:\n${again.notes.join('\n')}`);
    } finally {
      await vscode.workspace.fs.delete(added);
    }
  });

  test('watch mode: an open dataset panel re-renders when a shard is added, reading only that shard', async function () {
    this.timeout(180_000);
    await vscode.commands.executeCommand('embeddingDiagnostics.analyzeFolder', folder());
    await api.whenPanelRendered(folder(), 110_000, `Dataset (${SHARDS.length} shards)`);
    const added = vscode.Uri.joinPath(folder(), 'part-12.npy');
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(folder(), 'part-10.npy'), added, { overwrite: true });
    try {
      // no command: the file watcher sees the new shard and the panel analyses the dataset again
      const text = await api.whenPanelRendered(folder(), 110_000, `Dataset (${SHARDS.length + 1} shards)`);
      assert.ok(text.includes(`${SHARDS.length + 1} shards, ${expected.rowsTotal + expected.shardRows[2]} rows`), `the summary counts the new shard; text:\n${text.slice(0, 2500)}`);
      assert.ok(/part-12\.npy\s+7\b/.test(text), `the new shard is listed with its rows; text:\n${text.slice(0, 2500)}`);
      // the panel's result, from the service's cache: the known shards came from their cached partials
      const report = await api.analyzeDataset(folder());
      assert.strictEqual(report.shards?.length, SHARDS.length + 1);
      assert.ok(report.notes.some((n) => n.startsWith(`${SHARDS.length} of ${SHARDS.length + 1} shards unchanged since their cached partial`)),
        `only the new shard was read; notes:\n${report.notes.join('\n')}`);
    } finally {
      await vscode.workspace.fs.delete(added);
    }
    // and when it goes away, the panel follows
    await api.whenPanelRendered(folder(), 110_000, `Dataset (${SHARDS.length} shards)`);
  });

  test('hovering a glob of the shards in Python shows the dataset: shards, rows, dim', async function () {
    this.timeout(120_000);
    const script = workspaceUri('datasets', 'load_shards.py');
    const glob = 'datasets/shards/part-*.npy';
    await vscode.workspace.fs.writeFile(script, new TextEncoder().encode(`from glob import glob\nfiles = glob("${glob}")\n`));
    const doc = await vscode.workspace.openTextDocument(script);
    await vscode.window.showTextDocument(doc);
    const inside = doc.positionAt(doc.getText().indexOf(glob) + 5);
    // the first hover may only say the analysis is under way: hover again until it is done
    let text = '';
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline) {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, inside);
      text = (hovers ?? []).flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
      if (text.includes('dataset of')) break;
      await sleep(500);
    }
    assert.ok(text.includes(`dataset of ${SHARDS.length} shards · ${expected.rowsTotal} rows × ${expected.dim} dims`), `the hover describes the dataset; it was:\n${text}`);
    assert.ok(text.includes('nan-rows') || /NaN/.test(text), `the hover lists the NaN rows finding; it was:\n${text}`);
  });
});
