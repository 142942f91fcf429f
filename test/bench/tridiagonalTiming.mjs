#!/usr/bin/env node
// Hand-run timing of the tridiagonal eigenvalue step (no assertions; not part of any test run):
// the current src/core/linalg/tridiagonalEigenvalues.ts against the one of an older commit, in the
// same process, alternating, median of --runs rounds. Both are bundled with esbuild around the same
// symmetricEigenvalues (the old bundle resolves ./tridiagonalEigenvalues to the old commit's file).
//   node test/bench/tridiagonalTiming.mjs [--old REV] [--dim 4096] [--rows 6000] [--runs 5] [--full-runs 3]
//   --old  the commit whose tridiagonalEigenvalues.ts is "old" (default: the square-root QL, 60f5e34)
//   --cache FILE  keep the covariance (raw float64) in FILE and reuse it when it is there (same --dim)
// The matrix: the sample covariance of --rows rows x = W·z + noise (W: dim × 48, noise isotropic),
// the spectrum of an embedding dump (a few large directions above a Marchenko–Pastur bulk). Its
// Householder reduction (the WebAssembly one) gives the tridiagonal both versions are timed on.
// Times: CPU seconds of this process (steadier than wall time on a shared machine) and wall seconds.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { optionReader } from '../../scripts/scriptArgs.mjs';
import { machineInfo, machineLine } from '../../scripts/bench_machine.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const option = optionReader(process.argv.slice(2));
const oldRev = option('--old', '60f5e3425b6f5c81c1cc4b7f647d51caf5cc2d11');
const dim = Number(option('--dim', '4096'));
const rows = Number(option('--rows', '6000'));
const runs = Number(option('--runs', '5'));
const fullRuns = Number(option('--full-runs', '3'));
const cache = option('--cache', null);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tridiagonal-timing-'));
const oldSource = path.join(dir, 'oldTridiagonalEigenvalues.ts');
fs.writeFileSync(oldSource, execFileSync('git', ['show', `${oldRev}:src/core/linalg/tridiagonalEigenvalues.ts`], { cwd: root }));
const entry = [
  "export { symmetricEigenvalues, EigenWorkspace } from './src/core/linalg/symmetricEigenvalues';",
  "export { tridiagonalEigenvalues } from './src/core/linalg/tridiagonalEigenvalues';",
  "export { StreamingStatistics } from './src/core/stats/streamingStatistics';",
  "export { createRng } from './src/core/stats/rowSampler';",
].join('\n');

