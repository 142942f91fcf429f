/**
 * Every PyTorch, HDF5, Parquet, Arrow (file and stream), JSON Lines, embedding-API JSON, word-vector
 * (.vec, GloVe .txt, word2vec .bin), Zarr (directory and zip stores), FAISS index and raw `tofile`
 * fixture (written by torch, h5py, parquet-wasm, apache-arrow, gensim, zarr-python, faiss, numpy; see
 * test/fixtures/; a raw file's layout comes from its sidecar manifest) in the real extension
 * host: the extension reads each with its shape, the report panel shows it (one file per format), a
 * hover on its path in Python shows the shape, and each refusal of a binary format is a diagnostic on
 * the path with the expected error code (text formats get hovers only: in code, a missing .txt or
 * .json is mostly something else). The expectations are the fixtures' own *.expected.json files,
 * and for the Arrow stream, what apache-arrow reads.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import * as arrow from 'apache-arrow';
import type { EmbeddingDiagnosticsApi } from '../../src/extension/api';
import { closeAllEditors } from './closeEditors';

const EXTENSION_ID = 'embedding-diagnostics.embedding-diagnostics';
const ANALYZE_COMMAND = 'embeddingDiagnostics.analyzeFile';
const FORMATS = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'formats');
const FOLDERS = ['pt', 'h5', 'parquet', 'arrow', 'jsonl', 'json', 'wordvec', 'zarr', 'faiss', 'raw'];
/**
 * Extensions whose refusals are diagnosed in code (dumpPaths.ts BINARY_DUMP_EXTENSIONS, .bin aside;
 * not .index, which TensorFlow checkpoints share: only a FAISS one gets a hover).
 */
const DIAGNOSED = /\.(npy|npz|safetensors|fvecs|bvecs|pt|pth|h5|hdf5|parquet|arrow|feather|zarr|zarr\.zip|faiss|f32|f16|f64|bf16|i8|u8)$/i;
/** The Arrow stream Hugging Face datasets writes (no expected JSON: its reference is apache-arrow's reading). */
const ARROW_STREAM = 'arrow/stream/hf_dataset/data-00000-of-00001.arrow';
/** Where the fixtures are copied inside the test workspace. */
const TARGET = 'runs/formats';

interface Fixture { rel: string; error?: string; shape?: string }

/** The sidecar manifest beside a dump (`emb.f32` → `emb.embeddings.json`). */
const manifestOf = (rel: string) => rel.replace(/\.[^./]+$/, '.embeddings.json');

function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(FORMATS, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.expected.json')) {
        const expected = JSON.parse(fs.readFileSync(path.join(FORMATS, child), 'utf8')) as
          { error?: string; format?: string; array?: string; arrays?: { name: string; shape: number[] }[] };
        const dumpRel = child.slice(0, -'.expected.json'.length);
        // JSON Lines whose vectors sit at a nested path are read with the path named (--array); the extension reads the default fields only
        if (expected.format === 'jsonl' && expected.array?.includes('.')) continue;
        // a raw file without a sidecar manifest is read with --dtype/--dim (unit tests); the editor would ask
        if (expected.format === 'raw' && !expected.error && !fs.existsSync(path.join(FORMATS, manifestOf(dumpRel)))) continue;
        const chosen = expected.arrays?.find(a => a.name === expected.array);
        out.push({ rel: dumpRel, error: expected.error, shape: chosen ? chosen.shape.join(' \u00d7 ') : undefined });
      }
    }
  };
  for (const folder of FOLDERS) walk(folder);
  const stream = arrow.tableFromIPC(fs.readFileSync(path.join(FORMATS, ARROW_STREAM))).getChild('embedding')!;
  out.push({ rel: ARROW_STREAM, shape: [stream.length, (stream.get(0) as arrow.Vector).length].join(' \u00d7 ') });
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

function workspaceUri(rel: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? []).flatMap(h => h.contents).map(c => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');
}

