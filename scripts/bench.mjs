#!/usr/bin/env node
// `npm run bench`: our full exact analysis (the CLI, as a separate process) against the user's
// numpy one-liner `w = np.linalg.eigvalsh(np.cov(np.load(f), rowvar=False))`, on the same
// synthetic float32 .npy dumps, in the same run.
//
// Usage: node scripts/bench.mjs [--quick] [--cases 100000x768,20000x4096] [--runs N] [--warmup N]
//                               [--keep] [--no-numpy] [--no-build] [--json FILE]
//   --quick     small sizes, 1 run, no warm-up: a smoke test of well under a minute
//   --cases     only the named cases (ROWSxDIM, as printed); a case not in the list is run as given
//   --keep      keep the generated files in BENCH_DIR (reused by the next run with --keep)
//   BENCH_DIR   where the dumps are written (default: a new directory under os.tmpdir())
//
// Files are generated in chunks (never the whole array in memory) with a power-law spectrum
// λ_k ∝ k^-1, mixed by random plane rotations so that no axis is special, plus a mean offset.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};

const quick = flag('--quick');
const FULL_CASES = ['100000x768', '100000x1024', '20000x4096', '600000x1024'];
const QUICK_CASES = ['20000x384', '4000x1024'];
const caseNames = (option('--cases', null)?.split(',') ?? (quick ? QUICK_CASES : FULL_CASES)).map(s => s.trim()).filter(Boolean);
const runsWanted = Number(option('--runs', quick ? 1 : 3));
const warmupWanted = Number(option('--warmup', 1));
const keep = flag('--keep');
const useNumpy = !flag('--no-numpy');
const jsonOut = option('--json', null);

/** Files over this size are run once after no warm-up unless --runs says otherwise: each run reads gigabytes. */
const BIG_FILE_BYTES = 1.5e9;

const log = (s = '') => process.stdout.write(s + '\n');

// ---- environment -----------------------------------------------------------------

function sh(cmd, cmdArgs, opts = {}) {
  return spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
}

function machineInfo() {
  const lscpu = sh('lscpu', []);
  const model = /Model name:\s*(.*)/.exec(lscpu.stdout ?? '')?.[1] ?? os.cpus()[0]?.model ?? '?';
  return { cpus: os.cpus().length, model, memGiB: (os.totalmem() / 2 ** 30).toFixed(1), node: process.version };
}

/** numpy's process runs without the OpenBLAS overrides some environments set (they slow current numpy down). */
const numpyEnv = { ...process.env };
const unsetForNumpy = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'].filter(k => k in numpyEnv);
for (const k of unsetForNumpy) delete numpyEnv[k];

function findNumpy() {
  if (!useNumpy) return null;
  const r = sh('python3', ['-c', 'import numpy, sys; print(numpy.__version__)'], { env: numpyEnv });
  return r.status === 0 ? r.stdout.trim() : null;
}

// ---- synthetic dumps ---------------------------------------------------------------

/** mulberry32: a small seeded generator, uniform in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function npyHeader(rows, dim) {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(total, 0x20);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header, 0);
  header.writeUInt16LE(total - 10, 8);
  header.write(dict, 10, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

/**
 * Writes rows × dim float32 rows x = μ + Q·diag(√λ)·z with z uniform of unit variance,
 * λ_k = k⁻¹ and Q a product of ⌈log₂ dim⌉ + 2 layers of random plane rotations on random pairs.
 */
function generateDump(file, rows, dim, seed = 1) {
  const rand = rng(seed * 7919 + dim);
  const layers = Math.ceil(Math.log2(dim)) + 2;
  const pairs = [];
  for (let l = 0; l < layers; l++) {
    const perm = Array.from({ length: dim }, (_, i) => i);
    for (let i = dim - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]]; }
    const p = new Int32Array(dim & ~1);
    for (let i = 0; i < p.length; i++) p[i] = perm[i];
    const c = new Float64Array(p.length / 2), s = new Float64Array(p.length / 2);
    for (let k = 0; k < c.length; k++) { const t = 2 * Math.PI * rand(); c[k] = Math.cos(t); s[k] = Math.sin(t); }
    pairs.push({ p, c, s });
  }
  const scale = new Float64Array(dim);
  for (let k = 0; k < dim; k++) scale[k] = Math.sqrt(3 / (k + 1)) * 0.5; // uniform on [-√3, √3] has unit variance
  const mu = new Float64Array(dim);
  for (let k = 0; k < dim; k++) mu[k] = 0.05 * Math.sin(k + 1);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, npyHeader(rows, dim));
    const chunkRows = Math.max(1, Math.floor((4 << 20) / (4 * dim)));
    const out = new Float32Array(chunkRows * dim);
    const z = new Float64Array(dim);
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const n = Math.min(chunkRows, rows - r0);
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < dim; k++) z[k] = (2 * rand() - 1) * scale[k];
        for (const { p, c, s } of pairs) {
          for (let k = 0; k < c.length; k++) {
            const i = p[2 * k], j = p[2 * k + 1];
            const a = z[i], b = z[j];
            z[i] = c[k] * a - s[k] * b;
            z[j] = s[k] * a + c[k] * b;
          }
        }
        const o = r * dim;
        for (let k = 0; k < dim; k++) out[o + k] = z[k] + mu[k];
      }
      fs.writeSync(fd, new Uint8Array(out.buffer, 0, n * dim * 4));
    }
  } finally {
    fs.closeSync(fd);
  }
}

