#!/usr/bin/env node
// Frame times of the panel's projection view (issue #15): the preview page
// (scripts/preview-webview.mjs, the real webview bundle in Debian's chromium through playwright-core)
// shows a report with a 20,000-point and a 100,000-point projection; the pointer drags the plot for
// ~2 s and the wheel zooms. Printed per case: the interval between animation frames while panning
// (target: none over 50 ms at 20,000 points) and the view's own paint time (User Timing
// 'projection-paint'). Wall-clock figures on a shared machine: read them, do not assert them.
//
// Usage: node scripts/bench_projection.mjs [--chromium /usr/bin/chromium]   (also `npm run bench -- --projection`)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'preview-webview.mjs'), ...process.argv.slice(2)], {
  cwd: ROOT, encoding: 'utf8', env: { ...process.env, PREVIEW_ONLY: 'projection-bench' }, maxBuffer: 64 << 20,
});
const lines = `${r.stdout}\n${r.stderr}`.split('\n');
console.log('\n== projection view (issue #15): panning in the report panel\'s page, headless chromium, software rendering');
for (const line of lines.filter(l => l.includes('bench ') || l.includes(' ! '))) console.log(line);
if (r.status !== 0) {
  console.error(lines.slice(-20).join('\n'));
  process.exitCode = 1;
}
