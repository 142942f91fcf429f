/**
 * The covariance kernel's standalone speed, for `npm run bench` (issue #17: "the ratio of our
 * kernel time to its standalone peak"): the same WebAssembly statistics as the analysis
 * (WasmStatistics, float32 rows, its default worker threads, the analysis's block size, duplicate
 * hashing on) over ROWS × DIM rows held in memory: no file, no reader, no eigenvalues.
 * One warm-up pass (kernel compile, worker start; the workers are pooled and reused by the timed
 * pass), then one timed pass: constructor to finish(), the covariance assembled.
 *   npx esbuild test/bench/kernelPeak.ts --bundle --platform=node --outfile=/tmp/kp.cjs && node /tmp/kp.cjs 100000 1024
 * Prints one JSON line.
 */
import { WasmStatistics } from '../../src/core/stats/wasmStatistics';
import { kernelsAreRelaxed } from '../../src/core/linalg/wasmKernels';
import { wasmBlockRows } from '../../src/core/analysis/statisticsPass';
import { createRng } from '../../src/core/stats/rowSampler';

const rows = Number(process.argv[2]);
const dim = Number(process.argv[3]);
const blockRows = wasmBlockRows('float32', dim);
const rng = createRng(1);
const base = new Float32Array(blockRows * dim);
for (let i = 0; i < base.length; i++) base[i] = 0.25 + rng() - 0.5;

/** Seconds for one pass over n rows; each block is a fresh copy (add() takes ownership), its first column shifted so that no row repeats. */
async function pass(n: number): Promise<{ seconds: number; cpuSeconds: number; threads: number }> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage(); // every thread of the process, the workers' included
  const st = new WasmStatistics(dim, { maxBlockRows: blockRows });
  for (let r = 0, b = 0; r < n; r += blockRows, b++) {
    const k = Math.min(blockRows, n - r);
    const block = base.slice(0, k * dim);
    for (let i = 0; i < k; i++) block[i * dim] += b;
    await st.add(block, k);
  }
  const result = await st.finish();
  if (result.count !== n) throw new Error(`counted ${result.count} rows of ${n}`);
  const cpu = process.cpuUsage(cpuStarted);
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, threads: st.threads };
}

async function main(): Promise<void> {
  await pass(Math.min(rows, 2 * blockRows));
  const { seconds, cpuSeconds, threads } = await pass(rows);
  const multiplyAdds = rows * dim * (dim + 1) / 2;
  process.stdout.write(JSON.stringify({ rows, dim, blockRows, seconds, cpuSeconds, threads, relaxedSimd: kernelsAreRelaxed(), gfmaPerSecond: multiplyAdds / seconds / 1e9 }) + '\n');
  process.exit(0); // pooled idle workers are unreferenced, but do not wait for them
}

main().catch(e => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exit(1); });