// ---- runs --------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

let rssPreload;
/** A preload that writes the process's peak RSS (all threads) when it exits. */
function writeRssPreload(dir) {
  rssPreload = path.join(dir, 'rss-preload.cjs');
  fs.writeFileSync(rssPreload, `process.on('exit', () => {
  try {
    const u = process.resourceUsage();
    require('fs').writeFileSync(process.env.BENCH_RSS_OUT, JSON.stringify({ maxRSS: u.maxRSS, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  } catch {}
});\n`);
}

/** Our CLI as a separate process; wall time from spawn to exit. */
function runOurs(file, rows, dir) {
  const rssOut = path.join(dir, 'rss.txt');
  const t0 = performance.now();
  const r = sh(process.execPath, ['--require', rssPreload, path.join(ROOT, 'dist', 'cli.js'), 'analyze', file, '--json', '--max-rows', String(Math.max(2, rows))],
    { env: { ...process.env, BENCH_RSS_OUT: rssOut } });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`embdiag failed (${r.status}): ${r.stderr || r.stdout.slice(0, 2000)}`);
  const report = JSON.parse(r.stdout);
  const usage = JSON.parse(fs.readFileSync(rssOut, 'utf8'));
  return { wall, rssMB: usage.maxRSS / 1024, cpu: usage.cpu, report };
}

function runNumpy(file, dir, runs, warmup) {
  const eigOut = path.join(dir, 'numpy-eigs.f64');
  const r = sh('python3', [path.join(ROOT, 'scripts', 'bench_numpy.py'), file, eigOut, String(runs), String(warmup)], { env: numpyEnv });
  if (r.status !== 0) throw new Error(`numpy failed: ${r.stderr}`);
  const info = JSON.parse(r.stdout.trim().split('\n').pop());
  const buf = fs.readFileSync(eigOut);
  const eig = new Float64Array(buf.buffer, buf.byteOffset, buf.length / 8);
  return { info, eig: Float64Array.from(eig) };
}

/** Max |ours − numpy| / numpy over numpy's eigenvalues above 1e-12 × the largest (both sorted descending). */
function eigenDifference(ours, ref) {
  if (ours.length !== ref.length) return { maxRel: Infinity, compared: 0 };
  const floor = 1e-12 * Math.abs(ref[0]);
  let maxRel = 0;
  let compared = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(ref[i]) > floor)) continue;
    compared++;
    maxRel = Math.max(maxRel, Math.abs(ours[i] - ref[i]) / Math.abs(ref[i]));
  }
  return { maxRel, compared };
}

/** Time to the first (sampled) report, through the core's quick first pass (bundled from src on the fly). */
async function buildFirstReportProbe(dir) {
  const esbuild = await import('esbuild');
  const entry = path.join(dir, 'first-report-probe.ts');
  fs.writeFileSync(entry, `
import { analyzeFile } from ${JSON.stringify(path.join(ROOT, 'src/core/analysis/analyzeDump.ts'))};
const t0 = performance.now();
let first = -1, firstRows = 0, label = '';
let stop = false;
analyzeFile(process.argv[2], { maxRows: Number(process.argv[3]), seed: 0, quickFirstPass: true } as any, {
  onQuickReport: (r: any) => { first = performance.now() - t0; firstRows = r.rowsUsed; label = r.sampling.method; stop = true; },
  isCancelled: () => stop,
} as any).catch(() => undefined).finally(() => {
  process.stdout.write(JSON.stringify({ firstMs: first, firstRows, label }) + '\\n');
  process.exit(0);
});
`);
  const outfile = path.join(dir, 'first-report-probe.cjs');
  await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'silent', target: 'es2022' });
  return outfile;
}

function runFirstReport(probe, file, rows) {
  const t0 = performance.now();
  const r = sh(process.execPath, [probe, file, String(rows)]);
  const wall = performance.now() - t0;
  try {
    const out = JSON.parse(r.stdout.trim());
    // firstMs counts from the start of the analysis; add the process start-up measured around it
    return { ...out, processMs: wall };
  } catch {
    return { firstMs: -1, firstRows: 0, label: 'probe failed: ' + (r.stderr || r.stdout).slice(0, 300), processMs: wall };
  }
}

