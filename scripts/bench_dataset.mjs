#!/usr/bin/env node
// The dataset figures of issue #14, each a ratio (or a time) measured in this run on data generated
// here (scripts/bench_dumps.mjs) and deleted afterwards:
//  (a) 16 shards of 100,000 × 768 float32 against one file of the same rows: throughput ratio
//      (time of the file / time of the shards; target ≥ 0.9); the shards are byte slices of the file.
//  (b) one shard added to a dataset whose partials are cached (--cache) against that shard analysed
//      alone (its statistics plus one eigendecomposition): time ratio (target ≤ 1.2).
//  (c) merging 1,000 partials of d = 1,024 as they come (PartialMerger, in a process of its own):
//      time (target ≤ 10 s) and peak RSS (bounded: O(log n) partials of 8 MiB are held).
// Every analysis is `node dist/cli.js analyze ... --json` in its own process (wall time, spawn to exit;
// peak RSS of all its threads). (c) loads the tsc build (out/, `npm run compile-tests`).
//
// Usage: node scripts/bench_dataset.mjs [--dataset-scale S] [--merge-partials N] [--runs N] [--no-build]
//   --dataset-scale S  rows per shard 100,000 × S (default 1: 16 × 307 MB of shards plus the file, ~10 GB
//                      of disk at peak; 0.1 is a smoke test of about a minute)
//   --merge-partials N partials merged in (c) (default 1,000 × S, at least 10)
//   --runs N           runs of each timing, the median reported (default 1); shards and file alternate
//   BENCH_DIR          where the files are written (default: a new directory under os.tmpdir())
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDump, npyHeader } from './bench_dumps.mjs';
import { optionReader } from './scriptArgs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = optionReader(args);
const scale = Number(option('--dataset-scale', 1));
const SHARDS = 16, DIM = 768, MERGE_DIM = 1024;
const shardRows = Math.max(2, Math.round(100_000 * scale));
const mergeCount = Number(option('--merge-partials', Math.max(10, Math.round(1000 * scale))));
const runs = Math.max(1, Number(option('--runs', 1)));
const log = (s = '') => process.stdout.write(s + '\n');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function sh(cmd, cmdArgs, opts = {}) {
  return spawnSync(cmd, cmdArgs, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A node process with a preload that reports its peak RSS (all threads) and CPU time at exit. */
function timed(work, nodeArgs) {
  const rssOut = path.join(work, 'rss.json');
  const t0 = performance.now();
  const r = sh(process.execPath, ['--require', path.join(work, 'rss-preload.cjs'), ...nodeArgs], { env: { ...process.env, BENCH_RSS_OUT: rssOut } });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${nodeArgs.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr || r.stdout.slice(0, 2000)}`);
  const usage = JSON.parse(fs.readFileSync(rssOut, 'utf8'));
  return { wall, rssMB: usage.maxRSS / 1024, cpu: usage.cpu, stdout: r.stdout };
}

const analyze = (work, targets, extra = []) => {
  const r = timed(work, [CLI, 'analyze', ...targets, '--json', ...extra]);
  return { ...r, report: JSON.parse(r.stdout) };
};

/** The shards as byte slices of the single file: the same rows, in the same order. */
function splitIntoShards(file, dir, shards, rows, dim) {
  const header = npyHeader(rows * shards, dim).length;
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(rows * dim * 4, 16 << 20));
    for (let s = 0; s < shards; s++) {
      const out = fs.openSync(path.join(dir, `part-${String(s).padStart(5, '0')}.npy`), 'w');
      fs.writeSync(out, npyHeader(rows, dim));
      const start = header + s * rows * dim * 4, end = start + rows * dim * 4;
      for (let p = start; p < end; p += buf.length) {
        const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - p), p);
        fs.writeSync(out, buf, 0, n);
      }
      fs.closeSync(out);
    }
  } finally {
    fs.closeSync(fd);
  }
}

const maxRelDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]) / Math.max(Math.abs(b[i]), 1e-300 + Math.abs(b[0]) * 1e-12)), 0);

function mergeFigure(work) {
  // (c) in its own process, so that its peak RSS is its own
  const script = path.join(work, 'merge.cjs');
  fs.writeFileSync(script, `
const { PartialMerger } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'core', 'dataset', 'partial.js'))});
const { partialOfRows } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'core', 'dataset', 'shardPartial.js'))});
const [n, dim] = [Number(process.argv[2]), Number(process.argv[3])];
const merger = new PartialMerger();
let mergeMs = 0, makeMs = 0, seed = 1;
const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
for (let i = 0; i < n; i++) {
  // each partial made when needed (as read from its .embstats) and dropped once merged
  let t = performance.now();
  const rows = new Float64Array(4 * dim).map((_, k) => rand() * (1 + (k % dim) / dim));
  const p = partialOfRows(rows, 4, dim, 4 * i, { seed: 0, file: 'p' + i });
  makeMs += performance.now() - t;
  t = performance.now();
  merger.add(p);
  mergeMs += performance.now() - t;
}
let t = performance.now();
const result = merger.result();
mergeMs += performance.now() - t;
process.stdout.write(JSON.stringify({ mergeS: mergeMs / 1000, makeS: makeMs / 1000, count: result.count }));
`);
  const r = timed(work, [script, String(mergeCount), String(MERGE_DIM)]);
  return { ...JSON.parse(r.stdout), rssMB: r.rssMB, wall: r.wall };
}

async function main() {
  const benchDir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ? path.resolve(process.env.BENCH_DIR) : os.tmpdir(), 'embdiag-dataset-bench-'));
  const work = path.join(benchDir, 'work');
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(work, 'rss-preload.cjs'), `process.on('exit', () => {
  try {
    const u = process.resourceUsage();
    require('fs').writeFileSync(process.env.BENCH_RSS_OUT, JSON.stringify({ maxRSS: u.maxRSS, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  } catch {}
});\n`);
  try {
    if (!args.includes('--no-build')) {
      for (const [cmd, a] of [[process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')]], ['npx', ['tsc', '-p', '.']]]) {
        const b = sh(cmd, a, { cwd: ROOT });
        if (b.status !== 0) throw new Error(`build failed: ${b.stderr || b.stdout}`);
      }
    }
    const bytes = SHARDS * shardRows * DIM * 4;
    log(`\n== datasets (issue #14), scale ${scale}: ${SHARDS} shards of ${shardRows.toLocaleString('en-US')} × ${DIM} float32 (${(bytes / 1e9).toFixed(2)} GB in all), ${os.cpus().length} CPUs, load average ${os.loadavg().map(x => x.toFixed(1)).join(' ')}; median of ${runs} run(s); files in ${benchDir} (deleted afterwards)`);
    const free = fs.statfsSync(benchDir);
    if (free.bavail * free.bsize < 2.2 * bytes + (1 << 30)) throw new Error(`needs ${(2.2 * bytes / 1e9).toFixed(1)} GB free in ${benchDir}; try a smaller --dataset-scale`);
    const single = path.join(benchDir, 'all.npy');
    const shardDir = path.join(benchDir, 'shards');
    fs.mkdirSync(shardDir);
    let t = performance.now();
    generateDump(single, SHARDS * shardRows, DIM);
    splitIntoShards(single, shardDir, SHARDS, shardRows, DIM);
    log(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // (a) alternating, so that both see the same load
    const a = { shards: [], file: [] };
    for (let i = 0; i < runs; i++) {
      a.shards.push(analyze(work, [shardDir]));
      a.file.push(analyze(work, [single, '--max-rows', String(SHARDS * shardRows)]));
    }
    const ts = median(a.shards.map(r => r.wall)), tf = median(a.file.map(r => r.wall));
    const eigDiff = maxRelDiff(a.shards[0].report.eigenvalues.slice(0, 50), a.file[0].report.eigenvalues.slice(0, 50));
    log(`(a) ${SHARDS} shards ${ts.toFixed(2)} s (CPU ${median(a.shards.map(r => r.cpu)).toFixed(1)} s, peak RSS ${Math.max(...a.shards.map(r => r.rssMB)).toFixed(0)} MB) ` +
      `vs one file ${tf.toFixed(2)} s (CPU ${median(a.file.map(r => r.cpu)).toFixed(1)} s, peak RSS ${Math.max(...a.file.map(r => r.rssMB)).toFixed(0)} MB): ` +
      `throughput ratio ${(tf / ts).toFixed(2)}× (target ≥ 0.9×; by CPU time ${(median(a.file.map(r => r.cpu)) / median(a.shards.map(r => r.cpu))).toFixed(2)}×); top-50 eigenvalues agree to ${eigDiff.toExponential(1)}`);

    if (runs > 1) log(`    each run (file / shards, wall): ${a.file.map((f, i) => (f.wall / a.shards[i].wall).toFixed(2)).join(', ')}; by CPU time: ${a.file.map((f, i) => (f.cpu / a.shards[i].cpu).toFixed(2)).join(', ')}`);

    // (b) the cache holds the 16 shards' partials; a 17th shard arrives
    const cache = path.join(benchDir, 'cache');
    analyze(work, [shardDir, '--cache', cache]);
    const added = path.join(shardDir, `part-${String(SHARDS).padStart(5, '0')}.npy`);
    generateDump(added, shardRows, DIM, 2);
    const b = { dataset: [], alone: [] };
    for (let i = 0; i < runs; i++) {
      // a copy of the cache each run: the dataset run caches the new shard too
      const c = path.join(benchDir, `cache-${i}`);
      fs.cpSync(cache, c, { recursive: true });
      b.dataset.push(analyze(work, [shardDir, '--cache', c]));
      b.alone.push(analyze(work, [added, '--max-rows', String(shardRows)]));
    }
    const tb = median(b.dataset.map(r => r.wall)), ta = median(b.alone.map(r => r.wall));
    log(`(b) ${SHARDS} cached shards + 1 new ${tb.toFixed(2)} s vs the new shard alone ${ta.toFixed(2)} s: ratio ${(tb / ta).toFixed(2)}× (target ≤ 1.2×; by CPU time ${(median(b.dataset.map(r => r.cpu)) / median(b.alone.map(r => r.cpu))).toFixed(2)}×)`);

    if (runs > 1) log(`    each run (dataset / alone, wall): ${b.dataset.map((d, i) => (d.wall / b.alone[i].wall).toFixed(2)).join(', ')}; by CPU time: ${b.dataset.map((d, i) => (d.cpu / b.alone[i].cpu).toFixed(2)).join(', ')}`);

    // (c)
    const c = mergeFigure(work);
    log(`(c) merging ${mergeCount.toLocaleString('en-US')} partials of d = ${MERGE_DIM}: ${c.mergeS.toFixed(2)} s of merging (target ≤ 10 s for 1,000; making them: ${c.makeS.toFixed(1)} s), ` +
      `peak RSS ${c.rssMB.toFixed(0)} MB (each partial ${(8 * MERGE_DIM * MERGE_DIM / 2 ** 20).toFixed(0)} MiB; at most ⌈log₂ n⌉ + 2 = ${Math.ceil(Math.log2(mergeCount)) + 2} held)`);
  } finally {
    fs.rmSync(benchDir, { recursive: true, force: true });
  }
}

main().catch(e => { console.error(e.message ?? e); process.exitCode = 1; });
