// @vscode/test-cli configuration, for contributors with desktop VS Code and internet:
//   npm run test:desktop        (builds, compiles the tests, then runs `vscode-test`)
// It downloads VS Code 1.100.x into .vscode-test/ and runs the same integration suite
// (out/test/integration/**/*.test.js) that `npm run test:e2e` runs headless in
// code-server. CI does not run this (no VS Code download there): see scripts/e2e/.
//
// The tests edit train.py (and revert it), so they run on a copy of examples/workspace,
// made afresh in .vscode-test/example-workspace (gitignored) each time this file loads.
import { defineConfig } from '@vscode/test-cli';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const workspaceCopy = path.join(root, '.vscode-test', 'example-workspace');
fs.rmSync(workspaceCopy, { recursive: true, force: true });
fs.cpSync(path.join(root, 'examples', 'workspace'), workspaceCopy, { recursive: true });

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  // the oldest VS Code that engines.vscode (^1.100.0) allows; 'stable' works as well
  version: '1.100.3',
  extensionDevelopmentPath: root,
  workspaceFolder: workspaceCopy,
  // only the extension under development; no workspace-trust prompt
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  mocha: { ui: 'tdd', timeout: 60_000, color: true },
});