// ---- main ---------------------------------------------------------------------------

async function main() {
  const benchDir = process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-bench-'));
  fs.mkdirSync(benchDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'embdiag-bench-work-'));
  writeRssPreload(work);

  if (!flag('--no-build')) {
    const b = sh(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  const numpyVersion = findNumpy();
  const m = machineInfo();
  log(`embdiag bench — ${m.model}, ${m.cpus} CPUs, ${m.memGiB} GiB, node ${m.node}, numpy ${numpyVersion ?? 'not available (numpy side skipped)'}`);
  if (unsetForNumpy.length && numpyVersion) log(`note: ${unsetForNumpy.join(' and ')} unset for the numpy process (they slow current numpy down)`);
  log(`dumps in ${benchDir}${keep ? ' (kept)' : ' (deleted afterwards)'}; times are medians of ${runsWanted} run(s) after ${warmupWanted} warm-up(s), ours and numpy alternating (files over 1.5 GB: 1 run, no warm-up, unless --runs is given); on a shared machine expect noise`);
  log(`ours: wall time of \`node dist/cli.js analyze FILE --json --max-rows ROWS\` (process start to exit); numpy: np.load + np.cov + eigvalsh inside python (interpreter start-up not counted); CPU: all threads' user+system time (steadier than wall time on a busy machine; OpenBLAS's spin-waits count)`);

  const probe = await buildFirstReportProbe(work).catch(e => { log(`first-report probe unavailable: ${e.message}`); return null; });
  const results = [];
  for (const name of caseNames) {
    const mm = /^(\d+)x(\d+)$/.exec(name);
    if (!mm) { log(`skipping malformed case ${name} (expected ROWSxDIM)`); continue; }
    const rows = Number(mm[1]), dim = Number(mm[2]);
    const bytes = rows * dim * 4 + 128;
    const file = path.join(benchDir, `bench_${rows}x${dim}.npy`);
    const exists = fs.existsSync(file) && fs.statSync(file).size >= bytes - 128;
    if (!exists) {
      const free = fs.statfsSync(benchDir);
      const freeBytes = free.bavail * free.bsize;
      if (freeBytes < bytes * 1.2 + (1 << 30)) { log(`skipping ${name}: needs ${(bytes / 1e9).toFixed(2)} GB, ${(freeBytes / 1e9).toFixed(1)} GB free in ${benchDir}`); continue; }
      const tg = performance.now();
      generateDump(file, rows, dim);
      log(`generated ${name} (${(bytes / 1e9).toFixed(2)} GB) in ${((performance.now() - tg) / 1000).toFixed(1)} s`);
    }
    const big = bytes > BIG_FILE_BYTES && !option('--runs', null);
    const runs = big ? 1 : runsWanted;
    const warmup = big ? 0 : warmupWanted;
    try {
      // Ours and numpy alternate, run by run, so that both see the same load on a shared machine;
      // each numpy run is its own python process with one warm-up pass of its own (the first
      // LAPACK call of a process is slow), except on files over 1.5 GB.
      const ours = [];
      const nps = [];
      let npEig = null;
      for (let i = 0; i < warmup + runs; i++) {
        const r = runOurs(file, rows, work);
        if (i >= warmup) ours.push(r);
        if (numpyVersion) {
          const np = runNumpy(file, work, 1, big ? 0 : 1);
          if (i >= warmup) { nps.push(np.info); npEig = np.eig; }
        }
      }
      const report = ours[ours.length - 1].report;
      const res = {
        case: name, rows, dim, bytes,
        oursS: median(ours.map(r => r.wall)),
        oursCpuS: median(ours.map(r => r.cpu)),
        oursEigS: median(ours.map(r => r.report.timings.eigenMs / 1000)),
        oursReadS: median(ours.map(r => r.report.timings.readMs / 1000)),
        rssMB: Math.max(...ours.map(r => r.rssMB)),
        rssLimitMB: 300 + (16 * dim * dim) / 2 ** 20,
        sampled: report.sampling.sampled,
      };
      if (numpyVersion) {
        const t = nps.map(n => n.runs[0]);
        res.numpyS = median(t.map(x => x.total));
        res.numpyCpuS = median(t.map(x => x.cpu));
        res.numpyEigS = median(t.map(x => x.eig));
        res.numpyCovS = median(t.map(x => x.cov));
        res.ratio = median(ours.map((o, i) => o.wall / t[i].total));
        res.eigRatio = median(ours.map((o, i) => o.report.timings.eigenMs / 1000 / t[i].eig));
        res.blas = nps[0].blas;
        const diff = eigenDifference(report.eigenvalues, npEig);
        res.eigMaxRel = diff.maxRel;
        res.eigCompared = diff.compared;
      }
      if (probe) {
        const fr = [];
        for (let i = 0; i < Math.max(1, Math.min(3, runs)); i++) fr.push(runFirstReport(probe, file, rows));
        res.firstMs = median(fr.map(f => f.firstMs));
        res.firstProcessMs = median(fr.map(f => f.processMs));
        res.firstRows = fr[0].firstRows;
        res.firstLabel = fr[0].label;
      }
      results.push(res);
      printCase(res);
    } finally {
      if (!keep) fs.rmSync(file, { force: true });
    }
  }
  const blas = results.find(r => r.blas)?.blas;
  if (blas) log(`\nnumpy's BLAS: ${JSON.stringify(blas)}`);
  printTargets(results);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ machine: m, numpy: numpyVersion, results }, null, 2));
  fs.rmSync(work, { recursive: true, force: true });
  if (!keep && !process.env.BENCH_DIR) fs.rmSync(benchDir, { recursive: true, force: true });
}

