#!/usr/bin/env node
// Frame times of the panel's projection view (issue #15): the preview page
// (scripts/preview-webview.mjs, the real webview bundle in Debian's chromium through playwright-core)
// shows a report with a 20,000-point and a 100,000-point projection; the pointer drags the plot for
// ~2 s and the wheel zooms. Printed per case: the interval between animation frames while panning
// (target: none over 50 ms at 20,000 points) and the view's own paint time (User Timing
// 'projection-paint'). While the view moves, a frame only moves the last full paint (one blit); the
// long frames are placed (drag, release, wheel) and the page's main-thread tasks over 50 ms listed:
// a long frame without one was lost outside the page's script. Then the row latency of the panel
// (scripts/bench_rows.mjs: the row list of a finding, the rows' metadata and the row view from the
// cache, on 100,000 × 1,024 Parquet; --no-rows skips it, --rows-* options go to it without the prefix).
// Wall-clock figures on a shared machine: read them, do not assert them.
//
// Usage: node scripts/bench_projection.mjs [--chromium /usr/bin/chromium] [--no-rows] [--rows-repeat K] [--rows-row-group R] [--rows-keep]
//   (also `npm run bench -- --projection`)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
// --rows-NAME VALUE (and the flag --rows-keep) go to bench_rows.mjs as --NAME VALUE; the rest to the page
const pageArgs = [], rowArgs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-rows') continue;
  if (args[i] === '--rows-keep') rowArgs.push('--keep');
  else if (args[i].startsWith('--rows-')) rowArgs.push(args[i].replace(/^--rows-/, '--'), args[++i]);
  else pageArgs.push(args[i]);
}
const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'preview-webview.mjs'), ...pageArgs], {
  cwd: ROOT, encoding: 'utf8', env: { ...process.env, PREVIEW_ONLY: 'projection-bench' }, maxBuffer: 64 << 20,
});
const lines = `${r.stdout}\n${r.stderr}`.split('\n');
console.log('\n== projection view (issue #15): panning in the report panel\'s page, headless chromium, software rendering');
for (const line of lines.filter(l => l.includes('bench ') || l.includes(' ! '))) console.log(line);
if (r.status !== 0) {
  console.error(lines.slice(-20).join('\n'));
  process.exitCode = 1;
}
if (!args.includes('--no-rows')) {
  const rows = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bench_rows.mjs'), ...rowArgs], { cwd: ROOT, stdio: 'inherit' });
  if (rows.status !== 0) process.exitCode = 1;
}