suite('Every format: PyTorch, HDF5, Parquet, Arrow, JSON, word vectors, Zarr, FAISS and raw fixtures in the panel, hovers and diagnostics', () => {
  let api: EmbeddingDiagnosticsApi;
  const all = fixtures();
  // `.bin` paths are not looked for in code (too many other files end so); the panel still reads them.
  const inCode = all.filter(f => !f.rel.endsWith('.bin') && (f.shape || DIAGNOSED.test(f.rel)));
  const script = 'check_formats.py';

  suiteSetup(async function () {
    this.timeout(60_000);
    api = await vscode.extensions.getExtension<EmbeddingDiagnosticsApi>(EXTENSION_ID)!.activate();
    for (const f of all) {
      await vscode.workspace.fs.copy(vscode.Uri.file(path.join(FORMATS, f.rel)), workspaceUri(`${TARGET}/${f.rel}`), { overwrite: true });
      // a raw file's dtype and dimension: its sidecar manifest
      const manifest = manifestOf(f.rel);
      if (fs.existsSync(path.join(FORMATS, manifest))) {
        await vscode.workspace.fs.copy(vscode.Uri.file(path.join(FORMATS, manifest)), workspaceUri(`${TARGET}/${manifest}`), { overwrite: true });
      }
    }
    const lines = ['import torch', ''];
    inCode.forEach((f, i) => lines.push(`x${i} = load("${TARGET}/${f.rel}")`));
    await vscode.workspace.fs.writeFile(workspaceUri(script), new TextEncoder().encode(lines.join('\n') + '\n'));
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await vscode.workspace.fs.delete(workspaceUri(TARGET), { recursive: true });
    await vscode.workspace.fs.delete(workspaceUri(script));
  });

  test('there are readable fixtures and refusals of every format', () => {
    for (const folder of FOLDERS) {
      assert.ok(all.some(f => f.rel.startsWith(`${folder}/`) && f.shape), `a readable ${folder} fixture`);
    }
    for (const kind of [/\.jsonl$/, /\.json$/, /\.vec$/, /\.txt$/, /wordvec\/.*\.bin$/, /stream\/.*\.arrow$/, /\.zarr$/, /\.zarr\.zip$/]) {
      assert.ok(all.some(f => kind.test(f.rel) && f.shape), `a readable fixture matching ${kind}`);
    }
    assert.ok(all.filter(f => f.error).length >= 10, 'refusals');
  });

  test('the extension reads every readable fixture with its shape (api.analyze, through the worker)', async function () {
    this.timeout(120_000);
    for (const f of all.filter(x => x.shape)) {
      const report = await api.analyze(workspaceUri(`${TARGET}/${f.rel}`));
      assert.strictEqual(report.array.shape.join(' \u00d7 '), f.shape, f.rel);
    }
  });

  test('the report panel shows the shape of a fixture of each format', async function () {
    // One panel per format: the panel is the same for every file once it has a report, and
    // opening dozens of webviews in a row is slow in code-server.
    this.timeout(60_000 * FOLDERS.length);
    for (const folder of FOLDERS) {
      const f = all.find(x => x.shape && x.rel.startsWith(`${folder}/`))!;
      const uri = workspaceUri(`${TARGET}/${f.rel}`);
      await vscode.commands.executeCommand(ANALYZE_COMMAND, uri);
      const text = await api.whenPanelRendered(uri, 45_000, f.shape);
      assert.ok(text.includes(f.shape!), `${f.rel}: the panel shows ${f.shape}`);
      await closeAllEditors();
    }
  });

  test('the custom editor opens a Zarr zip store and shows its shape', async function () {
    this.timeout(90_000);
    const f = all.find(x => x.shape && x.rel.endsWith('.zarr.zip'))!;
    const uri = workspaceUri(`${TARGET}/${f.rel}`);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'embeddingDiagnostics.dumpEditor');
    const text = await api.whenPanelRendered(uri, 60_000, f.shape);
    assert.ok(text.includes(f.shape!), `${f.rel}: the custom editor shows ${f.shape}`);
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, `the active tab is a custom editor (${tab?.label})`);
    await closeAllEditors();
  });

  test('in Python, each path gets a hover with the shape, or a diagnostic with the refusal code', async function () {
    this.timeout(300_000);
    const doc = await vscode.workspace.openTextDocument(workspaceUri(script));
    await vscode.window.showTextDocument(doc);
    const text = doc.getText();
    const problems: string[] = [];
    for (const f of inCode) {
      const literal = `${TARGET}/${f.rel}`;
      const at = text.indexOf(`"${literal}"`);
      assert.ok(at >= 0, literal);
      const inside = doc.positionAt(at + 1 + Math.floor(literal.length / 2));
      if (f.shape) {
        let last = '';
        const deadline = Date.now() + 45_000;
        while (!last.includes(f.shape) && Date.now() < deadline) {
          last = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, inside));
          if (!last.includes(f.shape)) await sleep(300);
        }
        if (!last.includes(f.shape)) problems.push(`${f.rel}: no hover with ${f.shape}; last: ${JSON.stringify(last.slice(0, 300))}`);
      } else {
        const deadline = Date.now() + 45_000;
        let found: vscode.Diagnostic | undefined;
        while (!found && Date.now() < deadline) {
          found = vscode.languages.getDiagnostics(doc.uri).find(d => d.range.contains(inside)
            && (typeof d.code === 'object' ? String(d.code.value) : String(d.code)) === f.error);
          if (!found) await sleep(300);
        }
        if (!found) {
          const here = vscode.languages.getDiagnostics(doc.uri).filter(d => d.range.contains(inside)).map(d => `${JSON.stringify(d.code)}: ${d.message}`);
          problems.push(`${f.rel}: no ${f.error} diagnostic on its path; there: ${here.join(' | ') || 'none'}`);
        } else {
          // a raw file without its layout is not broken: it waits for the user's answer
          const severity = f.error === 'raw-needs-shape' ? vscode.DiagnosticSeverity.Information : vscode.DiagnosticSeverity.Error;
          assert.strictEqual(found.severity, severity, `${f.rel}: ${f.error} is ${severity === vscode.DiagnosticSeverity.Error ? 'an error' : 'information'}`);
        }
      }
    }
    assert.deepStrictEqual(problems, []);
  });
});
