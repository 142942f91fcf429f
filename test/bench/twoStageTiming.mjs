#!/usr/bin/env node
// Hand-run timing of the eigenvalue reductions (no assertions; not part of any test run):
// symmetricEigenvalues with the one-stage reduction that is the default at that size without the
// two-stage one (fused below BLOCKED_REDUCTION_MIN, else blocked on two threads) against the
// two-stage one ('two-stage', given band widths), and numpy's eigvalsh on the same matrix (a
// separate /usr/bin/python3 process, its own eigvalsh time only), alternating, --runs rounds.
//   node test/bench/twoStageTiming.mjs [--dim 4096] [--runs 3] [--bandwidths 32] [--python /usr/bin/python3]
// The matrix: the sample covariance of 2·dim standard normal rows (numpy, seed 1), kept as raw
// float64 in a temporary file that both sides read. Times: CPU seconds of the process (steadier
// than wall time on a shared machine; both threads count) and wall seconds.
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
const dim = Number(option('--dim', '4096'));
const runs = Number(option('--runs', '3'));
const bandwidths = String(option('--bandwidths', '32')).split(',').map(Number);
const python = option('--python', '/usr/bin/python3');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'two-stage-timing-'));
const outfile = path.join(dir, 'eigen.cjs');
await esbuild.build({
  stdin: { contents: "export { symmetricEigenvalues, BLOCKED_REDUCTION_MIN } from './src/core/linalg/symmetricEigenvalues';", resolveDir: root, loader: 'ts' },
  bundle: true, platform: 'node', format: 'cjs', outfile, logLevel: 'error',
});
const { symmetricEigenvalues, BLOCKED_REDUCTION_MIN } = createRequire(import.meta.url)(outfile);
const matrixFile = path.join(dir, 'covariance.f64');
const numpy = (task) => execFileSync(python, ['-c', `
import numpy as np, sys, time
n = ${dim}
if '${task}' == 'make':
    x = np.random.default_rng(1).standard_normal((2 * n, n))
    np.cov(x, rowvar=False).astype('<f8').tofile(sys.argv[1])
else:
    a = np.fromfile(sys.argv[1]).reshape(n, n)
    c, w = time.process_time(), time.perf_counter()
    ev = np.linalg.eigvalsh(a)
    print(time.process_time() - c, time.perf_counter() - w)
    np.sort(ev)[::-1].astype('<f8').tofile(sys.argv[1] + '.eig')
`, matrixFile], { encoding: 'utf8' }).trim().split(' ').map(Number);
numpy('make');
const bytes = fs.readFileSync(matrixFile);
const a = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
console.log(machineLine(machineInfo()));

function ours(options) {
  const c = process.cpuUsage(), w = performance.now();
  const ev = symmetricEigenvalues(a, dim, options);
  const cu = process.cpuUsage(c);
  return { cpu: (cu.user + cu.system) / 1e6, wall: (performance.now() - w) / 1e3, ev };
}
const oneStage = dim >= BLOCKED_REDUCTION_MIN ? 'two-threads' : 'fused';
const variants = [[`one-stage (${oneStage})`, { reduction: oneStage }], ...bandwidths.map(b => [`two-stage nb=${b}`, { reduction: 'two-stage', bandwidth: b }])];
for (let round = 1; round <= runs; round++) {
  const [npCpu, npWall] = numpy('eig');
  const ref = new Float64Array(fs.readFileSync(matrixFile + '.eig').buffer.slice(0));
  console.log(`round ${round}: numpy eigvalsh cpu ${npCpu.toFixed(2)} s wall ${npWall.toFixed(2)} s`);
  for (const [name, options] of round % 2 ? variants : [...variants].reverse()) {
    const r = ours(options);
    let err = 0;
    for (let i = 0; i < dim; i++) err = Math.max(err, Math.abs(r.ev[i] - ref[i]));
    console.log(`  ${name}: cpu ${r.cpu.toFixed(2)} s wall ${r.wall.toFixed(2)} s (wall ${(r.wall / npWall).toFixed(2)}× numpy; max |Δλ|/λmax ${(err / ref[0]).toExponential(1)})`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