const f2 = (x) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));

function printCase(r) {
  log('');
  log(`== ${r.case} float32 (${(r.bytes / 1e9).toFixed(2)} GB)${r.sampled ? ' [SAMPLED — not the exact analysis]' : ''}`);
  log(`   ours   ${f2(r.oursS)} s wall, ${f2(r.oursCpuS)} s CPU (read+stats ${f2(r.oursReadS)} s, eigenvalues ${f2(r.oursEigS)} s), peak RSS ${r.rssMB.toFixed(0)} MB (limit ${r.rssLimitMB.toFixed(0)} MB)`);
  if (r.numpyS !== undefined) {
    log(`   numpy  ${f2(r.numpyS)} s wall, ${f2(r.numpyCpuS)} s CPU (cov ${f2(r.numpyCovS)} s, eigvalsh ${f2(r.numpyEigS)} s)`);
    log(`   ratio  ${f2(r.ratio)}x total, ${f2(r.eigRatio)}x eigenvalues (medians of the run-by-run ratios); max relative eigenvalue difference ${r.eigMaxRel.toExponential(2)} over ${r.eigCompared} eigenvalues above 1e-12·λmax`);
  }
  if (r.firstMs !== undefined) log(`   first report ${r.firstMs >= 0 ? r.firstMs.toFixed(0) + ' ms' : 'none'} after the analysis started (${r.firstProcessMs.toFixed(0)} ms for the whole probe process incl. start-up), ${r.firstRows} rows: ${r.firstLabel}`);
}

function printTargets(results) {
  log('');
  log('== targets');
  const verdict = (ok) => (ok === undefined ? 'n/a ' : ok ? 'MET ' : 'MISSED');
  for (const r of results) {
    const lines = [];
    if ((r.dim === 768 || r.dim === 1024) && r.rows >= 100_000 && r.rows <= 200_000 && r.numpyS !== undefined) lines.push(`1 total ≤ 1.5x numpy: ${f2(r.ratio)}x ${verdict(r.ratio <= 1.5)}`);
    if (r.dim >= 4096 && r.numpyEigS !== undefined) lines.push(`2 eigenvalues ≤ 3x numpy eigvalsh: ${f2(r.eigRatio)}x ${verdict(r.eigRatio <= 3)}`);
    lines.push(`3 peak RSS ≤ ${r.rssLimitMB.toFixed(0)} MB: ${r.rssMB.toFixed(0)} MB ${verdict(r.rssMB <= r.rssLimitMB)}`);
    if (r.firstMs !== undefined) lines.push(`4 first report ≤ 1 s: ${r.firstMs >= 0 ? (r.firstMs / 1000).toFixed(2) + ' s' : 'none'} ${verdict(r.firstMs >= 0 && r.firstMs <= 1000)}`);
    if (r.eigMaxRel !== undefined) lines.push(`eigenvalues vs numpy ≤ 1e-6 relative: ${r.eigMaxRel.toExponential(2)} ${verdict(r.eigMaxRel <= 1e-6)}`);
    log(`   ${r.case}: ${lines.join('; ')}`);
  }
  const ext = path.join(ROOT, 'dist', 'extension.js');
  if (fs.existsSync(ext)) {
    const size = fs.statSync(ext).size;
    log(`   5 main bundle dist/extension.js ${(size / 1e6).toFixed(2)} MB ≤ 1.5 MB ${verdict(size <= 1.5e6)} (hover and activation times are not measured by this script)`);
  }
}

main().catch(e => { console.error(e); process.exitCode = 1; });