/** A CommonJS bundle of the entry; `tridiagonalFile` replaces ./tridiagonalEigenvalues when given. */
async function bundle(name, tridiagonalFile) {
  const outfile = path.join(dir, `${name}.cjs`);
  const plugins = tridiagonalFile ? [{
    name: 'old-tridiagonal',
    setup(build) { build.onResolve({ filter: /\/tridiagonalEigenvalues$/ }, () => ({ path: tridiagonalFile })); },
  }] : [];
  await esbuild.build({ stdin: { contents: entry, resolveDir: root, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', outfile, plugins, logLevel: 'error' });
  return createRequire(import.meta.url)(outfile);
}

const current = await bundle('new');
const old = await bundle('old', oldSource);
console.log(machineLine(machineInfo()));
console.log(`old: ${oldRev}:src/core/linalg/tridiagonalEigenvalues.ts; new: the working tree`);

/** The sample covariance of rows x = W·z + noise (see the header). */
function covariance() {
  const rng = current.createRng(7);
  const rank = 48;
  const w = new Float64Array(dim * rank);
  for (let i = 0; i < w.length; i++) w[i] = (rng() - 0.5) * 4;
  const stats = new current.StreamingStatistics(dim);
  const blockRows = 256;
  const block = new Float64Array(blockRows * dim);
  const z = new Float64Array(rank);
  for (let r = 0; r < rows; r += blockRows) {
    const count = Math.min(blockRows, rows - r);
    for (let k = 0; k < count; k++) {
      for (let j = 0; j < rank; j++) z[j] = rng() - 0.5;
      for (let i = 0; i < dim; i++) {
        let s = rng() - 0.5;
        for (let j = 0; j < rank; j++) s += w[i * rank + j] * z[j];
        block[k * dim + i] = s;
      }
    }
    stats.add(block.subarray(0, count * dim), count);
  }
  return stats.finish().covariance;
}

/** The reduction's tridiagonal (diagonal, off-diagonal e[i] coupling i and i+1) of a matrix, via EigenWorkspace's buffers. */
function tridiagonalOf(a) {
  const d = new Float64Array(dim);
  const e = new Float64Array(dim - 1);
  const ws = current.EigenWorkspace.create(dim);
  if (!ws) throw new Error('no WebAssembly SIMD');
  ws.matrix.set(a);
  const { k, ptrs } = Reflect.get(ws, 'r');
  ws.eigenvalues();
  d.set(new Float64Array(k.memory.buffer, ptrs.d, dim));
  e.set(new Float64Array(k.memory.buffer, ptrs.e, dim).subarray(1));
  return { d, e };
}

/** Wall and CPU (this process: user + system) seconds of f(). */
function seconds(f) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  f();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
}
const median = xs => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** `rounds` rounds of body(lib, label) for old and new, in alternating order; their medians, printed as `what`. */
function alternate(what, rounds, body, unit = 1, unitName = 's') {
  const times = { old: [], new: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [label, lib] of round % 2 ? [['new', current], ['old', old]] : [['old', old], ['new', current]]) {
      times[label].push(seconds(() => body(lib, label)));
    }
  }
  const line = kind => {
    const o = median(times.old.map(x => x[kind])) / unit;
    const n = median(times.new.map(x => x[kind])) / unit;
    return `${kind} old ${o.toPrecision(3)} ${unitName}, new ${n.toPrecision(3)} ${unitName}, old/new ${(o / n).toFixed(2)}`;
  };
  if (rounds > 0) console.log(`${what}, median of ${rounds}: ${line('cpu')}; ${line('wall')}`);
}

let started = performance.now();
const a = cache && fs.existsSync(cache) ? new Float64Array(fs.readFileSync(cache).buffer.slice(0)) : covariance();
if (a.length !== dim * dim) throw new Error(`${cache} does not hold a ${dim} × ${dim} matrix`);
if (cache && !fs.existsSync(cache)) fs.writeFileSync(cache, a);
console.log(`covariance ${rows} x ${dim}${cache ? ` (cache ${cache})` : ''}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
const t = tridiagonalOf(a);

const out = {};
let maxDiff = 0;
alternate(`tridiagonal step, n = ${dim}`, runs, (lib, label) => {
  const d = t.d.slice();
  lib.tridiagonalEigenvalues(d, t.e.slice());
  out[label] = d.sort();
  if (out.old && out.new) {
    let norm = 0;
    for (const x of out.old) norm = Math.max(norm, Math.abs(x));
    for (let i = 0; i < dim; i++) maxDiff = Math.max(maxDiff, Math.abs(out.old[i] - out.new[i]) / norm);
  }
});
console.log(`  max |λ_old − λ_new| / max|λ| = ${maxDiff.toExponential(2)}`);

for (const n of [3, 8, 64, 512]) {
  // Small orders: the leading n × n block of the same tridiagonal, many calls per round.
  const calls = Math.max(4, Math.round(4e6 / (n * n)));
  alternate(`tridiagonal step, n = ${n} (${calls} calls a round)`, runs, lib => {
    for (let r = 0; r < calls; r++) lib.tridiagonalEigenvalues(t.d.slice(0, n), t.e.slice(0, n - 1));
  }, 1e-6 * calls, 'µs');
}

alternate(`symmetricEigenvalues, d = ${dim} (CPU: both threads of the reduction)`, fullRuns, lib => lib.symmetricEigenvalues(a, dim));
fs.rmSync(dir, { recursive: true, force: true });
