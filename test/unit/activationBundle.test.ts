import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support';

/**
 * Issue #17: activation parses only what activation needs. The development build marks each
 * module it bundles with a `// src/...` comment, so the bundles say which code they hold.
 */
test('dist/extension.js holds no reader, statistics or eigenvalue code; dist/onDemand.js holds the readers and loads on its own', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-bundle-'));
  try {
    const built = spawnSync(process.execPath, [path.join('scripts', 'build.mjs'), '--outdir', out], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const extension = fs.readFileSync(path.join(out, 'extension.js'), 'utf8');
    const modules = (text: string) => [...text.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)].map(m => m[1]);
    const activation = modules(extension);
    assert.ok(activation.includes('src/extension/extension.ts'), 'the markers are there to read');
    for (const heavy of ['src/core/formats/', 'src/core/linalg/', 'src/core/stats/', 'src/core/dataset/datasetPaths.ts',
      'src/core/analysis/analyzeDump.ts', 'src/core/information/informationInputs.ts', 'src/core/information/informationDefault.ts']) {
      assert.deepEqual(activation.filter(m => m.startsWith(heavy)), [], `${heavy} is not parsed at activation`);
    }
    assert.match(extension, /require\("\.\/onDemand\.js"\)/, 'the readers are required on first use');
    // the non-linear view's library (umap-js) runs in the analysis worker only, never at activation
    assert.doesNotMatch(extension, /^\/\/ \S*node_modules\/umap-js\//m, 'umap-js is not in the activation bundle');
    assert.doesNotMatch(fs.readFileSync(path.join(out, 'onDemand.js'), 'utf8'), /^\/\/ \S*node_modules\/umap-js\//m, 'nor in the readers loaded on first use');
    assert.match(fs.readFileSync(path.join(out, 'analysisWorker.js'), 'utf8'), /^\/\/ \S*node_modules\/umap-js\/dist\/umap\.js$/m, 'umap-js is in the worker bundle');
    const onDemand = modules(fs.readFileSync(path.join(out, 'onDemand.js'), 'utf8'));
    assert.ok(onDemand.includes('src/core/formats/openDump.ts') && onDemand.includes('src/core/information/informationInputs.ts'));
    // the bundle loaded on first use stands alone (no `vscode`, nothing of extension.js)
    const loaded = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(path.join(out, 'onDemand.js'))});
      process.stdout.write(JSON.stringify(['SUPPORTED_EXTENSIONS', 'checkManifest', 'expandDatasetPaths', 'informationByDefault', 'looksLikeEmbeddingResponse', 'sniffWordVectors'].map(k => typeof m[k])));`], { encoding: 'utf8' });
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.deepEqual(JSON.parse(loaded.stdout), ['object', 'function', 'function', 'function', 'function', 'function']);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
