import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from './support';

/**
 * The licences of the code we ship travel with it. Which packages a bundle holds is read from the
 * bundle itself: the development build marks each module with a `// node_modules/...` comment (`// ../../x/node_modules/...`
 * where node_modules is a link elsewhere).
 */
test('dist/THIRD_PARTY_NOTICES.txt carries the licence text of every package inside the bundles', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-notices-'));
  try {
    const built = spawnSync(process.execPath, [path.join('scripts', 'build.mjs'), '--outdir', out], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(built.status, 0, built.stderr);
    const shipped = new Set<string>(['node_modules/@vscode/codicons']); // its font and stylesheet are copied beside the bundles
    for (const f of fs.readdirSync(out).filter(f => /\.(m?js)$/.test(f))) {
      for (const m of fs.readFileSync(path.join(out, f), 'utf8').matchAll(/^\s*\/\/ (\S*node_modules\/(?:@[^/\s]+\/)?[^/\s]+)\//gm)) shipped.add(m[1]); // the innermost package: nested ones are packages too
    }
    assert.ok([...shipped].some(d => d.endsWith('/apache-arrow')) && [...shipped].some(d => d.endsWith('/lit-html')), `the module markers are there to read: ${[...shipped]}`);
    const notices = fs.readFileSync(path.join(out, 'THIRD_PARTY_NOTICES.txt'), 'utf8');
    for (const packageDir of shipped) {
      const dir = path.resolve(REPO_ROOT, packageDir);
      const { name, version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      assert.ok(notices.includes(`\n${name}@${version} (`), `${name}@${version} is named`);
      const licence = fs.readdirSync(dir).find(f => /^licen[cs]e(\.(txt|md))?$/i.test(f));
      assert.ok(licence, `${name} has a licence file`);
      assert.ok(notices.includes(fs.readFileSync(path.join(dir, licence), 'utf8').trim()), `${name}: its ${licence} is reproduced`);
    }
    // and the .vsix takes the file along
    assert.match(fs.readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8'), /^!dist\/THIRD_PARTY_NOTICES\.txt$/m);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
