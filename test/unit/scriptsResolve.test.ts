import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './support';

/**
 * The bench, fuzz and fixture scripts run only when someone asks for them (`npm run bench` takes
 * minutes), so a name they use but never import went unnoticed until the bench was run (the
 * option reader, once). The TypeScript checker reads them as JavaScript here: every name must be
 * defined and every import must resolve to an export. (Other type complaints about plain
 * JavaScript are not this test's business.)
 */
const UNRESOLVED = new Set([
  2304, // Cannot find name
  2552, // Cannot find name ... Did you mean
  2307, // Cannot find module
  2305, // Module has no exported member
  2724, // ... has no exported member named ... Did you mean
]);

test('every name the scripts use is defined and every import resolves', () => {
  const dir = path.join(REPO_ROOT, 'scripts');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(f => /\.(mjs|cjs|js)$/.test(f)).map(f => path.join(dir, f));
  assert.ok(files.length >= 10, `only ${files.length} scripts found in ${dir}`);
  const program = ts.createProgram(files, {
    allowJs: true, checkJs: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'],
  });
  const problems = ts.getPreEmitDiagnostics(program)
    .filter(d => UNRESOLVED.has(d.code) && d.file && files.includes(path.resolve(d.file.fileName)))
    .map(d => {
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${path.relative(REPO_ROOT, d.file!.fileName)}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  assert.deepEqual(problems, []);
});
