#!/usr/bin/env node
// `npm run test:unit`: node's test runner over out/test/unit/ (or the files given), with TMPDIR set
// to a folder of its own that is removed afterwards. The tests write their fixtures' copies, caches
// and CLI outputs under os.tmpdir() (about 1,400 folders a run), so the system's temporary folder
// does not fill up run after run on a developer's machine or a reused CI runner.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const targets = process.argv.slice(2);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-unit-tests-'));
let status = 1;
try {
  const r = spawnSync(process.execPath, ['--test', ...(targets.length ? targets : ['out/test/unit/'])],
    { stdio: 'inherit', env: { ...process.env, TMPDIR: root } });
  status = r.status ?? 1;
  if (r.error) console.error(`run-unit-tests: ${r.error.message}`);
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
process.exit(status);
