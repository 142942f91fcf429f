#!/usr/bin/env node
// The wall-clock figures of robustness that the unit tests no longer assert (they bound CPU time,
// or use hang guards, so that a loaded CI machine cannot fail them). Run by `npm run bench`
// (skip with --no-robustness), or alone: node scripts/bench_robustness.mjs [--cancel-runs N]
//
//   hostile corpus   every file of test/fixtures/hostile read whole (openDump, open, readRows) and
//                    analysed (analyzeFile), wall and CPU time each; target: every case < 2000 ms wall
//   cancel           the extension's AnalysisService (its real worker) cancelled on its first progress
//                    report, analysing a 40000 x 1024 float32 dump: ms from the cancel until every
//                    worker thread has exited; target < 200 ms
//
// It loads the tsc build (out/, `npm run compile-tests`); on a shared machine expect noise.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'out', 'src');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const cancelRuns = Number(args.includes('--cancel-runs') ? args[args.indexOf('--cancel-runs') + 1] : 5);
const log = (s = '') => process.stdout.write(s + '\n');

const HOSTILE_TARGET_MS = 2000;
const CANCEL_TARGET_MS = 200;

if (!fs.existsSync(path.join(OUT, 'core', 'formats', 'openDump.js'))) {
  log('robustness figures: skipped (no tsc build in out/; run npm run compile-tests)');
  process.exit(0);
}
const { openDump } = require(path.join(OUT, 'core', 'formats', 'openDump.js'));
const { analyzeFile } = require(path.join(OUT, 'core', 'analysis', 'analyzeDump.js'));
const { FileByteSource } = require(path.join(OUT, 'core', 'io', 'fileByteSource.js'));
const { AnalysisService } = require(path.join(OUT, 'extension', 'analysisService.js'));

const cpuMs = (since) => { const d = process.cpuUsage(since); return (d.user + d.system) / 1000; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN; };

async function readWhole(file, arrayName) {
  const source = await FileByteSource.open(file);
  try {
    const matrix = await (await openDump(source, { fileName: file })).open(arrayName);
    await matrix.readRows(0, matrix.rows);
  } finally {
    await source.close();
  }
}

async function measured(fn) {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  try { await fn(); } catch { /* refusals are the point of the corpus */ }
  return { wall: performance.now() - wall0, cpu: cpuMs(cpu0) };
}

async function hostileCorpus() {
  const dir = path.join(ROOT, 'test', 'fixtures', 'hostile');
  const cases = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) { if (e.name !== 'seeds') walk(child); } else if (e.name.endsWith('.expected.json')) cases.push(child.slice(0, -'.expected.json'.length));
    }
  };
  walk('');
  // the HDF5 library loads once per process: not part of any case
  await measured(() => readWhole(path.join(dir, 'seeds', 'contiguous.h5')));
  const results = [];
  for (const rel of cases.sort()) {
    const expected = JSON.parse(fs.readFileSync(path.join(dir, rel + '.expected.json'), 'utf8'));
    const file = path.join(dir, rel);
    const read = await measured(() => readWhole(file, expected.array));
    const analysis = await measured(() => analyzeFile(file, { maxRows: 100_000, seed: 0, arrayName: expected.array, kernels: expected.kernels, workers: 0 }));
    results.push({ rel, wall: Math.max(read.wall, analysis.wall), cpu: Math.max(read.cpu, analysis.cpu) });
  }
  results.sort((a, b) => b.wall - a.wall);
  const over = results.filter(r => r.wall >= HOSTILE_TARGET_MS);
  log(`\n== hostile corpus: ${results.length} files, each read whole and analysed (slower of the two)`);
  log(`   slowest: ${results.slice(0, 5).map(r => `${r.rel} ${r.wall.toFixed(0)} ms wall / ${r.cpu.toFixed(0)} ms CPU`).join('; ')}`);
  log(`   ${over.length ? `${over.length} case(s) at or over` : 'every case under'} the ${HOSTILE_TARGET_MS} ms target (wall)${over.length ? `: ${over.map(r => r.rel).join(', ')}` : ''}; load average ${os.loadavg()[0].toFixed(1)}`);
  return { slowest: results.slice(0, 5), over: over.map(r => r.rel) };
}

function npyFloat32(rows, dim) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) for (let c = 0; c < dim; c++) data[r * dim + c] = (((r * 7919 + c * 104_729) % 2003) / 1001.5) - 1;
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]), Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]);
}

const threadCount = () => fs.readdirSync('/proc/self/task').length;
async function quietThreadCount() {
  let count = threadCount();
  let since = performance.now();
  while (performance.now() - since < 200) {
    await new Promise(r => setTimeout(r, 10));
    const now = threadCount();
    if (now !== count) { count = now; since = performance.now(); }
  }
  return count;
}

async function cancelLatency() {
  if (!fs.existsSync('/proc/self/task')) { log('\n== cancel: skipped (needs /proc to count threads)'); return null; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-bench-cancel-'));
  const file = path.join(dir, 'large.npy');
  fs.writeFileSync(file, npyFloat32(40_000, 1024));
  const service = new AnalysisService(path.join(OUT, 'extension', 'analysisWorker.js'), () => {});
  const times = [];
  try {
    for (let i = 0; i < cancelRuns; i++) {
      const baseline = await quietThreadCount();
      const listeners = [];
      const token = { isCancellationRequested: false, onCancellationRequested: (l) => { listeners.push(l); return { dispose() {} }; } };
      let busy;
      const started = new Promise(r => { busy = r; });
      const run = service.analyze(file, { maxRows: 1_000_000, seed: i }, { token, onProgress: () => busy() });
      await started;
      const t0 = performance.now();
      token.isCancellationRequested = true;
      for (const l of listeners) l();
      await run.catch(() => {});
      while (threadCount() > baseline && performance.now() - t0 < 20_000) await new Promise(r => setTimeout(r, 2));
      times.push(performance.now() - t0);
      service.invalidate(file);
    }
  } finally {
    service.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`\n== cancel: worker threads gone after ${median(times).toFixed(0)} ms (median of ${times.length}; max ${Math.max(...times).toFixed(0)} ms); target < ${CANCEL_TARGET_MS} ms`);
  return { medianMs: median(times), maxMs: Math.max(...times) };
}

const hostile = await hostileCorpus();
const cancel = await cancelLatency();
if (args.includes('--json')) fs.writeFileSync(args[args.indexOf('--json') + 1], JSON.stringify({ hostile, cancel }, null, 2));
